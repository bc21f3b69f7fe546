"""Factories and in-memory parts shared by the scheduler tests (fictional 555-01xx numbers)."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime

from cryptography.fernet import Fernet

from scheduler.content import ListItem, ListRecommender
from sms.errors import DeliveryError
from sms.gateway import InMemoryGateway, OutboundSms, SendResult
from storage import Cipher, session_factory
from storage.models import ACTIVE, Subscriber

ITEMS = [
    ListItem("breathe-box", "self-care", "Try four slow breaths: in 4, hold 4, out 4, hold 4."),
    ListItem("walk-ten", "self-care", "A ten-minute walk outside can loosen a heavy day."),
    ListItem("kind-letter", "self-care", "Write yourself one kind sentence, as a friend would."),
    ListItem("text-a-friend", "social", "Send one friend a short hello today."),
    ListItem("share-a-meal", "social", "Could you share a meal or a coffee with someone this week?"),
]


def recommender() -> ListRecommender:
    return ListRecommender(ITEMS)


def cipher() -> Cipher:
    return Cipher(Fernet.generate_key())


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def phone(n: int) -> str:
    assert 0 <= n <= 99
    return f"+155555501{n:02d}"


def make_subscriber(session, n: int = 0, *, tz: str = "America/New_York", daily_time: str = "09:00",
                    status: str = ACTIVE, now: datetime | None = None, **fields) -> Subscriber:
    now = now or utc(2025, 1, 1)
    sub = Subscriber(phone=phone(n), status=status, timezone=tz, daily_time=daily_time,
                     consent_at=now, created_at=now, updated_at=now, **fields)
    session.add(sub)
    session.commit()
    return sub


def sessions_for(engine):
    return session_factory(engine)


class ScriptedGateway:
    """An in-memory gateway that fails as scripted per number, then delegates.

    Script entries: a DeliveryError-making callable ``(to) -> DeliveryError``, ``"ok"``, or
    ``"lost"`` (the provider accepts the message, but the answer never arrives: timeout after
    sending), or ``"crash"`` (accepted, then the dispatcher process dies before recording).
    """

    def __init__(self, clock=None):
        self.inner = InMemoryGateway(now=clock)
        self.script: dict[str, deque] = {}
        self.attempts: list[OutboundSms] = []

    def fail(self, to: str, *outcomes) -> None:
        self.script.setdefault(to, deque()).extend(outcomes)

    def send(self, message: OutboundSms) -> SendResult:
        self.attempts.append(message)
        queue = self.script.get(message.to)
        outcome = queue.popleft() if queue else "ok"
        if outcome == "ok":
            return self.inner.send(message)
        if outcome == "lost":
            self.inner.send(message)
            raise DeliveryError(to=message.to, code=None, transient=True, outcome_unknown=True, detail="read timeout")
        if outcome == "crash":
            self.inner.send(message)
            raise SystemExit("dispatcher killed between send and commit")
        raise outcome(message.to)

    def lookup(self, to, since):
        return self.inner.lookup(to, since)

    @property
    def sent(self):
        return self.inner.sent


def transient(code=20429):
    return lambda to: DeliveryError(to=to, code=code, transient=True)


def permanent(code):
    return lambda to: DeliveryError(to=to, code=code, transient=False)
