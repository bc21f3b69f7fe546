"""Ranking as pure functions over hand-made vectors: no model here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from factories import make_item

from recommender.errors import FilterError
from recommender.ranking import (
    NO_ENTRIES_REASON,
    Entry,
    build_index,
    build_query,
    candidate_mask,
    cooldown_mask,
    mmr,
    rank,
    recency_weights,
    score_items,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
D = 4


def unit(*values):
    v = np.array(values + (0.0,) * (D - len(values)), dtype=np.float32)
    return v / np.linalg.norm(v)


def entry(*vectors, days_ago=0.0, chunks=None):
    chunks = chunks or tuple(f"chunk {i}" for i in range(len(vectors)))
    return Entry(NOW - timedelta(days=days_ago), tuple(chunks), np.stack(vectors))


# Four items on four axes, plus a fifth close to the first.
ITEMS = [
    make_item(id="a", theme="coping-toolkit"),
    make_item(id="b", theme="support-network"),
    make_item(id="c", theme="boundaries", kind="passage", time_of_day="evening"),
    make_item(id="d", theme="social-engagement", time_of_day="morning"),
    make_item(id="a2", theme="self-compassion"),
]
INDEX = build_index([
    np.stack([unit(1, 0), unit(1, 0.2)]),
    np.stack([unit(0, 1)]),
    np.stack([unit(0, 0, 1)]),
    np.stack([unit(0, 0, 0, 1)]),
    np.stack([unit(1, 0.1)]),
])


def ranked_ids(query, **kw):
    kw.setdefault("min_score", 0.1)
    return [ITEMS[r.index].id for r in rank(query, INDEX, ITEMS, now=NOW, **kw)]


def test_recency_halves_every_half_life_and_future_counts_as_new():
    w = recency_weights([NOW, NOW - timedelta(days=3), NOW - timedelta(days=6), NOW + timedelta(days=1)], NOW, 3.0)
    assert w == pytest.approx([1.0, 0.5, 0.25, 1.0])


def test_newer_entries_weigh_more_in_the_query():
    old = entry(unit(1, 0), days_ago=6, chunks=("old",))
    new = entry(unit(0, 1), days_ago=0, chunks=("new",))
    q = build_query([old, new], now=NOW, half_life_days=3.0)  # any order
    assert q.weights == pytest.approx([0.2, 0.8])
    assert q.vector[1] > q.vector[0] > 0
    assert np.linalg.norm(q.vector) == pytest.approx(1.0)
    assert ranked_ids(q, top=2, mmr_lambda=1.0) == ["b", "a"]


def test_chunks_of_one_entry_share_its_weight():
    q = build_query([entry(unit(1, 0), unit(0, 1)), entry(unit(0, 0, 1), days_ago=3)], now=NOW, half_life_days=3)
    assert q.weights == pytest.approx([1 / 3, 1 / 3, 1 / 3])


def test_empty_journal_gives_no_query():
    assert build_query([], now=NOW, half_life_days=3) is None
    assert build_query([Entry(NOW, (), np.zeros((0, D)))], now=NOW, half_life_days=3) is None


def test_item_score_blends_its_best_vector_with_its_mean_and_names_the_reason():
    q = build_query([entry(unit(0, 0, 1), unit(1, 0.2), chunks=("about c", "about a"))], now=NOW, half_life_days=3)
    scores, reasons = score_items(q, INDEX)
    best_a = max(INDEX.vectors[0] @ q.vector, INDEX.vectors[1] @ q.vector)
    assert scores[0] == pytest.approx(0.5 * best_a + 0.5 * INDEX.item_vectors[0] @ q.vector, abs=1e-6)
    assert score_items(q, INDEX, max_weight=1.0)[0][0] == pytest.approx(best_a, abs=1e-6)
    assert q.chunks[reasons[0]] == "about a" and q.chunks[reasons[2]] == "about c"


def test_mmr_trades_relevance_for_diversity():
    relevance = np.array([0.9, 0.5, 0.1, 0.1, 0.85])
    sim = INDEX.item_vectors @ INDEX.item_vectors.T
    assert mmr(relevance, sim, range(5), 2, lam=1.0) == [0, 4]  # pure relevance: the near-twin a2
    assert mmr(relevance, sim, range(5), 2, lam=0.5) == [0, 1]  # diversity: b instead
    assert mmr(relevance, sim, [1, 2], 5, lam=0.5) == [1, 2]  # never more than the candidates


def test_filters_by_kind_track_and_time_of_day():
    assert candidate_mask(ITEMS, kind="passage").tolist() == [False, False, True, False, False]
    assert candidate_mask(ITEMS, track="social").tolist() == [False, True, False, True, False]
    assert candidate_mask(ITEMS, time_of_day="morning").tolist() == [True, True, False, True, True]
    with pytest.raises(FilterError, match="unknown track 'selfcare' .known: self-care, social"):
        candidate_mask(ITEMS, track="selfcare")
    with pytest.raises(FilterError):
        candidate_mask(ITEMS, time_of_day="any")


def test_cooldown_excludes_recently_sent_items():
    sent = {"a": NOW - timedelta(days=2), "b": NOW - timedelta(days=20)}
    assert cooldown_mask(ITEMS, sent, now=NOW, cooldown_days=14).tolist() == [True, False, False, False, False]
    q = build_query([entry(unit(1, 0.2))], now=NOW, half_life_days=3)
    assert ranked_ids(q, top=1, recently_sent=sent, cooldown_days=14)[0] == "a2"
    assert ranked_ids(q, top=1, recently_sent=sent, cooldown_days=1)[0] == "a"


def test_when_everything_is_cooling_down_the_least_recently_sent_comes_first():
    sent = {it.id: NOW - timedelta(days=i + 1) for i, it in enumerate(ITEMS)}
    q = build_query([entry(unit(1, 0))], now=NOW, half_life_days=3)
    assert ranked_ids(q, top=2, recently_sent=sent) == ["a2", "d"]


def test_no_good_match_gives_general_items_for_the_track_flagged_fallback():
    q = build_query([entry(unit(-1, -1, -1, -1))], now=NOW, half_life_days=3)
    results = rank(q, INDEX, ITEMS, now=NOW, top=2, track="social", min_score=0.25)
    assert {ITEMS[r.index].id for r in results} == {"b", "d"}
    assert all(r.fallback and r.reason.startswith("no close match") for r in results)
    good = rank(build_query([entry(unit(0, 1))], now=NOW, half_life_days=3), INDEX, ITEMS, now=NOW, min_score=0.25)
    assert [(ITEMS[r.index].id, r.fallback, r.reason) for r in good] == [("b", False, "chunk 0")]


def test_empty_journal_gives_the_most_typical_items_for_the_track():
    results = rank(None, INDEX, ITEMS, now=NOW, top=3, mmr_lambda=1.0)
    assert {ITEMS[r.index].id for r in results[:2]} == {"a", "a2"}  # closest to the corpus centroid
    assert all(r.fallback and r.reason == NO_ENTRIES_REASON for r in results)


def test_filters_that_leave_nothing_return_nothing():
    q = build_query([entry(unit(1, 0))], now=NOW, half_life_days=3)
    assert rank(q, INDEX, ITEMS, now=NOW, kind="passage", track="social") == []
    assert rank(q, INDEX, ITEMS, now=NOW, top=0) == []
