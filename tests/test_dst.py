"""The daylight-saving days, end to end through planner and dispatcher: exactly once."""

import random
from datetime import date, timedelta

import pytest
from scheduling_helpers import (
    ScriptedGateway,
    cipher,
    make_subscriber,
    recommender,
    sessions_for,
    utc,
)
from sqlalchemy import select

from scheduler.dispatch import dispatch
from scheduler.pacing import RateLimiter
from scheduler.planner import plan
from storage.models import Outbox

CASES = [
    ("America/New_York", date(2025, 3, 9), "02:30", "08:00"),  # 02:30 does not exist
    ("America/New_York", date(2025, 11, 2), "01:30", "08:00"),  # 01:30 happens twice
    ("America/New_York", date(2025, 3, 10), "09:00", None),  # the day APScheduler's cron skipped 00:30
    ("Europe/London", date(2025, 3, 30), "01:30", "08:00"),
    ("Europe/London", date(2025, 10, 26), "01:30", "08:00"),
    ("Europe/London", date(2025, 10, 26), "09:00", None),
]


@pytest.mark.parametrize("tz,day,at,opens", CASES)
def test_dst_day_sends_exactly_once(any_engine, config, tz, day, at, opens):
    """Times inside quiet hours wait for 08:00 (within the lateness); others go at their time."""
    config = config.replace(scheduler={"max_lateness_minutes": 480})
    sessions = sessions_for(any_engine)
    with sessions() as s:
        make_subscriber(s, 1, tz=tz, daily_time=at)
    gw, key = ScriptedGateway(), cipher()
    t = utc(day.year, day.month, day.day) - timedelta(hours=12)
    while t < utc(day.year, day.month, day.day) + timedelta(hours=36):
        with sessions() as s:
            plan(s, t, config=config)
        dispatch(sessions, gw, t, config=config, worker_id="w", recommender=recommender(), cipher=key,
                 rng=random.Random(1), limiter=RateLimiter(1000, clock=lambda: 0.0, sleep=lambda _s: None))
        t += timedelta(minutes=15)
    with sessions() as s:
        rows = s.scalars(select(Outbox).where(Outbox.slot == "daily", Outbox.local_date == day)).all()
    assert [r.status for r in rows] == ["sent"]
    from zoneinfo import ZoneInfo

    local = rows[0].sent_at.astimezone(ZoneInfo(tz))
    assert local.date() == day and local.strftime("%H:%M") == (opens or at)
    assert [m.body for m in gw.attempts].count(rows[0].body) == 1
