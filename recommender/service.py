"""The recommender service: the corpus, its cached embeddings and the model, wired together.

This is the edge where the model and the files meet the pure ranking in
:mod:`recommender.ranking`::

    rec = load_recommender(config)            # loads + validates the corpus, cached embeddings
    rec.recommend([(created_at, text)], now=now, top=3, track="social")
    rec.reload(config)                        # hot reload; keeps the old corpus on problems
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from mend.config import Config
from recommender.cache import EmbeddingCache, TextEmbedder
from recommender.chunking import chunk_text
from recommender.corpus import CorpusProblem, Item, load_corpus, near_duplicates
from recommender.errors import CorpusError
from recommender.ranking import Entry, ItemIndex, build_index, build_query, rank, score_items

__all__ = [
    "Recommender", "Suggestion", "ReloadResult", "CheckResult", "load_recommender", "check_corpus",
    "item_texts",
]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Suggestion:
    item_id: str
    kind: str
    theme: str
    track: str | None
    sms: str
    score: float
    reason: str  # the journal chunk that matched best, or why a general item was chosen
    fallback: bool  # True: no good match (or no journal), a general item for the track


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    problems: tuple[CorpusProblem, ...]  # empty when ok; the old corpus stays when not
    items: int  # items now served
    embedded: int  # texts that had to be embedded (0 when nothing changed)
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    items: tuple[Item, ...]
    problems: tuple[CorpusProblem, ...]
    embedded: int  # texts embedded now (the rest came from the cache)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, eq=False)
class _State:
    items: tuple[Item, ...]
    index: ItemIndex
    by_id: Mapping[str, int]


def item_texts(item: Item, config: Config, embedder: TextEmbedder) -> list[str]:
    """The texts embedded for an item: its sms, its body in chunks that fit the model, and a
    theme-and-tags line (``self compassion: inner critic, kindness``)."""
    body = chunk_text(
        item.body, chunk_words=config.recommender.chunk_words,
        overlap_words=config.recommender.chunk_overlap_words,
        count_tokens=embedder.count_tokens, max_tokens=embedder.max_tokens,
    )
    labels = f"{item.theme.replace('-', ' ')}: {', '.join(item.tags)}"
    return [item.sms] + [c.text for c in body] + [labels]


def _embed_corpus(
    items: Sequence[Item], config: Config, embedder: TextEmbedder, progress: Progress | None
) -> tuple[ItemIndex, int]:
    cache = EmbeddingCache(config.resolve(config.corpus.cache_dir), embedder.model_id)
    texts = [item_texts(item, config, embedder) for item in items]
    flat = [t for group in texts for t in group]
    vectors, embedded = cache.embed(flat, embedder, progress=progress)
    if embedded:
        cache.save(keep=flat)
    per_item, start = [], 0
    for group in texts:
        per_item.append(vectors[start:start + len(group)])
        start += len(group)
    return build_index(per_item), embedded


def _build(config: Config, embedder: TextEmbedder, progress: Progress | None):
    root = config.root
    loaded = load_corpus(config.resolve(config.corpus.path), root=root)
    if not loaded.items:
        return None, loaded.problems, 0
    index, embedded = _embed_corpus(loaded.items, config, embedder, progress)
    problems = loaded.problems + tuple(
        near_duplicates(loaded.items, index.item_vectors, config.corpus.near_duplicate_threshold, root=root)
    )
    state = _State(loaded.items, index, {it.id: i for i, it in enumerate(loaded.items)})
    return state, problems, embedded


def check_corpus(config: Config, embedder: TextEmbedder | None = None, *, progress: Progress | None = None) -> CheckResult:
    """Validate the whole corpus (fields, SMS length, duplicates, near-duplicates); never raises for content."""
    embedder = embedder or _shared(config)
    state, problems, embedded = _build(config, embedder, progress)
    return CheckResult(state.items if state else (), tuple(problems), embedded)


def _shared(config: Config) -> TextEmbedder:
    from recommender.model import shared_embedder

    return shared_embedder(config.recommender.model_threads, config.recommender.model_backend)


class Recommender:
    """Matches journal text to corpus items. Thread-safe: :meth:`reload` swaps the corpus atomically."""

    def __init__(self, config: Config, embedder: TextEmbedder, state: _State):
        self._config = config
        self._embedder = embedder
        self._state = state
        self._lock = threading.Lock()

    @property
    def items(self) -> list[Item]:
        return list(self._state.items)

    @property
    def embedder(self) -> TextEmbedder:
        return self._embedder

    @property
    def min_score(self) -> float:
        return self._config.recommender.min_score

    def best_score(self, text: str, *, now: datetime) -> float:
        """The best raw similarity of any item to ``text`` (no filters, no fallback): for calibration."""
        cfg = self._config.recommender
        query = build_query(self.entries([(now, text)]), now=now, half_life_days=cfg.recency_half_life_days)
        if query is None:
            return float("-inf")
        scores, _ = score_items(query, self._state.index)
        return float(scores.max()) if scores.size else float("-inf")

    def item(self, item_id: str) -> Item | None:
        state = self._state
        i = state.by_id.get(item_id)
        return state.items[i] if i is not None else None

    def prepare(self, text: str, *, now: datetime) -> None:
        """Embed ``text`` ahead of a :meth:`recommend` that reads it, so that call does no
        model work (the embedder remembers recent texts). The conversation calls this before
        it opens its database transaction."""
        self.entries([(now, text)])

    def entries(self, journal: Sequence[tuple[datetime, str]]) -> list[Entry]:
        """The newest ``recommender.history_entries`` entries, chunked and embedded in one model call."""
        cfg = self._config.recommender
        newest = sorted(journal, key=lambda e: e[0], reverse=True)[:cfg.history_entries]
        chunked = [
            (created, [c.text for c in chunk_text(
                text, chunk_words=cfg.chunk_words, overlap_words=cfg.chunk_overlap_words,
                count_tokens=self._embedder.count_tokens, max_tokens=self._embedder.max_tokens)])
            for created, text in newest
        ]
        flat = [c for _, chunks in chunked for c in chunks]
        vectors = self._embedder.embed(flat) if flat else np.zeros((0, 0), np.float32)
        entries, start = [], 0
        for created, chunks in chunked:
            entries.append(Entry(created, tuple(chunks), vectors[start:start + len(chunks)]))
            start += len(chunks)
        return entries

    def recommend(
        self,
        journal: Sequence[tuple[datetime, str]],
        *,
        now: datetime,
        top: int = 1,
        track: str | None = None,
        kind: str | None = None,
        time_of_day: str | None = None,
        recently_sent: Mapping[str, datetime] | None = None,
    ) -> list[Suggestion]:
        """The best ``top`` items for this journal (see :func:`recommender.ranking.rank`)."""
        state = self._state
        cfg = self._config.recommender
        query = build_query(self.entries(journal), now=now, half_life_days=cfg.recency_half_life_days)
        ranked = rank(
            query, state.index, state.items, now=now, top=top, kind=kind, track=track,
            time_of_day=time_of_day, recently_sent=recently_sent or {}, cooldown_days=cfg.cooldown_days,
            mmr_lambda=cfg.mmr_lambda, min_score=cfg.min_score,
        )
        out = []
        for r in ranked:
            item = state.items[r.index]
            out.append(Suggestion(item.id, item.kind, item.theme, item.track, item.sms, r.score, r.reason, r.fallback))
        return out

    def reload(self, config: Config | None = None, *, progress: Progress | None = None) -> ReloadResult:
        """Re-read and re-validate the corpus, embedding only changed texts.

        On problems the current corpus stays in service and the problems are returned.
        """
        config = config or self._config
        with self._lock:
            state, problems, embedded = _build(config, self._embedder, progress)
            old = self._state
            if problems or state is None:
                return ReloadResult(False, tuple(problems), len(old.items), embedded)
            before = {it.id: it for it in old.items}
            after = {it.id: it for it in state.items}
            self._state = state
            self._config = config
            return ReloadResult(
                True, (), len(state.items), embedded,
                added=tuple(sorted(after.keys() - before.keys())),
                removed=tuple(sorted(before.keys() - after.keys())),
                changed=tuple(sorted(k for k in after.keys() & before.keys() if after[k] != before[k])),
            )


def load_recommender(
    config: Config, embedder: TextEmbedder | None = None, *, progress: Progress | None = None
) -> Recommender:
    """Load and validate the corpus with cached embeddings; raises :class:`CorpusError` listing every problem."""
    embedder = embedder or _shared(config)
    state, problems, _ = _build(config, embedder, progress)
    if problems or state is None:
        raise CorpusError(problems)
    return Recommender(config, embedder, state)
