"""Offline evaluation on labelled journal entries (``content_corpus/eval/entries.yaml``).

Metrics per ranker and split (``tune``: used to tune the ranking; ``test``: held back):

- hit@1, hit@3: share of entries with a relevant item in the top 1 / top 3;
- MRR: mean of 1 / rank of the first relevant item (0 when none in the ranking);
- nDCG@10: binary relevance, ideal ranking = all relevant items of the corpus first;
- coverage: share of corpus items that appear in some entry's top 3.

An item is relevant to an entry when its theme is in ``relevant_themes`` or its id is in
``relevant_items``. Rankers: Mend (the real ``recommend``, with MMR and the no-good-match
rule), BM25 over sms + body, and random choice (seeded, averaged over several runs).

min_score calibration (:func:`calibrate_min_score`): the best raw score of every ``tune``
entry (on topic) and every ``off_topic`` text. The suggested threshold is the highest that
still keeps every tune entry matched (rounded down to 0.01); the share of off-topic
texts that fall below it (and so get a general item) is reported beside it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path

import numpy as np
import yaml

from recommender.bm25 import Bm25Ranker
from recommender.corpus import THEMES, Item
from recommender.errors import EvalSetError

__all__ = [
    "EvalEntry", "EvalSet", "Metrics", "Calibration", "EvalResult", "load_eval_set", "is_relevant",
    "compute_metrics", "calibrate_min_score", "evaluate", "SPLITS", "RANKERS",
]

SPLITS = ("tune", "test")
RANKERS = ("mend", "bm25", "random")
_FIELDS = {"id", "text", "relevant_themes", "relevant_items", "split"}


@dataclass(frozen=True)
class EvalEntry:
    id: str
    text: str
    relevant_themes: tuple[str, ...]
    relevant_items: tuple[str, ...] = ()
    split: str = "tune"


@dataclass(frozen=True)
class EvalSet:
    entries: tuple[EvalEntry, ...]
    off_topic: tuple[str, ...] = ()

    def split(self, name: str) -> tuple[EvalEntry, ...]:
        return tuple(e for e in self.entries if name in ("all", e.split))


@dataclass(frozen=True)
class Metrics:
    hit_at_1: float
    hit_at_3: float
    mrr: float
    ndcg_at_10: float
    coverage: float
    entries: int

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Calibration:
    min_score: float  # the configured value
    suggested: float  # the highest threshold keeping every tune entry matched
    on_topic_above: float  # share of tune entries whose best score >= min_score
    off_topic_below: float  # share of off-topic texts whose best score < min_score


@dataclass(frozen=True)
class EvalResult:
    metrics: dict[str, dict[str, Metrics]]  # split ("tune", "test", "all") -> ranker -> metrics
    top3: dict[str, tuple[str, ...]]  # entry id -> Mend's top 3 item ids
    calibration: Calibration | None
    fallbacks: dict[str, int] = field(default_factory=dict)  # split -> entries answered with a fallback

    def as_dict(self) -> dict:
        out = {
            "metrics": {s: {r: m.as_dict() for r, m in by.items()} for s, by in self.metrics.items()},
            "fallbacks": dict(self.fallbacks),
        }
        if self.calibration:
            out["calibration"] = {f.name: getattr(self.calibration, f.name) for f in fields(self.calibration)}
        return out


def load_eval_set(path: Path, *, items: Sequence[Item] | None = None) -> EvalSet:
    """Read and check the eval set; unknown themes, item ids or splits raise :class:`EvalSetError`."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalSetError(path, "not found; write labelled entries there (see content_corpus/README.md)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else path
        raise EvalSetError(where, f"bad YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise EvalSetError(path, "expected a mapping with a list under `entries`")
    known_items = {it.id for it in items} if items is not None else None
    entries, seen = [], set()
    for n, raw in enumerate(data["entries"], start=1):
        where = f"entry {n} ({raw.get('id', '?') if isinstance(raw, dict) else '?'})"
        if not isinstance(raw, dict) or not {"id", "text", "relevant_themes"} <= raw.keys():
            raise EvalSetError(path, f"{where}: needs id, text and relevant_themes")
        if unknown := raw.keys() - _FIELDS:
            raise EvalSetError(path, f"{where}: unknown field(s) {sorted(unknown)} (known: {sorted(_FIELDS)})")
        themes = tuple(raw["relevant_themes"] or ())
        if bad := [t for t in themes if t not in THEMES]:
            raise EvalSetError(path, f"{where}: unknown theme(s) {bad} (known: {', '.join(THEMES)})")
        item_ids = tuple(raw.get("relevant_items") or ())
        if known_items is not None and (bad := [i for i in item_ids if i not in known_items]):
            raise EvalSetError(path, f"{where}: unknown item id(s) {bad}")
        if not themes and not item_ids:
            raise EvalSetError(path, f"{where}: give at least one relevant theme or item")
        split = raw.get("split", "tune")
        if split not in SPLITS:
            raise EvalSetError(path, f"{where}: split must be one of {', '.join(SPLITS)}")
        if raw["id"] in seen:
            raise EvalSetError(path, f"{where}: duplicate id")
        seen.add(raw["id"])
        entries.append(EvalEntry(str(raw["id"]), str(raw["text"]), themes, item_ids, split))
    off_topic = tuple(str(t) for t in data.get("off_topic") or ())
    return EvalSet(tuple(entries), off_topic)


def is_relevant(entry: EvalEntry, item: Item) -> bool:
    return item.theme in entry.relevant_themes or item.id in entry.relevant_items


def compute_metrics(rankings: Sequence[Sequence[str]], entries: Sequence[EvalEntry], items: Sequence[Item]) -> Metrics:
    """Metrics for one ranker: ``rankings[i]`` is the ranked item ids for ``entries[i]``."""
    by_id = {it.id: it for it in items}
    hit1 = hit3 = rr = ndcg = 0.0
    shown: set[str] = set()
    for ranking, entry in zip(rankings, entries, strict=True):
        rel = [is_relevant(entry, by_id[i]) for i in ranking]
        shown.update(ranking[:3])
        hit1 += any(rel[:1])
        hit3 += any(rel[:3])
        first = next((k for k, r in enumerate(rel) if r), None)
        rr += 1.0 / (first + 1) if first is not None else 0.0
        dcg = sum(1.0 / math.log2(k + 2) for k, r in enumerate(rel[:10]) if r)
        n_relevant = sum(is_relevant(entry, it) for it in items)
        ideal = sum(1.0 / math.log2(k + 2) for k in range(min(10, n_relevant)))
        ndcg += dcg / ideal if ideal else 0.0
    n = len(entries)
    if n == 0:
        return Metrics(0.0, 0.0, 0.0, 0.0, 0.0, 0)
    return Metrics(
        round(hit1 / n, 4), round(hit3 / n, 4), round(rr / n, 4), round(ndcg / n, 4),
        round(len(shown) / len(items), 4) if items else 0.0, n,
    )


def _mean_metrics(runs: Sequence[Metrics]) -> Metrics:
    return Metrics(*(round(float(np.mean([getattr(m, f.name) for m in runs])), 4)
                     for f in fields(Metrics) if f.name != "entries"), runs[0].entries)


def calibrate_min_score(on_topic: Sequence[float], keep: float = 1.0) -> float:
    """The highest threshold (rounded down to 0.01) that keeps ``keep`` of on-topic entries matched.

    A real journal entry answered with a general item loses more than an off-topic text
    answered with a weak match, so the threshold sits just under the on-topic scores; the
    off-topic texts show how many it then catches (``Calibration.off_topic_below``).
    """
    if not on_topic:
        return 0.0
    return math.floor(round(float(np.quantile(np.asarray(on_topic), 1.0 - keep)) * 100, 6)) / 100


def evaluate(
    rec,
    eval_set: EvalSet,
    *,
    now: datetime,
    random_runs: int = 20,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> EvalResult:
    """Run Mend, BM25 and random on every entry; metrics per split (``tune``, ``test``, ``all``)."""
    items = rec.items
    ids = [it.id for it in items]
    bm25 = Bm25Ranker(items)
    total = len(eval_set.entries) + len(eval_set.off_topic)
    mend, best, fallback = {}, {}, {}
    for n, entry in enumerate(eval_set.entries, start=1):
        suggestions = rec.recommend([(now, entry.text)], now=now, top=10)
        mend[entry.id] = [s.item_id for s in suggestions]
        fallback[entry.id] = bool(suggestions) and suggestions[0].fallback
        best[entry.id] = rec.best_score(entry.text, now=now)
        if progress:
            progress(n, total)
    off_scores = []
    for n, text in enumerate(eval_set.off_topic, start=len(eval_set.entries) + 1):
        off_scores.append(rec.best_score(text, now=now))
        if progress:
            progress(n, total)

    metrics: dict[str, dict[str, Metrics]] = {}
    for split in (*SPLITS, "all"):
        entries = eval_set.split(split)
        rng = random.Random(seed)
        runs = []
        for _ in range(random_runs):
            runs.append(compute_metrics([rng.sample(ids, len(ids)) for _ in entries], entries, items))
        metrics[split] = {
            "mend": compute_metrics([mend[e.id] for e in entries], entries, items),
            "bm25": compute_metrics([bm25.rank(e.text) for e in entries], entries, items),
            "random": _mean_metrics(runs) if runs else compute_metrics([], [], items),
        }
    tune = [best[e.id] for e in eval_set.split("tune")]
    min_score = rec.min_score
    calibration = Calibration(
        min_score=min_score,
        suggested=calibrate_min_score(tune),
        on_topic_above=round(float(np.mean([s >= min_score for s in tune])), 4) if tune else 0.0,
        off_topic_below=round(float(np.mean([s < min_score for s in off_scores])), 4) if off_scores else 0.0,
    ) if eval_set.off_topic else None
    return EvalResult(
        metrics=metrics,
        top3={e.id: tuple(mend[e.id][:3]) for e in eval_set.entries},
        calibration=calibration,
        fallbacks={s: sum(fallback[e.id] for e in eval_set.split(s)) for s in (*SPLITS, "all")},
    )
