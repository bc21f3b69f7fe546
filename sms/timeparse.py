"""Times, time zones and durations as people text them. Pure functions; never raise on input.

    >>> parse_clock("7:30pm"), parse_clock("19:30"), parse_clock("7pm")
    (datetime.time(19, 30), datetime.time(19, 30), datetime.time(19, 0))
    >>> parse_timezone("new york"), parse_timezone("Europe/London"), parse_timezone("london")
    ('America/New_York', 'Europe/London', 'Europe/London')
    >>> parse_days("3 days"), parse_days("2 weeks"), parse_days("soon")
    (3, 14, None)
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import time

__all__ = ["parse_clock", "format_clock", "parse_timezone", "parse_days", "MAX_PAUSE_DAYS"]

MAX_PAUSE_DAYS = 365

_CLOCK = re.compile(
    r"^(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?|a|p)?$"
)
_COMPACT = re.compile(r"^(?P<h>\d{1,2})(?P<m>\d{2})\s*(?P<ampm>a\.?m\.?|p\.?m\.?|a|p)?$")
_WORDS = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}


def parse_clock(text: str) -> time | None:
    """A wall-clock time from ``7:30pm``, ``19:30``, ``7pm``, ``7.30 p.m.``, ``0730``, ``noon``."""
    s = re.sub(r"\s+", " ", str(text).strip().lower())
    if s in _WORDS:
        return _WORDS[s]
    m = _CLOCK.match(s) or _COMPACT.match(s)
    if not m:
        return None
    hour, minute = int(m.group("h")), int(m.group("m") or 0)
    ampm = (m.group("ampm") or "")[:1]
    if minute > 59:
        return None
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    elif hour > 23:
        return None
    return time(hour, minute)


def format_clock(at: time) -> str:
    """``time(19, 30)`` -> ``7:30pm``; ``time(9, 0)`` -> ``9am``."""
    hour = at.hour % 12 or 12
    suffix = "am" if at.hour < 12 else "pm"
    return f"{hour}{suffix}" if at.minute == 0 else f"{hour}:{at.minute:02d}{suffix}"


_REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
_ALIASES = {
    "eastern": "America/New_York", "et": "America/New_York", "est": "America/New_York",
    "edt": "America/New_York", "central": "America/Chicago", "ct": "America/Chicago",
    "cst": "America/Chicago", "cdt": "America/Chicago", "mountain": "America/Denver",
    "mt": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver",
    "arizona": "America/Phoenix", "pacific": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu", "uk": "Europe/London", "gmt": "Europe/London",
    "bst": "Europe/London", "ireland": "Europe/Dublin", "india": "Asia/Kolkata", "ist": "Asia/Kolkata",
    "bombay": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata", "bangalore": "Asia/Kolkata", "cet": "Europe/Paris",
    "san francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "boston": "America/New_York", "washington": "America/New_York", "miami": "America/New_York",
    "atlanta": "America/New_York", "dallas": "America/Chicago", "houston": "America/Chicago",
    "japan": "Asia/Tokyo", "beijing": "Asia/Shanghai", "china": "Asia/Shanghai",
    "utc": "UTC", "zulu": "UTC",
}


@functools.cache
def _zone_index() -> dict[str, str]:
    """lower-case name or city -> IANA zone; cities only from the geographic regions."""
    names = sorted(zoneinfo.available_timezones())
    index: dict[str, str] = {}
    cities: dict[str, set[str]] = {}
    for name in names:
        index[name.lower()] = name
        if name.split("/")[0] in _REGIONS:
            city = name.rsplit("/", 1)[-1].replace("_", " ").lower()
            cities.setdefault(city, set()).add(name)
    for city, zones in cities.items():
        if len(zones) == 1:
            index.setdefault(city, next(iter(zones)))
    for alias, zone in _ALIASES.items():
        if zone in names or zone == "UTC":
            index.setdefault(alias, zone)
    return index


def parse_timezone(text: str) -> str | None:
    """An IANA zone from ``Europe/London``, ``london``, ``New York``, ``new_york``, ``eastern``."""
    s = re.sub(r"\s+", " ", str(text).strip().lower()).strip(" .,!?")
    if not s or len(s) > 64:
        return None
    index = _zone_index()
    return index.get(s) or index.get(s.replace(" ", "_")) or index.get(s.replace("_", " "))


_DAYS = re.compile(r"^(?P<n>\d{1,4})\s*(?P<unit>d|day|days|w|wk|wks|week|weeks)?$")


def parse_days(text: str) -> int | None:
    """Days from ``3``, ``3 days``, ``2 weeks``, ``1w``; None when it is not a duration or out of range."""
    s = re.sub(r"\s+", " ", str(text).strip().lower())
    m = _DAYS.match(s)
    if not m:
        return None
    days = int(m.group("n")) * (7 if (m.group("unit") or "d").startswith("w") else 1)
    return days if 1 <= days <= MAX_PAUSE_DAYS else None
