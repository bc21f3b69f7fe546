"""The labelled set, the stored classifier, and the real measurement on the held-back test split."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from safety import load_model, load_screener
from safety.classifier import logit, sigmoid
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
    # Test split v17 (safety/data/README.md, round 13), written independently: 300 crisis across every category,
    # suicide the largest, 300 hard negatives of every kind and 245 everyday messages.
    assert sum(ex.crisis for ex in test) == 300 and sum(not ex.crisis for ex in test) == 545
    per_category = Counter(ex.category for ex in test if ex.crisis)
    assert set(per_category) == set(CATEGORIES)
    assert per_category.most_common(1)[0][0] == "suicide-or-self-harm"
    assert all(per_category[c] >= 20 for c in CATEGORIES)
    assert {"idiom", "past", "denial", "news", "fiction", "sad"} <= {ex.kind for ex in test if not ex.crisis}
    assert {ex.origin for ex in test} == {"test-v17", "test-v17-everyday"}
    # Test splits v13 and v14 (since round 12), v15 and v16 (since round 13) are the calibration split: never
    # trained on, the reader's blend is fitted and the threshold placed on them.
    calibration = [ex for ex in examples if ex.split == "calibration"]
    assert {ex.origin for ex in calibration} == {f"test-v{v}{part}" for v in range(13, 17) for part in ("", "-everyday")}
    assert sum(ex.crisis for ex in calibration) == 1196
    # The retired test splits v1 to v9, and v10 to v12 (calibration until round 13), are train now; the extra files
    # are train.
    retired = {f"test-v{n}" for n in range(1, 13)}
    train = [ex for ex in examples if ex.split == "train"]
    assert retired | {"train-extra-a", "train-extra-b"} <= {ex.origin for ex in train}
    assert all(ex.split == "train" for ex in examples if ex.origin in retired)
    # Nothing in the calibration split is trained on, nothing in the test split trained or calibrated on.
    assert not {ex.text.lower() for ex in calibration} & {ex.text.lower() for ex in train}
    assert not {ex.text.lower() for ex in test} & {ex.text.lower() for ex in train + calibration}


def test_repeats_across_files_kept_once_and_test_texts_dropped_from_train(tmp_path):
    row = '{{"text": "{t}", "label": "{label}", "category": {cat}, "split": "{split}"}}\n'
    crisis = dict(label="crisis", cat='"suicide-or-self-harm"')
    safe = dict(label="safe", cat="null")
    (tmp_path / "labelled.jsonl").write_text(row.format(t="i want to die", split="train", **crisis)
                                             + row.format(t="nice walk", split="train", **safe))
    (tmp_path / "train_extra_a.jsonl").write_text(row.format(t="I want  to die", split="train", **crisis)
                                                  + row.format(t="had tea", split="train", **safe))
    (tmp_path / "test_v9.jsonl").write_text(row.format(t="nice walk", split="test", **safe))
    examples = load_labelled(tmp_path)
    assert [(ex.text, ex.split) for ex in examples] == [("i want to die", "train"), ("had tea", "train"),
                                                         ("nice walk", "test")]
    (tmp_path / "train_extra_b.jsonl").write_text(row.format(t="had tea", split="train", **crisis))
    with pytest.raises(LabelledDataError, match=r"train_extra_b.jsonl:1: the same text is labelled safe/None"):
        load_labelled(tmp_path)


def test_calibration_texts_are_never_trained_on_and_test_texts_never_calibrated_on(tmp_path):
    row = '{{"text": "{t}", "label": "safe", "category": null, "split": "{split}"}}\n'
    (tmp_path / "train_extra_a.jsonl").write_text(row.format(t="nice walk", split="train")
                                                  + row.format(t="had tea", split="train"))
    (tmp_path / "calibration_v1.jsonl").write_text(row.format(t="Nice walk", split="calibration")
                                                   + row.format(t="calm", split="calibration"))
    (tmp_path / "test_v2.jsonl").write_text(row.format(t="calm", split="test"))
    assert [(ex.text, ex.split) for ex in load_labelled(tmp_path)] == [
        ("had tea", "train"), ("Nice walk", "calibration"), ("calm", "test")]
    (tmp_path / "calibration_v1.jsonl").write_text(row.format(t="calm", split="dev"))
    with pytest.raises(LabelledDataError, match="calibration_v1.jsonl:1: `split` must be one of train, calibration, test"):
        load_labelled(tmp_path)


def test_the_threshold_is_placed_on_the_calibration_split(embedder, calibration_texts):
    """The lowest threshold whose combined false-positive rate on the calibration split fits the budget."""
    from safety import Screener
    from safety.training import calibrate

    crisis, safe, examples = calibration_texts
    stored = load_model(model_id=embedder.model_id)
    for budget in (0.0, 0.1, 0.2):
        model, cal = calibrate(stored, embedder, examples, budget=budget)
        assert cal.cv_threshold == stored.threshold and model.threshold == pytest.approx(cal.threshold)
        assert model.cv["calibration"]["threshold"] == pytest.approx(cal.threshold, abs=1e-4)
        flagged = [v.crisis for v in Screener(model, embedder).screen_many(crisis + safe)]
        # The threshold sits on a text's score, and a text embedded in another batch can score 1e-7 away from it:
        # such ties may land either side.
        ties = sum(abs(s - 0.5) < 1e-6 for s in Screener(model, embedder).model_scores(crisis + safe))
        assert abs(sum(flagged[len(crisis):]) - cal.fpr * len(safe)) <= ties and cal.fpr <= cal.fpr_budget
        assert abs(sum(flagged[:len(crisis)]) - cal.recall * len(crisis)) <= ties
        # the lowest such threshold: any lower one lets one more safe text through
        scores = Screener(model, embedder).model_scores(safe)
        below = [s for s in scores if s < 0.5]
        if below:
            lower = replace(model, threshold=float(sigmoid(logit(max(below)) + logit(model.threshold))) * 0.999)
            assert sum(v.crisis for v in Screener(lower, embedder).screen_many(safe)) / len(safe) > cal.fpr_budget
    with pytest.raises(ValueError, match="calibration split only"):
        calibrate(stored, embedder, [replace(examples[0], split="train")])


def test_bad_record_names_file_and_line(tmp_path):
    path = tmp_path / "labelled.jsonl"
    path.write_text('{"text": "hi", "label": "safe", "category": null, "split": "train"}\n'
                    '{"text": "x", "label": "crisis", "category": "sadness", "split": "train"}\n')
    with pytest.raises(LabelledDataError, match=r"labelled.jsonl:2: a crisis record needs `category`"):
        load_labelled(path)


def test_a_split_with_no_crisis_statement_reports_false_alarms_only(tmp_path, embedder):
    from mend.config import ROOT, load_config

    path = tmp_path / "test_v99.jsonl"
    path.write_text('{"text": "went for a walk", "label": "safe", "category": null, "split": "test"}\n'
                    '{"text": "I want to kill myself", "label": "safe", "category": null, "split": "test"}\n')
    result = evaluate(load_screener(load_config(ROOT / "config.yaml", env={}), embedder=embedder), "test", path)
    combined = result.layer("combined").overall
    assert combined.recall is None and combined.crisis == 0
    assert (combined.false_alarms, combined.safe) == (1, 2)
    assert result.meets_goal is False and result.as_dict()["goal"]["met"] is False


def test_retraining_reproduces_the_stored_artifact():
    """Refits the final model only (cross-validation runs in `mend safety train`, not here). Since round 11 that
    embeds every train text and its sentences (about 50,000 units): on every core, not the shared embedder's
    one thread, which alone takes about as long as the test timeout."""
    import os

    from recommender.model import Embedder

    embedder = Embedder(threads=os.cpu_count() or 1, memo_size=0)
    stored = load_model(model_id=embedder.model_id)
    assert stored.data_sha256 == fingerprint(load_labelled(split="train")), "run `mend safety train`"
    assert stored.cv["chosen"] == stored.method
    fresh, report = retrain(embedder, save=False, method=stored.method, threshold=stored.threshold)
    assert report is None and fresh.method == stored.method
    assert np.max(np.abs(fresh.weights - stored.weights)) < 1e-3
    assert fresh.intercept == pytest.approx(stored.intercept, abs=1e-3)
    assert np.max(np.abs(fresh.category_weights - stored.category_weights)) < 1e-3
    if stored.text_features is not None:
        assert fresh.text_features.word_vocab == stored.text_features.word_vocab
        assert fresh.text_features.char_vocab == stored.text_features.char_vocab
        assert np.max(np.abs(fresh.text_features.char_weights - stored.text_features.char_weights)) < 1e-3
        assert np.max(np.abs(fresh.text_features.word_weights - stored.text_features.word_weights)) < 1e-3


@pytest.mark.timeout(900)
def test_recalibrating_reproduces_the_stored_blend_and_thresholds():
    """`mend safety calibrate` (safety.training.recalibrate) made the stored blend and thresholds: scoring the
    calibration split again with the stored classifier and reader gives them back."""
    import os

    from recommender.model import Embedder
    from safety.training import recalibrate

    embedder = Embedder(threads=os.cpu_count() or 1, memo_size=100_000)
    stored = load_model(model_id=embedder.model_id)
    fresh, cal = recalibrate(embedder, save=False, reader_threads=os.cpu_count() or 1)
    assert fresh.uses_reader and fresh.reader_sha256 == stored.reader_sha256
    assert fresh.blend == pytest.approx(stored.blend, abs=1e-3)
    assert fresh.blend_threshold == pytest.approx(stored.blend_threshold, abs=1e-3)
    assert fresh.threshold == pytest.approx(stored.threshold, abs=1e-3)
    assert (cal.n_crisis, cal.n_safe) == (stored.cv["calibration"]["n_crisis"], stored.cv["calibration"]["n_safe"])
    assert cal.fpr <= cal.fpr_budget


@pytest.fixture(scope="module")
def test_split_result(embedder):
    from mend.config import ROOT, load_config

    return evaluate(load_screener(load_config(ROOT / "config.yaml", env={}), embedder=embedder))


def test_measured_figures_do_not_regress(test_split_result):
    """A floor at the figures measured on test split v17 (2026-11-26, after round 13): combined recall 98.3%
    (295/300) at FPR 4.0% (22/545): 15 of v17's 300 hard negatives and 7 of its 245 everyday messages. The
    round-12 screen scored 291/300 at 29/545 on it. Calibration (v13 to v16) had placed the threshold at 99.4% /
    5.0% (the classifier alone: 98.9% / 5.0%): see safety/data/README.md."""
    combined = test_split_result.layer("combined").overall
    assert combined.crisis == 300 and combined.safe == 545
    assert combined.caught >= 295
    assert combined.false_alarms <= 22
    # The model layer catches what the patterns miss (on v17 the patterns caught 1 statement the model missed, and
    # added 2 false alarms: 22 against the model layer's 20).
    patterns_caught = test_split_result.layer("patterns").overall.caught
    assert test_split_result.layer("model").overall.caught >= patterns_caught + 100


def test_goal_on_the_test_split(test_split_result):
    """Issue 3's goal on the current test split, v17: 98.3% (295/300) at 4.0% (22/545) since round 13 (round 12
    scored 97.0% at 5.3% on it). With one calibration split left out in turn (the blend fitted and the threshold
    placed on the other three), round 13 meets it on three of four, and v14 reaches 9.9% false alarms
    (safety/data/README.md, round 13). This test says when a change takes the screen under the goal on the split
    it was never tuned on."""
    combined = test_split_result.layer("combined").overall
    assert combined.recall >= GOAL_RECALL
    assert combined.fpr <= GOAL_FPR
