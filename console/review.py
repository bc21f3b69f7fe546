"""The safety review queue: open crisis flags, decrypted only for the operator, resolved with a note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.errors import AlreadyResolved, BadInput, NotFound
from sms.errors import mask_phone
from storage.crypto import Cipher
from storage.models import SafetyEvent

MAX_NOTE = 2000


@dataclass(frozen=True)
class ReviewItem:
    id: int
    created_at: datetime
    phone: str  # masked
    subscriber_id: int | None
    category: str
    score: float
    reasons: tuple[str, ...]
    text: str  # decrypted; shown to the operator only, never logged
    status: str
    resolution_note: str | None
    resolved_at: datetime | None


def _item(event: SafetyEvent, cipher: Cipher) -> ReviewItem:
    try:
        text = cipher.decrypt(event.text_encrypted)
    except ValueError:
        text = "(cannot decrypt: this database was written with another MEND_ENCRYPTION_KEY)"
    return ReviewItem(
        id=event.id, created_at=event.created_at, phone=mask_phone(event.phone), subscriber_id=event.subscriber_id,
        category=event.category, score=event.score, reasons=tuple(str(r) for r in event.reasons or ()), text=text,
        status=event.status, resolution_note=event.resolution_note, resolved_at=event.resolved_at,
    )


def open_events(session: Session, cipher: Cipher, limit: int = 200) -> list[ReviewItem]:
    """Open flags, oldest first (the one waiting longest is reviewed first)."""
    events = session.scalars(
        select(SafetyEvent).where(SafetyEvent.status == "open").order_by(SafetyEvent.created_at, SafetyEvent.id)
        .limit(limit)
    )
    return [_item(e, cipher) for e in events]


def recently_resolved(session: Session, cipher: Cipher, limit: int = 20) -> list[ReviewItem]:
    events = session.scalars(
        select(SafetyEvent).where(SafetyEvent.status == "resolved").order_by(SafetyEvent.resolved_at.desc())
        .limit(limit)
    )
    return [_item(e, cipher) for e in events]


def resolve(session: Session, event_id: int, note: str, now: datetime) -> SafetyEvent:
    """Mark an open flag resolved with the operator's note; the caller commits."""
    note = (note or "").strip()
    if not note:
        raise BadInput("note", "say what was done, e.g. --note \"called back, safe, resources sent\"")
    if len(note) > MAX_NOTE:
        raise BadInput("note", f"at most {MAX_NOTE} characters (got {len(note)})")
    event = session.get(SafetyEvent, event_id)
    if event is None:
        raise NotFound("safety event", event_id, "see open ones with `mend safety queue`")
    if event.status != "open":
        raise AlreadyResolved(event_id)
    event.status = "resolved"
    event.resolution_note = note
    event.resolved_at = now
    return event
