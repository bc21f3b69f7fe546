"""Crisis screening: every inbound text is screened before anything else reads it.

    from safety import Screener, Verdict, load_screener, crisis_reply
    screener = load_screener(config)          # the real model, loaded once
    v = screener.screen(text)                 # Verdict(crisis, category, score, reasons); never raises
    crisis_reply(config, "US")                # the configured crisis reply for a country

Layers: curated patterns (:mod:`safety.patterns`), a classifier over sentence embeddings
(:mod:`safety.classifier`, trained by :mod:`safety.training`), and a fail-safe that turns
any failure into a crisis verdict (:mod:`safety.screen`).
"""

from __future__ import annotations

from safety.classifier import CrisisModel, load_model
from safety.errors import ArtifactError, LabelledDataError, SafetyError
from safety.patterns import CATEGORIES
from safety.replies import crisis_reply
from safety.screen import FAILSAFE, Screener, Verdict

__all__ = [
    "Screener",
    "Verdict",
    "FAILSAFE",
    "CATEGORIES",
    "CrisisModel",
    "load_screener",
    "load_model",
    "crisis_reply",
    "SafetyError",
    "ArtifactError",
    "LabelledDataError",
]


def load_screener(config, embedder=None) -> Screener:
    """A Screener with the stored classifier and ``config.safety.threshold``.

    ``embedder`` defaults to the process's shared all-MiniLM-L6-v2. When the classifier is blended with the
    reader (:mod:`safety.reader`), the reader is loaded too (its ONNX graph exported on first use). Raises
    ArtifactError when ``safety/data/classifier.json`` or the reader is missing, or they do not belong together.
    """
    if embedder is None:
        from recommender.model import shared_embedder

        embedder = shared_embedder(config.recommender.model_threads, config.recommender.model_backend)
    model = load_model(model_id=getattr(embedder, "model_id", None))
    reader = None
    if model.uses_reader and not config.safety.reader:  # the classifier alone, at its own calibrated threshold
        model = model.without_reader()
    if model.uses_reader:
        from safety.reader import Reader

        reader = Reader(threads=config.recommender.model_threads or 1)
        if reader.data_sha256 != model.data_sha256:
            raise ArtifactError(reader.path, "the reader was fitted on another train split than the classifier; "
                                             "run `mend safety train`")
    return Screener(model, embedder, threshold=config.safety.threshold, reader=reader)
