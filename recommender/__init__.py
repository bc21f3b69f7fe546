"""Mend's recommender: matches journal text to passages and exercises in the content corpus.

Public interface (everything else is internal)::

    from recommender import Recommender, load_recommender, Suggestion, Item
    rec = load_recommender(config)          # embedder defaults to the shared verified model
    rec.recommend([(created_at, text)], now=now, top=1, track="social")
    rec.reload(config)                      # -> ReloadResult

Modules: ``corpus`` (files -> Items, checks), ``chunking``, ``cache`` (embeddings on disk),
``ranking`` (pure functions over vectors), ``service`` (the wiring), ``evaluation`` and
``bm25`` (the labelled eval set and its baselines), ``model`` (the embedding model, at the edge).
"""

from recommender.corpus import CorpusProblem, Item
from recommender.errors import CorpusError, EvalSetError, FilterError, RecommenderError
from recommender.service import (
    CheckResult,
    Recommender,
    ReloadResult,
    Suggestion,
    check_corpus,
    load_recommender,
)

__all__ = [
    "Recommender", "load_recommender", "Suggestion", "Item", "ReloadResult", "CheckResult",
    "CorpusProblem", "check_corpus", "RecommenderError", "CorpusError", "EvalSetError", "FilterError",
]
