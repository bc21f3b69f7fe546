import shutil
from pathlib import Path

import numpy as np
import pytest

from mend.errors import ModelError
from recommender.model import MODEL_SHA256, model_path, verify_model

pytestmark = pytest.mark.slow


def test_model_reproduces_published_similarities(embedder):
    v = embedder.embed(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    sims = v @ v.T
    assert round(float(sims[0, 1]), 3) == 0.666
    assert round(float(sims[0, 2]), 3) == 0.105
    assert round(float(sims[1, 2]), 3) == 0.141
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_installed_weights_pass_verification():
    verify_model(model_path(), MODEL_SHA256)


def test_tampered_weights_are_refused(tmp_path):
    fake = tmp_path / "model"
    shutil.copytree(model_path(), fake, ignore=shutil.ignore_patterns("model.safetensors"))
    (fake / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(ModelError, match="sha256 is .* expected 53aa5117"):
        verify_model(fake)


def test_missing_weights_are_refused(tmp_path):
    with pytest.raises(ModelError, match="model.safetensors is missing"):
        verify_model(tmp_path)


def test_repeated_texts_are_embedded_once_and_give_the_same_vectors(embedder, monkeypatch):
    calls = []
    real = embedder._encode
    monkeypatch.setattr(embedder, "_encode", lambda texts, batch_size: calls.append(list(texts)) or real(texts, batch_size))
    first = embedder.embed(["memo check: a text seen once", "memo check: another"])
    again = embedder.embed(["memo check: another", "memo check: a text seen once", "memo check: new"])
    assert calls == [["memo check: a text seen once", "memo check: another"], ["memo check: new"]]
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[1], first[0])
    assert again.shape == (3, 384)


def test_remembered_vectors_are_not_embedded_again(embedder, monkeypatch):
    vector = embedder.embed(["remember check: made by another graph"])[0]
    monkeypatch.setattr(embedder, "_memo_size", 4096)
    embedder.remember(["remember check: kept"], vector[None, :])
    monkeypatch.setattr(embedder, "_encode", lambda texts, batch_size: pytest.fail(f"embedded again: {texts}"))
    assert np.array_equal(embedder.embed(["remember check: kept"])[0], vector)
    with pytest.raises(ValueError, match="one vector per text"):
        embedder.remember(["a", "b"], vector[None, :])


def test_memo_is_bounded(embedder, monkeypatch):
    monkeypatch.setattr(embedder, "_memo_size", 2)
    embedder.embed(["bound a", "bound b", "bound c"])
    assert len(embedder._memo) <= 2


@pytest.mark.parametrize("outputs", [1, 2])
def test_concurrent_callers_share_forward_passes_and_get_their_own_vectors(outputs):
    """``outputs=2``: a graph with two outputs (the crisis reader's vectors and logits); each caller gets its own
    rows of both."""
    import threading

    from recommender.model import Batcher

    started, release, batches = threading.Event(), threading.Event(), []

    def encode(texts):  # a stand-in model: one row per text, its length and first letter
        batches.append(list(texts))
        if len(batches) == 1:
            started.set()
            release.wait(10)
        rows = np.array([[len(t), ord(t[0])] for t in texts], dtype=np.float32)
        return rows if outputs == 1 else (rows, -rows[:, 0])

    batcher = Batcher(encode)
    results = {}

    def call(name, texts):
        results[name] = batcher.encode(texts)

    first = threading.Thread(target=call, args=("first", ["a"]))
    first.start()
    assert started.wait(10)  # the model is busy with the first call...
    waiting = [threading.Thread(target=call, args=(f"c{i}", [f"b{i}", "cc" * i])) for i in range(1, 6)]
    for t in waiting:
        t.start()
    import time

    deadline = time.monotonic() + 10
    while batcher._queue.qsize() < 5 and time.monotonic() < deadline:  # ...while five more queue up
        time.sleep(0.01)
    release.set()
    for t in [first, *waiting]:
        t.join(10)
    assert len(batches) == 2 and sorted(batches[1]) == sorted(t for i in range(1, 6) for t in (f"b{i}", "cc" * i))
    if outputs == 2:
        assert all(r[1].tolist() == (-r[0][:, 0]).tolist() for r in results.values())
        results = {name: r[0] for name, r in results.items()}
    assert results["first"].tolist() == [[1, ord("a")]]
    for i in range(1, 6):
        assert results[f"c{i}"].tolist() == [[2, ord("b")], [2 * i, ord("c")]]


def test_a_failing_forward_pass_reaches_every_caller_and_the_next_call_works():
    from recommender.model import Batcher

    calls = []

    def encode(texts):
        calls.append(texts)
        if len(calls) == 1:
            raise RuntimeError("out of memory")
        return np.ones((len(texts), 2), dtype=np.float32)

    batcher = Batcher(encode)
    with pytest.raises(RuntimeError, match="out of memory"):
        batcher.encode(["x"])
    assert batcher.encode(["y", "z"]).shape == (2, 2)


def test_the_onnx_graph_gives_torch_vectors_and_token_counts(embedder):
    """The default backend runs the exported graph; it must agree with the torch pipeline it
    was exported from, so cached corpus vectors and the crisis classifier stay valid."""
    from recommender.model import Embedder

    assert embedder.backend == "onnx"
    reference = Embedder(memo_size=0, threads=1, backend="torch")
    texts = ["He left me on read for three days.", "naïve café, still crying 😢 ok?", "word " * 400,
             "I keep replaying the moment she said she needed space. I feel like I'm too much for people."]
    cosines = (reference._encode(texts, 32) * embedder._encode(texts, 32)).sum(axis=1)
    assert cosines.min() >= 0.9999
    assert [embedder.count_tokens(t) for t in texts] == [reference.count_tokens(t) for t in texts]
    assert embedder.max_tokens == reference.max_tokens == 256


def test_a_changed_graph_is_refused_and_a_missing_one_is_exported(embedder, tmp_path):
    from recommender.onnx_model import OnnxEncoder, ensure_graph, graph_path

    graph = ensure_graph(embedder.path, MODEL_SHA256, tmp_path)  # exported in a child process
    assert graph == graph_path(tmp_path, MODEL_SHA256) and graph.stat().st_size > 80_000_000
    data = bytearray(graph.read_bytes())
    data[-100] ^= 0xFF
    graph.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match its recorded sha256"):
        OnnxEncoder(graph, embedder.path, 256)
    assert ensure_graph(embedder.path, MODEL_SHA256, tmp_path) == graph  # re-exported, intact again
    OnnxEncoder(graph, embedder.path, 256)


def test_processes_starting_together_export_the_graph_once(embedder, tmp_path):
    """`mend web --workers N` on a fresh machine: every process asks for the graph at once."""
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from recommender.onnx_model import ensure_graph; "
            "from recommender.model import MODEL_SHA256; "
            "print(ensure_graph(Path(sys.argv[1]), MODEL_SHA256, Path(sys.argv[2])))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(embedder.path), str(tmp_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err[-300:] for _, err in outs]
    assert len({out.strip() for out, _ in outs}) == 1
    assert sorted(f.name for f in tmp_path.iterdir() if not f.name.startswith(".")) == [
        Path(outs[0][0].strip()).name, Path(outs[0][0].strip()).name + ".sha256"]


def test_runs_keep_short_texts_apart_from_long_ones():
    """A message is embedded with its sentences; each run is padded to its longest text, so a run holds texts
    within WIDEN times the length of its first, and at most BATCH of them."""
    from recommender.onnx_model import BATCH, WIDEN, _runs

    lengths = [40, 9, 12, 10, 80, 81] + [5] * (BATCH + 1)
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    runs = _runs(order, lengths)
    assert [i for run in runs for i in run] == order  # every text once, in order
    assert all(len(run) <= BATCH for run in runs)
    assert all(lengths[run[-1]] <= WIDEN * lengths[run[0]] for run in runs)
    assert [[lengths[i] for i in run] for run in runs] == [[5] * BATCH, [5, 9, 10], [12], [40, 80], [81]]
    assert _runs([], []) == []
