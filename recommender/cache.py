"""Corpus embeddings cached on disk, keyed by model and content hash.

One ``.npz`` file per model in ``corpus.cache_dir``; each vector is stored under the
sha256 of ``model id + text``. A restart re-embeds nothing; an edited item re-embeds only
its changed texts. Writes are atomic (temporary file, then rename), so a crash never
leaves a half-written cache; an unreadable cache is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

__all__ = ["EmbeddingCache", "TextEmbedder", "text_key"]

log = logging.getLogger(__name__)


class TextEmbedder(Protocol):
    """What the recommender needs from a model (``recommender.model.Embedder`` is the real one)."""

    max_tokens: int

    @property
    def model_id(self) -> str: ...

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def text_key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\0{text}".encode()).hexdigest()


class EmbeddingCache:
    """Vectors for texts, loaded from and saved to ``directory/<model id>.npz``."""

    def __init__(self, directory: Path, model_id: str):
        self.model_id = model_id
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id)
        self.path = Path(directory) / f"{safe}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            with np.load(self.path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            log.warning("ignoring unreadable embedding cache %s (%s); it will be rebuilt", self.path, exc)
            return
        self._vectors = {str(k): v for k, v in zip(keys, vectors, strict=True)}

    def __len__(self) -> int:
        return len(self._vectors)

    def embed(
        self,
        texts: Sequence[str],
        embedder: TextEmbedder,
        *,
        batch_size: int = 32,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[np.ndarray, int]:
        """(vectors for ``texts`` in order, how many had to be embedded now)."""
        keys = [text_key(self.model_id, t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}.items())
        done = 0
        for start in range(0, len(missing), batch_size):
            batch = missing[start:start + batch_size]
            vectors = embedder.embed([t for _, t in batch], batch_size=batch_size)
            for (key, _), vector in zip(batch, vectors, strict=True):
                self._vectors[key] = np.asarray(vector, dtype=np.float32)
            done += len(batch)
            if progress:
                progress(done, len(missing))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32), 0
        return np.stack([self._vectors[k] for k in keys]), len(missing)

    def save(self, keep: Sequence[str] | None = None) -> None:
        """Write the cache; with ``keep`` (texts), drop vectors of texts no longer used."""
        if keep is not None:
            wanted = {text_key(self.model_id, t) for t in keep}
            self._vectors = {k: v for k, v in self._vectors.items() if k in wanted}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._vectors)
        vectors = np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, keys=np.array(keys, dtype=str), vectors=vectors)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
