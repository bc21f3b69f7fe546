"""The SMS gateway interface and its in-memory implementation (the embedded default).

``SmsGateway.send`` sends one message and returns the provider's SID, or raises
:class:`sms.errors.DeliveryError` (transient / permanent / outcome unknown).
``SmsGateway.lookup`` lists what the provider has for a recipient since a time, so a
send whose outcome is unknown can be reconciled rather than resent blindly.

The Twilio implementation lives in ``sms/twilio_gateway.py``.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sms.errors import mask_phone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboundSms:
    to: str
    body: str
    status_callback: str | None = None
    validity_period: int | None = None  # seconds; the provider drops it if undelivered by then


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str  # e.g. "queued"


@dataclass(frozen=True)
class ProviderMessage:
    """What the provider knows about an earlier send (for reconciliation)."""

    sid: str
    to: str
    body: str
    status: str
    date_created: datetime | None


class SmsGateway(Protocol):
    def send(self, message: OutboundSms) -> SendResult: ...

    def lookup(self, to: str, since: datetime) -> list[ProviderMessage]: ...


@dataclass
class InMemoryGateway:
    """Keeps sent messages in a list and prints a line per send (no credentials needed).

    ``now`` gives the timestamps recorded for lookup(); tests pass a fake clock.
    """

    now: callable = None
    echo: bool = False
    sent: list[ProviderMessage] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: OutboundSms) -> SendResult:
        with self._lock:
            sid = f"SM{next(self._ids):032x}"
            created = self.now() if self.now else None
            self.sent.append(ProviderMessage(sid, message.to, message.body, "queued", created))
        if self.echo:
            print(f"[sms -> {mask_phone(message.to)}] {message.body}")
        log.info("in-memory send %s to %s", sid, mask_phone(message.to))
        return SendResult(sid=sid, status="queued")

    def lookup(self, to: str, since: datetime) -> list[ProviderMessage]:
        with self._lock:
            return [m for m in self.sent if m.to == to and (m.date_created is None or m.date_created >= since)]
