"""How corpus items fare with subscribers, and how evaluation metrics moved over runs.

``item_stats(session)`` reads the recommendations table (times sent, reply rate, average
rating per item); ``corpus_rows`` joins that with the loaded corpus for the browser and
``mend corpus stats``. ``store_eval_run`` keeps one ``mend corpus eval`` result so the
console can show its history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, func, select
from sqlalchemy.orm import Session

from storage.models import EvalRun, Recommendation


@dataclass(frozen=True)
class ItemStats:
    item_id: str
    times_sent: int
    replies: int
    ratings: int
    avg_rating: float | None

    @property
    def reply_rate(self) -> float | None:
        return self.replies / self.times_sent if self.times_sent else None


NEVER_SENT = ItemStats("", 0, 0, 0, None)


def item_stats(session: Session) -> dict[str, ItemStats]:
    """Per item id: times sent, replies, number of ratings and their average."""
    rows = session.execute(
        select(
            Recommendation.item_id,
            func.count(),
            func.sum(func.cast(Recommendation.replied, Integer)),
            func.count(Recommendation.feedback),
            func.avg(Recommendation.feedback),
        ).group_by(Recommendation.item_id)
    ).all()
    return {
        item_id: ItemStats(item_id, int(sent), int(replies or 0), int(rated), float(avg) if avg is not None else None)
        for item_id, sent, replies, rated, avg in rows
    }


@dataclass(frozen=True)
class CorpusRow:
    id: str
    kind: str
    theme: str
    track: str | None
    sms: str
    body: str
    path: str
    stats: ItemStats


def corpus_rows(items: Iterable, stats: Mapping[str, ItemStats], *, query: str = "", never_sent: bool = False,
                kind: str = "", theme: str = "") -> list[CorpusRow]:
    """The corpus items joined with their stats, filtered by a search text, kind, theme, never-sent."""
    words = query.lower().split()
    rows = []
    for item in items:
        s = stats.get(item.id) or ItemStats(item.id, 0, 0, 0, None)
        if never_sent and s.times_sent:
            continue
        if kind and item.kind != kind or theme and item.theme != theme:
            continue
        haystack = " ".join([item.id, item.theme, item.kind, item.sms, " ".join(item.tags), item.body]).lower()
        if words and not all(w in haystack for w in words):
            continue
        rows.append(CorpusRow(item.id, item.kind, item.theme, item.track, item.sms, item.body, str(item.path), s))
    return rows


def corpus_hash(items: Iterable) -> str:
    """A short hash of the corpus content, so eval runs can say which corpus they measured."""
    h = hashlib.sha256()
    for item in sorted(items, key=lambda i: i.id):
        h.update(f"{item.id}\0{item.kind}\0{item.theme}\0{item.sms}\0{item.body}\0".encode())
    return h.hexdigest()[:16]


def store_eval_run(session: Session, metrics: Mapping, corpus_hash: str, now: datetime) -> EvalRun:
    """Keep one evaluation result (JSON-able ``metrics``); the caller commits."""
    run = EvalRun(created_at=now, corpus_hash=corpus_hash, metrics=dict(metrics))
    session.add(run)
    session.flush()
    return run


@dataclass(frozen=True)
class EvalPoint:
    id: int
    created_at: datetime
    corpus_hash: str
    metrics: dict


def eval_history(session: Session, limit: int = 30) -> list[EvalPoint]:
    """The last ``limit`` eval runs, oldest first."""
    runs = session.scalars(select(EvalRun).order_by(EvalRun.created_at.desc(), EvalRun.id.desc()).limit(limit)).all()
    return [EvalPoint(r.id, r.created_at, r.corpus_hash, dict(r.metrics)) for r in reversed(runs)]


@dataclass(frozen=True)
class MetricsTable:
    systems: tuple[str, ...]  # columns, e.g. ("mend", "bm25", "random")
    names: tuple[str, ...]  # rows, e.g. ("hit@1", "hit@3", "mrr", ...)
    values: dict  # (name, system) -> float

    def best(self, name: str) -> str | None:
        scored = [(self.values[(name, s)], s) for s in self.systems if (name, s) in self.values]
        return max(scored)[1] if scored else None


SPLITS = ("test", "all", "tune")  # the held-back split first: it is the honest figure
_NAMES = {"hit_at_1": "hit@1", "hit_at_3": "hit@3", "ndcg_at_10": "ndcg@10"}
_NOT_METRICS = {"entries"}


def splits_of(metrics: Mapping) -> list[str]:
    """The splits an eval result holds (``mend corpus eval``: test, all, tune), or [""] for a flat one."""
    by_split = metrics.get("metrics")
    if isinstance(by_split, Mapping):
        return [sp for sp in SPLITS if sp in by_split] + [sp for sp in by_split if sp not in SPLITS]
    return [""]


def _systems(metrics: Mapping, split: str = "") -> dict[str, dict[str, float]]:
    """``{system: {metric: value}}`` from an eval result.

    Understands ``mend corpus eval``'s ``{"metrics": {split: {ranker: {hit_at_1: ...}}}}`` (the
    first of test/all/tune unless ``split`` is given), ``{system: {metric: value}}`` and a flat
    ``{metric: value}`` (one system, "mend").
    """
    by_split = metrics.get("metrics")
    if isinstance(by_split, Mapping):
        split = split or splits_of(metrics)[0]
        metrics = by_split.get(split, {})
    nested = {k: v for k, v in metrics.items() if isinstance(v, Mapping)}

    def numbers(values: Mapping) -> dict[str, float]:
        return {
            _NAMES.get(m, m): float(v) for m, v in values.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and m not in _NOT_METRICS
        }

    if nested:
        return {name: numbers(values) for name, values in nested.items()}
    flat = numbers(metrics)
    return {"mend": flat} if flat else {}


def entries_in(metrics: Mapping, split: str) -> int | None:
    by_split = metrics.get("metrics")
    if isinstance(by_split, Mapping) and isinstance(by_split.get(split), Mapping):
        for values in by_split[split].values():
            if isinstance(values, Mapping) and "entries" in values:
                return int(values["entries"])
    return None


def store_eval_result(session: Session, result: Mapping, items: Iterable, now: datetime) -> EvalRun:
    """Keep a ``mend corpus eval`` result (``EvalResult.as_dict()``) with the corpus hash; the caller commits."""
    return store_eval_run(session, result, corpus_hash(items), now)


def metrics_table(metrics: Mapping, split: str = "") -> MetricsTable:
    systems = _systems(metrics, split)
    names: list[str] = []
    for values in systems.values():
        names += [m for m in values if m not in names]
    table = {(m, s): v for s, values in systems.items() for m, v in values.items()}
    return MetricsTable(tuple(systems), tuple(names), table)


@dataclass(frozen=True)
class TrendRow:
    run_id: int
    created_at: datetime
    corpus_hash: str
    values: dict  # metric -> value for Mend's own ranking


TREND_METRICS = ("hit@1", "hit@3", "mrr", "ndcg@10", "coverage")


def metric_trend(history: Iterable[EvalPoint], system: str = "mend") -> list[TrendRow]:
    rows = []
    for point in history:
        values = _systems(point.metrics).get(system, {})
        rows.append(TrendRow(point.id, point.created_at, point.corpus_hash,
                             {m: values[m] for m in TREND_METRICS if m in values}))
    return rows
