"""The crisis classifier over sentence embeddings, as a small stored artifact.

``safety/data/classifier.json`` holds everything needed to score a text, so start-up reads
a small file instead of training: which method won on cross-validated train
(``logistic`` regression over embeddings, ``tfidf+embedding``: logistic regression over
the embedding concatenated with TF-IDF word 1-2grams and char_wb 2-5grams,
``tfidf+embedding+sentences``: the same model, with a text scored as the highest of its
whole-text score and its sentences' scores, ``tfidf+embedding+patterns``: the tfidf+embedding
features plus the element-wise maximum of the text's sentence embeddings and which patterns
fired or were set aside (:func:`pattern_evidence`), or ``exemplar``: nearest-exemplar similarity),
its numbers, the calibrated threshold, the veto threshold (a model score so low that it sets
aside a pattern hit, :data:`safety.patterns.UNVETOABLE` excepted), and a per-category classifier (over embeddings) used
when only the model fires.

Scores are shifted so that the calibrated threshold maps to 0.5: ``score >= 0.5`` is the
operating point chosen on train cross-validation, and ``safety.threshold`` in config.yaml
(0.5 by default) moves it. Pure numpy here; fitting lives in :mod:`safety.training`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from safety.errors import ArtifactError

__all__ = ["CrisisModel", "ARTIFACT_PATH", "load_model", "sigmoid", "logit", "evidence_of", "pattern_evidence",
           "max_pool"]

ARTIFACT_PATH = Path(__file__).resolve().parent / "data" / "classifier.json"
FORMAT = 2
METHODS = ("logistic", "tfidf+embedding", "tfidf+embedding+sentences", "tfidf+embedding+patterns", "exemplar")
# A sentence's score counts for less than the whole text's: its logit is lowered by this much
# before the max (chosen on grouped train CV: 0 -> 92.5%, 1 -> 92.8% combined recall at 5% FPR,
# and on the hard negatives of the newest train files FPR 7.1% -> 5.3%; see safety/data/README.md).
SENTENCE_DISCOUNT = 1.0
TEXT_METHODS = ("tfidf+embedding", "tfidf+embedding+sentences", "tfidf+embedding+patterns")  # read the text too
EVIDENCE_METHODS = ("tfidf+embedding+patterns",)  # also weigh the patterns' evidence and the sentences' max-pool


def evidence_of(result) -> tuple[str, ...]:
    """The pattern names a :class:`safety.patterns.PatternResult` gives the ``+patterns`` model: those that
    fired, and those set aside (``negated:<name>``, ``past:<name>``, ...), so the model learns how far to trust
    each."""
    return result.reasons + result.suppressed


def pattern_evidence(text: str) -> tuple[str, ...]:
    """:func:`evidence_of` the patterns' result for ``text``."""
    from safety import patterns

    return evidence_of(patterns.match(text))


def max_pool(unit_vector: np.ndarray, sentence_vectors) -> np.ndarray:
    """The element-wise maximum of a text's sentence embeddings (its own embedding when it has one sentence):
    a crisis sentence among ordinary ones keeps its high components instead of being averaged away."""
    if sentence_vectors is None or len(sentence_vectors) == 0:
        return np.asarray(unit_vector, dtype=np.float64)
    return np.asarray(sentence_vectors, dtype=np.float64).max(axis=0)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class CrisisModel:
    """Scores embeddings for crisis (0..1, 0.5 = calibrated threshold) and names a category."""

    method: str  # one of METHODS
    model_id: str  # the embedding model the numbers belong to
    data_sha256: str  # fingerprint of the train split it was fitted on
    weights: np.ndarray  # logistic: (dims,) coefficients; exemplar: (2,) slope and intercept
    intercept: float  # logistic intercept (0.0 for exemplar)
    threshold: float  # calibrated probability threshold on the raw model output
    categories: tuple[str, ...]
    category_weights: np.ndarray  # (n_categories, dims)
    category_intercepts: np.ndarray  # (n_categories,)
    exemplar_texts: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())  # (crisis, safe)
    cv: dict | None = None  # cross-validated train metrics, for the record
    text_features: TextFeatures | None = None  # tfidf+embedding: the TF-IDF half of the features
    sentence_discount: float = 0.0  # +sentences: logit taken off a sentence's score (SENTENCE_DISCOUNT)
    veto_threshold: float = 0.0  # raw probability below which a vetoable pattern hit is set aside (0: never)
    # +patterns: weights of the sentence max-pool (dims,) and of each pattern name (fired or set aside)
    pooled_weights: np.ndarray | None = None
    pattern_weights: dict | None = None
    explicit_veto_threshold: float = 0.0  # raw probability below which an explicit (UNVETOABLE) hit is set aside
    # The reader (safety.reader), when the model has one: its weights' sha256, the blend of the two logits
    # (a * logit(raw probability) + b * reader logit + c, fitted on the calibration split) and the threshold on
    # the blended probability at which the model layer flags a text. The vetoes stay on the raw probability.
    reader_sha256: str | None = None
    blend: tuple[float, float, float] | None = None
    blend_threshold: float = 0.5

    @property
    def sentence_max(self) -> bool:
        """Score a text as the highest of its whole-text score and its sentences' scores."""
        return self.method.endswith("+sentences")

    @property
    def uses_evidence(self) -> bool:
        """Whether the model weighs the patterns' evidence and the sentences' max-pool (``+patterns``)."""
        return self.method in EVIDENCE_METHODS

    @property
    def uses_reader(self) -> bool:
        """Whether the model layer's flag weighs the reader's logit too (:meth:`flag_scores`)."""
        return self.reader_sha256 is not None

    @property
    def veto_score(self) -> float:
        """``veto_threshold`` on the score scale of :meth:`score` (0.0 when there is no veto)."""
        return self._on_score_scale(self.veto_threshold)

    @property
    def explicit_veto_score(self) -> float:
        """``explicit_veto_threshold`` on the score scale of :meth:`score` (0.0: explicit hits are never vetoed)."""
        return self._on_score_scale(self.explicit_veto_threshold)

    def _on_score_scale(self, raw: float) -> float:
        if raw <= 0.0:
            return 0.0
        return float(sigmoid(logit(raw) - logit(self.threshold)))

    def raw_probability(self, vectors: np.ndarray, exemplar_vectors=None, texts=None, pooled=None,
                        evidence=None) -> np.ndarray:
        """The model's own probability of crisis, before the threshold shift.

        ``+patterns`` only: ``pooled``, each unit's sentence max-pool (:func:`max_pool`; by default the unit's
        own vector, as for a one-sentence text), and ``evidence``, each unit's pattern names
        (:func:`evidence_of`; by default read from ``texts`` with :func:`pattern_evidence`).
        """
        vectors = np.asarray(vectors, dtype=np.float64)
        if self.method == "logistic":
            return sigmoid(vectors @ self.weights + self.intercept)
        if self.method in TEXT_METHODS:
            if texts is None or len(texts) != len(vectors):
                raise ValueError("the tfidf+embedding model needs each vector's text")
            z = vectors @ self.weights + self.text_features.decision(texts) + self.intercept
            if self.uses_evidence:
                pooled = vectors if pooled is None else np.asarray(pooled, dtype=np.float64)
                if pooled.shape != vectors.shape:
                    raise ValueError("the sentence max-pool must have one row per vector")
                if evidence is None:
                    evidence = [pattern_evidence(t) for t in texts]
                if len(evidence) != len(vectors):
                    raise ValueError("the pattern evidence must have one entry per vector")
                z = z + pooled @ self.pooled_weights + np.array(
                    [sum(self.pattern_weights.get(n, 0.0) for n in names) for names in evidence])
            return sigmoid(z)
        if exemplar_vectors is None:
            raise ArtifactError(ARTIFACT_PATH, "the exemplar method needs the exemplars' embeddings")
        margin = exemplar_margin(vectors, *exemplar_vectors)
        return sigmoid(self.weights[0] * margin + self.weights[1])

    def score(self, vectors: np.ndarray, exemplar_vectors=None, texts=None, pooled=None, evidence=None) -> np.ndarray:
        """Crisis scores in 0..1 where 0.5 is the calibrated threshold."""
        return self.shifted(self.raw_probability(vectors, exemplar_vectors, texts, pooled, evidence))

    def shifted(self, raw: np.ndarray) -> np.ndarray:
        """Raw probabilities on the score scale, where 0.5 is ``threshold``."""
        p = np.clip(np.asarray(raw, dtype=np.float64), 1e-12, 1 - 1e-12)
        return sigmoid(np.log(p / (1 - p)) - logit(self.threshold))

    def flag_scores(self, raw: np.ndarray, reader_logits: np.ndarray | None = None) -> np.ndarray:
        """The model layer's scores (0.5 = where it flags): with a reader, the blended logit
        ``a * logit(raw) + b * reader logit + c`` shifted by ``blend_threshold``; else :meth:`shifted`."""
        if not self.uses_reader:
            return self.shifted(raw)
        if reader_logits is None:
            raise ValueError("this classifier weighs the reader's logit; pass it")
        p = np.clip(np.asarray(raw, dtype=np.float64), 1e-12, 1 - 1e-12)
        a, b, c = self.blend
        z = a * np.log(p / (1 - p)) + b * np.asarray(reader_logits, dtype=np.float64) + c
        return sigmoid(z - logit(self.blend_threshold))

    def without_reader(self) -> CrisisModel:
        """The classifier alone, at its own threshold (placed on the calibration split like the blend's)."""
        return replace(self, reader_sha256=None, blend=None, blend_threshold=0.5)

    def sentence_scores(self, scores: np.ndarray) -> np.ndarray:
        """A sentence's scores as they count against the whole text's (lowered by ``sentence_discount``)."""
        p = np.clip(np.asarray(scores, dtype=np.float64), 1e-12, 1 - 1e-12)
        return sigmoid(np.log(p / (1 - p)) - self.sentence_discount)

    def category_of(self, vectors: np.ndarray) -> list[str]:
        logits = np.asarray(vectors, dtype=np.float64) @ self.category_weights.T + self.category_intercepts
        return [self.categories[i] for i in np.argmax(logits, axis=1)]

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "method": self.method,
            "model_id": self.model_id,
            "data_sha256": self.data_sha256,
            "threshold": round(float(self.threshold), 6),
            "intercept": round(float(self.intercept), 6),
            "weights": [round(float(w), 6) for w in self.weights],
            "categories": list(self.categories),
            "category_intercepts": [round(float(b), 6) for b in self.category_intercepts],
            "category_weights": [[round(float(w), 6) for w in row] for row in self.category_weights],
            "exemplar_texts": {"crisis": list(self.exemplar_texts[0]), "safe": list(self.exemplar_texts[1])},
            "cv": self.cv,
            "text_features": None if self.text_features is None else self.text_features.to_dict(),
            "sentence_discount": self.sentence_discount,
            "veto_threshold": round(float(self.veto_threshold), 6),
            "explicit_veto_threshold": round(float(self.explicit_veto_threshold), 6),
            "pooled_weights": None if self.pooled_weights is None else [round(float(w), 6) for w in self.pooled_weights],
            "pattern_weights": None if self.pattern_weights is None else
            {n: round(float(w), 6) for n, w in sorted(self.pattern_weights.items())},
            "reader": None if self.reader_sha256 is None else {
                "sha256": self.reader_sha256, "blend": [round(float(w), 6) for w in self.blend],
                "threshold": round(float(self.blend_threshold), 6)},
        }

    @classmethod
    def from_dict(cls, data: dict, path: Path = ARTIFACT_PATH) -> CrisisModel:
        try:
            if data.get("format") != FORMAT:
                raise ArtifactError(path, f"format {data.get('format')!r}, expected {FORMAT}")
            if data["method"] not in METHODS:
                raise ArtifactError(path, f"unknown method {data['method']!r}")
            if data["method"] in EVIDENCE_METHODS and (data.get("pooled_weights") is None
                                                       or data.get("pattern_weights") is None):
                raise ArtifactError(path, f"method {data['method']} needs pooled_weights and pattern_weights")
            ex = data.get("exemplar_texts") or {}
            reader = data.get("reader")
            if reader is not None and (not isinstance(reader.get("sha256"), str) or len(reader["blend"]) != 3):
                raise ArtifactError(path, "reader needs a sha256 and a blend of 3 numbers")
            return cls(
                method=data["method"],
                model_id=data["model_id"],
                data_sha256=data["data_sha256"],
                weights=np.asarray(data["weights"], dtype=np.float64),
                intercept=float(data["intercept"]),
                threshold=float(data["threshold"]),
                categories=tuple(data["categories"]),
                category_weights=np.asarray(data["category_weights"], dtype=np.float64),
                category_intercepts=np.asarray(data["category_intercepts"], dtype=np.float64),
                exemplar_texts=(tuple(ex.get("crisis", ())), tuple(ex.get("safe", ()))),
                cv=data.get("cv"),
                text_features=TextFeatures.from_dict(data["text_features"]) if data.get("text_features") else None,
                sentence_discount=float(data.get("sentence_discount", 0.0)),
                veto_threshold=float(data.get("veto_threshold", 0.0)),
                explicit_veto_threshold=float(data.get("explicit_veto_threshold", 0.0)),
                pooled_weights=None if data.get("pooled_weights") is None
                else np.asarray(data["pooled_weights"], dtype=np.float64),
                pattern_weights=None if data.get("pattern_weights") is None
                else {str(n): float(w) for n, w in data["pattern_weights"].items()},
                reader_sha256=None if reader is None else reader["sha256"],
                blend=None if reader is None else tuple(float(w) for w in reader["blend"]),
                blend_threshold=0.5 if reader is None else float(reader["threshold"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(path, f"malformed ({type(exc).__name__}: {exc})") from None

    def save(self, path: Path = ARTIFACT_PATH) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")


WORD_OPTIONS = dict(analyzer="word", ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
CHAR_OPTIONS = dict(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=30000)


def _vectorizer(options: dict, vocabulary: list[str], idf):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(vocabulary={t: i for i, t in enumerate(vocabulary)}, **options)
    vec.idf_ = np.asarray(idf, dtype=np.float64)
    return vec


class TextFeatures:
    """TF-IDF word 1-2grams and char_wb 2-5grams with their logistic-regression weights.

    Char n-grams inside word boundaries match misspellings and coded words ("kil", "unaliv")
    that the word n-grams and the embeddings miss.
    """

    def __init__(self, word_vocab, word_idf, word_weights, char_vocab, char_idf, char_weights):
        self.word_vocab, self.char_vocab = list(word_vocab), list(char_vocab)
        self.word_idf, self.char_idf = np.asarray(word_idf, float), np.asarray(char_idf, float)
        self.word_weights, self.char_weights = np.asarray(word_weights, float), np.asarray(char_weights, float)
        self._word = _vectorizer(WORD_OPTIONS, self.word_vocab, self.word_idf)
        self._char = _vectorizer(CHAR_OPTIONS, self.char_vocab, self.char_idf)

    @classmethod
    def from_vectorizers(cls, word, char, weights) -> TextFeatures:
        nw = len(word.vocabulary_)
        wv = sorted(word.vocabulary_, key=word.vocabulary_.get)
        cv = sorted(char.vocabulary_, key=char.vocabulary_.get)
        return cls(wv, word.idf_, weights[:nw], cv, char.idf_, weights[nw:])

    def decision(self, texts) -> np.ndarray:
        texts = list(texts)
        return self._word.transform(texts) @ self.word_weights + self._char.transform(texts) @ self.char_weights

    def to_dict(self) -> dict:
        def r(xs):
            return [round(float(x), 5) for x in xs]

        return {"word": {"vocabulary": self.word_vocab, "idf": r(self.word_idf), "weights": r(self.word_weights)},
                "char": {"vocabulary": self.char_vocab, "idf": r(self.char_idf), "weights": r(self.char_weights)}}

    @classmethod
    def from_dict(cls, data: dict) -> TextFeatures:
        w, c = data["word"], data["char"]
        return cls(w["vocabulary"], w["idf"], w["weights"], c["vocabulary"], c["idf"], c["weights"])


def exemplar_margin(vectors: np.ndarray, crisis_vectors: np.ndarray, safe_vectors: np.ndarray) -> np.ndarray:
    """Nearest crisis exemplar's similarity minus nearest safe exemplar's (unit vectors)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    return (vectors @ np.asarray(crisis_vectors).T).max(axis=1) - (vectors @ np.asarray(safe_vectors).T).max(axis=1)


def load_model(path: Path = ARTIFACT_PATH, model_id: str | None = None) -> CrisisModel:
    """Read the stored classifier; with ``model_id``, refuse numbers made for another model."""
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(path, "file not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ArtifactError(path, f"unreadable ({exc})") from None
    model = CrisisModel.from_dict(data, path)
    if model_id is not None and model.model_id != model_id:
        raise ArtifactError(path, f"trained for embedding model {model.model_id}, not {model_id}")
    return model
