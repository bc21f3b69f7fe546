"""The crisis classifier over sentence embeddings, as a small stored artifact.

``safety/data/classifier.json`` holds everything needed to score a text's embedding, so
start-up reads a few kilobytes instead of training: which method won on cross-validated
train (``logistic`` regression, or ``exemplar``: nearest-exemplar similarity), its numbers,
the calibrated threshold, and a per-category classifier used when only the model fires.

Scores are shifted so that the calibrated threshold maps to 0.5: ``score >= 0.5`` is the
operating point chosen on train cross-validation, and ``safety.threshold`` in config.yaml
(0.5 by default) moves it. Pure numpy here; fitting lives in :mod:`safety.training`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from safety.errors import ArtifactError

__all__ = ["CrisisModel", "ARTIFACT_PATH", "load_model", "sigmoid", "logit"]

ARTIFACT_PATH = Path(__file__).resolve().parent / "data" / "classifier.json"
FORMAT = 1


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class CrisisModel:
    """Scores embeddings for crisis (0..1, 0.5 = calibrated threshold) and names a category."""

    method: str  # "logistic" | "exemplar"
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

    def raw_probability(self, vectors: np.ndarray, exemplar_vectors=None) -> np.ndarray:
        """The model's own probability of crisis, before the threshold shift."""
        vectors = np.asarray(vectors, dtype=np.float64)
        if self.method == "logistic":
            return sigmoid(vectors @ self.weights + self.intercept)
        if exemplar_vectors is None:
            raise ArtifactError(ARTIFACT_PATH, "the exemplar method needs the exemplars' embeddings")
        margin = exemplar_margin(vectors, *exemplar_vectors)
        return sigmoid(self.weights[0] * margin + self.weights[1])

    def score(self, vectors: np.ndarray, exemplar_vectors=None) -> np.ndarray:
        """Crisis scores in 0..1 where 0.5 is the calibrated threshold."""
        p = np.clip(self.raw_probability(vectors, exemplar_vectors), 1e-12, 1 - 1e-12)
        return sigmoid(np.log(p / (1 - p)) - logit(self.threshold))

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
        }

    @classmethod
    def from_dict(cls, data: dict, path: Path = ARTIFACT_PATH) -> CrisisModel:
        try:
            if data.get("format") != FORMAT:
                raise ArtifactError(path, f"format {data.get('format')!r}, expected {FORMAT}")
            if data["method"] not in ("logistic", "exemplar"):
                raise ArtifactError(path, f"unknown method {data['method']!r}")
            ex = data.get("exemplar_texts") or {}
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
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(path, f"malformed ({type(exc).__name__}: {exc})") from None

    def save(self, path: Path = ARTIFACT_PATH) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")


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
