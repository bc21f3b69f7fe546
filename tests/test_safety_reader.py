"""The reader (safety.reader): its fine-tuning, its exported graph, its stored weights, and how the screener
blends its logit with the classifier's."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from safety import Screener, Verdict, load_model, patterns
from safety.classifier import sigmoid
from safety.errors import ArtifactError
from safety.labelled import fingerprint, load_labelled
from safety.reader import (
    READER_PATH,
    Reader,
    fit_reader,
    load_reader_state,
    reader_sha256,
    save_reader,
)
from safety.training import calibrate, fit_blend, leave_one_out

pytestmark = pytest.mark.slow

_QUIET = "I feel heavy and empty tonight and nothing helps"  # no pattern fires on this
_VETOABLE = "this is my last message. thank you for everything"  # suicide.leaving, a vetoable family


class FixedReader:
    """An in-memory reader: a given logit per text, ``default`` for the rest; the vectors are the shared
    embedder's, as the real reader's graph gives them."""

    sha256 = "f" * 64

    def __init__(self, logits: dict[str, float] | None = None, default: float = -4.0):
        self._logits = dict(logits or {})
        self.default = default
        self.seen: list[str] = []

    def read(self, texts):
        from recommender.model import shared_embedder

        self.seen.extend(texts)
        return shared_embedder().embed(list(texts)), np.array([self._logits.get(t, self.default) for t in texts],
                                                             dtype=np.float64)


@pytest.fixture(scope="module")
def classifier():
    """The stored classifier without its reader."""
    return load_model().without_reader()


def _with(classifier, reader, blend, blend_threshold=0.5):
    return replace(classifier, reader_sha256=reader.sha256, blend=blend, blend_threshold=blend_threshold)


def test_the_model_layer_flags_on_the_blend(classifier, embedder):
    alone = Screener(classifier, embedder)
    # all weight on the reader: its logit alone decides
    for logit_, expected in ((3.0, True), (-3.0, False)):
        reader = FixedReader({_QUIET: logit_})
        verdict = Screener(_with(classifier, reader, (0.0, 1.0, 0.0)), embedder, reader=reader).screen(_QUIET)
        assert verdict.crisis is expected
        assert verdict.score == pytest.approx(float(sigmoid(logit_)))
        assert (verdict.reasons[:1] == ("model",)) is expected
    # all weight on the classifier, at its own threshold: the classifier alone, score for score
    reader = FixedReader(default=50.0)
    same = Screener(_with(classifier, reader, (1.0, 0.0, 0.0), classifier.threshold), embedder, reader=reader)
    texts = [_QUIET, "a calm day at the park", "nobody would notice if I was gone"]
    assert np.allclose(same.model_scores(texts), alone.model_scores(texts))
    assert [v.crisis for v in same.screen_many(texts)] == [v.crisis for v in alone.screen_many(texts)]
    assert reader.seen, "the screener asked the reader"


def test_the_vetoes_stay_on_the_classifiers_own_score(classifier, embedder):
    """A vetoable hit the classifier scores below its veto is set aside even when the reader is sure, and the
    model layer then flags the text on the blend: one decision per layer, each on its own score."""
    assert patterns.vetoable(patterns.match(_VETOABLE).reasons)
    sure = FixedReader({_VETOABLE: 8.0})
    vetoing = _with(replace(classifier, veto_threshold=0.999), sure, (0.0, 1.0, 0.0))
    verdict = Screener(vetoing, embedder, reader=sure).screen(_VETOABLE)
    assert verdict.crisis and verdict.reasons[:2] == ("model", "vetoed:suicide.leaving")
    doubtful = FixedReader({_VETOABLE: -8.0})
    verdict = Screener(_with(replace(classifier, veto_threshold=0.999), doubtful, (0.0, 1.0, 0.0)), embedder,
                       reader=doubtful).screen(_VETOABLE)
    assert not verdict.crisis and verdict.reasons[0] == "vetoed:suicide.leaving"
    # without a veto the hit stands, whatever the reader says
    kept = Screener(_with(replace(classifier, veto_threshold=0.0), doubtful, (0.0, 1.0, 0.0)), embedder,
                    reader=doubtful).screen(_VETOABLE)
    assert kept == Verdict(True, "suicide-or-self-harm", 0.9, ("suicide.leaving",))


def test_a_screener_refuses_a_missing_or_foreign_reader(classifier, embedder):
    model = _with(classifier, FixedReader(), (1.0, 1.0, 0.0))
    with pytest.raises(ArtifactError, match="no reader was given"):
        Screener(model, embedder)
    other = FixedReader()
    other.sha256 = "0" * 64
    with pytest.raises(ArtifactError, match="not the ones this classifier was blended with"):
        Screener(model, embedder, reader=other)


def test_a_failing_reader_fails_safe(classifier, embedder):
    class Broken(FixedReader):
        def read(self, texts):
            raise RuntimeError("onnx went away")

    reader = Broken()
    screener = Screener(_with(classifier, reader, (1.0, 1.0, 0.0)), embedder, reader=reader)
    assert screener.screen(_QUIET).reasons == ("screening-failed",)


def test_fit_blend_recovers_the_weights_it_was_drawn_from():
    rng = np.random.default_rng(0)
    z_model, z_reader = rng.normal(0, 2, 20000), rng.normal(0, 2, 20000)
    y = rng.random(20000) < sigmoid(0.7 * z_model + 1.5 * z_reader - 0.5)
    a, b, c = fit_blend(sigmoid(z_model), z_reader, y.astype(int))
    assert (a, b, c) == pytest.approx((0.7, 1.5, -0.5), abs=0.08)


def test_calibrate_with_a_reader_fits_the_blend_and_places_its_threshold(classifier, embedder, calibration_texts):
    crisis, safe, examples = calibration_texts
    # the reader is mostly right, and wrong about one text each way
    logits = {t: 3.0 for t in crisis} | {t: -3.0 for t in safe} | {crisis[0]: -1.0, safe[-1]: 1.0}
    reader = FixedReader(logits)
    model, cal = calibrate(classifier, embedder, examples, budget=0.1, reader=reader)
    assert model.uses_reader and model.reader_sha256 == reader.sha256 and model.blend == cal.blend
    assert cal.blend[1] > 0 and cal.blend_texts == len(examples)
    assert model.blend_threshold == pytest.approx(cal.threshold)
    assert model.cv["calibration"]["blend_texts"] == len(examples)
    flagged = [v.crisis for v in Screener(model, embedder, reader=reader).screen_many(crisis + safe)]
    assert sum(flagged[len(crisis):]) / len(safe) == pytest.approx(cal.fpr) and cal.fpr <= cal.fpr_budget
    assert sum(flagged[:len(crisis)]) / len(crisis) == pytest.approx(cal.recall)
    # the classifier's own threshold is placed too: it is the screen without the reader
    alone, alone_cal = calibrate(classifier, embedder, examples, budget=0.1)
    assert model.threshold == pytest.approx(alone.threshold)
    assert (cal.classifier_recall, cal.classifier_fpr) == pytest.approx((alone_cal.recall, alone_cal.fpr))


_TINY = (["I want to die tonight", "I have the pills ready", "this is my goodbye, I love you all",
          "nobody will miss me when I'm gone"],
         ["had a lovely walk with the dog", "this commute is killing me", "I'm fine, just tired after work",
          "the film was so sad"])


def test_fitting_the_reader_is_deterministic_and_it_learns():
    texts = list(_TINY[0] + _TINY[1]) * 3
    labels = [1] * 4 + [0] * 4
    losses: list[float] = []
    first = fit_reader(texts, labels * 3, epochs=4, progress=lambda e, loss: losses.append(loss))
    second = fit_reader(texts, labels * 3, epochs=4)
    assert first.keys() == second.keys() and all(np.array_equal(first[k], second[k]) for k in first)
    assert len(losses) == 4 and losses[-1] < losses[0]
    assert {k.split(".")[0] for k in first} == {"layers", "head"}


@pytest.fixture(scope="module")
def tiny_reader(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reader")
    path = folder / "reader.npz"
    texts = list(_TINY[0] + _TINY[1])
    save_reader(path, fit_reader(texts, [1] * 4 + [0] * 4, epochs=3), "0" * 64)
    return path, folder / "graphs"


def test_the_readers_graph_scores_as_its_torch_network(tiny_reader, embedder):
    """The ONNX graph exported from the verified base and the stored layers gives torch's logits, and beside them
    the embedding model's own vectors (from the lower layers they share)."""
    from recommender.model import model_path
    from safety.reader import reader_network

    path, graphs = tiny_reader
    texts = list(_TINY[0] + _TINY[1]) + ["a much longer message about the day, the breakup and work " * 3]
    reader = Reader(path, graph_dir=graphs)
    vectors, logits = reader.read(texts)
    torch, tokenizer, network = reader_network(model_path(), path)
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        expected_vectors, expected = network(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
    assert np.max(np.abs(logits - expected.numpy())) < 1e-3
    assert np.max(np.abs(vectors - expected_vectors.numpy())) < 1e-4
    assert np.max(np.abs(vectors - embedder.embed(texts))) < 1e-5, "the embedding graph's vectors"
    assert np.array_equal(reader.logits(texts), logits)
    assert reader.sha256 == reader_sha256(path)


def test_stored_reader_weights_are_float16_and_read_back(tiny_reader, tmp_path):
    path, _ = tiny_reader
    state, meta = load_reader_state(path)
    assert meta == {"base_layers": 4, "data_sha256": "0" * 64, "max_tokens": 256}
    again = tmp_path / "again.npz"
    save_reader(again, state, "0" * 64)
    assert reader_sha256(again) == reader_sha256(path), "the same weights give the same bytes"
    with np.load(path) as data:
        assert {data[k].dtype for k in data.files if k.startswith("w:")} == {np.dtype(np.float16)}


def test_missing_or_malformed_reader_weights_are_named(tmp_path):
    with pytest.raises(ArtifactError, match=r"reader.npz.*missing.*mend safety train"):
        load_reader_state(tmp_path / "reader.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(ArtifactError, match="bad.npz.*malformed reader weights"):
        load_reader_state(bad)


def test_the_stored_reader_belongs_to_the_stored_classifier():
    stored = load_model()
    assert stored.uses_reader, "the stored classifier is blended with the reader"
    _, meta = load_reader_state(READER_PATH)
    assert stored.reader_sha256 == reader_sha256(READER_PATH), "run `mend safety train`"
    assert meta["data_sha256"] == stored.data_sha256 == fingerprint(load_labelled(split="train"))
    a, b, _ = stored.blend
    assert a > 0 and b > 0, "the blend weighs both models"


def test_the_reader_can_be_switched_off_in_config(make_config, embedder):
    """`safety.reader: false`: the classifier alone, at its own threshold placed on the calibration split."""
    from safety import load_screener

    on = load_screener(make_config(), embedder=embedder)
    off = load_screener(make_config({"safety": {"reader": False}}), embedder=embedder)
    assert on.model.uses_reader and on.reader is not None
    assert not off.model.uses_reader and off.reader is None
    assert off.model.threshold == on.model.threshold  # placed for the classifier alone by `mend safety calibrate`
    text = "I feel heavy and empty tonight and nothing helps"
    assert off.model_scores([text])[0] != pytest.approx(on.model_scores([text])[0])


def test_old_reader_graphs_are_pruned_and_recent_ones_kept(tmp_path):
    """Each retrain exports a new 90 MB graph; another reader's graph unwritten for a day is deleted then."""
    import os
    import time

    from safety.reader import prune_reader_graphs

    def graph(name, age):
        path = tmp_path / f"crisis-reader-{name}.onnx"
        path.write_bytes(b"graph")
        Path(f"{path}.sha256").write_text("x\n")
        os.utime(path, (time.time() - age, time.time() - age))
        return path

    keep, recent, old = graph("v2-keep", 3 * 86400), graph("v2-recent", 60), graph("old", 2 * 86400)
    embedding = tmp_path / "all-MiniLM-L6-v2-x-opset17.onnx"
    embedding.write_bytes(b"graph")
    assert prune_reader_graphs(tmp_path, keep=keep) == [old]
    assert not old.exists() and not Path(f"{old}.sha256").exists()
    assert keep.exists() and recent.exists() and Path(f"{recent}.sha256").exists() and embedding.exists()


def test_leave_one_out_places_the_threshold_without_each_part_and_scores_it(classifier, embedder, calibration_texts):
    """`mend safety calibrate --leave-one-out`: each former test split (its everyday part with it) is scored at a
    threshold placed on the others, with and without the reader."""
    crisis, safe, examples = calibration_texts
    origin = ["test-v1"] * 3 + ["test-v2"] * 3 + ["test-v1"] * 5 + ["test-v2"] * 2 + ["test-v2-everyday"] * 3
    examples = [replace(ex, origin=o) for ex, o in zip(examples, origin, strict=True)]
    reader = FixedReader({t: 3.0 for t in crisis} | {t: -3.0 for t in safe})
    rows = leave_one_out(classifier, embedder, examples, reader=reader, budget=0.2)
    assert [(r.part, r.crisis, r.safe) for r in rows] == [("v1", 3, 5), ("v2", 3, 5)]
    v1 = [ex for ex in examples if ex.origin == "test-v1"]
    placed, _ = calibrate(classifier, embedder, [ex for ex in examples if ex.origin != "test-v1"], budget=0.2,
                          reader=reader)
    flagged = [v.crisis for v in Screener(placed, embedder, reader=reader).screen_many([ex.text for ex in v1])]
    assert (rows[0].caught, rows[0].false_alarms) == (sum(flagged[:3]), sum(flagged[3:]))
    assert rows[0].as_dict()["part"] == "v1" and 0 <= rows[1].classifier_caught <= 3
    with pytest.raises(ValueError, match="two parts or more"):
        leave_one_out(classifier, embedder, v1, reader=reader)
