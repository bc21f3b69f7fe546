"""Dispatch: claim due outbox rows atomically, re-check the rules, send, record the SID.

``dispatch(...)`` runs in three short steps per batch, never holding a transaction
across a network call:

1. **Claim** (one transaction): ``UPDATE outbox SET status='claimed' ... WHERE id IN
   (SELECT id ... LIMIT n) RETURNING id``. On PostgreSQL the inner select is ``FOR
   UPDATE SKIP LOCKED``, so concurrent dispatchers claim disjoint rows without waiting
   for each other. On SQLite a write statement holds the database's single write lock
   from its first step, so the same statement is atomic there too (one writer at a
   time; a second process waits for the lock and then finds the rows claimed).
2. **Prepare** (one transaction per row): re-check at send time. Opted out or paused:
   cancelled (a crisis check-in goes out during its pause). Later than
   ``max_lateness_minutes`` after its due time: dropped. Inside quiet hours in the
   subscriber's zone: back to planned for when the window opens, or dropped if that is
   past the lateness. ``max_messages_per_day`` outbound messages already in their local
   day (replies included): dropped. Then the text is chosen (see ``planner``), stored on
   the row with ``attempts + 1`` and committed *before* the gateway is called: a crash
   from here on leaves a ``claimed`` row that reconciliation looks up, never resends blindly.
3. **Send** through the gateway at ``dispatch_rate_per_second`` (a :class:`RateLimiter`
   with an injectable clock and sleep) with a ValidityPeriod that ends before quiet hours
   begin, then **record** (one transaction): sent (SID, a Message row, a Recommendation
   row); transient error: planned again after exponential backoff with jitter, failed
   after ``max_attempts``; permanent error: failed (21610 also opts the subscriber out);
   outcome unknown (timeout after the request went out, any unexpected error): ``unknown``,
   for :func:`scheduler.reconcile.reconcile`.
"""

from __future__ import annotations

import logging
import random
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from mend.config import Config, parse_hhmm
from scheduler.content import Decrypts, Recommends, compose
from scheduler.localtime import is_quiet, local_instant, next_allowed
from scheduler.outbox import cancel_pending, local_day_bounds, record_sent
from sms.errors import OPTED_OUT as ERR_OPTED_OUT
from sms.errors import DeliveryError, mask_phone
from sms.gateway import OutboundSms, SmsGateway
from storage.models import (
    ACTIVE,
    CANCELLED,
    CLAIMED,
    DROPPED,
    FAILED,
    OPTED_OUT,
    PLANNED,
    UNKNOWN,
    Message,
    Outbox,
    Subscriber,
)

log = logging.getLogger(__name__)

__all__ = ["dispatch", "claim", "DispatchResult", "RateLimiter", "backoff_delay", "validity_seconds"]


@dataclass(frozen=True)
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0  # transient error: planned again with backoff
    failed: int = 0  # permanent error or attempts exhausted
    unknown: int = 0  # outcome unknown: left for reconciliation
    deferred: int = 0  # quiet hours: planned again for when the window opens
    dropped: int = 0  # too late, or over the daily cap
    cancelled: int = 0  # opted out or paused


class RateLimiter:
    """At most ``rate`` calls a second: ``wait()`` sleeps until the next call may go."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = _time.monotonic,
                 sleep: Callable[[float], None] = _time.sleep):
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = None

    def wait(self) -> None:
        now = self._clock()
        if self._next is not None and self._next > now:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


def backoff_delay(attempts: int, base_seconds: float, rng: random.Random) -> timedelta:
    """Exponential backoff with "equal jitter": half the doubled delay fixed, half random."""
    delay = base_seconds * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay / 2 + rng.random() * delay / 2)


def validity_seconds(now: datetime, tz: ZoneInfo, config: Config) -> int:
    """Twilio ValidityPeriod: the configured one, cut short so nothing is delivered in quiet hours."""
    quiet_start = parse_hhmm(config.scheduler.quiet_start)
    local = now.astimezone(tz)
    start = local_instant(local.date(), quiet_start, tz)
    if start <= now:
        start = local_instant(local.date() + timedelta(days=1), quiet_start, tz)
    return max(1, min(config.sms.validity_period_seconds, int((start - now).total_seconds())))


def claim(sessions: sessionmaker[Session], now: datetime, *, worker_id: str, limit: int) -> list[int]:
    """Atomically mark up to ``limit`` due planned rows as claimed by ``worker_id``; their ids."""
    with sessions() as session, session.begin():
        due = (
            select(Outbox.id)
            .where(Outbox.status == PLANNED, Outbox.next_attempt_at <= now)
            .order_by(Outbox.next_attempt_at, Outbox.id)
            .limit(limit)
        )
        mark = dict(status=CLAIMED, claimed_by=worker_id, claimed_at=now, updated_at=now)
        if session.get_bind().dialect.name == "postgresql":
            # Lock the due rows others have not locked, then mark them, in one transaction.
            ids = session.scalars(due.with_for_update(skip_locked=True)).all()
            if ids:
                session.execute(update(Outbox).where(Outbox.id.in_(ids)).values(**mark)
                                .execution_options(synchronize_session=False))
        else:
            ids = session.scalars(
                update(Outbox)
                .where(Outbox.id.in_(due.scalar_subquery()), Outbox.status == PLANNED)
                .values(**mark)
                .returning(Outbox.id)
                .execution_options(synchronize_session=False)
            ).all()
    return sorted(ids)


@dataclass
class _Tally:
    counts: dict = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1


@dataclass(frozen=True)
class _Ready:
    row_id: int
    phone: str
    body: str
    validity: int
    score: float | None


def dispatch(
    sessions: sessionmaker[Session],
    gateway: SmsGateway,
    now: datetime,
    *,
    config: Config,
    worker_id: str,
    recommender: Recommends,
    cipher: Decrypts,
    limit: int | None = None,
    rng: random.Random | None = None,
    limiter: RateLimiter | None = None,
    clock: Callable[[], datetime] | None = None,
) -> DispatchResult:
    """Claim, re-check, send and record one batch of due rows (see the module docstring).

    ``now`` is the batch's time (used to claim). ``clock``, when given, is read again for each
    row just before it is re-checked and sent: a batch can take minutes at a provider's rate
    limit, and each row's quiet-hours check and ``claimed_at`` stamp must be as of its own send,
    so that reconcile never mistakes a row that is in flight for one whose worker died.
    """
    now = now.astimezone(UTC)
    rng = rng or random.Random()
    limiter = limiter or RateLimiter(config.scheduler.dispatch_rate_per_second)
    ids = claim(sessions, now, worker_id=worker_id, limit=limit or config.scheduler.dispatch_batch)
    tally = _Tally()
    callback = config.server.public_url.rstrip("/") + "/sms/status"
    for row_id in ids:
        now = clock().astimezone(UTC) if clock else now
        ready = _prepare(sessions, row_id, now, config=config, worker_id=worker_id,
                         recommender=recommender, cipher=cipher)
        if isinstance(ready, str):
            tally.add(ready)
            continue
        limiter.wait()
        try:
            result = gateway.send(OutboundSms(to=ready.phone, body=ready.body, status_callback=callback,
                                              validity_period=ready.validity))
        except DeliveryError as exc:
            tally.add(_record_failure(sessions, ready, exc, now, config=config, rng=rng))
            continue
        except Exception as exc:  # noqa: BLE001 - anything else: the request may have gone out
            log.warning("send of outbox %s to %s: unexpected %s; outcome unknown, will reconcile",
                        row_id, mask_phone(ready.phone), type(exc).__name__)
            tally.add(_mark_unknown(sessions, ready, f"unexpected {type(exc).__name__}", now))
            continue
        with sessions() as session, session.begin():
            row = session.get(Outbox, row_id)
            if row.status in (CLAIMED, UNKNOWN):
                record_sent(session, row, phone=ready.phone, sid=result.sid, status=result.status, now=now,
                            score=ready.score)
        tally.add("sent")
    return DispatchResult(claimed=len(ids), **tally.counts)


def _prepare(sessions, row_id: int, now: datetime, *, config: Config, worker_id: str,
             recommender: Recommends, cipher: Decrypts) -> _Ready | str:
    sched = config.scheduler
    with sessions() as session, session.begin():
        row = session.get(Outbox, row_id)
        if row is None or row.status != CLAIMED or row.claimed_by != worker_id:
            return "cancelled"
        sub = session.get(Subscriber, row.subscriber_id)

        def close(status: str, reason: str) -> str:
            row.status, row.last_error, row.updated_at = status, reason, now
            row.claimed_by = None
            return {CANCELLED: "cancelled", DROPPED: "dropped", FAILED: "failed"}[status]

        if sub is None or sub.status != ACTIVE:
            return close(CANCELLED, "subscriber not active")
        in_crisis_pause = (sub.paused_until is not None and sub.paused_until > now
                           and sub.pause_reason == "crisis")
        if row.slot == "checkin":
            began = sub.paused_until - timedelta(hours=config.safety.crisis_pause_hours) if in_crisis_pause else None
            if not in_crisis_pause or (sub.checkin_sent_at is not None and sub.checkin_sent_at >= began):
                return close(CANCELLED, "no crisis pause, or check-in already sent")
        elif sub.paused_until is not None and sub.paused_until > now:
            return close(CANCELLED, f"paused ({sub.pause_reason or 'user'})")
        latest = row.due_at + timedelta(minutes=sched.max_lateness_minutes)
        if now > latest:
            return close(DROPPED, "later than max_lateness_minutes")
        tz = ZoneInfo(sub.timezone)
        quiet_start, quiet_end = parse_hhmm(sched.quiet_start), parse_hhmm(sched.quiet_end)
        local = now.astimezone(tz)
        if is_quiet(local.time().replace(tzinfo=None), quiet_start, quiet_end):
            opens = next_allowed(now, tz, quiet_start, quiet_end)
            if opens > latest:
                return close(DROPPED, "quiet hours until past max_lateness_minutes")
            row.status, row.next_attempt_at, row.claimed_by, row.updated_at = PLANNED, opens, None, now
            return "deferred"
        day_start, day_end = local_day_bounds(local.date(), tz)
        sent_today = session.scalar(
            select(func.count()).select_from(Message).where(
                Message.subscriber_id == sub.id, Message.direction == "out",
                Message.created_at >= day_start, Message.created_at < day_end,
            )
        )
        if sent_today >= sched.max_messages_per_day:
            return close(DROPPED, "max_messages_per_day reached")
        score = None
        if row.body is None:
            try:
                chosen = compose(session, row, now=now, local_hour=local.hour, config=config,
                                 recommender=recommender, cipher=cipher)
            except LookupError as exc:
                return close(FAILED, str(exc)[:200])
            row.body, row.item_id, score = chosen.body, chosen.item_id, chosen.score
        row.attempts += 1
        row.claimed_at = now
        row.updated_at = now
        return _Ready(row.id, sub.phone, row.body, validity_seconds(now, tz, config), score)


def _record_failure(sessions, ready: _Ready, exc: DeliveryError, now: datetime, *, config: Config,
                    rng: random.Random) -> str:
    if exc.outcome_unknown:
        return _mark_unknown(sessions, ready, str(exc)[:200], now, code=exc.code)
    with sessions() as session, session.begin():
        row = session.get(Outbox, ready.row_id)
        row.error_code, row.last_error, row.updated_at, row.claimed_by = exc.code, str(exc)[:200], now, None
        if exc.transient:
            if row.attempts >= config.scheduler.max_attempts:
                row.status = FAILED
                return "failed"
            row.status = PLANNED
            row.next_attempt_at = now + backoff_delay(row.attempts, config.scheduler.backoff_base_seconds, rng)
            return "retried"
        row.status = FAILED
        if exc.code == ERR_OPTED_OUT:
            sub = session.get(Subscriber, row.subscriber_id)
            if sub is not None and sub.status != OPTED_OUT:
                sub.status, sub.opted_out_at, sub.updated_at = OPTED_OUT, now, now
                log.info("subscriber %s opted out at the carrier (21610)", sub.id)
            cancel_pending(session, row.subscriber_id, now, reason="opted out at the carrier (21610)")
        return "failed"


def _mark_unknown(sessions, ready: _Ready, reason: str, now: datetime, *, code: int | None = None) -> str:
    with sessions() as session, session.begin():
        row = session.get(Outbox, ready.row_id)
        if row.status == CLAIMED:
            row.status, row.last_error, row.error_code, row.updated_at = UNKNOWN, reason, code, now
    return "unknown"
