from datetime import date, timedelta

import pytest
from scheduling_helpers import make_subscriber, sessions_for, utc
from sqlalchemy import func, select

from scheduler.planner import nudge_time, plan, track_for
from storage.models import OPTED_OUT, Outbox


@pytest.fixture
def sessions(any_engine):
    return sessions_for(any_engine)


def _rows(sessions, slot=None):
    with sessions() as s:
        q = select(Outbox).order_by(Outbox.id)
        if slot:
            q = q.where(Outbox.slot == slot)
        return s.scalars(q).all()


def test_plans_daily_row_at_local_time_once(sessions, config):
    with sessions() as s:
        make_subscriber(s, 1, tz="Europe/Berlin", daily_time="09:00")
    now = utc(2025, 6, 2, 6, 55)  # 08:55 in Berlin
    with sessions() as s:
        first = plan(s, now, config=config)
    with sessions() as s:
        again = plan(s, now + timedelta(minutes=5), config=config)
    daily = _rows(sessions, "daily")
    assert [(r.local_date, r.due_at) for r in daily] == [(date(2025, 6, 2), utc(2025, 6, 2, 7, 0))]
    assert first.inserted >= 1 and again.inserted == 0


def test_two_sessions_planning_at_once_make_one_row(sessions, config):
    with sessions() as s:
        for n in range(5):
            make_subscriber(s, n, daily_time="09:00")
    now = utc(2025, 6, 2, 12, 58)
    a, b = sessions(), sessions()
    try:
        ra = plan(a, now, config=config)
        rb = plan(b, now, config=config)
    finally:
        a.close()
        b.close()
    assert ra.inserted == 5 and rb.inserted == 0
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Outbox).where(Outbox.slot == "daily")) == 5


def test_nothing_planned_far_ahead_or_for_inactive(sessions, config):
    with sessions() as s:
        make_subscriber(s, 1, daily_time="18:00")
        make_subscriber(s, 2, daily_time="09:00", status=OPTED_OUT)
        make_subscriber(s, 3, daily_time="09:00", paused_until=utc(2025, 6, 5), pause_reason="user")
    with sessions() as s:
        plan(s, utc(2025, 6, 2, 13, 0), config=config)  # 09:00 New York
    assert _rows(sessions, "daily") == []


def test_missed_day_is_planned_only_within_lateness(sessions, config):
    with sessions() as s:
        make_subscriber(s, 1, daily_time="09:00")
        make_subscriber(s, 2, daily_time="06:30")
    # Down since before 09:00; back at 11:00 New York: 09:00 is 2h late (inside 3h), 06:30 is 4.5h late.
    with sessions() as s:
        plan(s, utc(2025, 6, 2, 15, 0), config=config)
    daily = _rows(sessions, "daily")
    assert [(r.subscriber_id, r.due_at) for r in daily] == [(1, utc(2025, 6, 2, 13, 0))]


@pytest.mark.parametrize("tz,day,at,expected", [
    ("America/New_York", date(2025, 3, 9), "02:30", utc(2025, 3, 9, 7, 0)),   # gap: first valid instant
    ("America/New_York", date(2025, 11, 2), "01:30", utc(2025, 11, 2, 5, 30)),  # twice: first one
    ("Europe/London", date(2025, 3, 30), "01:30", utc(2025, 3, 30, 1, 0)),
    ("Europe/London", date(2025, 10, 26), "01:30", utc(2025, 10, 26, 0, 30)),
])
def test_dst_days_planned_exactly_once(sessions, config, tz, day, at, expected):
    with sessions() as s:
        make_subscriber(s, 1, tz=tz, daily_time=at)
    t = utc(day.year, day.month, day.day) - timedelta(days=1)
    while t < utc(day.year, day.month, day.day) + timedelta(days=2):  # every planning run for 3 days
        with sessions() as s:
            plan(s, t, config=config)
        t += timedelta(minutes=30)  # any step under the lateness window sees every row
    rows = [r for r in _rows(sessions, "daily") if r.local_date == day]
    assert [r.due_at for r in rows] == [expected]
    assert len(_rows(sessions, "daily")) == 3  # one per local day, no more


def test_social_days_spread_and_offset_per_subscriber():
    start = date(2025, 6, 2)
    weeks = [[track_for(sid, start + timedelta(days=d), 2) for d in range(7)] for sid in range(1, 50)]
    assert all(w.count("social") == 2 for w in weeks)
    first_social = {w.index("social") for w in weeks}
    assert len(first_social) >= 4  # not everyone on the same weekday
    # Any seven consecutive days hold exactly two social days for a subscriber.
    days = [track_for(7, start + timedelta(days=d), 2) for d in range(30)]
    assert all(days[i:i + 7].count("social") == 2 for i in range(24))
    assert all(track_for(3, start + timedelta(days=d), 0) == "self-care" for d in range(7))


def test_nudge_on_self_care_days_only(sessions, config):
    with sessions() as s:
        make_subscriber(s, 1, tz="Asia/Kolkata", daily_time="09:00")
    t = utc(2025, 6, 1, 18, 30)  # 00:00 Kolkata, June 2
    while t < utc(2025, 6, 9, 18, 30):
        with sessions() as s:
            plan(s, t, config=config)
        t += timedelta(minutes=60)
    daily, nudges = _rows(sessions, "daily"), _rows(sessions, "nudge")
    assert len(daily) == 8
    social_days = {r.local_date for r in daily if r.track == "social"}
    assert all(r.kind == "nudge" for r in daily if r.track == "social")
    assert {r.local_date for r in nudges}.isdisjoint(social_days)
    assert len(nudges) == 8 - len(social_days)
    assert all(r.due_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Kolkata")).strftime("%H:%M") == "15:00"
               for r in nudges)
    assert nudge_time(*(__import__("datetime").time(h, 0) for h in (19, 21, 8))) is None


def test_crisis_pause_plans_one_checkin_instead(sessions, config):
    crisis_at = utc(2025, 6, 2, 20, 0)  # 16:00 New York
    paused_until = crisis_at + timedelta(hours=config.safety.crisis_pause_hours)
    with sessions() as s:
        make_subscriber(s, 1, daily_time="09:00", paused_until=paused_until, pause_reason="crisis")
    t = crisis_at
    while t < paused_until + timedelta(days=1):
        with sessions() as s:
            plan(s, t, config=config)
        t += timedelta(minutes=30)
    rows = _rows(sessions)
    checkins = [r for r in rows if r.slot == "checkin"]
    assert len(checkins) == 1
    assert checkins[0].due_at == utc(2025, 6, 4, 13, 0)  # the first 09:00 at least a day after
    assert [r for r in rows if r.slot == "daily" and r.due_at < paused_until] == []
    assert any(r.slot == "daily" and r.due_at > paused_until for r in rows)  # resumes after the pause


def test_plans_many_subscribers_in_batches(sessions, config):
    import time as wall

    from storage.models import Subscriber

    now = utc(2025, 6, 2, 12, 58)  # 08:58 in New York
    with sessions() as s:
        s.execute(Subscriber.__table__.insert(), [
            {"phone": f"+1555555{n:04d}", "status": "active", "timezone": "America/New_York",
             "daily_time": "09:00", "created_at": now, "updated_at": now} for n in range(5000)
        ])
        s.commit()
    started = wall.perf_counter()
    with sessions() as s:
        first = plan(s, now, config=config)
    elapsed = wall.perf_counter() - started
    with sessions() as s:
        second = plan(s, now, config=config)
    with sessions() as s:
        count = s.scalar(select(func.count()).select_from(Outbox).where(Outbox.slot == "daily"))
    assert (first.subscribers, count, second.inserted) == (5000, 5000, 0)
    assert elapsed < 10, f"planning 5000 subscribers took {elapsed:.1f}s"
