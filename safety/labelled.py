"""The labelled set: crisis statements and hard negatives in ``safety/data/*.jsonl``.

The set is read from every file in :data:`FILE_PATTERNS` order: ``labelled.jsonl`` (the first
set, with the retired test splits v1 and v2), ``train_extra_*.jsonl`` (later train records,
among them the retired test splits v3 to v12), ``calibration_v*.jsonl`` (the calibration split: held
out from training, the operating threshold is chosen on it) and ``test_v*.jsonl`` (the held-out
test split). Each record carries its own split. One JSON
object per line: ``text``, ``label`` (crisis | safe), ``category`` (one of
:data:`safety.patterns.CATEGORIES` for crisis, null for safe), ``kind`` (a short tag for
the kind of statement: direct, coded, idiom, past, denial, ...), ``split`` (train | calibration |
test), and optionally ``origin`` (``test-v1`` to ``test-v12``: retired test records, now train;
``test-v13`` to ``test-v16``: the calibration split since rounds 12 and 13; ``test-v17``: the current test split;
``train-extra-a`` to ``-aa``: later train records).
safety/data/README.md has the split's history.

The test split is held back: nothing in ``mend safety train`` reads it, and no pattern or
threshold is tuned on it. ``mend safety eval`` is the only reader. The calibration split is
read by ``mend safety train`` only after cross-validation and fitting, to place the threshold.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from safety.errors import LabelledDataError
from safety.patterns import CATEGORIES

__all__ = ["Example", "DATA_DIR", "DATA_PATH", "data_files", "load_labelled", "fingerprint"]

DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_PATH = DATA_DIR  # the default source: every labelled file in safety/data/
FILE_PATTERNS = ("labelled.jsonl", "train_extra_*.jsonl", "calibration_v*.jsonl", "test_v*.jsonl")
LABELS = ("crisis", "safe")
SPLITS = ("train", "calibration", "test")
HELD_OUT = ("calibration", "test")  # never trained on


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    category: str | None
    kind: str
    split: str
    origin: str = ""  # "test-v1".."test-v12" (retired test, now train), "test-v13".."-v16" (calibration), "test-v17" (test), ...

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
        raise LabelledDataError(path, line_no, f"`split` must be one of {', '.join(SPLITS)} (got {split!r})")
    return Example(text=text, label=label, category=category, kind=str(raw.get("kind", "")), split=split,
                   origin=str(raw.get("origin", "")))


def data_files(path: Path = DATA_PATH) -> list[Path]:
    """The labelled files under ``path`` (a directory) in a fixed order, or ``[path]`` for a file."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    files = [f for pattern in FILE_PATTERNS for f in sorted(path.glob(pattern))]
    if not files:
        raise LabelledDataError(path, 0, f"no labelled files ({', '.join(FILE_PATTERNS)})")
    return files


def load_labelled(path: Path = DATA_PATH, split: str | None = None) -> tuple[Example, ...]:
    """All records (or one split's) from a file or a data directory, validated.

    Files are written independently, so the same short text ("i want to die") can appear
    in two of them. Within one file a repeated text is an error. Across files, a text that
    is also in the calibration or test split is dropped from train, and one in both of those
    from calibration (the test split stays as written, and nothing it holds is trained or
    calibrated on); a repeat among train files with the same label and category is kept once;
    a repeat with a different label or category is an error.
    """
    parsed: list[tuple[Path, int, Example]] = []
    for file in data_files(path):
        if not file.is_file():
            raise LabelledDataError(file, 0, "file not found")
        in_file: dict[str, int] = {}
        for line_no, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            ex = _parse(file, line_no, line)
            key = _key(ex.text)
            if key in in_file:
                raise LabelledDataError(file, line_no, f"duplicate text (first on line {in_file[key]})")
            in_file[key] = line_no
            parsed.append((file, line_no, ex))
    held = {sp: {_key(ex.text) for _, _, ex in parsed if ex.split == sp} for sp in HELD_OUT}
    examples: list[Example] = []
    first: dict[str, tuple[Path, int, Example]] = {}
    for file, line_no, ex in parsed:
        key = _key(ex.text)
        if key in first:
            other_file, other_line, other = first[key]
            if (other.label, other.category) != (ex.label, ex.category):
                raise LabelledDataError(file, line_no, f"the same text is labelled {other.label}/{other.category} "
                                                       f"at {other_file.name}:{other_line}; fix one of them")
            if other.split == ex.split != "train":
                raise LabelledDataError(file, line_no,
                                        f"duplicate {ex.split} text (first at {other_file.name}:{other_line})")
            if ex.split == "train":
                continue
        if ex.split == "train" and any(key in held[sp] for sp in HELD_OUT):
            continue  # a held-out text is never trained on
        if ex.split == "calibration" and key in held["test"]:
            continue  # nor chosen on: the test split stays as written
        first[key] = (file, line_no, ex)
        examples.append(ex)
    return tuple(ex for ex in examples if split is None or ex.split == split)


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def fingerprint(examples) -> str:
    """sha256 over texts and labels: ties a trained artifact to the data it was trained on."""
    digest = hashlib.sha256()
    for ex in examples:
        digest.update(f"{ex.label}\t{ex.category}\t{ex.text}\n".encode())
    return digest.hexdigest()
