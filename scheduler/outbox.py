"""The outbox's state machine, shared by the planner, the dispatcher, reconciliation and
the inbound path.

Outbox rows move::

    planned --claim--> claimed --gateway ok--> sent
       ^                  |  \\--permanent--> failed
       |                  |   \\--transient--> planned (backoff) / failed (attempts exhausted)
       |                  |    \\--timeout / crash--> unknown --reconcile--> sent | planned | dropped
       |                  \\--re-check at send time--> cancelled | dropped | planned (quiet hours)
       +--(cancel_pending: STOP, pause, FORGET)--> cancelled

``sent``, ``failed``, ``cancelled`` and ``dropped`` are final. A row is only resent after
reconciliation has looked it up with the provider and not found it.

Delivery status of an outbound :class:`~storage.models.Message` only moves forward
(:func:`advance_delivery`): a late "sent" callback never overwrites "delivered".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from mend.config import parse_hhmm
from scheduler.localtime import local_instant
from storage.models import (
    CANCELLED,
    CLAIMED,
    DROPPED,
    FAILED,
    PLANNED,
    SENT,
    UNKNOWN,
    Message,
    Outbox,
    Recommendation,
    Subscriber,
)

__all__ = [
    "FINAL", "PENDING_STATUSES", "cancel_pending", "reschedule_pending", "record_sent", "record_sent_many", "Sent",
    "advance_delivery", "DELIVERY_ORDER", "local_day_bounds",
]

FINAL = frozenset({SENT, FAILED, CANCELLED, DROPPED})
PENDING_STATUSES = frozenset({PLANNED, CLAIMED, UNKNOWN})

# Twilio delivery states in the order they happen; the last three are all final.
DELIVERY_ORDER = {
    "received": 0, "accepted": 1, "scheduled": 1, "queued": 2, "sending": 3, "sent": 4,
    "delivered": 5, "undelivered": 5, "failed": 5, "read": 6, "canceled": 5,
}


def advance_delivery(current: str | None, new: str) -> str:
    """The delivery status after a callback saying ``new``: forward only, never back."""
    if current is None:
        return new
    if DELIVERY_ORDER.get(new, -1) > DELIVERY_ORDER.get(current, -1):
        return new
    return current


def cancel_pending(session: Session, subscriber_id: int, now: datetime, *, reason: str = "cancelled") -> int:
    """Cancel this subscriber's planned rows (STOP, PAUSE, FORGET). Returns how many.

    Rows a dispatcher has claimed are left alone: the dispatcher re-checks the subscriber
    just before sending and cancels them itself. Cancelled rows keep their unique key, so
    nothing is planned again for the same local day and slot.
    """
    result = session.execute(
        update(Outbox)
        .where(Outbox.subscriber_id == subscriber_id, Outbox.status == PLANNED)
        .values(status=CANCELLED, last_error=reason[:200], updated_at=now)
    )
    return result.rowcount or 0


def reschedule_pending(session: Session, subscriber: Subscriber, now: datetime) -> int:
    """After TIME or TZ changes: move not-yet-tried daily rows to the new local time.

    Rows already tried (attempts > 0) keep their time. Returns how many moved.
    """
    tz = ZoneInfo(subscriber.timezone)
    at = parse_hhmm(subscriber.daily_time)
    rows = session.scalars(
        select(Outbox).where(
            Outbox.subscriber_id == subscriber.id, Outbox.status == PLANNED,
            Outbox.attempts == 0, Outbox.slot.in_(("daily", "nudge")),
        )
    ).all()
    moved = 0
    for row in rows:
        due = local_instant(row.local_date, at, tz)
        if row.slot == "nudge":
            # Nudges keep their distance from the daily time; simply drop and let the planner redo them.
            session.execute(delete(Outbox).where(Outbox.id == row.id))
            moved += 1
            continue
        if due != row.due_at:
            row.due_at = due
            row.next_attempt_at = due
            row.updated_at = now
            moved += 1
    return moved


@dataclass(frozen=True)
class Sent:
    """One row the provider accepted: what :func:`record_sent_many` records."""

    row: Outbox
    phone: str
    sid: str
    status: str
    score: float | None = None


def record_sent(session: Session, row: Outbox, *, phone: str, sid: str, status: str, now: datetime,
                score: float | None = None) -> Message:
    """Mark ``row`` sent with ``sid`` and add the outbound Message (and Recommendation) rows."""
    return record_sent_many(session, [Sent(row, phone, sid, status, score)], now=now)[0]


def record_sent_many(session: Session, sent: Sequence[Sent], *, now: datetime) -> list[Message]:
    """:func:`record_sent` for many rows at once: the Message rows go in with one flush."""
    messages = []
    for s in sent:
        row = s.row
        row.status = SENT
        row.twilio_sid = s.sid
        row.sent_at = row.sent_at or now
        row.last_error = None
        row.updated_at = now
        msg = Message(
            subscriber_id=row.subscriber_id, direction="out", phone=s.phone, kind=row.kind, body=row.body,
            twilio_sid=s.sid, status=s.status or "queued", outbox_id=row.id, created_at=now, updated_at=now,
        )
        session.add(msg)
        messages.append(msg)
    session.flush()  # the Messages' ids, for the Recommendation rows
    for s, msg in zip(sent, messages, strict=True):
        row = s.row
        if row.item_id:
            session.add(Recommendation(
                subscriber_id=row.subscriber_id, item_id=row.item_id,
                kind="more" if row.slot == "more" else row.kind, score=s.score, sent_at=now,
                message_id=msg.id, outbox_id=row.id,
            ))
        if row.slot == "checkin":
            sub = session.get(Subscriber, row.subscriber_id)
            if sub is not None:
                sub.checkin_sent_at = now
    return messages


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where local ``day`` begins and the next one begins."""
    return local_instant(day, time(0, 0), tz), local_instant(day + timedelta(days=1), time(0, 0), tz)
