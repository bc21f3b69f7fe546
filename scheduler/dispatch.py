"""Dispatch: claim due outbox rows atomically, re-check the rules, send, record the SID.

``dispatch(...)`` claims a batch, then works through it in **waves** of up to
``dispatch_concurrency`` rows (never two rows of one subscriber in a wave), never holding a
transaction across a network call:

1. **Claim** (one transaction per batch): ``UPDATE outbox SET status='claimed' ... WHERE id IN
   (SELECT id ... LIMIT n) RETURNING id``. On PostgreSQL the inner select is ``FOR
   UPDATE SKIP LOCKED``, so concurrent dispatchers claim disjoint rows without waiting
   for each other. On SQLite a write statement holds the database's single write lock
   from its first step, so the same statement is atomic there too (one writer at a
   time; a second process waits for the lock and then finds the rows claimed).
2. **Prepare** (one transaction per wave): re-check each row at send time. Opted out or
   paused: cancelled (a crisis check-in goes out during its pause). Later than
   ``max_lateness_minutes`` after its due time: dropped. Inside quiet hours in the
   subscriber's zone: back to planned for when the window opens, or dropped if that is
   past the lateness. ``max_messages_per_day`` outbound messages already in their local
   day (replies included): dropped. Then the text is chosen (see ``planner``) and stored
   on the row with ``attempts + 1`` and the wave's time as ``claimed_at``, and the wave is
   committed *before* any of its rows reaches the gateway: a crash from here on leaves
   ``claimed`` rows with their text, which reconciliation looks up, never resends blindly.
3. **Send** (concurrently, each row from its own thread): through the gateway at
   ``dispatch_rate_per_second`` (a thread-safe :class:`RateLimiter` with an injectable
   clock and sleep) with a ValidityPeriod that ends before quiet hours begin. A wave holds
   at most about one second of sends at that rate, so every row goes within about a second
   of its re-check; a row whose turn at the rate limit falls at or after the start of quiet
   hours or its lateness limit is not sent at all but planned again, and one that waited
   for its turn is re-checked first: if its subscriber opted out (or paused) meanwhile it
   is cancelled, not sent.
4. **Record** (one transaction per wave, tried twice): sent (SID, a Message row, a
   Recommendation row); transient error: planned again after exponential backoff with
   jitter, failed after ``max_attempts``; permanent error: failed (21610 also opts the
   subscriber out); outcome unknown (timeout after the request went out, any unexpected
   error): ``unknown``, for :func:`scheduler.reconcile.reconcile`. A row another process
   has moved on meanwhile is left as it is.

Only the prepare commit must be on disk before a send (it is what lets reconciliation find a
send whose worker died), but it is one commit per wave, not per row; the claim is one per
batch and the record one per wave. (Making the claim and record commits asynchronous on
PostgreSQL would be safe, reconciliation covers a lost one, but measured no faster at this
wave size, so every commit is an ordinary one.)
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from mend.config import Config, parse_hhmm
from scheduler.content import Decrypts, Recommends, compose
from scheduler.localtime import is_quiet, local_instant, next_allowed
from scheduler.outbox import Sent, cancel_pending, local_day_bounds, record_sent_many
from scheduler.pacing import RateLimiter, backoff_delay, wave_size
from sms.errors import OPTED_OUT as ERR_OPTED_OUT
from sms.errors import DeliveryError, mask_phone
from sms.gateway import OutboundSms, SendResult, SmsGateway
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

__all__ = ["dispatch", "claim", "DispatchResult", "validity_seconds"]


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
    database_retries: int = 0  # recording a wave failed on a database error and was tried again


def _next_quiet_start(now: datetime, tz: ZoneInfo, config: Config) -> datetime:
    quiet_start = parse_hhmm(config.scheduler.quiet_start)
    local = now.astimezone(tz)
    start = local_instant(local.date(), quiet_start, tz)
    if start <= now:
        start = local_instant(local.date() + timedelta(days=1), quiet_start, tz)
    return start


def validity_seconds(now: datetime, tz: ZoneInfo, config: Config) -> int:
    """Twilio ValidityPeriod: the configured one, cut short so nothing is delivered in quiet hours."""
    start = _next_quiet_start(now, tz, config)
    return max(1, min(config.sms.validity_period_seconds, int((start - now).total_seconds())))


def claim(sessions: sessionmaker[Session], now: datetime, *, worker_id: str, limit: int) -> list[int]:
    """Atomically mark up to ``limit`` due planned rows as claimed by ``worker_id``; their ids."""
    return [row_id for row_id, _ in _claim(sessions, now, worker_id=worker_id, limit=limit)]


def _claim(sessions, now: datetime, *, worker_id: str, limit: int) -> list[tuple[int, int]]:
    """:func:`claim`, returning (row id, subscriber id) pairs in id order."""
    with sessions() as session, session.begin():
        due = (
            select(Outbox.id, Outbox.subscriber_id)
            .where(Outbox.status == PLANNED, Outbox.next_attempt_at <= now)
            .order_by(Outbox.next_attempt_at, Outbox.id)
            .limit(limit)
        )
        mark = dict(status=CLAIMED, claimed_by=worker_id, claimed_at=now, updated_at=now)
        if session.get_bind().dialect.name == "postgresql":
            # Lock the due rows others have not locked, then mark them, in one transaction.
            claimed = session.execute(due.with_for_update(skip_locked=True)).all()
            if claimed:
                session.execute(update(Outbox).where(Outbox.id.in_([row_id for row_id, _ in claimed]))
                                .values(**mark).execution_options(synchronize_session=False))
        else:
            claimed = session.execute(
                update(Outbox)
                .where(Outbox.id.in_(due.with_only_columns(Outbox.id).scalar_subquery()), Outbox.status == PLANNED)
                .values(**mark)
                .returning(Outbox.id, Outbox.subscriber_id)
                .execution_options(synchronize_session=False)
            ).all()
    return sorted((row_id, sub_id) for row_id, sub_id in claimed)


@dataclass
class _Tally:
    counts: dict = field(default_factory=dict)

    def add(self, outcome: str, n: int = 1) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + n


@dataclass(frozen=True)
class _Ready:
    """A prepared row, committed with its text and stamp: the gateway may now be called."""

    row_id: int
    phone: str
    body: str
    validity: int
    score: float | None
    send_by: datetime  # quiet hours begin or the lateness runs out: not sent at or after this
    subscriber_id: int = 0
    checkin: bool = False  # a crisis check-in goes during the pause; other rows do not


class _Missed:
    """A row whose turn at the rate limit came at or after its ``send_by``: not sent."""

    def __init__(self, at: datetime):
        self.at = at


class _Withdrawn:
    """A row whose subscriber opted out (or paused) while it waited for its turn: not sent."""


RECHECK_AFTER = 0.05  # seconds: a row that waited longer than this for its turn is re-checked first


def _withheld(sub: Subscriber | None, now: datetime, *, checkin: bool) -> str | None:
    """Why nothing may go to ``sub`` now (not active; paused, unless this is a crisis check-in), or None."""
    if sub is None or sub.status != ACTIVE:
        return "subscriber not active"
    if not checkin and sub.paused_until is not None and sub.paused_until > now:
        return f"paused ({sub.pause_reason or 'user'})"
    return None


def _still_wanted(sessions, ready: _Ready, now: datetime) -> bool:
    """:func:`_withheld`, read again just before a row that waited for its turn is sent."""
    with sessions() as session:
        return _withheld(session.get(Subscriber, ready.subscriber_id), now, checkin=ready.checkin) is None


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
    senders: Executor | None = None,
) -> DispatchResult:
    """Claim, re-check, send and record one batch of due rows, wave by wave (module docstring).

    ``now`` is the batch's time (used to claim). ``clock``, when given, is read again as each
    row is reached, and its wave is re-checked and stamped as of the latest reading: a batch
    can take minutes at a provider's rate limit, and each row's quiet-hours check and
    ``claimed_at`` stamp must be as of its own send, so that reconcile never mistakes a row
    that is in flight for one whose worker died.

    ``senders`` runs the sends of a wave (a long-lived worker passes its own pool, so the
    gateway's connections are reused); without one, a pool of ``dispatch_concurrency``
    threads lives for this call. The gateway's ``send`` must be safe to call from several
    threads at once.
    """
    now = now.astimezone(UTC)
    rng = rng or random.Random()
    limiter = limiter or RateLimiter(config.scheduler.dispatch_rate_per_second)
    claimed = _claim(sessions, now, worker_id=worker_id, limit=limit or config.scheduler.dispatch_batch)
    size = wave_size(config.scheduler.dispatch_concurrency, limiter.rate)
    callback = config.server.public_url.rstrip("/") + "/sms/status"
    tally = _Tally()
    own_pool = None
    if senders is None and size > 1 and len(claimed) > 1:
        senders = own_pool = ThreadPoolExecutor(size, thread_name_prefix=f"dispatch-{worker_id}")
    try:
        for wave in _waves(claimed, size):
            if clock is not None:
                now = max(clock().astimezone(UTC) for _ in wave)
            ready = _prepare_wave(sessions, wave, now, config=config, worker_id=worker_id,
                                  recommender=recommender, cipher=cipher, tally=tally)
            if not ready:
                continue
            results = _send_wave(gateway, ready, now, limiter=limiter, senders=senders, callback=callback,
                                 still_wanted=lambda r, at: _still_wanted(sessions, r, at))
            _record_wave(sessions, results, now, config=config, worker_id=worker_id, rng=rng, tally=tally)
    finally:
        if own_pool is not None:
            own_pool.shutdown(wait=True)
    return DispatchResult(claimed=len(claimed), **tally.counts)


def _waves(claimed: Sequence[tuple[int, int]], size: int) -> Iterator[list[int]]:
    """Row ids in waves of up to ``size``, in order, never two rows of one subscriber in a wave
    (the daily cap, the check-in and the recommender's cooldown each see the one before)."""
    pending = list(claimed)
    while pending:
        wave, subscribers, rest = [], set(), []
        for row_id, sub_id in pending:
            if len(wave) < size and sub_id not in subscribers:
                wave.append(row_id)
                subscribers.add(sub_id)
            else:
                rest.append((row_id, sub_id))
        yield wave
        pending = rest


def _prepare_wave(sessions, wave: Sequence[int], now: datetime, *, config: Config, worker_id: str,
                  recommender: Recommends, cipher: Decrypts, tally: _Tally) -> list[_Ready]:
    """Re-check, compose and stamp the wave's rows; one commit, before any of them is sent."""
    ready = []
    with sessions() as session, session.begin():
        rows = session.scalars(select(Outbox).where(Outbox.id.in_(wave)).order_by(Outbox.id)).all()
        tally.add("cancelled", len(wave) - len(rows))  # gone meanwhile
        subs = {s.id: s for s in session.scalars(
            select(Subscriber).where(Subscriber.id.in_({r.subscriber_id for r in rows})))}
        sent_today = _sent_today(session, subs.values(), now)
        for row in rows:
            outcome = _prepare(session, row, subs.get(row.subscriber_id), now, sent_today, config=config,
                               worker_id=worker_id, recommender=recommender, cipher=cipher)
            if isinstance(outcome, _Ready):
                ready.append(outcome)
            else:
                tally.add(outcome)
    return ready


def _sent_today(session: Session, subs, now: datetime) -> dict[int, int]:
    """Outbound messages per subscriber so far in their own local day (one query for the wave)."""
    bounds = {s.id: local_day_bounds(now.astimezone(ZoneInfo(s.timezone)).date(), ZoneInfo(s.timezone))
              for s in subs}
    if not bounds:
        return {}
    found = session.execute(
        select(Message.subscriber_id, Message.created_at).where(
            Message.subscriber_id.in_(bounds), Message.direction == "out",
            Message.created_at >= min(b[0] for b in bounds.values()),
            Message.created_at < max(b[1] for b in bounds.values()),
        )
    ).all()
    counts = dict.fromkeys(bounds, 0)
    for sub_id, created in found:
        start, end = bounds[sub_id]
        if start <= created < end:
            counts[sub_id] += 1
    return counts


def _prepare(session: Session, row: Outbox, sub: Subscriber | None, now: datetime, sent_today: dict[int, int], *,
             config: Config, worker_id: str, recommender: Recommends, cipher: Decrypts) -> _Ready | str:
    """One row of a wave: closed (the outcome's name) or ready to send."""
    sched = config.scheduler
    if row.status != CLAIMED or row.claimed_by != worker_id:
        return "cancelled"

    def close(status: str, reason: str) -> str:
        row.status, row.last_error, row.updated_at = status, reason, now
        row.claimed_by = None
        return {CANCELLED: "cancelled", DROPPED: "dropped", FAILED: "failed"}[status]

    withheld = _withheld(sub, now, checkin=row.slot == "checkin")
    if withheld:
        return close(CANCELLED, withheld)
    if row.slot == "checkin":
        in_crisis_pause = (sub.paused_until is not None and sub.paused_until > now
                           and sub.pause_reason == "crisis")
        began = sub.paused_until - timedelta(hours=config.safety.crisis_pause_hours) if in_crisis_pause else None
        if not in_crisis_pause or (sub.checkin_sent_at is not None and sub.checkin_sent_at >= began):
            return close(CANCELLED, "no crisis pause, or check-in already sent")
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
    if sent_today.get(sub.id, 0) >= sched.max_messages_per_day:
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
    send_by = latest + timedelta(microseconds=1)  # sending at exactly ``latest`` is still in time
    if quiet_start != quiet_end:
        send_by = min(send_by, _next_quiet_start(now, tz, config))
    return _Ready(row.id, sub.phone, row.body, validity_seconds(now, tz, config), score, send_by,
                  subscriber_id=sub.id, checkin=row.slot == "checkin")


def _send_wave(gateway: SmsGateway, ready: Sequence[_Ready], now: datetime, *, limiter: RateLimiter,
               senders: Executor | None, callback: str,
               still_wanted: Callable[[_Ready, datetime], bool] | None = None) -> list[tuple[_Ready, object]]:
    """Each ready row through the gateway, concurrently: (row, SendResult | _Missed | _Withdrawn |
    the exception). A row that waited for its turn at the rate limit (up to pacing.WAVE_SECONDS) is
    re-checked first, so a STOP that arrived meanwhile is honoured."""
    started = limiter.now()

    def send(r: _Ready) -> tuple[_Ready, object]:
        waited = max(0.0, limiter.wait() - started)
        at = now + timedelta(seconds=waited)  # its turn at the rate limit
        if at >= r.send_by:
            return r, _Missed(at)
        if waited > RECHECK_AFTER and still_wanted is not None and not still_wanted(r, at):
            return r, _Withdrawn()
        try:
            return r, gateway.send(OutboundSms(to=r.phone, body=r.body, status_callback=callback,
                                               validity_period=r.validity))
        except Exception as exc:  # noqa: BLE001 - sorted out when recorded; a BaseException ends the run
            return r, exc

    if senders is None or len(ready) == 1:
        return [send(r) for r in ready]
    return list(senders.map(send, ready))


def _record_wave(sessions, results: Sequence[tuple[_Ready, object]], now: datetime, *, config: Config,
                 worker_id: str, rng: random.Random, tally: _Tally) -> None:
    """Record a wave's outcomes in one transaction; once more on a fresh connection if it fails.

    Recording is idempotent: a row already moved on (by the first try, or by reconcile) is left."""
    for attempt in (1, 2):
        counts = _Tally()
        try:
            with sessions() as session, session.begin():
                _record(session, results, now, config=config, worker_id=worker_id, rng=rng, tally=counts)
            break
        except DBAPIError as exc:
            if attempt == 2:
                raise
            tally.add("database_retries")
            log.warning("recording %d sends: database error (%s); trying once more", len(results),
                        type(getattr(exc, "orig", exc)).__name__)
    for outcome, n in counts.counts.items():
        tally.add(outcome, n)


def _record(session: Session, results: Sequence[tuple[_Ready, object]], now: datetime, *, config: Config,
            worker_id: str, rng: random.Random, tally: _Tally) -> None:
    rows = {r.id: r for r in session.scalars(
        select(Outbox).where(Outbox.id.in_([ready.row_id for ready, _ in results])))}
    sent = []
    for ready, result in results:
        row = rows.get(ready.row_id)
        if isinstance(result, SendResult):
            if row is not None and row.status in (CLAIMED, UNKNOWN):
                sent.append(Sent(row, ready.phone, result.sid, result.status, ready.score))
            tally.add("sent")
            continue
        mine = row is not None and row.status == CLAIMED and row.claimed_by == worker_id
        if isinstance(result, _Withdrawn):
            if mine:
                row.status, row.claimed_by, row.updated_at = CANCELLED, None, now
                row.attempts -= 1  # it was never tried
                row.last_error = "not sent: opted out or paused while its wave went out"
            tally.add("cancelled")
        elif isinstance(result, _Missed):
            if mine:
                row.status, row.next_attempt_at, row.claimed_by, row.updated_at = PLANNED, result.at, None, now
                row.attempts -= 1  # it was never tried
                row.last_error = "not sent: quiet hours or the lateness limit came while its wave went out"
            tally.add("deferred")
        elif isinstance(result, DeliveryError):
            tally.add(_record_failure(session, row if mine else None, result, now, config=config, rng=rng))
        else:
            log.warning("send of outbox %s to %s: unexpected %s; outcome unknown, will reconcile",
                        ready.row_id, mask_phone(ready.phone), type(result).__name__)
            tally.add(_mark_unknown(row if mine else None, f"unexpected {type(result).__name__}", now))
    record_sent_many(session, sent, now=now)


def _record_failure(session: Session, row: Outbox | None, exc: DeliveryError, now: datetime, *, config: Config,
                    rng: random.Random) -> str:
    if exc.outcome_unknown:
        return _mark_unknown(row, str(exc)[:200], now, code=exc.code)
    if exc.transient and row is not None and row.attempts >= config.scheduler.max_attempts:
        outcome = "failed"
    else:
        outcome = "retried" if exc.transient else "failed"
    if row is None:
        return outcome
    row.error_code, row.last_error, row.updated_at, row.claimed_by = exc.code, str(exc)[:200], now, None
    if outcome == "retried":
        row.status = PLANNED
        row.next_attempt_at = now + backoff_delay(row.attempts, config.scheduler.backoff_base_seconds, rng)
        return outcome
    row.status = FAILED
    if not exc.transient and exc.code == ERR_OPTED_OUT:
        sub = session.get(Subscriber, row.subscriber_id)
        if sub is not None and sub.status != OPTED_OUT:
            sub.status, sub.opted_out_at, sub.updated_at = OPTED_OUT, now, now
            log.info("subscriber %s opted out at the carrier (21610)", sub.id)
        cancel_pending(session, row.subscriber_id, now, reason="opted out at the carrier (21610)")
    return outcome


def _mark_unknown(row: Outbox | None, reason: str, now: datetime, *, code: int | None = None) -> str:
    if row is not None:
        row.status, row.last_error, row.error_code, row.updated_at = UNKNOWN, reason, code, now
    return "unknown"
