"""Keyword and time parsing: examples for every kind, and properties (never crash)."""

from __future__ import annotations

import zoneinfo
from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sms.keywords import KINDS, Command, parse
from sms.timeparse import format_clock, parse_clock, parse_days, parse_timezone


@pytest.mark.parametrize("text,kind", [
    ("YES", "start"), ("yes", "start"), (" Yes! ", "start"), ("START", "start"), ("unstop", "start"),
    ("STOP", "stop"), ("stop.", "stop"), ("  Stop!! ", "stop"), ("STOPALL", "stop"),
    ("UNSUBSCRIBE", "stop"), ("cancel", "stop"), ("End", "stop"), ("QUIT", "stop"),
    ("REVOKE", "stop"), ("OPTOUT", "stop"), ("opt out", "stop"), ("Opt  Out.", "stop"),
    ("HELP", "help"), ("info?", "help"), ("RESUME", "resume"), ("more", "more"), ("MORE!", "more"),
    ("FORGET", "forget"), ("forget me", "forget"), ("FORGET YES", "forget-confirm"),
    ("I want to stop feeling this way", "journal"), ("stop it please I can't sleep", "journal"),
    ("Time heals nothing at all, they say", "journal"), ("yesterday was hard", "journal"),
    ("", "journal"), ("   ", "journal"), ("...", "journal"),
])
def test_kinds(text, kind):
    assert parse(text).kind == kind


@pytest.mark.parametrize("text,expected", [
    ("TIME 7:30pm", time(19, 30)), ("TIME 19:30", time(19, 30)), ("time 7pm", time(19, 0)),
    ("Time 7.30 p.m.", time(19, 30)), ("TIME 0730", time(7, 30)), ("time noon", time(12, 0)),
    ("TIME 12am", time(0, 0)), ("TIME 12pm", time(12, 0)), ("time   8:05 AM.", time(8, 5)),
])
def test_time(text, expected):
    assert parse(text) == Command("time", (expected,))


@pytest.mark.parametrize("text", ["TIME", "TIME 25:00", "time 13pm", "time 7:75", "TIME later"])
def test_time_unreadable_asks_again(text):
    assert parse(text) == Command("time")


@pytest.mark.parametrize("text,zone", [
    ("TZ Europe/London", "Europe/London"), ("TZ london", "Europe/London"),
    ("TZ new york", "America/New_York"), ("tz America/Los_Angeles", "America/Los_Angeles"),
    ("TZ kolkata", "Asia/Kolkata"), ("TZ eastern", "America/New_York"), ("tz Sydney", "Australia/Sydney"),
    ("TZ new_york", "America/New_York"), ("TZ UTC", "UTC"),
])
def test_tz(text, zone):
    assert parse(text) == Command("tz", (zone,))


def test_tz_unknown_asks_again():
    assert parse("TZ Atlantis") == Command("tz")


@pytest.mark.parametrize("text,args", [
    ("PAUSE", ()), ("pause 3 days", (3,)), ("PAUSE 1 day", (1,)), ("pause 2 weeks", (14,)),
    ("PAUSE 5", (5,)), ("pause 9999 days", ()),
])
def test_pause(text, args):
    assert parse(text) == Command("pause", args)


@pytest.mark.parametrize("text,score", [
    ("1", 1), ("5", 5), ("3.", 3), ("4/5", 4), ("+1", 5), ("-1", 1),
    ("\U0001f44d", 5), ("\U0001f44e", 1), ("\U0001f44d\U0001f3fd", 5), ("\U0001f44d\U0001f44d", 5),
])
def test_ratings(text, score):
    assert parse(text) == Command("rating", (score,))


@pytest.mark.parametrize("text", ["0", "6", "10", "45"])
def test_numbers_outside_1_to_5_are_not_ratings(text):
    assert parse(text).kind == "journal"


def test_yes_confirms_forget_only_while_awaiting():
    assert parse("YES").kind == "start"
    assert parse("yes", awaiting_forget=True).kind == "forget-confirm"
    assert parse("confirm", awaiting_forget=True).kind == "forget-confirm"
    assert parse("no", awaiting_forget=True).kind == "journal"
    assert parse("STOP", awaiting_forget=True).kind == "stop"


def test_clock_formatting_round_trips():
    for h in range(24):
        for m in (0, 5, 30, 59):
            assert parse_clock(format_clock(time(h, m))) == time(h, m)


def test_days():
    assert (parse_days("3 days"), parse_days("2w"), parse_days("0"), parse_days("soon")) == (3, 14, None, None)


def test_every_geographic_zone_is_found_by_its_full_name():
    for name in zoneinfo.available_timezones():
        assert parse_timezone(name) == name
        assert parse_timezone(name.upper()) == name


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80), st.booleans())
def test_parse_never_crashes_and_returns_a_known_kind(text, awaiting):
    cmd = parse(text, awaiting_forget=awaiting)
    assert cmd.kind in KINDS


keyword_like = st.builds(
    lambda word, arg, pad, punct: f"{pad}{word} {arg}{punct}",
    st.sampled_from(["TIME", "tz", "Pause", "stop", "YES", "forget", "more"]),
    st.text(alphabet="0123456789:.apmAPM /_-abcdefghijklmnopqrstuvwxyz", max_size=15),
    st.sampled_from(["", " ", "  \t"]), st.sampled_from(["", ".", "!!", "?"]),
)


@settings(max_examples=400, deadline=None)
@given(keyword_like)
def test_keyword_like_texts_never_crash(text):
    cmd = parse(text)
    assert cmd.kind in KINDS
    if cmd.kind == "time" and cmd.args:
        assert isinstance(cmd.args[0], time)
    if cmd.kind == "tz" and cmd.args:
        zoneinfo.ZoneInfo(cmd.args[0])
    if cmd.kind == "pause" and cmd.args:
        assert 1 <= cmd.args[0] <= 365


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_time_parsers_never_crash(text):
    at = parse_clock(text)
    assert at is None or isinstance(at, time)
    zone = parse_timezone(text)
    assert zone is None or zoneinfo.ZoneInfo(zone)
    days = parse_days(text)
    assert days is None or 1 <= days <= 365


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 23), st.integers(0, 59))
def test_24h_clock_always_parses(h, m):
    assert parse_clock(f"{h}:{m:02d}") == time(h, m)
    assert parse(f"time {h}:{m:02d}") == Command("time", (time(h, m),))
