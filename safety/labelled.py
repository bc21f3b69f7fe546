"""The labelled set: crisis statements and hard negatives in ``safety/data/labelled.jsonl``.

One JSON object per line: ``text``, ``label`` (crisis | safe), ``category`` (one of
:data:`safety.patterns.CATEGORIES` for crisis, null for safe), ``kind`` (a short tag for
the kind of statement: direct, coded, idiom, past, denial, ...), ``split`` (train | test),
and optionally ``origin`` (``test-v1``: a retired test record, now train; ``test-v2``: the
current test split). safety/data/README.md has the split's history.

The test split is held back: nothing in ``mend safety train`` reads it, and no pattern or
threshold is tuned on it. ``mend safety eval`` is the only reader.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from safety.errors import LabelledDataError
from safety.patterns import CATEGORIES

__all__ = ["Example", "DATA_PATH", "load_labelled", "fingerprint"]

DATA_PATH = Path(__file__).resolve().parent / "data" / "labelled.jsonl"
LABELS = ("crisis", "safe")
SPLITS = ("train", "test")


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    category: str | None
    kind: str
    split: str
    origin: str = ""  # "test-v1" (retired test, now train), "test-v2" (current test), "" (original train)

    @property
    def crisis(self) -> bool:
        return self.label == "crisis"


def _parse(path: Path, line_no: int, line: str) -> Example:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LabelledDataError(path, line_no, f"not valid JSON ({exc.msg})") from None
    if not isinstance(raw, dict):
        raise LabelledDataError(path, line_no, "expected a JSON object")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LabelledDataError(path, line_no, "`text` must be a non-empty string")
    label = raw.get("label")
    if label not in LABELS:
        raise LabelledDataError(path, line_no, f"`label` must be one of {', '.join(LABELS)} (got {label!r})")
    category = raw.get("category")
    if label == "crisis" and category not in CATEGORIES:
        raise LabelledDataError(
            path, line_no, f"a crisis record needs `category` in {', '.join(CATEGORIES)} (got {category!r})"
        )
    if label == "safe" and category is not None:
        raise LabelledDataError(path, line_no, "a safe record has `category: null`")
    split = raw.get("split")
    if split not in SPLITS:
        raise LabelledDataError(path, line_no, f"`split` must be train or test (got {split!r})")
    return Example(text=text, label=label, category=category, kind=str(raw.get("kind", "")), split=split,
                   origin=str(raw.get("origin", "")))


def load_labelled(path: Path = DATA_PATH, split: str | None = None) -> tuple[Example, ...]:
    """All records (or one split's), validated; duplicates of a text are an error."""
    path = Path(path)
    if not path.is_file():
        raise LabelledDataError(path, 0, "file not found")
    examples = []
    seen: dict[str, int] = {}
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        ex = _parse(path, line_no, line)
        key = ex.text.strip().lower()
        if key in seen:
            raise LabelledDataError(path, line_no, f"duplicate text (first on line {seen[key]})")
        seen[key] = line_no
        examples.append(ex)
    return tuple(ex for ex in examples if split is None or ex.split == split)


def fingerprint(examples) -> str:
    """sha256 over texts and labels: ties a trained artifact to the data it was trained on."""
    digest = hashlib.sha256()
    for ex in examples:
        digest.update(f"{ex.label}\t{ex.category}\t{ex.text}\n".encode())
    return digest.hexdigest()
