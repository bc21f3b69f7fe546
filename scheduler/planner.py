"""Planning: turn each active subscriber's preferred local time into outbox rows.

``plan(session, now, config=...)`` is the whole planner: it looks at every active
subscriber and inserts the rows that are due within the planning horizon (or overdue by
less than the lateness window, so a missed day after downtime is planned at most once),
keyed by (subscriber, local date, slot). The unique key makes planning idempotent:
planning twice, after a restart or from two processes inserts each row once
(``INSERT ... ON CONFLICT DO NOTHING``, batched).

What each local day holds (all times in the subscriber's zone, via zoneinfo, so both
daylight-saving days have exactly one of each):

- slot ``daily`` at ``daily_time`` (a time in the spring-forward gap goes at the first
  valid instant; a fall-back time goes at its first occurrence). On
  ``scheduler.social_days_per_week`` days a week it is a social-engagement nudge (kind
  ``nudge``, track ``social``), otherwise a self-care suggestion (kind ``daily``). Social
  days are spread over the week and offset per subscriber, so not everyone gets them on
  the same weekday (:func:`track_for`).
- slot ``nudge`` (when ``scheduler.nudge_enabled``, on days without a social nudge): a
  short self-care nudge half-way between ``daily_time`` and the start of quiet hours, if
  that is at least two hours later.
- slot ``checkin`` instead of both during a crisis pause (``safety.checkin_after_crisis``):
  one gentle check-in per pause, at the first daily time at least half the pause (at most
  a day) after it began.

Subscribers paused by themselves get nothing planned while paused.

The item (and so the text) is chosen at send time, not here: the dispatcher asks the
recommender just before sending, so the suggestion reflects the freshest journal entries
and the cooldown includes replies sent since planning. The chosen text is stored on the
row before the gateway is called, so a retry or a reconciliation looks for the same text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from mend.config import Config, parse_hhmm
from scheduler.localtime import is_quiet, local_instant
from storage.models import ACTIVE, CLAIMED, PLANNED, SENT, UNKNOWN, Outbox, Subscriber

log = logging.getLogger(__name__)

__all__ = ["plan", "PlanResult", "track_for", "planning_horizon", "nudge_time"]

_BATCH = 2000
_MIN_NUDGE_GAP = timedelta(hours=2)


@dataclass(frozen=True)
class PlanResult:
    subscribers: int  # active subscribers looked at
    candidates: int  # rows that should exist now
    inserted: int  # rows this run created (the rest existed already)
    checkins: int  # check-in rows created
    skipped: int  # subscribers with an unusable zone or time (logged)


def planning_horizon(config: Config) -> timedelta:
    """How far ahead rows are planned: two planning intervals, so a late run never misses one."""
    return timedelta(seconds=2 * config.scheduler.plan_interval_seconds)


def track_for(subscriber_id: int, day: date, social_days_per_week: int) -> str:
    """``social`` on ``social_days_per_week`` days of each week, spread out, offset per subscriber."""
    n = social_days_per_week
    if n <= 0:
        return "self-care"
    if n >= 7:
        return "social"
    offset = (subscriber_id * 2654435761) % 7  # Knuth's multiplicative hash: neighbours differ
    position = (day.toordinal() + offset) % 7
    return "social" if position in {(i * 7) // n for i in range(n)} else "self-care"


def nudge_time(daily: time, quiet_start: time, quiet_end: time) -> time | None:
    """Local time of the self-care nudge: half-way from the daily time to quiet hours."""
    if is_quiet(daily, quiet_start, quiet_end):
        return None
    start = daily.hour * 60 + daily.minute
    end = quiet_start.hour * 60 + quiet_start.minute
    if end <= start:
        end += 24 * 60
    if end - start < _MIN_NUDGE_GAP.total_seconds() // 60 * 2:
        return None
    mid = (start + (end - start) // 2) % (24 * 60)
    return time(mid // 60, mid % 60)


@dataclass(frozen=True)
class _Sub:
    id: int
    timezone: str
    daily_time: str
    paused_until: datetime | None
    pause_reason: str | None
    checkin_sent_at: datetime | None


def _active_subscribers(session: Session) -> Iterable[list[_Sub]]:
    last = 0
    cols = (Subscriber.id, Subscriber.timezone, Subscriber.daily_time, Subscriber.paused_until,
            Subscriber.pause_reason, Subscriber.checkin_sent_at)
    while True:
        rows = session.execute(
            select(*cols).where(Subscriber.status == ACTIVE, Subscriber.id > last)
            .order_by(Subscriber.id).limit(_BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [_Sub(*r) for r in rows]


def plan(session: Session, now: datetime, *, config: Config) -> PlanResult:
    """Insert the outbox rows due in [now - max lateness, now + horizon]; idempotent. Commits."""
    if now.tzinfo is None:
        raise ValueError("plan() needs an aware datetime for now")
    now = now.astimezone(UTC)
    sched = config.scheduler
    lateness = timedelta(minutes=sched.max_lateness_minutes)
    lo, hi = now - lateness, now + planning_horizon(config)
    quiet_start, quiet_end = parse_hhmm(sched.quiet_start), parse_hhmm(sched.quiet_end)
    crisis_pause = timedelta(hours=config.safety.crisis_pause_hours)
    instants: dict[tuple[str, date, str], datetime] = {}  # many subscribers share zone and time
    zones: dict[str, ZoneInfo] = {}

    def instant(tzname: str, day: date, at: str) -> datetime:
        key = (tzname, day, at)
        if key not in instants:
            instants[key] = local_instant(day, parse_hhmm(at), zones[tzname])
        return instants[key]

    n_subs = candidates = inserted = checkins = skipped = 0
    for batch in _active_subscribers(session):
        rows: list[dict] = []
        crisis: list[tuple[_Sub, date, datetime]] = []
        for sub in batch:
            n_subs += 1
            try:
                if sub.timezone not in zones:
                    zones[sub.timezone] = ZoneInfo(sub.timezone)
                at = parse_hhmm(sub.daily_time)
            except (ZoneInfoNotFoundError, ValueError):
                skipped += 1
                log.warning("subscriber %s: unusable zone or time, not planned", sub.id)
                continue
            tz = zones[sub.timezone]
            today = now.astimezone(tz).date()
            nudge_at = nudge_time(at, quiet_start, quiet_end) if sched.nudge_enabled else None
            for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
                due = instant(sub.timezone, day, sub.daily_time)
                paused = sub.paused_until is not None and sub.paused_until > due
                if paused and sub.pause_reason == "crisis":
                    if config.safety.checkin_after_crisis and lo <= due <= hi:
                        crisis.append((sub, day, due))
                    continue
                if paused:
                    continue
                track = track_for(sub.id, day, sched.social_days_per_week)
                if lo <= due <= hi:
                    kind = "nudge" if track == "social" else "daily"
                    rows.append(_row(sub.id, day, "daily", kind, track, due, now))
                if nudge_at is not None and track == "self-care":
                    ndue = local_instant(day, nudge_at, tz)
                    if lo <= ndue <= hi and not (sub.paused_until is not None and sub.paused_until > ndue):
                        rows.append(_row(sub.id, day, "nudge", "nudge", "self-care", ndue, now))
        for sub, day, due in crisis:
            if _checkin_wanted(session, sub, due, crisis_pause):
                rows.append(_row(sub.id, day, "checkin", "checkin", None, due, now))
                checkins += 1
        candidates += len(rows)
        inserted += _insert_ignoring_existing(session, rows)
        session.commit()
    return PlanResult(n_subs, candidates, inserted, checkins, skipped)


def _checkin_wanted(session: Session, sub: _Sub, due: datetime, crisis_pause: timedelta) -> bool:
    """One check-in per crisis pause, not too soon after the crisis itself."""
    began = sub.paused_until - crisis_pause
    if due < began + min(crisis_pause / 2, timedelta(hours=24)):
        return False
    if sub.checkin_sent_at is not None and sub.checkin_sent_at >= began:
        return False
    existing = session.scalar(
        select(Outbox.id).where(
            Outbox.subscriber_id == sub.id, Outbox.slot == "checkin", Outbox.due_at >= began,
            Outbox.status.in_((PLANNED, CLAIMED, SENT, UNKNOWN)),
        ).limit(1)
    )
    return existing is None


def _row(subscriber_id: int, day: date, slot: str, kind: str, track: str | None, due: datetime,
         now: datetime) -> dict:
    return {
        "subscriber_id": subscriber_id, "local_date": day, "slot": slot, "kind": kind, "track": track,
        "due_at": due, "next_attempt_at": due, "status": PLANNED, "attempts": 0,
        "created_at": now, "updated_at": now,
    }


def _insert_ignoring_existing(session: Session, rows: list[dict]) -> int:
    """INSERT ... ON CONFLICT (subscriber_id, local_date, slot) DO NOTHING; returns rows inserted."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - Mend supports SQLite and PostgreSQL
        raise NotImplementedError(f"planning on {dialect} is not supported (use SQLite or PostgreSQL)")
    stmt = insert(Outbox).on_conflict_do_nothing(index_elements=["subscriber_id", "local_date", "slot"])
    inserted = 0
    for i in range(0, len(rows), 500):
        result = session.execute(stmt.returning(Outbox.id), rows[i:i + 500])
        inserted += len(result.all())
    return inserted
