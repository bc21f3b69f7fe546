"""Fitting the crisis classifier on the TRAIN split, with grouped cross-validation, and placing its
threshold on the CALIBRATION split.

Candidates, compared on 5-fold cross-validated train (out-of-fold scores; ``CANDIDATES`` are the ones
`mend safety train` runs):

* ``logistic``: logistic regression over the sentence embeddings (all-MiniLM-L6-v2);
* ``tfidf+embedding``: logistic regression over both feature sets side by side;
* ``tfidf+embedding+sentences``: the same model, scoring a text as the highest of its whole-text
  score and its sentences' scores, each sentence's lowered by ``SENTENCE_DISCOUNT`` in logit
  (as the screener does, :func:`safety.screen.scoring_units`), so that one crisis sentence in a
  long journal entry is not averaged away by the rest;
* ``tfidf+embedding+patterns`` (round 11): tfidf+embedding plus the element-wise maximum of the
  text's sentence embeddings and one indicator per pattern name, fired or set aside
  (:func:`evidence_matrix`), so the model weighs the patterns' evidence instead of only being
  OR-ed with it.

Folds are stratified by category and grouped: ``train_extra_b.jsonl`` is generated from
templates, so records that share a rare sentence (one held by at most ``RARE_SENTENCE``
records) stay in the same fold, and a fold never scores a sentence it was trained on.

For each candidate, the threshold is the operating point that catches the most crisis
statements while the *combined* screen (patterns OR model) keeps its out-of-fold
false-positive rate within the budget: ``FPR_BUDGET``, or, when the pattern hits the veto keeps
already exceed it, their own rate plus ``MODEL_FPR_ALLOWANCE`` (:func:`fpr_budget`). The candidate
within ``FPR_BUDGET`` with the higher combined out-of-fold recall wins (ties: higher ROC AUC).

Before the threshold, each candidate's model veto is chosen on the same out-of-fold scores: the
vetoable pattern hits (:func:`safety.patterns.vetoable`, in texts the model reads closely:
:func:`safety.screen.scored_closely`) of crisis statements are sorted by score,
and the veto threshold is the highest that sets aside at most a given share of the crisis
statements (capped at ``VETO_MAX``); the share is chosen among ``VETO_COSTS``: the highest combined
recall among the shares whose kept pattern hits fit the budget, or, when none fits, the share that
leaves the fewest. A ``+patterns`` candidate may also set aside explicit hits, below a far lower
score (:func:`_explicit_veto_threshold`). Pattern hits below the veto do not count as flagged when the
operating threshold is chosen, as in the screener.

The winner is fitted on all of train, and then its threshold is moved to the operating point on the
calibration split (:func:`calibrate`): held out from training and written like the test split. The
vetoes stay as CV chose them. The test split is never read here. (``tfidf`` alone, TF-IDF without the embedding, is still a method here for
experiments; it cannot be stored, and round 3 measured it below ``tfidf+embedding``, so it
is no longer cross-validated by default: that keeps `mend safety train` within 2 minutes.)
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, replace

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

from safety import patterns
from safety.classifier import (
    CHAR_OPTIONS,
    EVIDENCE_METHODS,
    SENTENCE_DISCOUNT,
    WORD_OPTIONS,
    CrisisModel,
    TextFeatures,
    evidence_of,
    max_pool,
    pattern_evidence,
    sigmoid,
)
from safety.labelled import Example, fingerprint
from safety.screen import pooled_sentences, scored_closely, scoring_units

__all__ = ["TrainingReport", "MethodReport", "Calibration", "train_model", "fit_final", "calibrate", "recalibrate",
           "retrain", "fit_blend", "leave_one_out", "LeftOut", "stored_for_calibration",
           "cv_groups",
           "FPR_BUDGET", "FOLDS"]

# Combined out-of-fold FPR allowed on train: the goal. Rounds 5-7 kept a 1-point margin because the patterns had
# been written from most of train, so CV under-stated their false alarms on new wording. Since round 8 half of train
# is wording they were never written from, and on the dev split v8 the CV figure over-states instead: at a CV FPR of
# 5.0% (4.0%), v8's was 3.3% (2.3%), for 275 (270) of 300 crisis statements (safety/data/README.md, round 8).
FPR_BUDGET = 0.05
# The model veto may cost at most a share of train crisis statements (out of fold): the vetoable pattern hits that
# the model scores lowest. Round 5 fixed the share at 0.6% (the knee on wording the patterns were not written from,
# safety/data/README.md). Since round 8 about 40% of train is such wording (retired test splits v4-v7,
# train_extra_h/_i), so the out-of-fold pattern false alarms the veto removes are no longer only in-sample ones,
# and the share is chosen per candidate among VETO_COSTS on the same out-of-fold scores: the highest combined
# recall within the budget (ties: the lowest share).
VETO_RECALL_COST = 0.006
VETO_COSTS = (VETO_RECALL_COST, 0.01, 0.02, 0.03)
VETO_MAX = 0.5  # never veto a hit the model gives even odds
MODEL_FPR_ALLOWANCE = 0.01  # when the kept pattern hits alone exceed the budget, what the model may add
FOLDS = 5
SEED = 0
C = 4.0
RARE_SENTENCE = 5
CATEGORY_TOL = 1e-8  # the category model's lbfgs tolerance (fit_final)
# Explicit (UNVETOABLE) pattern hits: a +patterns model, which sees which patterns fired and which were set aside
# (negated, past), may set one aside only below a far lower score: the highest below which at most this share of
# train crisis statements with an explicit hit fall (out of fold), and never above EXPLICIT_VETO_MAX.
EXPLICIT_VETO_COST = 0.002
EXPLICIT_VETO_MAX = 0.1
BLEND_C = 1.0  # the blend's regularisation (two weights and an intercept on 1,700+ texts: barely matters)
PATTERN_SCALE = 0.3  # the pattern indicators' feature value (round 11: 0.3 beat 1.0 and 0.15 on the dev splits)
STORABLE = ("logistic", "tfidf+embedding", "tfidf+embedding+sentences", "tfidf+embedding+patterns")
# Cross-validated by `mend safety train`. logistic (embeddings only) and tfidf+embedding+sentences lost to
# tfidf+embedding in every round from 8 to 10 (safety/data/README.md); they stay methods for experiments.
CANDIDATES = ("tfidf+embedding", "tfidf+embedding+patterns")


@dataclass(frozen=True)
class MethodReport:
    method: str
    auc: float
    threshold: float  # on the method's raw probability
    model_recall: float
    model_fpr: float
    combined_recall: float
    combined_fpr: float
    veto_threshold: float = 0.0  # on the method's raw probability; vetoable pattern hits below it are set aside
    vetoed_crisis: int = 0  # out-of-fold: crisis statements whose pattern hit the veto set aside
    vetoed_safe: int = 0  # out-of-fold: safe texts whose pattern hit (a false alarm) the veto set aside
    veto_cost: float = 0.0  # the share of train crisis statements the veto was allowed to set aside (VETO_COSTS)
    fpr_budget: float = FPR_BUDGET  # the combined out-of-fold FPR the threshold was chosen for (fpr_budget())
    explicit_veto_threshold: float = 0.0  # +patterns: explicit hits below it are set aside (EXPLICIT_VETO_COST)
    vetoed_explicit_crisis: int = 0
    vetoed_explicit_safe: int = 0

    def as_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Calibration:
    """Where the operating threshold went on the calibration split, and what train CV would have chosen."""

    threshold: float  # the stored threshold of the model layer's flag (raw or blended probability), placed here
    cv_threshold: float  # the one grouped train CV chose (on the classifier's raw probability)
    n_crisis: int
    n_safe: int
    recall: float  # the combined screen on the calibration split at ``threshold``
    fpr: float
    cv_recall: float  # the classifier alone (no reader) at ``cv_threshold``
    cv_fpr: float
    fpr_budget: float
    classifier_recall: float = 0.0  # the classifier alone (no reader), its threshold placed here too
    classifier_fpr: float = 0.0
    blend: tuple[float, float, float] | None = None  # with a reader: the fitted blend (CrisisModel.blend)
    blend_texts: int = 0  # the calibration texts the blend was fitted on (those scored as one unit)

    def as_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class TrainingReport:
    chosen: str
    methods: tuple[MethodReport, ...]
    n_crisis: int
    n_safe: int
    pattern_recall: float
    pattern_fpr: float
    fpr_budget: float
    calibration: Calibration | None = None


def _sentences(text: str) -> list[str]:
    return [" ".join(s.lower().split()) for s in re.split(r"(?<=[.!?;])\s+|\n+", text) if s.strip()]


def cv_groups(texts: list[str]) -> np.ndarray:
    """A group per record, with records that share a rare sentence merged (template-made text)."""
    sentences = [set(_sentences(t)) for t in texts]
    counts = Counter(s for ss in sentences for s in ss)
    parent = list(range(len(texts)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, ss in enumerate(sentences):
        if len(ss) < 2:
            continue
        for s in sorted(ss):
            if counts[s] <= RARE_SENTENCE:
                if s in owner:
                    parent[find(i)] = find(owner[s])
                else:
                    owner[s] = i
    return np.array([find(i) for i in range(len(texts))])


def _text_vectorizers(texts):
    return TfidfVectorizer(**WORD_OPTIONS).fit(texts), TfidfVectorizer(**CHAR_OPTIONS).fit(texts)


def evidence_matrix(texts, X, sentence_vectors, matched=None) -> tuple[np.ndarray, tuple[str, ...]]:
    """For a ``+patterns`` model: each text's sentence max-pool (:func:`safety.classifier.max_pool` over the
    embeddings of :func:`safety.screen.pooled_sentences`) and its pattern indicators, scaled by
    ``PATTERN_SCALE``, side by side; and the pattern names, in column order. ``matched``: the texts'
    :func:`safety.patterns.match` results, when the caller has them."""
    evidence = [evidence_of(r) for r in matched] if matched is not None else [pattern_evidence(t) for t in texts]
    names = tuple(sorted({n for ev in evidence for n in ev}))
    col = {n: j for j, n in enumerate(names)}
    P = np.zeros((len(texts), len(names)))
    for i, ev in enumerate(evidence):
        P[i, [col[n] for n in ev]] = PATTERN_SCALE
    pooled = np.stack([max_pool(X[i], [sentence_vectors[s] for s in pooled_sentences(t)] or None)
                       for i, t in enumerate(texts)])
    return np.hstack([pooled, P]), names


def _features(method, texts, X, vectorizers, evidence=None):
    parts = []
    if method.startswith("tfidf"):
        parts += [v.transform(texts) for v in vectorizers]
    if method != "tfidf":
        parts.append(sparse.csr_matrix(X))
    if method in EVIDENCE_METHODS:
        if evidence is None:
            raise ValueError(f"{method} needs the evidence matrix (evidence_matrix)")
        parts.append(sparse.csr_matrix(evidence))
    return sparse.hstack(parts).tocsr()


def _fit(method, texts, X, y, evidence=None):
    vectorizers = _text_vectorizers(texts) if method != "logistic" else ()
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000)
    clf.fit(_features(method, texts, X, vectorizers, evidence), y)
    return clf, vectorizers


def _oof(method, texts, X, y, folds, sentence_vectors=None, evidence=None) -> np.ndarray:
    """Out-of-fold scores; a ``+sentences`` method scores each text as its best unit."""
    oof = np.zeros(len(y))
    ev = np.zeros((len(y), 0)) if evidence is None else evidence
    for tr, te in folds:
        clf, vecs = _fit(method, [texts[i] for i in tr], X[tr], y[tr], ev[tr])
        oof[te] = clf.predict_proba(_features(method, [texts[i] for i in te], X[te], vecs, ev[te]))[:, 1]
        if method.endswith("+sentences"):
            owner, units = [], []
            for i in te:
                extra = scoring_units(texts[i])[1:]
                owner += [i] * len(extra)
                units += extra
            if units:
                U = np.stack([sentence_vectors[u] for u in units])
                p = np.clip(clf.predict_proba(_features(method, units, U, vecs))[:, 1], 1e-12, 1 - 1e-12)
                np.maximum.at(oof, np.asarray(owner), sigmoid(np.log(p / (1 - p)) - SENTENCE_DISCOUNT))
    return oof


def fpr_budget(pattern_fpr: float, budget: float = FPR_BUDGET) -> float:
    """The combined FPR allowed on train CV: ``budget``, or when the pattern hits the veto keeps already exceed
    it, their rate plus ``MODEL_FPR_ALLOWANCE``. (Before round 8 the allowance applied from the budget less the
    allowance on, and to the patterns before the veto, which let the budget pass the goal needlessly.)"""
    return budget if pattern_fpr <= budget else pattern_fpr + MODEL_FPR_ALLOWANCE


def _operating_point(scores, y, pattern_hit, budget) -> float:
    """The lowest threshold (most recall) whose combined false-positive rate fits the budget."""
    safe = y == 0
    best = float(np.max(scores)) + 1e-9
    for t in np.unique(scores)[::-1]:
        if (pattern_hit | (scores >= t))[safe].mean() <= budget:
            best = float(t)
        else:
            break
    return best


def _rates(flagged, y) -> tuple[float, float]:
    return float(flagged[y == 1].mean()), float(flagged[y == 0].mean())


def _veto_threshold(scores, y, vetoable_hit, cost: float = VETO_RECALL_COST) -> float:
    """The highest score below which vetoing pattern hits costs at most ``cost`` of the crisis statements."""
    allowed = int(cost * int((y == 1).sum()))
    at_risk = np.sort(scores[(y == 1) & vetoable_hit])
    return float(min(at_risk[allowed], VETO_MAX)) if len(at_risk) > allowed else VETO_MAX


def _report(method, scores, y, pattern_hit, vetoable_hit=None, budget: float = FPR_BUDGET,
            explicit_hit=None) -> MethodReport:
    """The candidate's figures at its best veto cost (:data:`VETO_COSTS`; no veto without ``vetoable_hit``).

    A cost whose kept pattern hits fit in ``budget`` beats one whose do not (that one is scored at a wider
    budget, :func:`fpr_budget`, so its recall is not comparable); among those that fit, the highest combined
    recall wins (ties: the lowest cost). When none fits, the cost that leaves the fewest pattern false alarms.
    """
    costs = VETO_COSTS if vetoable_hit is not None else (0.0,)
    auc = float(roc_auc_score(y, scores))  # the veto changes what is flagged, not how the scores rank
    reports = [_report_at(method, auc, scores, y, pattern_hit, vetoable_hit, cost, budget, explicit_hit)
               for cost in costs]
    fitting = [r for r in reports if r.fpr_budget <= budget]
    if fitting:
        return max(fitting, key=lambda r: (round(r.combined_recall, 6), -r.veto_cost))
    return min(reports, key=lambda r: (r.fpr_budget, -r.combined_recall, r.veto_cost))


def _report_at(method, auc, scores, y, pattern_hit, vetoable_hit, cost, budget: float = FPR_BUDGET,
               explicit_hit=None) -> MethodReport:
    """``explicit_hit`` (a ``+patterns`` candidate): explicit hits in closely read texts, which the model may set
    aside below :func:`_explicit_veto_threshold`."""
    veto = _veto_threshold(scores, y, vetoable_hit, cost) if vetoable_hit is not None else 0.0
    vetoed = pattern_hit & (scores < veto) & (vetoable_hit if vetoable_hit is not None else False)
    explicit_veto = _explicit_veto_threshold(scores, y, explicit_hit) if explicit_hit is not None else 0.0
    vetoed_explicit = pattern_hit & (scores < explicit_veto) & (explicit_hit if explicit_hit is not None else False)
    kept = pattern_hit & ~vetoed & ~vetoed_explicit
    allowed = fpr_budget(float(kept[y == 0].mean()), budget)
    t = _operating_point(scores, y, kept, allowed)
    model = scores >= t
    m_rec, m_fpr = _rates(model, y)
    c_rec, c_fpr = _rates(model | kept, y)
    return MethodReport(method, auc, min(t, 1.0), m_rec, m_fpr, c_rec, c_fpr,
                        veto, int(vetoed[y == 1].sum()), int(vetoed[y == 0].sum()), cost, allowed,
                        explicit_veto, int(vetoed_explicit[y == 1].sum()), int(vetoed_explicit[y == 0].sum()))


def _explicit_veto_threshold(scores, y, explicit_hit) -> float:
    """The highest score below which setting explicit hits aside costs at most ``EXPLICIT_VETO_COST`` of the
    crisis statements with an explicit hit, capped at ``EXPLICIT_VETO_MAX``."""
    at_risk = np.sort(scores[(y == 1) & explicit_hit])
    allowed = int(EXPLICIT_VETO_COST * len(at_risk))
    return float(min(at_risk[allowed], EXPLICIT_VETO_MAX)) if len(at_risk) > allowed else EXPLICIT_VETO_MAX


def fit_final(examples: list[Example], vectors: np.ndarray, model_id: str, method: str, threshold: float,
              cv: dict | None = None, veto_threshold: float = 0.0, sentence_vectors: dict | None = None,
              explicit_veto_threshold: float = 0.0, evidence=None) -> CrisisModel:
    """The stored model: ``method`` fitted on all of ``examples`` with a given threshold.

    A ``+patterns`` method needs ``sentence_vectors`` (each sentence of :func:`safety.screen.pooled_sentences`
    to its embedding), or ``evidence``, the :func:`evidence_matrix` of ``examples`` already built from them."""
    if any(ex.split != "train" for ex in examples):
        raise ValueError("fit_final takes the train split only; the test split is held back")
    if method not in STORABLE:
        raise ValueError(f"method {method!r} cannot be stored (storable: {', '.join(STORABLE)})")
    X = np.asarray(vectors, dtype=np.float64)
    y = np.array([1 if ex.crisis else 0 for ex in examples])
    texts = [ex.text for ex in examples]
    if method not in EVIDENCE_METHODS:
        evidence, names = None, ()
    elif evidence is None:
        evidence, names = evidence_matrix(texts, X, sentence_vectors)
    else:
        evidence, names = evidence
    clf, vecs = _fit(method, texts, X, y, evidence)
    coef = clf.coef_[0]
    dims = X.shape[1]
    n_text = sum(len(v.vocabulary_) for v in vecs)
    text_features = TextFeatures.from_vectorizers(*vecs, coef[:n_text]) if vecs else None
    pooled_weights = pattern_weights = None
    if evidence is not None:
        pooled_weights = coef[n_text + dims:n_text + 2 * dims]
        pattern_weights = {n: float(w) * PATTERN_SCALE for n, w in zip(names, coef[n_text + 2 * dims:], strict=True)}
    crisis = y == 1
    cats = np.array([ex.category for ex in examples])[crisis]
    # Fitted to convergence: at the default tolerance lbfgs stops early (57 iterations on 7,215 statements) on a
    # flat optimum, and embeddings that differ in the 6th decimal moved the weights by up to 0.04; at 1e-8 (206
    # iterations, ~3 s) by 2e-4, so a refit reproduces the stored artifact.
    cat_clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, tol=CATEGORY_TOL).fit(X[crisis], cats)
    return CrisisModel(
        method=method, model_id=model_id, data_sha256=fingerprint(examples),
        weights=coef[n_text:n_text + dims], intercept=float(clf.intercept_[0]), threshold=float(threshold),
        categories=tuple(cat_clf.classes_), category_weights=cat_clf.coef_, category_intercepts=cat_clf.intercept_,
        cv=cv, text_features=text_features,
        sentence_discount=SENTENCE_DISCOUNT if method.endswith("+sentences") else 0.0,
        veto_threshold=float(veto_threshold), explicit_veto_threshold=float(explicit_veto_threshold),
        pooled_weights=pooled_weights, pattern_weights=pattern_weights,
    )


def train_model(examples: list[Example], vectors: np.ndarray, model_id: str,
                sentence_vectors: dict | None = None) -> tuple[CrisisModel, TrainingReport]:
    """Cross-validate the candidates on ``examples`` (the train split), fit the winner on all of it.

    ``sentence_vectors`` maps each extra scoring unit of the texts (their sentences,
    :func:`safety.screen.scoring_units`) to its embedding; without it the ``+sentences``
    candidate is left out.
    """
    if any(ex.split != "train" for ex in examples):
        raise ValueError("train_model takes the train split only; the test split is held back")
    X = np.asarray(vectors, dtype=np.float64)
    y = np.array([1 if ex.crisis else 0 for ex in examples])
    texts = [ex.text for ex in examples]
    strata = np.array([ex.category or "safe" for ex in examples])
    results = [patterns.match(t) for t in texts]
    pattern_hit = np.array([r.crisis for r in results])
    closely = np.array([scored_closely(t) for t in texts])
    vetoable = np.array([patterns.vetoable(r.reasons) for r in results])
    vetoable_hit = vetoable & closely
    explicit_hit = pattern_hit & ~vetoable & closely
    p_rec, p_fpr = _rates(pattern_hit, y)
    folds = list(StratifiedGroupKFold(FOLDS, shuffle=True, random_state=SEED).split(X, strata, cv_groups(texts)))
    candidates = [m for m in CANDIDATES
                  if sentence_vectors is not None or not (m.endswith("+sentences") or m in EVIDENCE_METHODS)]
    evidence = evidence_matrix(texts, X, sentence_vectors, results) if sentence_vectors is not None else None
    matrix = evidence[0] if evidence is not None else None
    reports = tuple(_report(m, _oof(m, texts, X, y, folds, sentence_vectors, matrix), y, pattern_hit, vetoable_hit,
                            explicit_hit=explicit_hit if m in EVIDENCE_METHODS else None)
                    for m in candidates)
    chosen = max((r for r in reports if r.method in STORABLE),
                 key=lambda r: (r.fpr_budget <= FPR_BUDGET, round(r.combined_recall, 6), r.auc))
    budget = chosen.fpr_budget
    cv = {"chosen": chosen.method, "folds": FOLDS, "grouped": True, "fpr_budget": round(budget, 4),
          "patterns": {"recall": round(p_rec, 4), "fpr": round(p_fpr, 4)},
          "methods": [r.as_dict() for r in reports]}
    model = fit_final(examples, X, model_id, chosen.method, chosen.threshold, cv, chosen.veto_threshold,
                      sentence_vectors, chosen.explicit_veto_threshold, evidence)
    report = TrainingReport(chosen.method, reports, int(y.sum()), int((1 - y).sum()), p_rec, p_fpr, budget)
    return model, report


def fit_blend(raw: np.ndarray, reader_logits: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """How to weigh the classifier's logit and the reader's: a logistic regression of the label on both (stacking),
    fitted on held-out texts, so neither model grades its own training data. Returns (a, b, c) for
    ``a * logit(raw) + b * reader_logit + c`` (:meth:`CrisisModel.blended`)."""
    p = np.clip(np.asarray(raw, dtype=np.float64), 1e-12, 1 - 1e-12)
    X = np.column_stack([np.log(p / (1 - p)), np.asarray(reader_logits, dtype=np.float64)])
    clf = LogisticRegression(C=BLEND_C, max_iter=1000).fit(X, np.asarray(y))
    return float(clf.coef_[0][0]), float(clf.coef_[0][1]), float(clf.intercept_[0])


def calibrate(model: CrisisModel, embedder, examples: list[Example], budget: float = FPR_BUDGET,
              reader=None) -> tuple[CrisisModel, Calibration]:
    """Place ``model``'s threshold on the calibration split: the lowest whose combined screen (the pattern hits
    its vetoes keep, or the model) keeps the split's false-positive rate within ``budget`` (:func:`fpr_budget`).

    With a ``reader`` (:mod:`safety.reader`), first fit the blend of the two logits on the calibration texts
    scored as one unit (:func:`fit_blend`), then place the blended probability's threshold the same way; the
    classifier's own threshold is placed too (the figures without the reader), and the vetoes stay as CV chose.

    Why: train's safe texts are nearly all hard negatives, many written to be as close to crisis wording as
    possible, and few everyday messages, so the FPR that CV measures on them has over-stated the FPR on every
    held-out split since round 8 (5.0% in CV; 2.5% to 4.3% on v8 to v11). The calibration split is written
    like the test split, by other writers, and is never trained on.
    """
    from safety.classifier import logit
    from safety.screen import Screener

    if any(ex.split != "calibration" for ex in examples):
        raise ValueError("calibrate takes the calibration split only")
    texts = [ex.text for ex in examples]
    y = np.array([1 if ex.crisis else 0 for ex in examples])
    alone = model.without_reader()
    patterns_only = Screener(alone, embedder, threshold=2.0)  # the model alone flags nothing at 2.0
    verdicts = patterns_only.screen_many(texts)
    if any("screening-failed" in v.reasons for v in verdicts):
        raise RuntimeError("screening failed on the calibration split")
    kept = np.array([v.crisis for v in verdicts])
    scores = patterns_only.model_scores(texts)  # 0.5 is the threshold CV chose
    allowed = fpr_budget(float(kept[y == 0].mean()), budget)
    t = min(_operating_point(scores, y, kept, allowed), 1.0 - 1e-9)
    raw = float(sigmoid(logit(t) + logit(model.threshold)))
    rec, fpr = _rates(kept | (scores >= t), y)
    cv_rec, cv_fpr = _rates(kept | (scores >= 0.5), y)
    calibrated = replace(alone, threshold=raw)
    flag_threshold, flag_rec, flag_fpr, blend, one = raw, rec, fpr, None, []
    if reader is not None:
        one = [i for i, text in enumerate(texts) if len(scoring_units(text, model.sentence_max)) == 1]
        probe = replace(alone, reader_sha256=reader.sha256, blend=(1.0, 0.0, 0.0))
        raw_p, logits = Screener(probe, embedder, 2.0, reader).blend_inputs([texts[i] for i in one])
        blend = fit_blend(raw_p, logits, y[one])
        blended = replace(calibrated, reader_sha256=reader.sha256, blend=blend, blend_threshold=0.5)
        flags = Screener(blended, embedder, 2.0, reader).model_scores(texts)  # 0.5: blended probability 0.5
        tb = min(_operating_point(flags, y, kept, allowed), 1.0 - 1e-9)
        flag_threshold = float(tb)
        flag_rec, flag_fpr = _rates(kept | (flags >= tb), y)
        calibrated = replace(blended, blend_threshold=flag_threshold)
    cal = Calibration(flag_threshold, model.threshold, int(y.sum()), int((1 - y).sum()), flag_rec, flag_fpr,
                      cv_rec, cv_fpr, allowed, rec, fpr, blend, len(one))
    cv = dict(model.cv or {}, calibration=cal.as_dict())
    return replace(calibrated, cv=cv), cal


def stored_for_calibration(embedder, data_path=None, artifact_path=None,
                           reader_threads: int = 1) -> tuple[CrisisModel, object, list[Example]]:
    """The stored classifier at the threshold train CV chose (as calibration starts from it), its reader (None
    without one) and the calibration split as it is now. ValueError when the train split changed since."""
    from pathlib import Path

    from safety.classifier import ARTIFACT_PATH, load_model
    from safety.labelled import DATA_PATH, load_labelled
    from safety.reader import Reader

    artifact = Path(artifact_path or ARTIFACT_PATH)
    stored = load_model(artifact, model_id=embedder.model_id)
    if stored.data_sha256 != fingerprint(load_labelled(data_path or DATA_PATH, split="train")):
        raise ValueError("the train split changed since the classifier was fitted; run `mend safety train`")
    cv_threshold = next(m["threshold"] for m in stored.cv["methods"] if m["method"] == stored.method)
    reader = Reader(artifact.with_name("reader.npz"), threads=reader_threads) if stored.uses_reader else None
    held = list(load_labelled(data_path or DATA_PATH, split="calibration"))
    cv = {k: v for k, v in stored.cv.items() if k != "calibration"}
    return replace(stored, threshold=cv_threshold, cv=cv), reader, held


def recalibrate(embedder, data_path=None, artifact_path=None, save: bool = True,
                reader_threads: int = 1) -> tuple[CrisisModel, Calibration]:
    """Refit the stored classifier's blend with its stored reader and re-place the threshold on the calibration
    split as it is now (say, after a spent test split joined it), without retraining either model: what
    `mend safety train` does after fitting, from the operating point train CV chose."""
    from pathlib import Path

    from safety.classifier import ARTIFACT_PATH

    base, reader, held = stored_for_calibration(embedder, data_path, artifact_path, reader_threads)
    model, calibration = calibrate(base, embedder, held, reader=reader)
    if save:
        model.save(Path(artifact_path or ARTIFACT_PATH))
    return model, calibration


@dataclass(frozen=True)
class LeftOut:
    """One calibration part scored with the blend fitted and the threshold placed on the others."""

    part: str  # the origin's version, "v13" for test-v13 and test-v13-everyday
    caught: int
    crisis: int
    false_alarms: int
    safe: int
    classifier_caught: int  # the classifier alone, its own threshold placed on the others too
    classifier_false_alarms: int

    def as_dict(self) -> dict:
        return asdict(self)


def _part(example: Example) -> str:
    """The calibration part an example belongs to: its origin without the "test-" and "-everyday"."""
    return (example.origin or "-").removeprefix("test-").removesuffix("-everyday")


def leave_one_out(model: CrisisModel, embedder, examples: list[Example], reader=None,
                  budget: float = FPR_BUDGET) -> list[LeftOut]:
    """How well a placement on some writers holds for others: for each part of the calibration split (each former
    test split), :func:`calibrate` on the other parts, then screen that part, with the reader and (at the
    classifier's own threshold, which the same calibration places) without it. ``model`` with its CV threshold
    (as :func:`recalibrate` starts from)."""
    from safety.screen import Screener

    parts = sorted({_part(ex) for ex in examples})
    if len(parts) < 2:
        raise ValueError("leaving a part out needs a calibration split of two parts or more")
    def counts(screener: Screener, texts: list[str], y: np.ndarray) -> tuple[int, int]:
        flagged = np.array([v.crisis for v in screener.screen_many(texts)])
        return int(flagged[y].sum()), int(flagged[~y].sum())

    rows = []
    for part in parts:
        out = [ex for ex in examples if _part(ex) == part]
        texts, y = [ex.text for ex in out], np.array([ex.crisis for ex in out])
        placed, _ = calibrate(model, embedder, [ex for ex in examples if _part(ex) != part], budget=budget,
                              reader=reader)
        caught, alarms = counts(Screener(placed, embedder, 0.5, reader), texts, y)
        c_caught, c_alarms = (counts(Screener(placed.without_reader(), embedder, 0.5), texts, y)
                              if reader is not None else (caught, alarms))
        rows.append(LeftOut(part, caught, int(y.sum()), alarms, int((~y).sum()), c_caught, c_alarms))
    return rows


def retrain(embedder, data_path=None, artifact_path=None, save: bool = True, method: str | None = None,
            threshold: float | None = None, veto_threshold: float = 0.0,
            explicit_veto_threshold: float = 0.0, reader: bool = True, reader_threads: int | None = None,
            progress=None) -> tuple[CrisisModel, TrainingReport | None]:
    """Load the train split, embed it, cross-validate, fit, fine-tune the reader, calibrate, and (by default) store
    the artifacts: classifier.json and, beside it, reader.npz.

    With ``method`` and ``threshold`` (and the veto thresholds, e.g. the stored model's), skip cross-validation,
    the reader and calibration, and refit only the final classifier; the report is then None. ``reader=False``
    leaves the reader out (the classifier alone). ``progress(message)`` hears about the slow steps.
    """
    import os
    import tempfile
    from pathlib import Path

    from safety.classifier import ARTIFACT_PATH
    from safety.labelled import DATA_PATH, load_labelled

    say = progress or (lambda message: None)
    examples = list(load_labelled(data_path or DATA_PATH, split="train"))
    say(f"embedding {len(examples)} train texts")
    vectors = embedder.embed([ex.text for ex in examples])
    sentence_vectors = None
    if method is None or method.endswith("+sentences") or method in EVIDENCE_METHODS:
        units = sorted({u for ex in examples for u in scoring_units(ex.text)[1:] + pooled_sentences(ex.text)})
        say(f"embedding {len(units)} sentences")
        sentence_vectors = dict(zip(units, embedder.embed(units), strict=True)) if units else {}
    artifact = Path(artifact_path or ARTIFACT_PATH)
    if method is not None:
        model, report = fit_final(examples, vectors, embedder.model_id, method, threshold,
                                  veto_threshold=veto_threshold, sentence_vectors=sentence_vectors,
                                  explicit_veto_threshold=explicit_veto_threshold), None
        if save:
            model.save(artifact)
        return model, report
    say("cross-validating the candidates")
    model, report = train_model(examples, vectors, embedder.model_id, sentence_vectors)
    held = list(load_labelled(data_path or DATA_PATH, split="calibration"))
    with tempfile.TemporaryDirectory() as scratch:
        fitted_reader = None
        if reader:
            from safety.reader import Reader, fit_reader, save_reader

            threads = reader_threads or os.cpu_count() or 1
            say("fine-tuning the reader")
            state = fit_reader([ex.text for ex in examples], [1 if ex.crisis else 0 for ex in examples],
                               threads=threads, progress=lambda e, loss: say(f"reader epoch {e + 1}: loss {loss:.4f}"))
            reader_path = artifact.with_name("reader.npz") if save else Path(scratch) / "reader.npz"
            save_reader(reader_path, state, model.data_sha256)
            fitted_reader = Reader(reader_path, threads=threads)
        if held:
            say("calibrating on the calibration split")
            model, calibration = calibrate(model, embedder, held, reader=fitted_reader)
            report = replace(report, calibration=calibration)
    if save:
        model.save(artifact)
    return model, report
