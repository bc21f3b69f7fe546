"""The content corpus: Markdown files with YAML front matter, loaded into frozen Items.

Loading validates every file and collects ALL problems (never stopping at the first),
each pointing at the offending front-matter line::

    content_corpus/exercises/calm-place.md:4: unknown theme 'selfcare' (known: ...)

Checks that need embeddings (near-duplicate items) are pure functions over vectors here
too (:func:`near_duplicates`); the service feeds them the cached embeddings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from sms.segments import UCS2, count_segments

__all__ = [
    "Item", "CorpusProblem", "CorpusLoad", "load_corpus", "parse_item_file", "near_duplicates",
    "THEMES", "TRACKS", "SOURCES", "TIMES_OF_DAY", "KINDS", "track_of", "MAX_SMS_SEGMENTS",
]

THEMES = (
    "understanding", "acknowledging", "professional-help", "support-network", "social-engagement",
    "self-compassion", "self-care", "mindfulness", "journaling", "creative-expression",
    "resilience", "boundaries", "coping-toolkit",
)
TRACKS: dict[str, frozenset[str]] = {
    "self-care": frozenset(
        {"self-compassion", "self-care", "mindfulness", "journaling", "creative-expression", "coping-toolkit"}
    ),
    "social": frozenset({"support-network", "social-engagement"}),
}
SOURCES = (
    "intro", "understanding", "effects", "signs", "acknowledging", "therapy", "relationships",
    "self-compassion-self-care", "therapeutic-activities", "resilience-boundaries", "growth",
    "toolkit", "social-engagement", "faq", "conclusion",
)
TIMES_OF_DAY = ("any", "morning", "daytime", "evening")
KINDS = {"passages": "passage", "exercises": "exercise"}  # folder -> kind
MAX_SMS_SEGMENTS = 2
MAX_MINUTES = 180

_FIELD_TYPES: dict[str, str] = {
    "id": "text", "kind": "text", "theme": "text", "tags": "list of text", "sms": "text",
    "minutes": "whole number", "time_of_day": "text", "source": "text",
}
_REQUIRED = ("id", "kind", "theme", "tags", "sms", "time_of_day", "source")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def track_of(theme: str) -> str | None:
    """The nudge track a theme belongs to ("self-care", "social"), or None."""
    for track, themes in TRACKS.items():
        if theme in themes:
            return track
    return None


@dataclass(frozen=True)
class Item:
    """One passage or exercise."""

    id: str
    kind: str
    theme: str
    tags: tuple[str, ...]
    sms: str
    minutes: int | None
    time_of_day: str
    source: str
    body: str
    path: Path = field(compare=False)

    @property
    def track(self) -> str | None:
        return track_of(self.theme)


@dataclass(frozen=True)
class CorpusProblem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass(frozen=True)
class CorpusLoad:
    items: tuple[Item, ...]
    problems: tuple[CorpusProblem, ...]


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, number of the closing '---' line) or None when there is none."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]).strip(), i + 1
    return None


def _type_ok(name: str, value: object) -> bool:
    kind = _FIELD_TYPES[name]
    if kind == "text":
        return isinstance(value, str) and bool(value.strip())
    if kind == "whole number":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def parse_item_file(path: Path, *, root: Path | None = None) -> tuple[Item | None, list[CorpusProblem]]:
    """Parse and check one item file: (the Item, or None when it has problems; its problems)."""
    shown = _display(path, root)
    problems: list[CorpusProblem] = []

    def problem(line: int | None, message: str) -> None:
        problems.append(CorpusProblem(shown, line, message))

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problem(None, f"not UTF-8 text ({exc.reason}); save the file as UTF-8")
        return None, problems
    split = _split_front_matter(text)
    if split is None:
        problem(1, "missing front matter: start the file with a '---' line, the YAML fields, then another '---' line")
        return None, problems
    front, body, _closing = split
    try:
        node = yaml.compose(front, Loader=yaml.SafeLoader)
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problem(line, f"bad YAML in front matter: {reason}")
        return None, problems
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        problem(2, "front matter must be YAML fields (`name: value`), one per line")
        return None, problems

    lines: dict[str, int] = {}
    for key_node, _value_node in node.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + 2
        if key in lines:
            problem(line, f"field '{key}' appears twice (first on line {lines[key]}); keep one")
        lines.setdefault(key, line)

    for key in data:
        if key not in _FIELD_TYPES:
            problem(lines.get(str(key)), f"unknown field '{key}' (known: {', '.join(_FIELD_TYPES)})")
    for key in _REQUIRED:
        if key not in data:
            problem(1, f"missing field '{key}'")
    ok = {k: v for k, v in data.items() if k in _FIELD_TYPES}
    for key, value in list(ok.items()):
        if not _type_ok(key, value):
            problem(lines[key], f"'{key}' must be {_FIELD_TYPES[key]}, got {value!r}")
            del ok[key]

    folder_kind = KINDS.get(path.parent.name)
    if "id" in ok:
        if not _SLUG.match(ok["id"]):
            problem(lines["id"], f"id '{ok['id']}' must be a slug: lowercase letters, digits and single hyphens")
        if ok["id"] != path.stem:
            problem(lines["id"], f"id '{ok['id']}' must equal the file name '{path.stem}'")
    if "kind" in ok:
        if ok["kind"] not in KINDS.values():
            problem(lines["kind"], f"unknown kind '{ok['kind']}' (known: {', '.join(KINDS.values())})")
        elif folder_kind and ok["kind"] != folder_kind:
            problem(lines["kind"], f"kind '{ok['kind']}' does not match its folder '{path.parent.name}/' "
                                   f"(move the file or use kind: {folder_kind})")
    if "theme" in ok and ok["theme"] not in THEMES:
        problem(lines["theme"], f"unknown theme '{ok['theme']}' (known: {', '.join(THEMES)})")
    if "source" in ok and ok["source"] not in SOURCES:
        problem(lines["source"], f"unknown source '{ok['source']}' (known: {', '.join(SOURCES)})")
    if "time_of_day" in ok and ok["time_of_day"] not in TIMES_OF_DAY:
        problem(lines["time_of_day"],
                f"unknown time_of_day '{ok['time_of_day']}' (known: {', '.join(TIMES_OF_DAY)})")
    if "sms" in ok:
        encoding, segments, units = count_segments(ok["sms"])
        if segments > MAX_SMS_SEGMENTS:
            limit = "134 UCS-2 characters" if encoding == UCS2 else "306 GSM-7 characters"
            hint = " (it has a character outside GSM-7, e.g. a curly quote, dash or emoji: write plain ASCII)" \
                if encoding == UCS2 else ""
            problem(lines["sms"], f"sms too long: {units} {encoding} units = {segments} segments, "
                                  f"at most {MAX_SMS_SEGMENTS} allowed ({limit}){hint}")
    kind = ok.get("kind") if ok.get("kind") in KINDS.values() else folder_kind
    if kind == "exercise" and "minutes" not in data:
        problem(1, "missing field 'minutes' (exercises need an effort in minutes)")
    if "minutes" in ok:
        if kind == "passage":
            problem(lines["minutes"], "'minutes' is for exercises only; remove it from this passage")
        elif not 1 <= ok["minutes"] <= MAX_MINUTES:
            problem(lines["minutes"], f"minutes must be between 1 and {MAX_MINUTES}, got {ok['minutes']}")
    if not body:
        problem(_closing, "the Markdown body is empty; write the longer version for reading below the front matter")

    if problems:
        return None, problems
    return Item(
        id=ok["id"], kind=ok["kind"], theme=ok["theme"], tags=tuple(ok["tags"]), sms=ok["sms"].strip(),
        minutes=ok.get("minutes"), time_of_day=ok["time_of_day"], source=ok["source"], body=body,
        path=path,
    ), problems


def _item_files(corpus_dir: Path) -> list[Path]:
    files: list[Path] = []
    for folder in KINDS:
        files.extend(sorted((corpus_dir / folder).glob("*.md")))
    return files


def load_corpus(corpus_dir: Path, *, root: Path | None = None) -> CorpusLoad:
    """Load every item under ``corpus_dir/{passages,exercises}``; problems are collected, not raised.

    An item with a problem is left out of ``items``; a duplicated id is reported on every
    file that uses it and all of them are left out.
    """
    corpus_dir = Path(corpus_dir)
    problems: list[CorpusProblem] = []
    if not corpus_dir.is_dir():
        problems.append(CorpusProblem(_display(corpus_dir, root), None,
                                      "corpus folder not found (set corpus.path in config.yaml)"))
        return CorpusLoad((), tuple(problems))
    parsed: list[Item] = []
    for path in _item_files(corpus_dir):
        item, item_problems = parse_item_file(path, root=root)
        problems.extend(item_problems)
        if item is not None:
            parsed.append(item)
    by_id: dict[str, list[Item]] = {}
    for item in parsed:
        by_id.setdefault(item.id, []).append(item)
    items: list[Item] = []
    for item_id, group in by_id.items():
        if len(group) > 1:
            names = [_display(i.path, root) for i in group]
            for i in group:
                others = ", ".join(n for n in names if n != _display(i.path, root))
                problems.append(CorpusProblem(_display(i.path, root), _id_line(i.path),
                                              f"duplicate id '{item_id}' (also in {others})"))
        else:
            items.append(group[0])
    if not items and not problems:
        problems.append(CorpusProblem(_display(corpus_dir, root), None,
                                      "no items found in passages/ or exercises/"))
    return CorpusLoad(tuple(items), tuple(problems))


def _id_line(path: Path) -> int:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.startswith("id:"):
                return number
    except OSError:
        pass
    return 1


def near_duplicates(
    items: Sequence[Item], vectors: np.ndarray, threshold: float, *, root: Path | None = None
) -> list[CorpusProblem]:
    """Pairs of items whose (unit) vectors have cosine above ``threshold``, reported on both files."""
    if len(items) < 2:
        return []
    sims = np.asarray(vectors, dtype=np.float32) @ np.asarray(vectors, dtype=np.float32).T
    problems: list[CorpusProblem] = []
    rows, cols = np.nonzero(np.triu(sims, k=1) > threshold)
    for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
        pair = (items[a], items[b])
        for this, other in (pair, pair[::-1]):
            problems.append(CorpusProblem(
                _display(this.path, root), _id_line(this.path),
                f"near-duplicate of {_display(other.path, root)} (similarity {sims[a, b]:.3f} > "
                f"{threshold}); make them say different things or merge them",
            ))
    return problems
