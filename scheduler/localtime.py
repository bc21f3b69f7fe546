"""Local wall-clock times to UTC instants, daylight-saving safe, and quiet hours.

Pure functions; every "now" is passed in.

- A local time that does not exist (the spring-forward gap) maps to the first valid
  instant after the gap: 02:30 on a day clocks jump 02:00 -> 03:00 becomes 03:00.
- A local time that happens twice (fall back) maps to its first occurrence, so a daily
  message at 01:30 is planned once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in ``tz`` (gap -> first valid instant)."""
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz, fold=0)
    as_utc = first.astimezone(UTC)
    # If the wall time does not exist, converting back does not round-trip.
    if as_utc.astimezone(tz).replace(tzinfo=None) != naive:
        # The gap: find the first instant whose local time is at or after ``naive``.
        after_gap = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
        before_gap = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
        probe = min(after_gap, before_gap)
        while probe.astimezone(tz).replace(tzinfo=None) < naive:
            probe += timedelta(minutes=1)
        # Step back to the exact transition instant (the minute boundary where local time jumped).
        return probe.replace(second=0, microsecond=0)
    return as_utc


def local_date(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def is_quiet(at: time, quiet_start: time, quiet_end: time) -> bool:
    """Whether wall-clock ``at`` falls in quiet hours [start, end) (may wrap midnight)."""
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= at < quiet_end
    return at >= quiet_start or at < quiet_end


def next_allowed(now: datetime, tz: ZoneInfo, quiet_start: time, quiet_end: time) -> datetime:
    """``now`` if it is outside quiet hours in ``tz``, else the instant quiet hours end."""
    local = now.astimezone(tz)
    if not is_quiet(local.time().replace(tzinfo=None), quiet_start, quiet_end):
        return now
    day = local.date()
    if quiet_start > quiet_end and local.time() >= quiet_start:
        day = day + timedelta(days=1)
    return local_instant(day, quiet_end, tz)
