"""Reconciliation: settle sends whose outcome is unknown by asking the provider.

A row is in doubt when the gateway timed out after the request went out (status
``unknown``), or when a dispatcher crashed between sending and recording (a row left
``claimed`` for longer than ``scheduler.unknown_after_seconds``). Such a row is never
resent blindly: ``reconcile`` lists the provider's messages to that number since just
before the claim (Twilio's message list filtered by To and DateSent) and matches the
stored text:

- found: the row is ``sent`` with the provider's SID (and the Message/Recommendation rows);
- not found: back to ``planned`` to go out now, if still within the lateness window,
  else ``dropped``;
- the provider cannot be asked (``LookupFailed``): left as it is for the next run.

``unknown_after_seconds`` must exceed the gateway's request timeout, so a dispatcher that
is merely slow is not mistaken for a crashed one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from mend.config import Config
from scheduler.outbox import record_sent
from sms.errors import LookupFailed, mask_phone
from sms.gateway import SmsGateway
from storage.models import CLAIMED, DROPPED, PLANNED, UNKNOWN, Message, Outbox, Subscriber

log = logging.getLogger(__name__)

__all__ = ["reconcile", "ReconcileResult", "LOOKUP_MARGIN"]

LOOKUP_MARGIN = timedelta(minutes=2)  # clocks differ; look a little before the claim


@dataclass(frozen=True)
class ReconcileResult:
    stale: int = 0  # claimed rows too old, moved to unknown
    found: int = 0  # the provider had it: sent
    retried: int = 0  # not found, within lateness: planned again
    dropped: int = 0  # not found, too late
    deferred: int = 0  # the provider could not be asked; next run


def reconcile(sessions: sessionmaker[Session], gateway: SmsGateway, now: datetime, *, config: Config,
              limit: int = 500) -> ReconcileResult:
    """Settle unknown and stale-claimed rows against the provider's records (module docstring)."""
    now = now.astimezone(UTC)
    stale_before = now - timedelta(seconds=config.scheduler.unknown_after_seconds)
    lateness = timedelta(minutes=config.scheduler.max_lateness_minutes)
    with sessions() as session, session.begin():
        stale = session.execute(
            update(Outbox)
            .where(Outbox.status == CLAIMED, Outbox.claimed_at < stale_before)
            .values(status=UNKNOWN, last_error="claimed too long: dispatcher crashed or stalled", updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount or 0
        todo = session.execute(
            select(Outbox.id, Subscriber.phone)
            .join(Subscriber, Subscriber.id == Outbox.subscriber_id)
            .where(Outbox.status == UNKNOWN).order_by(Outbox.id).limit(limit)
        ).all()
    counts = {"found": 0, "retried": 0, "dropped": 0, "deferred": 0}
    for row_id, phone in todo:
        with sessions() as session, session.begin():
            row = session.get(Outbox, row_id)
            if row is None or row.status != UNKNOWN:
                continue
            match = None
            if row.body is not None:  # no text yet: it never reached the gateway
                since = (row.claimed_at or row.due_at) - LOOKUP_MARGIN
                try:
                    candidates = gateway.lookup(phone, since)
                except LookupFailed as exc:
                    log.warning("reconcile outbox %s (%s): lookup failed: %s", row_id, mask_phone(phone), exc)
                    counts["deferred"] += 1
                    continue
                known = set(session.scalars(
                    select(Message.twilio_sid).where(Message.twilio_sid.in_([c.sid for c in candidates]))
                )) if candidates else set()
                match = next((c for c in candidates if c.body == row.body and c.sid not in known), None)
            if match is not None:
                record_sent(session, row, phone=phone, sid=match.sid, status=match.status or "queued", now=now)
                counts["found"] += 1
            elif now <= row.due_at + lateness:
                row.status, row.next_attempt_at, row.claimed_by, row.updated_at = PLANNED, now, None, now
                row.last_error = "not found at the provider after an unknown outcome; retrying"
                counts["retried"] += 1
            else:
                row.status, row.claimed_by, row.updated_at = DROPPED, None, now
                row.last_error = "not found at the provider and past max_lateness_minutes"
                counts["dropped"] += 1
    return ReconcileResult(stale=stale, **counts)
