"""Fitting the crisis classifier on the TRAIN split, with cross-validation.

Two methods are compared on 5-fold cross-validated train (out-of-fold scores):

* ``logistic``: logistic regression over the sentence embeddings;
* ``exemplar``: nearest-exemplar similarity (nearest crisis exemplar minus nearest safe one).

For each, the threshold is the operating point that catches the most crisis statements
while the *combined* screen (patterns OR model) keeps its out-of-fold false-positive rate
within ``FPR_BUDGET``. The method with the higher out-of-fold recall at its operating point
wins (ties: higher ROC AUC). The test split is never read here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from safety import patterns
from safety.classifier import CrisisModel, exemplar_margin
from safety.labelled import Example, fingerprint

__all__ = ["TrainingReport", "MethodReport", "train_model", "retrain", "FPR_BUDGET", "FOLDS"]

FPR_BUDGET = 0.03  # combined out-of-fold false-positive rate allowed on train (goal on test: 0.05)
FOLDS = 5
SEED = 0
C = 4.0


@dataclass(frozen=True)
class MethodReport:
    method: str
    auc: float
    threshold: float  # on the method's raw probability
    model_recall: float
    model_fpr: float
    combined_recall: float
    combined_fpr: float

    def as_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class TrainingReport:
    chosen: str
    methods: tuple[MethodReport, ...]
    n_crisis: int
    n_safe: int


def _logistic(X, y) -> LogisticRegression:
    return LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit(X, y)


def _oof_logistic(X, y, folds) -> np.ndarray:
    oof = np.zeros(len(y))
    for tr, te in folds:
        oof[te] = _logistic(X[tr], y[tr]).predict_proba(X[te])[:, 1]
    return oof


def _oof_exemplar(X, y, folds) -> np.ndarray:
    oof = np.zeros(len(y))
    for tr, te in folds:
        oof[te] = exemplar_margin(X[te], X[tr][y[tr] == 1], X[tr][y[tr] == 0])
    return oof


def _loo_margin(X, y) -> np.ndarray:
    """Each train vector's exemplar margin with itself left out."""
    sims = X @ X.T
    np.fill_diagonal(sims, -np.inf)
    return sims[:, y == 1].max(axis=1) - sims[:, y == 0].max(axis=1)


def _operating_point(scores, y, pattern_hit) -> float:
    """The lowest threshold (most recall) whose combined false-positive rate fits the budget."""
    safe = y == 0
    best = float(np.max(scores)) + 1e-9
    for t in np.unique(scores)[::-1]:
        flagged = pattern_hit | (scores >= t)
        if flagged[safe].mean() <= FPR_BUDGET:
            best = float(t)
        else:
            break
    return best


def _rates(flagged, y) -> tuple[float, float]:
    return float(flagged[y == 1].mean()), float(flagged[y == 0].mean())


def _report(method, scores, y, pattern_hit, to_probability) -> MethodReport:
    t = _operating_point(scores, y, pattern_hit)
    model = scores >= t
    m_rec, m_fpr = _rates(model, y)
    c_rec, c_fpr = _rates(model | pattern_hit, y)
    return MethodReport(method, float(roc_auc_score(y, scores)), float(to_probability(t)), m_rec, m_fpr, c_rec, c_fpr)


def train_model(examples: list[Example], vectors: np.ndarray, model_id: str) -> tuple[CrisisModel, TrainingReport]:
    """Fit the classifier on ``examples`` (the train split) and their embeddings."""
    if any(ex.split != "train" for ex in examples):
        raise ValueError("train_model takes the train split only; the test split is held back")
    X = np.asarray(vectors, dtype=np.float64)
    y = np.array([1 if ex.crisis else 0 for ex in examples])
    strata = np.array([ex.category or "safe" for ex in examples])
    pattern_hit = np.array([patterns.match(ex.text).crisis for ex in examples])
    folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(X, strata))

    logistic_oof = _oof_logistic(X, y, folds)
    logistic = _report("logistic", logistic_oof, y, pattern_hit, lambda t: t)

    exemplar_oof = _oof_exemplar(X, y, folds)
    mapper = LogisticRegression(C=1e4, max_iter=5000).fit(_loo_margin(X, y)[:, None], y)
    slope, icept = float(mapper.coef_[0, 0]), float(mapper.intercept_[0])
    exemplar = _report("exemplar", exemplar_oof, y, pattern_hit, lambda t: 1 / (1 + np.exp(-(slope * t + icept))))

    chosen = max((logistic, exemplar), key=lambda r: (round(r.model_recall, 6), r.auc))

    crisis = y == 1
    cats = np.array([ex.category for ex in examples])[crisis]
    cat_clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit(X[crisis], cats)
    common = dict(
        model_id=model_id,
        data_sha256=fingerprint(examples),
        threshold=chosen.threshold,
        categories=tuple(cat_clf.classes_),
        category_weights=cat_clf.coef_,
        category_intercepts=cat_clf.intercept_,
        cv={"chosen": chosen.method, "folds": FOLDS, "fpr_budget": FPR_BUDGET,
            "methods": [logistic.as_dict(), exemplar.as_dict()]},
    )
    if chosen.method == "logistic":
        final = _logistic(X, y)
        model = CrisisModel(method="logistic", weights=final.coef_[0], intercept=float(final.intercept_[0]), **common)
    else:
        texts = [ex.text for ex in examples]
        model = CrisisModel(
            method="exemplar", weights=np.array([slope, icept]), intercept=0.0,
            exemplar_texts=(tuple(t for t, c in zip(texts, y, strict=True) if c),
                            tuple(t for t, c in zip(texts, y, strict=True) if not c)),
            **common,
        )
    report = TrainingReport(chosen.method, (logistic, exemplar), int(crisis.sum()), int((~crisis).sum()))
    return model, report


def retrain(embedder, data_path=None, artifact_path=None, save: bool = True) -> tuple[CrisisModel, TrainingReport]:
    """Load the train split, embed it, fit, and (by default) store the artifact."""
    from safety.classifier import ARTIFACT_PATH
    from safety.labelled import DATA_PATH, load_labelled

    examples = list(load_labelled(data_path or DATA_PATH, split="train"))
    vectors = embedder.embed([ex.text for ex in examples])
    model, report = train_model(examples, vectors, embedder.model_id)
    if save:
        model.save(artifact_path or ARTIFACT_PATH)
    return model, report
