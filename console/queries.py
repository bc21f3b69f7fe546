"""Read-only views of the database for operators: the dashboard, subscribers, messages.

Every function takes a SQLAlchemy session (and ``now`` where time matters) and returns
frozen dataclasses; the web console and the CLI are thin shells over them. Phone numbers
leave this module masked (``+1555***0123``); inbound bodies are never decrypted here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.errors import NotFound
from sms.errors import mask_phone
from storage.models import (
    ACTIVE,
    OPTED_OUT,
    PENDING,
    JournalEntry,
    Message,
    Recommendation,
    SafetyEvent,
    Subscriber,
)

DELIVERED = frozenset({"delivered"})
FAILED_STATUSES = frozenset({"failed", "undelivered"})


@dataclass(frozen=True)
class DayCount:
    day: date
    inbound: int
    outbound: int

    @property
    def total(self) -> int:
        return self.inbound + self.outbound


@dataclass(frozen=True)
class Dashboard:
    active: int
    pending: int
    opted_out: int
    per_day: tuple[DayCount, ...]
    outbound: int  # in the window
    delivered: int
    failed: int
    open_flags: int

    @property
    def settled(self) -> int:
        """Outbound messages whose final delivery status is known (delivered, failed, undelivered)."""
        return self.delivered + self.failed

    @property
    def awaiting(self) -> int:
        """Outbound messages still without a final status (queued, sent; the in-memory gateway never reports)."""
        return self.outbound - self.settled

    @property
    def delivery_rate(self) -> float | None:
        return self.delivered / self.settled if self.settled else None

    @property
    def failure_rate(self) -> float | None:
        return self.failed / self.settled if self.settled else None

    @property
    def opt_out_rate(self) -> float | None:
        """Opted out, of everyone who ever confirmed or left (pending people never joined)."""
        joined = self.active + self.opted_out
        return self.opted_out / joined if joined else None


def dashboard(session: Session, now: datetime, days: int = 14) -> Dashboard:
    """Counts for the dashboard; message figures cover the last ``days`` UTC days up to ``now``."""
    by_status = dict(session.execute(select(Subscriber.status, func.count()).group_by(Subscriber.status)).all())
    first_day = now.date() - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=now.tzinfo)
    rows = session.execute(
        select(Message.created_at, Message.direction, Message.status).where(
            Message.created_at >= since, Message.created_at <= now
        )
    ).all()
    inbound, outbound, statuses = Counter(), Counter(), Counter()
    for created, direction, status in rows:
        if direction == "in":
            inbound[created.date()] += 1
        else:
            outbound[created.date()] += 1
            statuses[status] += 1
    per_day = tuple(
        DayCount(d, inbound[d], outbound[d]) for d in (first_day + timedelta(days=i) for i in range(days))
    )
    open_flags = session.scalar(select(func.count()).select_from(SafetyEvent).where(SafetyEvent.status == "open"))
    return Dashboard(
        active=by_status.get(ACTIVE, 0),
        pending=by_status.get(PENDING, 0),
        opted_out=by_status.get(OPTED_OUT, 0),
        per_day=per_day,
        outbound=sum(outbound.values()),
        delivered=sum(statuses[s] for s in DELIVERED),
        failed=sum(statuses[s] for s in FAILED_STATUSES),
        open_flags=open_flags or 0,
    )


@dataclass(frozen=True)
class SubscriberRow:
    id: int
    phone: str  # masked
    status: str
    timezone: str
    daily_time: str
    paused_until: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class SubscriberDetail:
    subscriber: SubscriberRow
    consent_at: datetime | None
    opted_out_at: datetime | None
    pause_reason: str | None
    journal_entries: int
    messages_in: int
    messages_out: int
    recommendations: int
    ratings: int
    open_flags: int
    recent: tuple[MessageRow, ...]


@dataclass(frozen=True)
class MessageRow:
    id: int
    created_at: datetime
    direction: str
    phone: str  # masked
    kind: str
    status: str
    error_code: int | None
    body: str | None  # outbound text only; inbound bodies stay encrypted


def _subscriber_row(s: Subscriber) -> SubscriberRow:
    return SubscriberRow(
        id=s.id, phone=mask_phone(s.phone), status=s.status, timezone=s.timezone, daily_time=s.daily_time,
        paused_until=s.paused_until, created_at=s.created_at,
    )


def _message_row(m: Message) -> MessageRow:
    return MessageRow(
        id=m.id, created_at=m.created_at, direction=m.direction, phone=mask_phone(m.phone), kind=m.kind,
        status=m.status, error_code=m.error_code, body=m.body if m.direction == "out" else None,
    )


def list_subscribers(session: Session, status: str | None = None, limit: int = 500) -> list[SubscriberRow]:
    query = select(Subscriber).order_by(Subscriber.id).limit(limit)
    if status:
        query = query.where(Subscriber.status == status)
    return [_subscriber_row(s) for s in session.scalars(query)]


def find_subscriber(session: Session, key: str) -> Subscriber:
    """A subscriber by id (``12``) or E.164 number (``+15555550123``)."""
    key = key.strip()
    found = None
    if key.isdigit():
        found = session.get(Subscriber, int(key))
    elif key.startswith("+"):
        found = session.scalar(select(Subscriber).where(Subscriber.phone == key))
    if found is None:
        shown = mask_phone(key) if key.startswith("+") else key
        raise NotFound("subscriber", shown, "list them with `mend subscribers list`")
    return found


def subscriber_detail(session: Session, key: str, recent: int = 10) -> SubscriberDetail:
    s = find_subscriber(session, key)

    def count(model, *where):
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    messages = session.scalars(
        select(Message).where(Message.subscriber_id == s.id).order_by(Message.id.desc()).limit(recent)
    ).all()
    return SubscriberDetail(
        subscriber=_subscriber_row(s),
        consent_at=s.consent_at,
        opted_out_at=s.opted_out_at,
        pause_reason=s.pause_reason,
        journal_entries=count(JournalEntry, JournalEntry.subscriber_id == s.id),
        messages_in=count(Message, Message.subscriber_id == s.id, Message.direction == "in"),
        messages_out=count(Message, Message.subscriber_id == s.id, Message.direction == "out"),
        recommendations=count(Recommendation, Recommendation.subscriber_id == s.id),
        ratings=count(Recommendation, Recommendation.subscriber_id == s.id, Recommendation.feedback.is_not(None)),
        open_flags=count(SafetyEvent, SafetyEvent.subscriber_id == s.id, SafetyEvent.status == "open"),
        recent=tuple(_message_row(m) for m in reversed(messages)),
    )


def recent_messages(session: Session, limit: int = 20, after_id: int | None = None) -> list[MessageRow]:
    """The newest ``limit`` messages, oldest first; with ``after_id``, only newer ones (for --follow)."""
    query = select(Message).order_by(Message.id.desc()).limit(limit)
    if after_id is not None:
        query = select(Message).where(Message.id > after_id).order_by(Message.id.desc()).limit(limit)
    return [_message_row(m) for m in reversed(session.scalars(query).all())]
