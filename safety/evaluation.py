"""Measuring the screen on the held-back TEST split: patterns alone, model alone, combined.

Recall is over crisis statements (overall and per category); the false-positive rate is
over safe texts (overall, and per category: safe texts flagged *as* that category).
``category_accuracy`` is the share of caught crisis statements given the right category.
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

    def as_dict(self) -> dict:
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
                    "category_accuracy": round(m.category_accuracy, 4),
                    "missed": list(m.missed),
                    "false_alarms": list(m.false_alarms),
                }
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


def _layer(name, examples: list[Example], flagged: list[bool], categories: list[str | None]) -> LayerMetrics:
    caught = [i for i, ex in enumerate(examples) if ex.crisis and flagged[i]]
    accuracy = sum(categories[i] == examples[i].category for i in caught) / len(caught) if caught else 0.0
    return LayerMetrics(
        layer=name,
        overall=_rates(examples, flagged, categories),
        per_category={c: _rates(examples, flagged, categories, c) for c in patterns.CATEGORIES},
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
