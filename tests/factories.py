"""Factories for test data: ``make_item(**overrides)`` and friends. Others may add theirs here."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from recommender.corpus import Item

_ITEM_DEFAULTS = dict(
    id="calm-place-visualization",
    kind="exercise",
    theme="coping-toolkit",
    tags=("visualization", "grounding"),
    sms="Try a calm-place break: close your eyes and picture a place where you feel safe and at ease.",
    minutes=5,
    time_of_day="any",
    source="toolkit",
    body="Sit somewhere comfortable. Picture a place where you feel safe, and notice what you see and hear there.",
    path=Path("content_corpus/exercises/calm-place-visualization.md"),
)


def make_item(**overrides) -> Item:
    """An Item with sensible defaults; a passage gets no minutes unless given."""
    values = dict(_ITEM_DEFAULTS)
    if overrides.get("kind") == "passage" and "minutes" not in overrides:
        values["minutes"] = None
    values.update(overrides)
    values["tags"] = tuple(values["tags"])
    if "path" not in overrides:
        folder = "exercises" if values["kind"] == "exercise" else "passages"
        values["path"] = Path("content_corpus") / folder / f"{values['id']}.md"
    return Item(**values)


def item_front_matter(item: Item) -> dict:
    data = {
        "id": item.id, "kind": item.kind, "theme": item.theme, "tags": list(item.tags), "sms": item.sms,
        "minutes": item.minutes, "time_of_day": item.time_of_day, "source": item.source,
    }
    if item.minutes is None:
        del data["minutes"]
    return data


def item_markdown(item: Item) -> str:
    """The Markdown file for an item, fields in the documented order."""
    front = yaml.safe_dump(item_front_matter(item), sort_keys=False, allow_unicode=True, width=10_000,
                           default_flow_style=None)
    return f"---\n{front}---\n{item.body}\n"


def write_item(corpus_dir: Path, item: Item | None = None, *, text: str | None = None, **overrides) -> Path:
    """Write one item file under ``corpus_dir`` (or raw ``text`` at the item's path); returns the path."""
    item = item or make_item(**overrides)
    folder = "exercises" if item.kind == "exercise" else "passages"
    path = Path(corpus_dir) / folder / f"{item.id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text is not None else item_markdown(item), encoding="utf-8")
    return path


def write_corpus(corpus_dir: Path, items: Iterable[Item]) -> Path:
    corpus_dir = Path(corpus_dir)
    for folder in ("passages", "exercises"):
        (corpus_dir / folder).mkdir(parents=True, exist_ok=True)
    for item in items:
        write_item(corpus_dir, item)
    return corpus_dir


def small_corpus() -> list[Item]:
    """Eight distinct items over both tracks and a few other themes, for tests with the real model."""
    return [
        make_item(id="calm-place", theme="coping-toolkit", sms="Picture a calm, safe place and breathe slowly for five minutes.",
                  body="Close your eyes and imagine a quiet beach or a cozy room where nothing can reach you."),
        make_item(id="text-one-friend", theme="support-network", sms="Send one short message to a friend you trust today, even just hi.",
                  body="Reaching out to one person who cares about you can ease loneliness after being left out."),
        make_item(id="join-a-group", theme="social-engagement", kind="passage", minutes=None, source="social-engagement",
                  sms="Clubs, classes and volunteering are low-pressure ways to be around people again.",
                  body="Shared activities build belonging slowly; you do not have to talk much at first."),
        make_item(id="kind-letter", theme="self-compassion", sms="Write yourself a short letter the way a kind friend would, about the rejection.",
                  body="Speak to yourself with warmth. Name what hurt and remind yourself you are worth care."),
        make_item(id="therapy-options", theme="professional-help", kind="passage", minutes=None, source="therapy",
                  sms="A therapist can help you untangle old rejection wounds. CBT and EMDR are two common options.",
                  body="Talking with a licensed counselor gives you tools to handle painful memories and beliefs."),
        make_item(id="say-no-kindly", theme="boundaries", sms="Practice one small boundary today: a kind, clear no to something that drains you.",
                  body="Boundaries protect your energy and tell people how you want to be treated."),
        make_item(id="morning-stretch", theme="self-care", time_of_day="morning", sms="Start the day with five minutes of gentle stretching and a glass of water.",
                  body="Move slowly, notice your body waking up, and be gentle with stiff places."),
        make_item(id="evening-pages", theme="journaling", time_of_day="evening", sms="Before bed, write three lines about what you felt today and one thing you got through.",
                  body="Journaling at night helps you sort feelings so they do not spin in your head while you sleep."),
    ]
