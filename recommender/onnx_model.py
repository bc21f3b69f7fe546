"""The verified embedding model as an ONNX graph, run by ONNX Runtime without torch.

On this CPU ONNX Runtime runs all-MiniLM-L6-v2 about 2.3 times faster than torch, and a
process that only runs the graph does not load torch or sentence-transformers at all (the
web server's memory falls by hundreds of MB). Its vectors match torch's to a cosine of
0.99999 or better (tests/test_model.py), so stored embeddings and the crisis classifier
stay valid.

The graph is made here, once, from the weights that passed the sha256 check: BERT, then
mean pooling over the attention mask, then L2 normalisation, as the model's
sentence-transformers pipeline does. :func:`ensure_graph` exports it in a child process
(torch is loaded there, not in the caller) into a cache folder, named by the weights'
sha256, with a sidecar holding the graph's own sha256, which is checked on every load.
Nothing is downloaded.

    python -m recommender.onnx_model export OUT.onnx     # what ensure_graph runs
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np

from mend.errors import ModelError

__all__ = ["graph_path", "ensure_graph", "ensure_built", "export_graph", "export_module", "write_sidecar", "file_sha256",
           "OnnxEncoder"]

OPSET = 17
BATCH = 16  # texts per run, grouped by length so short sentences are not padded to a long text
WIDEN = 2.0  # a run holds texts of at most this ratio of token counts (see _runs)


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def graph_path(folder: Path, weights_sha256: str) -> Path:
    return Path(folder) / f"all-MiniLM-L6-v2-{weights_sha256[:16]}-opset{OPSET}.onnx"


def export_graph(model_dir: Path, out: Path) -> None:
    """Export the (already verified) model at ``model_dir`` to ``out``, with its sha256 beside it."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")

    class _Pooled(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, ids, mask, types):
            tokens = self.bert(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
            weights = mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=1)

    export_module(_Pooled(model[0].auto_model).eval(), model.tokenizer, out, ("vectors",))


def export_module(module, tokenizer, out: Path, outputs: tuple[str, ...]) -> None:
    """Export a torch ``module`` taking (ids, mask, types) to ONNX at ``out``, batch and token axes dynamic, its
    outputs named ``outputs`` (one per text each); written to a partial file first, then its sha256 beside it."""
    import warnings

    import torch

    sample = tokenizer(["a", "two words"], padding=True, return_tensors="pt")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module, (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]), str(partial),
            input_names=["ids", "mask", "types"], output_names=list(outputs), opset_version=OPSET,
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in ("ids", "mask", "types")} | {o: {0: "batch"} for o in outputs},
            dynamo=False,
        )
    partial.replace(out)
    write_sidecar(out)


def _intact(path: Path) -> bool:
    sidecar = Path(f"{path}.sha256")
    return path.is_file() and sidecar.is_file() and sidecar.read_text().strip() == file_sha256(path)


def ensure_graph(model_dir: Path, weights_sha256: str, folder: Path) -> Path:
    """The graph for these weights in ``folder``, exported now (in a child process) if missing."""
    path = graph_path(folder, weights_sha256)
    return ensure_built(path, [sys.executable, "-m", "recommender.onnx_model", "export", str(model_dir), str(path)])


def ensure_built(path: Path, command: list[str]) -> Path:
    """``path`` with an intact sha256 sidecar, made by running ``command`` (which writes both) if missing.

    Processes starting together (``mend web --workers N``) take turns on a lock file, so one
    exports and the others find its graph.
    """
    import fcntl

    path = Path(path)
    if _intact(path):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / ".export.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _intact(path):
            return path
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not _intact(path):
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ModelError(path, f"exporting the ONNX graph failed: {tail[0]}")
    return path


def write_sidecar(out: Path) -> None:
    """Record ``out``'s sha256 beside it (checked on every load)."""
    Path(f"{out}.sha256").write_text(file_sha256(Path(out)) + "\n")


class OnnxEncoder:
    """Unit vectors for texts from the exported graph; ``count_tokens`` as the model's tokenizer counts.

    ``outputs``: the shape of each of the graph's outputs per text (one 384-dimensional vector for the embedding
    graph; a vector and ``()``, one number per text, for :mod:`safety.reader`'s)."""

    def __init__(self, graph: Path, model_dir: Path, max_tokens: int, threads: int = 1,
                 outputs: tuple[tuple[int, ...], ...] = ((384,),)):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if not _intact(Path(graph)):
            raise ModelError(graph, "the ONNX graph does not match its recorded sha256; delete it to re-export")
        self.max_tokens = max_tokens
        self.outputs = tuple(tuple(shape) for shape in outputs)
        self._counter = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self._counter.no_truncation()
        self._counter.no_padding()
        self._tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_tokens)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads don't burn CPU
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        if len(self._session.get_outputs()) != len(self.outputs):
            raise ModelError(graph, f"the ONNX graph has {len(self._session.get_outputs())} outputs, "
                                    f"expected {len(self.outputs)}; delete it to re-export")

    def count_tokens(self, text: str) -> int:
        """Word pieces in ``text``, without the special tokens."""
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def encode(self, texts: list[str]) -> np.ndarray:
        """The graph's first output for each text."""
        return self.encode_all(texts)[0]

    def encode_all(self, texts: list[str]) -> tuple[np.ndarray, ...]:
        """Every output of the graph for each text, from one run per group of similar length."""
        ids = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        out = tuple(np.zeros((len(texts), *shape), dtype=np.float32) for shape in self.outputs)
        for batch in _runs(order, [len(x) for x in ids]):
            width = max(len(ids[i]) for i in batch)
            tokens = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                tokens[row, :len(ids[i])] = ids[i]
                mask[row, :len(ids[i])] = 1
            results = self._session.run(None, {"ids": tokens, "mask": mask, "types": np.zeros_like(tokens)})
            for k, result in enumerate(results):
                out[k][batch] = result
        return out


def _runs(order: list[int], lengths: list[int]) -> list[list[int]]:
    """``order`` (indices sorted by token count) cut into runs of at most ``BATCH`` texts, a new run starting
    where a text is over ``WIDEN`` times as long as the run's first: every text in a run is padded to its
    longest, so a message's short sentences are not padded to the message itself."""
    runs: list[list[int]] = []
    for i in order:
        if not runs or len(runs[-1]) == BATCH or lengths[i] > WIDEN * lengths[runs[-1][0]]:
            runs.append([])
        runs[-1].append(i)
    return runs


if __name__ == "__main__":  # python -m recommender.onnx_model export MODEL_DIR OUT.onnx
    if len(sys.argv) != 4 or sys.argv[1] != "export":
        sys.exit("usage: python -m recommender.onnx_model export MODEL_DIR OUT.onnx")
    export_graph(Path(sys.argv[2]), Path(sys.argv[3]))
