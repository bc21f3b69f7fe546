from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from scheduler.localtime import is_quiet, local_instant, next_allowed

NY = ZoneInfo("America/New_York")


def test_plain_day():
    assert local_instant(date(2025, 6, 1), time(9, 0), NY) == datetime(2025, 6, 1, 13, 0, tzinfo=UTC)


def test_spring_forward_gap_goes_at_first_valid_instant():
    # 2025-03-09: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
    assert local_instant(date(2025, 3, 9), time(2, 30), NY) == datetime(2025, 3, 9, 7, 0, tzinfo=UTC)
    # The day after is an ordinary day (APScheduler's CronTrigger skipped 00:30 on 2025-03-10).
    assert local_instant(date(2025, 3, 10), time(0, 30), NY) == datetime(2025, 3, 10, 4, 30, tzinfo=UTC)


def test_fall_back_ambiguous_time_maps_once_to_first_occurrence():
    # 2025-11-02: 01:30 happens twice; first is EDT (05:30 UTC).
    assert local_instant(date(2025, 11, 2), time(1, 30), NY) == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)


def test_quiet_hours_wrap_midnight():
    start, end = time(21, 0), time(8, 0)
    assert is_quiet(time(21, 0), start, end)
    assert is_quiet(time(3, 0), start, end)
    assert not is_quiet(time(8, 0), start, end)
    assert not is_quiet(time(20, 59), start, end)
    assert not is_quiet(time(3, 0), time(8, 0), time(8, 0))


def test_next_allowed_waits_for_window_to_open():
    start, end = time(21, 0), time(8, 0)
    late = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)  # 22:00 in New York on June 1
    assert next_allowed(late, NY, start, end) == datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
    early = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)  # 06:00 in New York
    assert next_allowed(early, NY, start, end) == datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
    day = datetime(2025, 6, 2, 15, 0, tzinfo=UTC)
    assert next_allowed(day, NY, start, end) == day
