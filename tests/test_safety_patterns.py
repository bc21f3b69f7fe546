"""The pattern layer: every category, coded language, misspellings, negation, idioms, past tense."""

from __future__ import annotations

import pytest

from safety.patterns import CATEGORIES, PATTERNS, find_hits, match, normalise


@pytest.mark.parametrize(
    "text, category",
    [
        ("I want to kill myself", "suicide-or-self-harm"),
        ("I'm thinking about suicide", "suicide-or-self-harm"),
        ("I've been cutting myself again", "suicide-or-self-harm"),
        ("I'm going to stab him when he gets home", "harm-to-others"),
        ("I'm bringing a gun to school tomorrow", "harm-to-others"),
        ("Someone is hurting me", "abuse-or-danger"),
        ("I'm not safe at home", "abuse-or-danger"),
        ("He threatened me", "abuse-or-danger"),
        ("My boyfriend hits me", "abuse-or-danger"),
        ("I took too many pills", "medical-emergency"),
        ("I can't breathe", "medical-emergency"),
        ("chest pain and my left arm is numb", "medical-emergency"),
        ("I think I overdosed", "medical-emergency"),
    ],
)
def test_each_category_is_caught(text, category):
    result = match(text)
    assert result.crisis, text
    assert result.category == category
    assert result.reasons and all(r.split(".")[0] in ("suicide", "others", "abuse", "medical") for r in result.reasons)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("kms", "suicide.kms"),
        ("ngl gonna kms tonight", "suicide.kms"),
        ("thinking about unaliving myself", "suicide.word"),
        ("i just want to sleep forever", "suicide.never_wake"),
        ("I hope I don't wake up tomorrow", "suicide.never_wake"),
        ("I've been saving up my pills", "suicide.pills"),
        ("I wrote goodbye letters to my family", "suicide.note"),
        ("I'm giving away all my stuff", "suicide.giving_away"),
        ("Everyone would be better off without me", "suicide.better_off"),
        ("the sewer slide is all i think about", "suicide.word"),
    ],
)
def test_coded_language(text, reason):
    assert reason in match(text).reasons


@pytest.mark.parametrize(
    "text",
    ["i wanna dye", "im gona kil myself", "i feel sucidal", "i want to kil myslef", "i dont wanna live anymore",
     "i wnt 2 die", "I DONT WANT TO BE ALIVE", "i\u2019m going to end my lyfe", "i tok to many pils"],
)
def test_misspellings_and_texting_style(text):
    assert match(text).crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, just sad",
        "I would never kill myself",
        "I'm not going to hurt myself, I just needed to vent",
        "I don't want to die, I want to feel better",
        "I have no intention of ending my life",
        "I'm no longer suicidal",
    ],
)
def test_negation_suppresses_and_is_reported(text):
    result = match(text)
    assert not result.crisis, text
    assert any(s.startswith("negated:") for s in result.suppressed)


@pytest.mark.parametrize(
    "text",
    ["I can't stop thinking about killing myself", "I don't want to live anymore", "I'm not safe at home",
     "I don't feel safe at home", "I'm not sure why I shouldn't kill myself"],
)
def test_negation_that_is_the_crisis_itself_is_not_suppressed(text):
    assert match(text).crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "I'm dying to see them", "I killed it at my presentation", "dead tired after this week",
        "I could kill for a coffee", "this job is killing me", "my feet are killing me",
        "I almost died laughing", "my mom is going to kill me when she sees my grades",
        "that cake was to die for", "I laughed so hard I couldn't breathe", "I'm so embarrassed I could die",
        "I killed the final boss in Elden Ring", "Killing time before my interview",
    ],
)
def test_idioms_are_not_crisis(text):
    assert not match(text).crisis, text


@pytest.mark.parametrize(
    "text",
    ["Last year I was suicidal but I'm doing better", "I used to cut myself in high school",
     "Years ago my ex hit me, I'm safe now"],
)
def test_past_and_recovered_are_not_crisis(text):
    result = match(text)
    assert not result.crisis
    assert any(s.startswith("past:") for s in result.suppressed)


def test_past_marker_does_not_hide_a_relapse():
    assert match("I used to cut myself and I started again tonight").crisis


def test_the_strongest_and_most_urgent_hit_sets_the_category():
    result = match("I took the whole bottle of pills, goodbye everyone")
    assert result.category == "medical-emergency"
    assert result.reasons[0] == "medical.overdose"
    assert "suicide.note" in result.reasons


def test_normalise_and_pattern_table():
    assert normalise("  I\u2019M   Not OK ") == "im not ok"
    assert {p.category for p in PATTERNS} == set(CATEGORIES)
    assert len({p.name for p in PATTERNS}) == len(PATTERNS)
    assert find_hits("") == ()
