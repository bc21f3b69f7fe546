"""Eval metrics on tiny hand-computed cases, the eval-set loader, BM25 and the min_score calibration."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from factories import make_item, small_corpus, write_corpus

from mend.config import ROOT
from recommender import load_recommender
from recommender.bm25 import Bm25Ranker, tokenize
from recommender.errors import EvalSetError
from recommender.evaluation import (
    EvalEntry,
    calibrate_min_score,
    compute_metrics,
    evaluate,
    load_eval_set,
)

ITEMS = [
    make_item(id="a", theme="boundaries"),
    make_item(id="b", theme="self-care"),
    make_item(id="c", theme="boundaries"),
    make_item(id="d", theme="journaling"),
]


def test_metrics_by_hand():
    entries = [
        EvalEntry("e1", "x", ("boundaries",)),  # relevant: a, c
        EvalEntry("e2", "y", ("journaling",), relevant_items=("b",)),  # relevant: b, d
    ]
    rankings = [["b", "a", "d", "c"], ["a", "c", "d", "b"]]
    m = compute_metrics(rankings, entries, ITEMS)
    assert m.hit_at_1 == 0.0
    assert m.hit_at_3 == 1.0
    assert m.mrr == pytest.approx((1 / 2 + 1 / 3) / 2, abs=1e-4)
    idcg = 1 + 1 / math.log2(3)
    e1 = (1 / math.log2(3) + 1 / math.log2(5)) / idcg
    e2 = (1 / math.log2(4) + 1 / math.log2(5)) / idcg
    assert m.ndcg_at_10 == pytest.approx((e1 + e2) / 2, abs=1e-4)
    assert m.coverage == 1.0  # top 3s: {b, a, d} and {a, c, d}
    assert m.entries == 2


def test_perfect_and_empty_rankings():
    entries = [EvalEntry("e", "x", ("self-care",))]
    assert compute_metrics([["b", "a"]], entries, ITEMS).as_dict() == {
        "hit_at_1": 1.0, "hit_at_3": 1.0, "mrr": 1.0, "ndcg_at_10": 1.0, "coverage": 0.5, "entries": 1}
    assert compute_metrics([[]], entries, ITEMS).mrr == 0.0


def test_the_shipped_eval_set_is_big_varied_and_split():
    eval_set = load_eval_set(ROOT / "content_corpus" / "eval" / "entries.yaml")
    entries = eval_set.entries
    assert len(entries) >= 90
    assert 0.25 <= len(eval_set.split("test")) / len(entries) <= 0.4
    assert sum(len(e.text.split()) > 300 for e in entries) >= 3
    assert all(1 <= len(e.relevant_themes) <= 3 for e in entries)
    assert len(eval_set.off_topic) >= 10


@pytest.mark.parametrize("body, message", [
    ("entries:\n  - id: a\n    text: hi\n    relevant_themes: [selfcare]\n", "unknown theme"),
    ("entries:\n  - id: a\n    text: hi\n    relevant_themes: [self-care]\n    split: dev\n", "split must be"),
    ("entries:\n  - id: a\n    text: hi\n", "needs id, text and relevant_themes"),
    ("entries:\n  - id: a\n    text: hi\n    relevant_themes: [self-care]\n    relevant_items: [zzz]\n", "unknown item id"),
    ("entries: [", "bad YAML"),
])
def test_a_broken_eval_set_says_what_is_wrong(tmp_path, body, message):
    path = tmp_path / "entries.yaml"
    path.write_text(body)
    with pytest.raises(EvalSetError, match=message):
        load_eval_set(path, items=ITEMS)


def test_bm25_ranks_by_shared_words():
    items = [make_item(id="walk", sms="Take a slow walk outside", body="Walking in fresh air."),
             make_item(id="write", sms="Write in your journal tonight", body="Journal pages help."),
             make_item(id="call", sms="Call a friend you trust", body="A short call counts."),
             make_item(id="rest", sms="Rest your eyes for ten minutes", body="Lie down somewhere quiet.")]
    assert Bm25Ranker(items).rank("I want to write in my journal")[0] == "write"
    assert tokenize("I'm SO tired, and the walk") == ["tired", "walk"]


def test_calibration_keeps_almost_every_on_topic_entry():
    on = [0.257, 0.3, 0.35, 0.4, 0.5] * 20
    assert calibrate_min_score(on) == 0.25  # every entry stays matched
    assert calibrate_min_score([0.29, 0.5]) == 0.29  # no float slip to 0.28
    assert calibrate_min_score([0.1] + [0.5] * 199, keep=0.99) == 0.5
    assert calibrate_min_score([]) == 0.0


@pytest.mark.slow
def test_evaluate_runs_all_rankers_on_a_small_corpus(tmp_path, config, embedder):
    corpus = write_corpus(tmp_path / "corpus", small_corpus())
    cfg = config.replace(corpus={"path": str(corpus), "cache_dir": str(tmp_path / "cache")})
    rec = load_recommender(cfg, embedder)
    path = tmp_path / "entries.yaml"
    path.write_text(
        "entries:\n"
        "  - {id: a, text: 'my friends all went out without me and nobody texted', relevant_themes: [support-network, social-engagement], split: tune}\n"
        "  - {id: b, text: 'i need to say no to my boss who keeps dumping work on me', relevant_themes: [boundaries], split: test}\n"
        "  - {id: c, text: 'cant sleep, thoughts racing every night', relevant_themes: [journaling, self-care], split: tune}\n"
        "off_topic: ['what is the capital of australia', 'remind me to buy milk']\n"
    )
    result = evaluate(rec, load_eval_set(path, items=rec.items), now=datetime(2026, 3, 1, tzinfo=UTC), random_runs=5)
    assert set(result.metrics) == {"tune", "test", "all"}
    assert set(result.metrics["all"]) == {"mend", "bm25", "random"}
    assert result.metrics["all"]["mend"].hit_at_3 == 1.0
    assert result.metrics["test"]["mend"].entries == 1
    assert set(result.top3) == {"a", "b", "c"} and all(len(t) == 3 for t in result.top3.values())
    assert result.calibration.min_score == cfg.recommender.min_score
    assert result.calibration.off_topic_below == 1.0
    assert result.as_dict()["metrics"]["tune"]["bm25"]["entries"] == 2
