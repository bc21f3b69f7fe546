"""The reader: a second opinion on crisis from all-MiniLM-L6-v2 itself, its top layers fine-tuned.

The classifier (:mod:`safety.classifier`) sees a text through frozen sentence embeddings, TF-IDF n-grams and
the patterns' evidence. The reader reads the tokens: the verified model's layers below :data:`BASE_LAYERS` stay
as they are, and its top layers and a linear head over their mean-pooled tokens are fitted to the train split
(:func:`fit_reader`; torch, offline, run by ``mend safety train``). Their errors differ from the classifier's, so
the two together catch more at the same false-positive rate than either alone (round 12 in
safety/data/README.md); how the two logits are weighed is fitted on the calibration split
(:func:`safety.training.calibrate`) and stored in classifier.json.

``safety/data/reader.npz`` holds only what was fitted (float16, with the train split's fingerprint and the
layer it starts at). At run time the whole network runs as an ONNX graph exported once from the verified base
weights and those layers (:func:`ensure_reader_graph`, in a child process, like the embedding graph), so the web
server never loads torch. The graph also finishes the verified model's own top layers from the same lower layers
and gives each text's sentence embedding beside the logit (:meth:`Reader.read`): the screen needs both for every
unit it scores, and the lower layers, two thirds of the work, then run once instead of twice.

    python -m safety.reader export MODEL_DIR READER.npz OUT.onnx     # what ensure_reader_graph runs
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from recommender.model import DIMENSIONS, MAX_BATCH_TEXTS, Batcher
from safety.errors import ArtifactError

__all__ = ["READER_PATH", "BASE_LAYERS", "Reader", "fit_reader", "save_reader", "load_reader_state",
           "reader_sha256", "ensure_reader_graph", "export_reader_graph", "prune_reader_graphs"]

READER_PATH = Path(__file__).resolve().parent / "data" / "reader.npz"
BASE_LAYERS = 4  # layers 0-3 stay the verified model's; 4 and 5 are fine-tuned (round 12: see safety/data/README.md)
EPOCHS = 3
LEARNING_RATE = 5e-5  # the fine-tuned layers
HEAD_LEARNING_RATE = 1e-3
WARMUP = 0.06  # share of the steps over which the learning rate rises, before it falls linearly to 0
BATCH = 32  # texts per step, grouped by length
WEIGHT_DECAY = 0.01
SEED = 0
MAX_TOKENS = 256  # as the embedding model reads
GRAPH_FORM = "v2"  # in the graph's file name: v2 gives the sentence embedding beside the logit
STALE_GRAPH_SECONDS = 24 * 3600  # another reader's graph unused this long is deleted when a new one is exported


def reader_sha256(path: Path = READER_PATH) -> str:
    from recommender.onnx_model import file_sha256

    return file_sha256(Path(path))


def save_reader(path: Path, state: dict[str, np.ndarray], data_sha256: str, base_layers: int = BASE_LAYERS) -> None:
    """Store the fitted layers and head (float16) with the fingerprint of the train split they were fitted on."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"base_layers": base_layers, "data_sha256": data_sha256, "max_tokens": MAX_TOKENS}
    arrays = {f"w:{name}": np.asarray(value, dtype=np.float16) for name, value in sorted(state.items())}
    with path.open("wb") as fh:  # np.savez adds no timestamps: the same weights give the same bytes
        np.savez(fh, meta=np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8), **arrays)


def load_reader_state(path: Path = READER_PATH, weights: bool = True) -> tuple[dict[str, np.ndarray], dict]:
    """The stored layers and head (as float32; none unless ``weights``) and the metadata; ArtifactError when
    missing or malformed."""
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(path, "the reader's weights are missing; run `mend safety train`")
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            if not isinstance(meta.get("base_layers"), int) or "w:head.weight" not in data.files:
                raise ValueError("no base_layers or head")
            state = {k[2:]: data[k].astype(np.float32) for k in data.files if k.startswith("w:")} if weights else {}
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        raise ArtifactError(path, f"malformed reader weights ({type(exc).__name__}: {exc})") from None
    return state, meta


def _through(torch, layers, hidden, mask):
    """``hidden`` through BERT ``layers``, the mask added to their attention scores as BERT adds it (0 where a
    token is, -inf-ish where padding is)."""
    extended = (1.0 - mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
    for layer in layers:
        out = layer(hidden, attention_mask=extended)
        hidden = out[0] if isinstance(out, tuple) else out
    return hidden


def _mean_pool(hidden, mask):
    """The mean of the tokens' states over the attention mask."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


def _torch_modules(model_dir: Path):
    """The verified BERT (eval mode) and a factory for the trainable top, in torch (offline tools only)."""
    import copy
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    st = SentenceTransformer(str(model_dir), device="cpu")
    bert = st[0].auto_model.eval()

    class Top(torch.nn.Module):
        """Layers ``base``.. of the model (initialised from it) and a linear head over their mean-pooled tokens."""

        def __init__(self, base: int):
            super().__init__()
            self.layers = torch.nn.ModuleList(copy.deepcopy(bert.encoder.layer[base:]))
            self.head = torch.nn.Linear(bert.config.hidden_size, 1)

        def forward(self, hidden, mask):
            return self.head(_mean_pool(_through(torch, self.layers, hidden, mask), mask)).squeeze(-1)

    def frozen(ids, mask, base: int, bert=bert, types=None):
        types = torch.zeros_like(ids) if types is None else types
        return _through(torch, bert.encoder.layer[:base], bert.embeddings(input_ids=ids, token_type_ids=types), mask)

    return torch, st.tokenizer, Top, frozen, bert


def fit_reader(texts: list[str], labels, model_dir: Path | None = None, *, threads: int = 1,
               epochs: int = EPOCHS, base_layers: int = BASE_LAYERS, seed: int = SEED,
               progress=None) -> dict[str, np.ndarray]:
    """Fine-tune layers ``base_layers``.. and the head on ``texts`` (binary ``labels``: 1 for crisis).

    The frozen layers' output is computed once per text, so an epoch costs a forward and backward pass through
    the top layers only (about 2 minutes per epoch for the 16,000 train texts on 2 cores). Deterministic for a
    given seed and thread count. ``progress(epoch, mean_loss)`` is called after each epoch."""
    from recommender.model import model_path, verify_model

    model_dir = Path(model_dir) if model_dir else model_path()
    verify_model(model_dir)
    torch, tokenizer, Top, frozen, _ = _torch_modules(model_dir)
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    y = torch.tensor(np.asarray(labels, dtype=np.float32))
    ids = tokenizer(list(texts), truncation=True, max_length=MAX_TOKENS)["input_ids"]
    order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i))
    cached: list = [None] * len(ids)
    with torch.no_grad():
        for start in range(0, len(order), 64):
            rows = order[start:start + 64]
            tokens, mask = _batch(torch, [ids[i] for i in rows])
            hidden = frozen(tokens, mask, base_layers)
            for r, i in enumerate(rows):
                cached[i] = hidden[r, :len(ids[i])].clone()
    top = Top(base_layers)
    top.train()
    optimizer = torch.optim.AdamW([{"params": list(top.layers.parameters()), "lr": LEARNING_RATE},
                                   {"params": list(top.head.parameters()), "lr": HEAD_LEARNING_RATE}],
                                  weight_decay=WEIGHT_DECAY)
    batches = [order[s:s + BATCH] for s in range(0, len(order), BATCH)]
    total, step = epochs * len(batches), 0
    warm = max(1.0, WARMUP * total)
    for epoch in range(epochs):
        loss_sum = 0.0
        for b in rng.permutation(len(batches)):
            rows = batches[b]
            share = step / warm if step < warm else (total - step) / (total - warm)
            for group, base_lr in zip(optimizer.param_groups, (LEARNING_RATE, HEAD_LEARNING_RATE), strict=True):
                group["lr"] = base_lr * max(share, 0.0)
            width = max(len(cached[i]) for i in rows)
            hidden = torch.zeros((len(rows), width, cached[rows[0]].shape[1]))
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for r, i in enumerate(rows):
                hidden[r, :len(cached[i])] = cached[i]
                mask[r, :len(cached[i])] = 1
            loss = torch.nn.functional.binary_cross_entropy_with_logits(top(hidden, mask), y[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            loss_sum += loss.detach().item()
        if progress:
            progress(epoch, loss_sum / max(1, len(batches)))
    return {name: value.detach().numpy().copy() for name, value in top.state_dict().items()}


def _batch(torch, rows: list[list[int]]):
    width = max(len(r) for r in rows)
    tokens = torch.zeros((len(rows), width), dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        tokens[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
    return tokens, mask


def reader_network(model_dir: Path, reader_path: Path = READER_PATH):
    """The whole network in torch, (ids, mask, types) -> (unit vector, logit) per text: the verified layers below
    the stored ones, then the stored layers and head (the logit) and, beside them, the verified model's own top
    layers, mean pooling and L2 normalisation (the sentence embedding, as :mod:`recommender.onnx_model`'s graph)."""
    state, meta = load_reader_state(reader_path)
    torch, tokenizer, Top, frozen, bert = _torch_modules(model_dir)
    base = meta["base_layers"]
    top = Top(base)
    top.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    top.eval()

    class Network(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert  # registered, so the exported graph holds its weights
            self.top = top

        def forward(self, ids, mask, types):
            shared = frozen(ids, mask, base, self.bert, types)
            mean = _mean_pool(_through(torch, self.bert.encoder.layer[base:], shared, mask), mask)
            return torch.nn.functional.normalize(mean, dim=1), self.top(shared, mask)

    return torch, tokenizer, Network().eval()


def export_reader_graph(model_dir: Path, reader_path: Path, out: Path) -> None:
    """Export the reader (verified base + stored top) to ``out`` as ONNX, with its sha256 beside it."""
    from recommender.onnx_model import export_module

    _, tokenizer, network = reader_network(model_dir, reader_path)
    export_module(network, tokenizer, out, ("vectors", "logits"))


def ensure_reader_graph(model_dir: Path, reader_path: Path, folder: Path, sha256: str | None = None) -> Path:
    """The reader's graph for these weights in ``folder``, exported now (in a child process) if missing.
    ``sha256``: the weights' sha256, when the caller has it."""
    from recommender.model import MODEL_SHA256
    from recommender.onnx_model import OPSET, ensure_built

    name = f"crisis-reader-{GRAPH_FORM}-{(sha256 or reader_sha256(reader_path))[:16]}-{MODEL_SHA256[:16]}-opset{OPSET}"
    path = Path(folder) / f"{name}.onnx"
    fresh = not path.exists()
    built = ensure_built(path, [sys.executable, "-m", "safety.reader", "export", str(model_dir), str(reader_path),
                                str(path)])
    if fresh:
        prune_reader_graphs(Path(folder), keep=built)
    return built


def prune_reader_graphs(folder: Path, keep: Path, older_than: float = STALE_GRAPH_SECONDS) -> list[Path]:
    """Delete the reader graphs in ``folder`` other than ``keep`` that were last written over ``older_than`` seconds
    ago (each retrain's graph is 90 MB; a process started in that time may still be loading one). Returns them."""
    import time

    gone = []
    for graph in Path(folder).glob("crisis-reader-*.onnx"):
        if graph != Path(keep) and time.time() - graph.stat().st_mtime > older_than:
            graph.unlink(missing_ok=True)
            Path(f"{graph}.sha256").unlink(missing_ok=True)
            gone.append(graph)
    return gone


class Reader:
    """The reader's logit for texts (positive leans crisis) and their sentence embeddings, from its ONNX graph."""

    def __init__(self, path: Path = READER_PATH, *, model_dir: Path | None = None, threads: int = 1,
                 graph_dir: Path | None = None):
        from recommender.model import model_path, path_for_graphs, verify_model
        from recommender.onnx_model import OnnxEncoder

        self.path = Path(path)
        _, meta = load_reader_state(self.path, weights=False)  # fails clearly before any export
        self.sha256 = reader_sha256(self.path)
        self.data_sha256 = meta["data_sha256"]
        model_dir = Path(model_dir) if model_dir else model_path()
        verify_model(model_dir)
        graph = ensure_reader_graph(model_dir, self.path, Path(graph_dir) if graph_dir else path_for_graphs(),
                                    self.sha256)
        self._encoder = OnnxEncoder(graph, model_dir, int(meta.get("max_tokens", MAX_TOKENS)), threads,
                                    outputs=((DIMENSIONS,), ()))
        # As the embedder's: one thread runs the graph, and concurrent screens share its passes.
        self._batcher = Batcher(self._encoder.encode_all, name="mend-crisis-reader")

    def read(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(unit vectors, logits) for ``texts``: the vectors are the embedding model's (as
        :meth:`recommender.model.Embedder.embed` gives them), from the same pass as the logits."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32), np.zeros(0)
        texts = list(texts)
        run = self._batcher.encode if len(texts) <= MAX_BATCH_TEXTS else self._encoder.encode_all
        vectors, logits = run(texts)
        return vectors, logits.astype(np.float64)

    def logits(self, texts: list[str]) -> np.ndarray:
        return self.read(texts)[1]


if __name__ == "__main__":  # python -m safety.reader export MODEL_DIR READER.npz OUT.onnx
    if len(sys.argv) != 5 or sys.argv[1] != "export":
        sys.exit("usage: python -m safety.reader export MODEL_DIR READER.npz OUT.onnx")
    export_reader_graph(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
