"""The in-memory index of one agent's memories: vectors in faiss, scores' inputs in columns.

SQLite holds the truth (see stream.py); this is what retrieval reads, rebuilt from
SQLite when a store opens and kept in step as memories are added or touched. The
vectors live in a faiss `IndexIDMap2` over an exact `IndexFlatIP` (ids are memory
ids); the other inputs of a retrieval score (kind, importance, last access) live in
numpy columns. Memories are never removed and ids only grow, so row i of every
column and of the faiss storage is the same memory, and the id column is sorted.

Retrieval scores every memory, so it needs every similarity, not the top k. It gets
them with faiss's SIMD kernel `fvec_inner_products_ny` straight over the flat
index's storage: one single-threaded pass, no copy, no result lists. Measured on
2 cores at 10k memories (bench/retrieval.py): 0.40 ms p50, 0.56 ms p99. numpy's
matrix-vector product (0.3 ms on an idle machine) and faiss's `range_search` run
on several threads and, whenever another process is busy, wait for a descheduled
one: 4-8 ms p50. `search` with k = n also sorts: 6 ms.
"""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np


class _Column:
    """A growable 1-D numpy array with amortised O(1) append."""

    def __init__(self, dtype: type) -> None:
        self._data = np.empty(16, dtype=dtype)
        self.size = 0

    def extend(self, values: np.ndarray) -> None:
        end = self.size + len(values)
        if end > len(self._data):
            grown = np.empty(max(end, 2 * len(self._data)), dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : end] = values
        self.size = end

    @property
    def view(self) -> np.ndarray:
        return self._data[: self.size]


@dataclass(frozen=True)
class Candidates:
    """A copy of one agent's scoring inputs, row-aligned, in id order."""

    ids: np.ndarray  # int64, ascending
    kinds: np.ndarray  # int8 codes into stream.KINDS
    importance: np.ndarray  # float32, 1..10
    last_accessed: np.ndarray  # int64 game seconds
    relevance: np.ndarray  # float32 cosine similarity to the query


class AgentIndex:
    """One agent's memories, ready to score. Not thread-safe: the store locks around it."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._flat = faiss.IndexFlatIP(dim)
        self._vectors = faiss.IndexIDMap2(self._flat)
        self._ids = _Column(np.int64)
        self._kinds = _Column(np.int8)
        self._importance = _Column(np.float32)
        self._last_accessed = _Column(np.int64)

    def __len__(self) -> int:
        return self._ids.size

    def add(
        self,
        ids: np.ndarray,
        vectors: np.ndarray,
        kinds: np.ndarray,
        importance: np.ndarray,
        last_accessed: np.ndarray,
    ) -> None:
        """Append memories whose ids are all larger than any already here."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        if (self._ids.size and ids[0] <= self._ids.view[-1]) or np.any(np.diff(ids) <= 0):
            raise ValueError("memory ids must be added in ascending order")
        self._vectors.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        self._ids.extend(ids)
        self._kinds.extend(kinds)
        self._importance.extend(importance)
        self._last_accessed.extend(last_accessed)

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Row positions of ids known to belong to this agent."""
        return np.searchsorted(self._ids.view, np.asarray(ids, dtype=np.int64))

    def holds(self, ids: np.ndarray) -> np.ndarray:
        """For each id, whether it is one of this agent's memories."""
        known = self._ids.view
        if not len(known):
            return np.zeros(len(ids), dtype=bool)
        rows = np.minimum(self.rows_of(ids), len(known) - 1)
        return known[rows] == ids

    def touch(self, ids: np.ndarray, game_time: int) -> None:
        self._last_accessed.view[self.rows_of(ids)] = game_time

    def nearest(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, cosines) of the k memories most similar to `query`, most similar first."""
        k = min(k, len(self))
        if k <= 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        sims, ids = self._vectors.search(np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dim), k)
        return ids[0], sims[0]

    def candidates(self, query: np.ndarray) -> Candidates:
        """Every memory's scoring inputs, with its cosine similarity to `query`."""
        ids = self._ids.view.copy()
        if self._flat.ntotal != len(ids):
            raise RuntimeError(f"faiss holds {self._flat.ntotal} vectors for {len(ids)} memories")
        relevance = np.empty(len(ids), dtype=np.float32)
        if len(ids):
            query = np.ascontiguousarray(query, dtype=np.float32)
            faiss.fvec_inner_products_ny(
                faiss.swig_ptr(relevance), faiss.swig_ptr(query), self._flat.get_xb(), self.dim, len(ids)
            )
        return Candidates(
            ids=ids,
            kinds=self._kinds.view.copy(),
            importance=self._importance.view.copy(),
            last_accessed=self._last_accessed.view.copy(),
            relevance=relevance,
        )
