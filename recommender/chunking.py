"""Split long text into overlapping word chunks that each fit the model.

all-MiniLM-L6-v2 reads at most 256 word pieces (two of them are the [CLS] and [SEP]
markers); anything longer would be cut off silently by the model. So text is split into
windows of ``chunk_words`` words sharing ``overlap_words`` with the previous window, and
any window still over the word-piece limit (long URLs, unusual words) is split again until
it fits. Every word of the input is in at least one chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Chunk", "chunk_text", "SPECIAL_TOKENS"]

SPECIAL_TOKENS = 2  # [CLS] and [SEP], added by the model around every input


@dataclass(frozen=True)
class Chunk:
    text: str
    start_word: int  # index of the first word in the whole text
    end_word: int  # one past the last word


def _windows(n_words: int, size: int, overlap: int) -> list[tuple[int, int]]:
    if n_words <= size:
        return [(0, n_words)]
    step = max(1, size - overlap)
    spans = []
    start = 0
    while True:
        end = min(start + size, n_words)
        spans.append((start, end))
        if end == n_words:
            return spans
        start += step


def _split_word(word: str, fits: Callable[[str], bool]) -> list[str]:
    if fits(word) or len(word) <= 1:
        return [word]
    half = len(word) // 2
    return _split_word(word[:half], fits) + _split_word(word[half:], fits)


def _fit(words: list[str], start: int, fits: Callable[[str], bool]) -> list[Chunk]:
    text = " ".join(words)
    if fits(text):
        return [Chunk(text, start, start + len(words))]
    if len(words) == 1:  # one enormous "word": cut it into pieces, keep every character
        return [Chunk(piece, start, start + 1) for piece in _split_word(words[0], fits)]
    half = len(words) // 2
    return _fit(words[:half], start, fits) + _fit(words[half:], start + half, fits)


def chunk_text(
    text: str,
    *,
    chunk_words: int,
    overlap_words: int,
    count_tokens: Callable[[str], int] | None = None,
    max_tokens: int = 256,
) -> list[Chunk]:
    """Chunks of ``text`` (empty text gives no chunks).

    ``count_tokens`` (e.g. ``Embedder.count_tokens``) measures word pieces without the
    special tokens; when given, every chunk is guaranteed to fit ``max_tokens``.
    """
    if chunk_words < 1:
        raise ValueError("chunk_words must be at least 1")
    if not 0 <= overlap_words < chunk_words:
        raise ValueError("overlap_words must be at least 0 and less than chunk_words")
    words = text.split()
    if not words:
        return []
    budget = max_tokens - SPECIAL_TOKENS

    def fits(piece: str) -> bool:
        return count_tokens is None or count_tokens(piece) <= budget

    chunks: list[Chunk] = []
    for start, end in _windows(len(words), chunk_words, overlap_words):
        chunks.extend(_fit(words[start:end], start, fits))
    return chunks
