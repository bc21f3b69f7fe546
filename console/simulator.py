"""The phone simulator: an operator texts Mend as a fictional test number (+1 555 555 01xx)
through the real inbound path and reads the conversation back from the database.

Only test numbers can be used here, so decrypting their inbound bodies for the chat view
never shows a real subscriber's words.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mend.services import Services
from storage.crypto import Cipher
from storage.models import Message

DEFAULT_SUFFIX = "42"
MAX_CHARS = 1600
_SUFFIX = re.compile(r"^\d{2}$")
_TEST_NUMBER = re.compile(r"^\+155555501\d{2}$")


def test_number(suffix: str) -> str | None:
    """"42" -> "+15555550142"; anything else -> None."""
    suffix = (suffix or "").strip()
    return f"+155555501{suffix}" if _SUFFIX.match(suffix) else None


def is_test_number(phone: str) -> bool:
    return bool(_TEST_NUMBER.match(phone or ""))


@dataclass(frozen=True)
class ChatLine:
    at: datetime
    direction: str  # in (from the simulated phone) | out (from Mend)
    kind: str
    status: str
    text: str


def conversation(session: Session, cipher: Cipher, phone: str, limit: int = 60) -> list[ChatLine]:
    if not is_test_number(phone):
        raise ValueError("the simulator only shows fictional test numbers (+1 555 555 01xx)")
    rows = session.scalars(
        select(Message).where(Message.phone == phone).order_by(Message.id.desc()).limit(limit)
    ).all()
    lines = []
    for m in reversed(rows):
        if m.direction == "in":
            try:
                text = cipher.decrypt(m.body_encrypted) if m.body_encrypted else ""
            except ValueError:
                text = "(cannot decrypt)"
        else:
            text = m.body or ""
        lines.append(ChatLine(m.created_at, m.direction, m.kind, m.status, text))
    return lines


def send(services: Services, phone: str, text: str):
    """Run one text through the real inbound path (``sms.conversation.handle_inbound``)."""
    if not is_test_number(phone):
        raise ValueError("the simulator only sends from fictional test numbers (+1 555 555 01xx)")
    from sms.conversation import handle_inbound

    sid = f"SMsim{uuid.uuid4().hex}"  # like a Twilio MessageSid, marked as simulated
    return handle_inbound(services, phone=phone, body=text, message_sid=sid, now=services.clock())
