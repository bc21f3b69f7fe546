"""Corpus loading and `mend corpus check`: every problem type with the right file:line."""

from __future__ import annotations

import pytest
from factories import item_markdown, make_item, small_corpus, write_corpus, write_item

from mend.config import ROOT
from recommender.corpus import THEMES, load_corpus, track_of
from recommender.service import check_corpus
from sms.segments import count_segments

GOOD = """---
id: {id}
kind: exercise
theme: coping-toolkit
tags: [grounding, breath]
sms: "Breathe in for four, out for six, five times."
minutes: 3
time_of_day: any
source: toolkit
---
Sit down, feel your feet on the floor, and breathe slowly.
"""


def problems_for(tmp_path, text: str, name: str = "x", folder: str = "exercises"):
    path = tmp_path / "corpus" / folder / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [str(p) for p in load_corpus(tmp_path / "corpus", root=tmp_path).problems]


def edit(line_no: int, new: str, name: str = "x") -> str:
    lines = GOOD.format(id=name).splitlines(keepends=True)
    lines[line_no - 1] = new + "\n"
    return "".join(lines)


def test_good_file_loads_into_a_frozen_item(tmp_path):
    assert problems_for(tmp_path, GOOD.format(id="x")) == []
    (item,) = load_corpus(tmp_path / "corpus").items
    assert (item.id, item.kind, item.theme, item.tags, item.minutes, item.track) == (
        "x", "exercise", "coping-toolkit", ("grounding", "breath"), 3, "self-care")
    assert item.body.startswith("Sit down")
    with pytest.raises(AttributeError):
        item.theme = "boundaries"


def test_unknown_theme_points_at_its_line_and_lists_known_themes(tmp_path):
    (problem,) = problems_for(tmp_path, edit(4, "theme: selfcare"))
    assert problem == f"corpus/exercises/x.md:4: unknown theme 'selfcare' (known: {', '.join(THEMES)})"


@pytest.mark.parametrize("line_no, new, expected", [
    (9, "source: the-internet", "x.md:9: unknown source 'the-internet'"),
    (8, "time_of_day: night", "x.md:8: unknown time_of_day 'night'"),
    (3, "kind: passage", "x.md:3: kind 'passage' does not match its folder 'exercises/'"),
    (2, "id: other-name", "x.md:2: id 'other-name' must equal the file name 'x'"),
    (7, "minutes: five", "x.md:7: 'minutes' must be whole number, got 'five'"),
    (5, "tags: grounding", "x.md:5: 'tags' must be list of text, got 'grounding'"),
    (5, "tags: [crisis, 988]", "x.md:5: 'tags' must be list of text"),
    (7, "minutes: 0", "x.md:7: minutes must be between 1 and"),
    (9, "colour: blue", "x.md:9: unknown field 'colour'"),
    (7, "time_of_day: any", "x.md:8: field 'time_of_day' appears twice (first on line 7)"),
])
def test_each_field_problem_names_file_and_line(tmp_path, line_no, new, expected):
    problems = problems_for(tmp_path, edit(line_no, new))
    assert any(p.startswith("corpus/exercises/" + expected) for p in problems), problems


def test_missing_field_and_exercise_without_minutes(tmp_path):
    text = GOOD.format(id="x").replace("source: toolkit\n", "").replace("minutes: 3\n", "")
    problems = problems_for(tmp_path, text)
    assert "corpus/exercises/x.md:1: missing field 'source'" in problems
    assert "corpus/exercises/x.md:1: missing field 'minutes' (exercises need an effort in minutes)" in problems


def test_passage_with_minutes_is_a_problem(tmp_path):
    text = GOOD.format(id="p").replace("kind: exercise", "kind: passage")
    problems = problems_for(tmp_path, text, name="p", folder="passages")
    assert problems == ["corpus/passages/p.md:7: 'minutes' is for exercises only; remove it from this passage"]


def test_bad_yaml_reports_the_line_of_the_error(tmp_path):
    problems = problems_for(tmp_path, edit(5, "tags: [grounding, breath"))
    assert len(problems) == 1 and problems[0].startswith("corpus/exercises/x.md:6: bad YAML in front matter"), problems


def test_missing_front_matter(tmp_path):
    assert problems_for(tmp_path, "Just a body, no fields.\n") == [
        "corpus/exercises/x.md:1: missing front matter: start the file with a '---' line, "
        "the YAML fields, then another '---' line"]
    assert problems_for(tmp_path, "---\nid: x\n") != []  # never closed


def test_empty_body_points_at_the_closing_line(tmp_path):
    text = GOOD.format(id="x").split("---\n")
    problems = problems_for(tmp_path, f"---\n{text[1]}---\n\n")
    assert problems == ["corpus/exercises/x.md:10: the Markdown body is empty; write the longer version "
                        "for reading below the front matter"]


def test_sms_too_long_gsm_and_ucs2(tmp_path):
    long_gsm = "a" * 307
    problems = problems_for(tmp_path, edit(6, f'sms: "{long_gsm}"'))
    assert problems == ["corpus/exercises/x.md:6: sms too long: 307 GSM-7 units = 3 segments, "
                        "at most 2 allowed (306 GSM-7 characters)"]
    curly = "You\u2019re doing ok. " * 8  # 136 UCS-2 units: the curly quote forces UCS-2
    problems = problems_for(tmp_path, edit(6, f'sms: "{curly.strip()}"'))
    assert len(problems) == 1 and "x.md:6: sms too long: 135 UCS-2 units = 3 segments" in problems[0]
    assert "write plain ASCII" in problems[0]
    assert problems_for(tmp_path, edit(6, f'sms: "{"a" * 306}"')) == []


def test_duplicate_id_is_reported_on_both_files(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "exercises").mkdir(parents=True)
    (corpus / "passages").mkdir(parents=True)
    (corpus / "exercises" / "same.md").write_text(GOOD.format(id="same"))
    passage = GOOD.format(id="same").replace("kind: exercise", "kind: passage").replace("minutes: 3\n", "")
    (corpus / "passages" / "same.md").write_text(passage)
    problems = sorted(str(p) for p in load_corpus(corpus, root=tmp_path).problems)
    assert problems == [
        "corpus/exercises/same.md:2: duplicate id 'same' (also in corpus/passages/same.md)",
        "corpus/passages/same.md:2: duplicate id 'same' (also in corpus/exercises/same.md)",
    ]
    assert load_corpus(corpus).items == ()


def test_all_problems_are_collected_not_just_the_first(tmp_path):
    write_item(tmp_path / "corpus", text=edit(4, "theme: nope", name="a"), id="a")
    write_item(tmp_path / "corpus", text=edit(9, "source: nope", name="b"), id="b")
    write_item(tmp_path / "corpus", make_item(id="c"))
    result = load_corpus(tmp_path / "corpus", root=tmp_path)
    assert [p.line for p in result.problems] == [4, 9]
    assert [i.id for i in result.items] == ["c"]


def test_factory_items_round_trip_through_markdown(tmp_path):
    items = small_corpus()
    write_corpus(tmp_path / "corpus", items)
    loaded = {i.id: i for i in load_corpus(tmp_path / "corpus").items}
    for item in items:
        assert loaded[item.id] == item, item_markdown(item)


def test_tracks_follow_the_themes():
    assert track_of("self-compassion") == "self-care"
    assert track_of("support-network") == "social"
    assert track_of("boundaries") is None


@pytest.mark.parametrize("text, expected", [
    ("", ("GSM-7", 1, 0)),
    ("a" * 160, ("GSM-7", 1, 160)),
    ("a" * 161, ("GSM-7", 2, 161)),
    ("a" * 306, ("GSM-7", 2, 306)),
    ("a" * 307, ("GSM-7", 3, 307)),
    ("[" * 80, ("GSM-7", 1, 160)),  # extension characters count two
    ("a" * 152 + "{" + "a" * 10, ("GSM-7", 2, 164)),  # the escape pair is not split
    ("a" * 152 + "€" + "a" * 152, ("GSM-7", 3, 306)),  # ... so it moves to the next segment
    ("é" * 160, ("GSM-7", 1, 160)),  # é is in the GSM-7 basic set
    ("\u2019" * 70, ("UCS-2", 1, 70)),
    ("\u2019" * 71, ("UCS-2", 2, 71)),
    ("\u2019" * 134, ("UCS-2", 2, 134)),
    ("\u2019" * 135, ("UCS-2", 3, 135)),
    ("\U0001F49B" * 35, ("UCS-2", 1, 70)),  # an emoji is a surrogate pair: two units
    ("a" * 66 + "\U0001F49B" + "a" * 66, ("UCS-2", 3, 134)),  # the pair is not split
])
def test_count_segments(text, expected):
    assert count_segments(text) == expected


@pytest.mark.slow
def test_near_duplicates_are_reported_on_both_files(tmp_path, config, embedder):
    corpus = tmp_path / "corpus"
    items = small_corpus()
    twin = make_item(id="calm-place-again", theme="coping-toolkit",
                     sms="Picture a calm, safe place and breathe slowly for five minutes.",
                     body="Close your eyes and imagine a quiet beach or a cozy room where nothing can reach you.")
    write_corpus(corpus, [*items, twin])
    cfg = config.replace(corpus={"path": str(corpus), "cache_dir": str(tmp_path / "cache")})
    result = check_corpus(cfg, embedder)
    texts = sorted(str(p) for p in result.problems)
    assert len(texts) == 2, texts
    assert texts[0].startswith(f"{corpus}/exercises/calm-place-again.md:2: near-duplicate of {corpus}/exercises/calm-place.md")
    assert texts[1].startswith(f"{corpus}/exercises/calm-place.md:2: near-duplicate of {corpus}/exercises/calm-place-again.md")
    write_corpus(corpus, [])
    (corpus / "exercises" / "calm-place-again.md").unlink()
    assert check_corpus(cfg, embedder).problems == ()


@pytest.mark.slow
def test_the_real_corpus_is_clean(config, embedder):
    """The corpus the writers ship: zero problems, and the issue's coverage minimums.

    Uses the project's embedding cache (data/embeddings), like `mend corpus check`.
    """
    cfg = config
    result = check_corpus(cfg, embedder)
    assert [str(p) for p in result.problems] == []
    items = result.items
    assert len(items) >= 80
    assert sum(i.kind == "exercise" for i in items) >= 40
    assert all(sum(i.theme == t for i in items) >= 4 for t in THEMES)
    assert sum(i.track == "social" for i in items) >= 12
    assert str(cfg.resolve(cfg.corpus.path)) == str(ROOT / "content_corpus")
