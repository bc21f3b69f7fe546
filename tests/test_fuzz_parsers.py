"""Property tests for the SMS parsers, the segment counter and the corpus loader.

These complement tests/test_sms_keywords.py (which checks that random text never crashes
the parsers) with properties that can fail: keywords are recognised whatever the case,
spacing and trailing punctuation; clock times round-trip through every spelling; segment
counts follow the GSM-7/UCS-2 arithmetic; a corpus file with random front matter and text
yields an Item or CorpusProblems, never an exception.

Cases run: each test's ``max_examples`` (see ``CASES``); pytest -s prints the totals.
"""

from __future__ import annotations

import math
import tempfile
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from recommender.corpus import CorpusProblem, Item, load_corpus, parse_item_file
from sms.keywords import parse
from sms.segments import GSM7, GSM7_BASIC, GSM7_EXTENSION, UCS2, count_segments
from sms.timeparse import MAX_PAUSE_DAYS, format_clock, parse_clock, parse_days, parse_timezone

CASES = {"keywords": 400, "clock": 300, "days": 200, "tz": 200, "segments": 400, "corpus": 300}


def many(kind: str):
    return settings(max_examples=CASES[kind], deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYWORD_KINDS = {
    "STOP": "stop", "STOPALL": "stop", "UNSUBSCRIBE": "stop", "CANCEL": "stop", "END": "stop", "QUIT": "stop",
    "REVOKE": "stop", "OPTOUT": "stop", "OPT OUT": "stop", "HELP": "help", "INFO": "help", "YES": "start",
    "START": "start", "UNSTOP": "start", "RESUME": "resume", "MORE": "more", "FORGET": "forget",
}


def _mixed_case(draw, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if f else c.lower() for c, f in zip(word, flips, strict=True))


@st.composite
def keyword_texts(draw):
    word = draw(st.sampled_from(sorted(KEYWORD_KINDS)))
    text = _mixed_case(draw, word)
    if " " in text:
        text = text.replace(" ", draw(st.sampled_from([" ", "  ", "\t", " \u00a0"])))
    lead = draw(st.sampled_from(["", " ", "  ", "\n", "\t "]))
    trail = draw(st.text(alphabet=" .!?,;:~\n\t", max_size=5))
    return word, lead + text + trail


@many("keywords")
@given(keyword_texts())
def test_keywords_match_whatever_the_case_spacing_and_trailing_punctuation(case):
    word, text = case
    event(f"keyword {KEYWORD_KINDS[word]}")
    assert parse(text).kind == KEYWORD_KINDS[word], (word, text)


@many("keywords")
@given(st.text(alphabet=st.characters(codec="ascii", exclude_categories=("Cc",)), max_size=40),
       st.text(alphabet=" .!?,;:", max_size=4))
def test_trailing_punctuation_and_case_never_change_the_meaning(text, trail):
    base = parse(text)
    assert parse(text + trail) == base
    assert parse(text.upper()) == parse(text.lower())


@many("clock")
@given(st.integers(0, 23), st.integers(0, 59), st.booleans(), st.sampled_from(["", " "]),
       st.sampled_from(["am", "pm", "AM", "PM", "a.m.", "p.m.", "a", "p"]))
def test_every_spelling_of_a_clock_time_parses_to_it(hour, minute, upper, gap, suffix):
    at = time(hour, minute)
    assert parse_clock(format_clock(at)) == at
    assert parse_clock(f"{hour}:{minute:02d}") == at
    h12 = hour % 12 or 12
    want_pm = hour >= 12
    if suffix.lower().startswith("p") == want_pm:
        spelled = f"{h12}:{minute:02d}{gap}{suffix}"
        assert parse_clock(spelled.upper() if upper else spelled) == at, spelled
    assert parse(f"TIME {format_clock(at)}").kind == "time"


@many("clock")
@given(st.integers(0, 99), st.integers(0, 99))
def test_impossible_clock_times_are_refused_not_wrapped(hour, minute):
    parsed = parse_clock(f"{hour}:{minute:02d}")
    if hour <= 23 and minute <= 59:
        assert parsed == time(hour, minute)
    else:
        assert parsed is None


@many("days")
@given(st.integers(0, 9999), st.sampled_from(["", " days", "d", " day", " weeks", "w", " wk"]))
def test_pause_durations_are_days_or_weeks_within_range(n, unit):
    days = n * (7 if unit.strip().startswith("w") else 1)
    expected = days if 1 <= days <= MAX_PAUSE_DAYS else None
    assert parse_days(f"{n}{unit}") == expected


@many("tz")
@given(st.text(max_size=70))
def test_a_recognised_zone_is_always_a_real_iana_zone(text):
    zone = parse_timezone(text)
    if zone is not None:
        event("recognised")
        ZoneInfo(zone)


_GSM_BASIC = "".join(sorted(GSM7_BASIC))
_GSM_EXT = "".join(sorted(GSM7_EXTENSION))


@many("segments")
@given(st.text(alphabet=_GSM_BASIC, max_size=700))
def test_gsm7_basic_segments_follow_160_and_153(text):
    encoding, segments, units = count_segments(text)
    assert (encoding, units) == (GSM7, len(text))
    assert segments == (1 if len(text) <= 160 else math.ceil(len(text) / 153))


@many("segments")
@given(st.text(alphabet=_GSM_EXT, min_size=1, max_size=300))
def test_gsm7_extension_characters_cost_two_and_never_split(text):
    encoding, segments, units = count_segments(text)
    assert (encoding, units) == (GSM7, 2 * len(text))
    assert segments == (1 if 2 * len(text) <= 160 else math.ceil(len(text) / 76))  # 76 pairs in 153 septets


@many("segments")
@given(st.text(alphabet=st.characters(min_codepoint=0x400, max_codepoint=0x4FF), min_size=1, max_size=300))
def test_ucs2_segments_follow_70_and_67(text):
    encoding, segments, units = count_segments(text)
    assert (encoding, units) == (UCS2, len(text))
    assert segments == (1 if len(text) <= 70 else math.ceil(len(text) / 67))


@many("segments")
@given(st.text(max_size=400), st.characters())
def test_adding_a_character_never_needs_fewer_segments_within_one_encoding(text, ch):
    before, after = count_segments(text), count_segments(text + ch)
    if before[0] == after[0]:
        assert after[1] >= before[1]
    assert after[1] >= 1


# -- the corpus loader: random front matter and text -----------------------------------------------

_FIELDS = ["id", "kind", "theme", "tags", "sms", "minutes", "time_of_day", "source", "title", "x"]
_yaml_scalar = st.one_of(
    st.text(max_size=30), st.integers(-10, 10_000), st.booleans(), st.none(), st.floats(allow_nan=True),
    st.sampled_from(["exercise", "passage", "resilience", "self-compassion", "daytime", "evening",
                     "[a, b]", "[1, 2]", "{a: 1}", "'unterminated", "- x", ": :", "&a *a", "!!python/object x"]),
)


@st.composite
def corpus_files(draw):
    lines = []
    for name in draw(st.lists(st.sampled_from(_FIELDS), max_size=10)):
        lines.append(f"{name}: {draw(_yaml_scalar)}")
    if draw(st.booleans()):
        lines.append(draw(st.text(max_size=40)))  # a line of anything inside the front matter
    opening = draw(st.sampled_from(["---\n", "\ufeff---\n", "", "--\n", "---"]))
    closing = draw(st.sampled_from(["\n---\n", "\n---", "\n", "\n--- \n"]))
    body = draw(st.text(max_size=300))
    text = opening + "\n".join(lines) + closing + body
    raw = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        raw = draw(st.binary(max_size=200))  # not even text
    return raw


@many("corpus")
@given(corpus_files(), st.sampled_from(["exercises", "passages", "elsewhere"]))
def test_a_corpus_file_of_random_front_matter_gives_an_item_or_problems_never_an_exception(raw, folder):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / folder / "fuzzed-item.md"
        path.parent.mkdir(parents=True)
        path.write_bytes(raw)
        item, problems = parse_item_file(path, root=Path(tmp))
        assert all(isinstance(p, CorpusProblem) and p.message for p in problems)
        assert (item is None) == bool(problems)
        if item is not None:
            event("valid item")
            assert isinstance(item, Item) and item.sms.strip()
        loaded = load_corpus(Path(tmp), root=Path(tmp))
        assert all(isinstance(p, CorpusProblem) for p in loaded.problems)
        event(f"{len(problems)} problems" if problems else "no problems")


_VALID = {
    "id": "fuzzed-item", "kind": "exercise", "theme": "resilience", "tags": "[job, feedback]",
    "sms": '"Take one slow breath, then name one thing you did well today."', "minutes": "5",
    "time_of_day": "daytime", "source": "growth",
}


@st.composite
def mutated_valid_files(draw):
    fields = dict(_VALID)
    for _ in range(draw(st.integers(0, 2))):
        name = draw(st.sampled_from(sorted(fields) + ["extra"]))
        action = draw(st.sampled_from(["drop", "replace", "replace"]))
        if action == "drop":
            fields.pop(name, None)
        else:
            fields[name] = str(draw(_yaml_scalar)).replace("\n", " ")
    front = "\n".join(f"{k}: {v}" for k, v in fields.items())
    body = "## Title\n\nSome words about the step."
    if draw(st.integers(0, 3)) == 0:
        body = draw(st.sampled_from(["", "\x00\x01", "---", "\ufffd" * 3]))
    return f"---\n{front}\n---\n{body}\n".encode("utf-8", "surrogatepass")


@many("corpus")
@given(mutated_valid_files())
def test_a_valid_item_with_fields_dropped_or_replaced_gives_an_item_or_clear_problems(raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "exercises" / "fuzzed-item.md"
        path.parent.mkdir(parents=True)
        path.write_bytes(raw)
        item, problems = parse_item_file(path, root=Path(tmp))
        assert (item is None) == bool(problems)
        assert all(isinstance(p, CorpusProblem) and "fuzzed-item.md" in str(p) for p in problems)
        event("valid item" if item is not None else "problems")
