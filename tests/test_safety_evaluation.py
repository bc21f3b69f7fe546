"""The labelled set, the stored classifier, and the real measurement on the held-back test split."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from safety import load_model, load_screener
from safety.errors import LabelledDataError
from safety.evaluation import GOAL_FPR, GOAL_RECALL, evaluate
from safety.labelled import fingerprint, load_labelled
from safety.patterns import CATEGORIES
from safety.training import retrain

pytestmark = pytest.mark.slow


def test_labelled_set_size_categories_and_stratified_split():
    examples = load_labelled()
    labels = Counter(ex.label for ex in examples)
    assert labels["crisis"] >= 220 and labels["safe"] >= 220
    test = [ex for ex in examples if ex.split == "test"]
    # Test split v2 (safety/data/README.md): >= 80 crisis across every category, suicide the largest,
    # >= 80 hard negatives of every kind.
    assert sum(ex.crisis for ex in test) >= 80 and sum(not ex.crisis for ex in test) >= 80
    per_category = Counter(ex.category for ex in test if ex.crisis)
    assert set(per_category) == set(CATEGORIES)
    assert per_category.most_common(1)[0][0] == "suicide-or-self-harm"
    assert all(per_category[c] >= 8 for c in CATEGORIES)
    assert {"idiom", "past", "denial", "news", "fiction", "sad"} <= {ex.kind for ex in test if not ex.crisis}
    assert {ex.origin for ex in test} == {"test-v2"}
    # The retired v1 test records are train now.
    assert all(ex.split == "train" for ex in examples if ex.origin == "test-v1")


def test_bad_record_names_file_and_line(tmp_path):
    path = tmp_path / "labelled.jsonl"
    path.write_text('{"text": "hi", "label": "safe", "category": null, "split": "train"}\n'
                    '{"text": "x", "label": "crisis", "category": "sadness", "split": "train"}\n')
    with pytest.raises(LabelledDataError, match=r"labelled.jsonl:2: a crisis record needs `category`"):
        load_labelled(path)


def test_retraining_reproduces_the_stored_artifact(embedder):
    stored = load_model(model_id=embedder.model_id)
    fresh, report = retrain(embedder, save=False)
    assert stored.data_sha256 == fingerprint(load_labelled(split="train")), "run `mend safety train`"
    assert fresh.method == stored.method == report.chosen
    assert np.max(np.abs(fresh.weights - stored.weights)) < 1e-3
    assert fresh.intercept == pytest.approx(stored.intercept, abs=1e-3)
    assert fresh.threshold == pytest.approx(stored.threshold, abs=1e-3)
    assert np.max(np.abs(fresh.category_weights - stored.category_weights)) < 1e-3


@pytest.fixture(scope="module")
def test_split_result(embedder):
    from mend.config import ROOT, load_config

    return evaluate(load_screener(load_config(ROOT / "config.yaml", env={}), embedder=embedder))


def test_measured_figures_do_not_regress(test_split_result):
    """A floor at the figures measured once on test split v2 (2026-11-25): combined recall 72.0%
    (67/93) at FPR 10.1% (9/89). Train CV had promised 99.0% / 2.9%: see safety/data/README.md."""
    combined = test_split_result.layer("combined").overall
    assert combined.crisis == 93 and combined.safe == 89
    assert combined.caught >= 67
    assert combined.false_alarms <= 9
    # The layers work together: combined catches at least what either catches alone.
    for layer in ("patterns", "model"):
        assert combined.caught >= test_split_result.layer(layer).overall.caught


@pytest.mark.xfail(strict=True, reason="goal not met on held-out test split v2: recall 72.0% (67/93) at "
                                        "FPR 10.1% (9/89); see issue 3 and safety/data/README.md. "
                                        "Remove this mark once it passes.")
def test_goal_on_the_test_split(test_split_result):
    combined = test_split_result.layer("combined").overall
    assert combined.recall >= GOAL_RECALL
    assert combined.fpr <= GOAL_FPR
