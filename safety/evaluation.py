"""Measuring the screen on the held-back TEST split: patterns alone, model alone, combined.

Recall is over crisis statements (overall and per category); the false-positive rate is
over safe texts (overall, and per category: safe texts flagged *as* that category). Each part of
the split (its records' ``origin``: the crisis statements and hard negatives of one test split, its
everyday messages) is also reported on its own. ``category_accuracy`` is the share of caught crisis
statements given the right category.

The texts of misses and false alarms are kept for ``mend safety eval --errors`` only: reading them
is reading the held-out split, after which it has to be retired (safety/data/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from safety import patterns
from safety.labelled import DATA_PATH, Example, load_labelled
from safety.screen import Screener

__all__ = ["LayerMetrics", "Evaluation", "evaluate", "GOAL_RECALL", "GOAL_FPR"]

GOAL_RECALL = 0.98
GOAL_FPR = 0.05
LAYERS = ("patterns", "model", "combined")


@dataclass(frozen=True)
class Rates:
    recall: float | None  # None when there is no crisis statement in that category
    fpr: float
    caught: int
    crisis: int
    false_alarms: int
    safe: int


@dataclass(frozen=True)
class LayerMetrics:
    layer: str
    overall: Rates
    per_category: dict  # category -> Rates
    per_origin: dict  # origin (test-v10, test-v10-everyday, ...) -> Rates
    category_accuracy: float
    missed: tuple[str, ...]  # texts of missed crisis statements
    false_alarms: tuple[str, ...]  # texts of safe statements flagged


@dataclass(frozen=True)
class Evaluation:
    split: str
    threshold: float
    layers: tuple[LayerMetrics, ...]

    def layer(self, name: str) -> LayerMetrics:
        return next(m for m in self.layers if m.layer == name)

    @property
    def meets_goal(self) -> bool:
        c = self.layer("combined").overall
        return c.recall is not None and c.recall >= GOAL_RECALL and c.fpr <= GOAL_FPR

    def as_dict(self, texts: bool = False) -> dict:
        """The figures; with ``texts``, also the missed crisis statements and the false alarms."""

        def rates(r: Rates) -> dict:
            return {"recall": None if r.recall is None else round(r.recall, 4), "fpr": round(r.fpr, 4),
                    "caught": r.caught, "crisis": r.crisis, "false_alarms": r.false_alarms, "safe": r.safe}

        return {
            "split": self.split,
            "threshold": self.threshold,
            "goal": {"recall": GOAL_RECALL, "fpr": GOAL_FPR, "met": self.meets_goal},
            "layers": {
                m.layer: {
                    "overall": rates(m.overall),
                    "per_category": {c: rates(r) for c, r in m.per_category.items()},
                    "per_origin": {o: rates(r) for o, r in m.per_origin.items()},
                    "category_accuracy": round(m.category_accuracy, 4),
                } | ({"missed": list(m.missed), "false_alarms": list(m.false_alarms)} if texts else {})
                for m in self.layers
            },
        }


def _rates(examples, flagged, flagged_category, category=None) -> Rates:
    crisis = [i for i, ex in enumerate(examples) if ex.crisis and (category is None or ex.category == category)]
    safe = [i for i, ex in enumerate(examples) if not ex.crisis]
    caught = sum(flagged[i] for i in crisis)
    if category is None:
        alarms = sum(flagged[i] for i in safe)
    else:
        alarms = sum(flagged[i] and flagged_category[i] == category for i in safe)
    return Rates(
        recall=caught / len(crisis) if crisis else None,
        fpr=alarms / len(safe) if safe else 0.0,
        caught=caught, crisis=len(crisis), false_alarms=alarms, safe=len(safe),
    )


def _parts(examples: list[Example]) -> dict[str, list[int]]:
    parts: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        parts.setdefault(ex.origin or "-", []).append(i)
    return parts


def _layer(name, examples: list[Example], flagged: list[bool], categories: list[str | None]) -> LayerMetrics:
    caught = [i for i, ex in enumerate(examples) if ex.crisis and flagged[i]]
    accuracy = sum(categories[i] == examples[i].category for i in caught) / len(caught) if caught else 0.0
    return LayerMetrics(
        layer=name,
        overall=_rates(examples, flagged, categories),
        per_category={c: _rates(examples, flagged, categories, c) for c in patterns.CATEGORIES},
        per_origin={o: _rates([examples[i] for i in part], [flagged[i] for i in part], [categories[i] for i in part])
                    for o, part in _parts(examples).items()},
        category_accuracy=accuracy,
        missed=tuple(ex.text for i, ex in enumerate(examples) if ex.crisis and not flagged[i]),
        false_alarms=tuple(ex.text for i, ex in enumerate(examples) if not ex.crisis and flagged[i]),
    )


def evaluate(screener: Screener, split: str = "test", data_path=DATA_PATH) -> Evaluation:
    """Patterns alone, model alone and the combined screen on one split of the labelled set."""
    examples = list(load_labelled(data_path, split=split))
    texts = [ex.text for ex in examples]

    pattern_results = [patterns.match(t) for t in texts]
    p_layer = _layer("patterns", examples, [r.crisis for r in pattern_results], [r.category for r in pattern_results])

    scores, vectors = screener.score_windows(texts)
    model_flag = [bool(s >= screener.threshold) for s in scores]
    model_cats = screener.model.category_of(vectors)
    m_layer = _layer("model", examples, model_flag, model_cats)

    verdicts = screener.screen_many(texts)
    c_layer = _layer("combined", examples, [v.crisis for v in verdicts], [v.category for v in verdicts])
    return Evaluation(split=split, threshold=screener.threshold, layers=(p_layer, m_layer, c_layer))
