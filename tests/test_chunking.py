"""Long text is split into overlapping chunks that fit the model, never silently cut."""

from __future__ import annotations

import pytest

from recommender.chunking import SPECIAL_TOKENS, chunk_text


def words(n: int) -> str:
    return " ".join(f"w{i}" for i in range(n))


def test_short_text_is_one_chunk_and_empty_text_none():
    (chunk,) = chunk_text("I feel left out", chunk_words=10, overlap_words=2)
    assert (chunk.text, chunk.start_word, chunk.end_word) == ("I feel left out", 0, 4)
    assert chunk_text("   \n ", chunk_words=10, overlap_words=2) == []


def test_windows_overlap_and_cover_every_word():
    chunks = chunk_text(words(25), chunk_words=10, overlap_words=3)
    assert [(c.start_word, c.end_word) for c in chunks] == [(0, 10), (7, 17), (14, 24), (21, 25)]
    assert chunks[1].text.split()[:3] == chunks[0].text.split()[-3:]
    covered = {w for c in chunks for w in c.text.split()}
    assert covered == set(words(25).split())


def test_a_window_over_the_word_piece_limit_is_split_again():
    def count(text):  # pretend every word is 3 word pieces
        return 3 * len(text.split())

    chunks = chunk_text(words(120), chunk_words=120, overlap_words=0, count_tokens=count, max_tokens=100)
    assert all(count(c.text) <= 100 - SPECIAL_TOKENS for c in chunks)
    assert " ".join(c.text for c in chunks) == words(120)  # nothing lost


def test_one_enormous_word_is_cut_into_pieces_not_dropped():
    word = "x" * 1000

    def count(text):
        return len(text) // 4 + 1

    chunks = chunk_text(f"hello {word} bye", chunk_words=50, overlap_words=5, count_tokens=count, max_tokens=64)
    assert all(count(c.text) <= 62 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == f"hello{word}bye"


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="overlap_words"):
        chunk_text("a b c", chunk_words=5, overlap_words=5)


@pytest.mark.slow
def test_real_tokenizer_limit_holds_for_a_long_unusual_text(embedder):
    text = " ".join(["antidisestablishmentarianism-ish https://example.org/a/very/long/path?q=rejection"] * 120)
    chunks = chunk_text(text, chunk_words=120, overlap_words=30, count_tokens=embedder.count_tokens,
                        max_tokens=embedder.max_tokens)
    assert len(chunks) > 2
    assert all(embedder.count_tokens(c.text) <= embedder.max_tokens - SPECIAL_TOKENS for c in chunks)
    assert embedder.max_tokens == 256
