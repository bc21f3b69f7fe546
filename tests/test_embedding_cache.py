"""Corpus embeddings are cached on disk: a restart re-embeds nothing, an edit only what changed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from factories import small_corpus, write_corpus, write_item

from recommender import ReloadResult, load_recommender
from recommender.cache import EmbeddingCache
from recommender.service import item_texts


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, real):
        self._real = real
        self.max_tokens = real.max_tokens
        self.model_id = real.model_id
        self.texts: list[str] = []

    def embed(self, texts, batch_size=32):
        self.texts.extend(texts)
        return self._real.embed(texts, batch_size=batch_size)

    def count_tokens(self, text):
        return self._real.count_tokens(text)


@pytest.fixture
def setup(tmp_path, config, embedder):
    corpus = write_corpus(tmp_path / "corpus", small_corpus())
    cfg = config.replace(corpus={"path": str(corpus), "cache_dir": str(tmp_path / "cache")})
    return corpus, cfg, embedder


def corpus_texts(cfg, emb, items):
    return [t for it in items for t in item_texts(it, cfg, emb)]


@pytest.mark.slow
def test_restart_embeds_nothing_and_an_edit_only_what_changed(setup):
    corpus, cfg, real = setup
    first = CountingEmbedder(real)
    rec = load_recommender(cfg, first)
    all_texts = corpus_texts(cfg, real, rec.items)
    assert sorted(first.texts) == sorted(set(all_texts)) and len(all_texts) >= 3 * len(rec.items)

    restart = CountingEmbedder(real)
    load_recommender(cfg, restart)
    assert restart.texts == []

    item = rec.item("kind-letter")
    write_item(corpus, dataclasses.replace(item, sms="Write three kind sentences to yourself about today."))
    edited = CountingEmbedder(real)
    rec2 = load_recommender(cfg, edited)
    assert edited.texts == ["Write three kind sentences to yourself about today."]
    assert rec2.item("kind-letter").sms.startswith("Write three kind")


@pytest.mark.slow
def test_cached_vectors_equal_fresh_ones_and_the_key_includes_the_model(setup, tmp_path):
    corpus, cfg, real = setup
    load_recommender(cfg, real)
    texts = corpus_texts(cfg, real, load_recommender(cfg, real).items)
    cache = EmbeddingCache(tmp_path / "cache", real.model_id)
    assert len(cache) == len(set(texts))
    counting = CountingEmbedder(real)
    cached, embedded = cache.embed(texts[:3], counting)
    assert embedded == 0 and counting.texts == []
    assert np.allclose(cached, real.embed(texts[:3]), atol=1e-5)
    other = EmbeddingCache(tmp_path / "cache", "another-model@0000")
    assert len(other) == 0 and other.path != cache.path


@pytest.mark.slow
def test_an_unreadable_cache_is_rebuilt(setup, tmp_path):
    corpus, cfg, real = setup
    load_recommender(cfg, real)
    (path,) = (tmp_path / "cache").glob("*.npz")
    path.write_bytes(b"not a zip file")
    counting = CountingEmbedder(real)
    load_recommender(cfg, counting)
    assert counting.texts  # re-embedded
    again = CountingEmbedder(real)
    load_recommender(cfg, again)
    assert again.texts == []


@pytest.mark.slow
def test_reload_reembeds_only_changes_and_keeps_the_old_corpus_on_problems(setup):
    corpus, cfg, real = setup
    counting = CountingEmbedder(real)
    rec = load_recommender(cfg, counting)
    counting.texts.clear()

    assert rec.reload(cfg) == ReloadResult(ok=True, problems=(), items=8, embedded=0)  # nothing changed

    (corpus / "exercises" / "say-no-kindly.md").unlink()
    new = dataclasses.replace(rec.item("calm-place"), id="feet-on-the-floor",
                              sms="Press your feet into the floor and name five things you can see.")
    write_item(corpus, new)
    result = rec.reload(cfg)
    assert (result.ok, result.added, result.removed, result.changed) == (True, ("feet-on-the-floor",), ("say-no-kindly",), ())
    assert result.embedded == 1 and counting.texts == [new.sms]  # the body was already cached
    assert rec.item("say-no-kindly") is None and rec.item("feet-on-the-floor") is not None

    broken = corpus / "exercises" / "calm-place.md"
    broken.write_text(broken.read_text().replace("theme: coping-toolkit", "theme: selfcare"))
    result = rec.reload(cfg)
    assert not result.ok and result.items == 8
    assert [str(p) for p in result.problems] == [
        f"{broken}:4: unknown theme 'selfcare' (known: understanding, acknowledging, professional-help, "
        "support-network, social-engagement, self-compassion, self-care, mindfulness, journaling, "
        "creative-expression, resilience, boundaries, coping-toolkit)"]
    assert rec.item("calm-place").theme == "coping-toolkit"  # still serving the old corpus
