"""Retrieval: the memories that matter now, scored by recency, importance and relevance.

    score = w_recency * recency + w_importance * importance + w_relevance * relevance

- recency: decay ** (game hours since the memory was last retrieved), decay 0.995;
- importance: the 1..10 the model gave the memory when it was stored;
- relevance: cosine similarity of the memory's embedding and the query's.

Each component is min-max normalised to [0, 1] over the candidates (the agent's
memories, or those of the kinds asked for). A component on which every candidate is
equal normalises to 0 for all of them: it cannot tell them apart, so it adds nothing.
The weights default to the paper's 1 / 1 / 1.

Scoring is vectorised over the whole agent (see index.py); only the winners are read
from SQLite. Retrieving a memory restarts its recency: the returned memories'
last_accessed is set to `now`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from agent_server.errors import InvalidArgument
from agent_server.memory.embedding import Embedder
from agent_server.memory.node import KIND_CODES, KINDS, MemoryNode, integer
from agent_server.memory.stream import MemoryStore

SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class RetrievalWeights:
    recency: float = 1.0
    importance: float = 1.0
    relevance: float = 1.0

    def __post_init__(self) -> None:
        for name in ("recency", "importance", "relevance"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise InvalidArgument(f"retrieval weight {name} must be a finite number >= 0, got {value!r}")


@dataclass(frozen=True)
class ScoredMemory:
    """A retrieved memory with its normalised components, for prompts and the inspector."""

    node: MemoryNode
    recency: float
    importance: float
    relevance: float
    score: float


def estimate_tokens(text: str) -> int:
    """A model-free token estimate: 1.3 tokens per word, rounded up."""
    return math.ceil(len(text.split()) * 1.3)


def min_max(values: np.ndarray) -> np.ndarray:
    """`values` scaled to [0, 1]; all zeros when they are all equal."""
    low, high = values.min(), values.max()
    if high <= low:
        return np.zeros(len(values), dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32, copy=False)  # the maximum is exactly 1


class Retriever:
    """Scores an agent's memories against a query; remembers each agent's last result for the inspector."""

    def __init__(
        self,
        store: MemoryStore,
        embedder: Embedder,
        weights: RetrievalWeights = RetrievalWeights(),
        decay: float = 0.995,
    ) -> None:
        if embedder.name != store.embedder.name or embedder.dim != store.embedder.dim:
            raise ValueError(f"queries embedded with {embedder.name} cannot search memories of {store.embedder.name}")
        if not 0.0 < decay <= 1.0:
            raise ValueError(f"decay must be in (0, 1], got {decay}")
        self.store = store
        self.embedder = embedder
        self.weights = weights
        self._log_decay = math.log(decay)
        self._last: dict[str, list[ScoredMemory]] = {}

    def retrieve(
        self,
        agent_id: str,
        query: str,
        *,
        now: int,
        limit: int = 30,
        token_budget: int | None = None,
        count_tokens: Callable[[str], int] | None = None,
        kinds: set[str] | None = None,
        touch: bool = True,
        relevance_pool: int | None = None,
        weights: RetrievalWeights | None = None,
    ) -> list[ScoredMemory]:
        """The agent's best memories for `query` at game time `now`, best first.

        At most `limit`, then, if `token_budget` is given, each in turn that still
        fits the budget (one too long is skipped, shorter ones after it may fit).
        Equal scores go to the newer memory. Every memory returned has its
        last_accessed set to `now`, and becomes the agent's `last_scores`, unless
        `touch` is false.
        """
        return self.retrieve_embedding(
            agent_id, self.embedder.embed(query), now=now, limit=limit,
            token_budget=token_budget, count_tokens=count_tokens, kinds=kinds, touch=touch,
            relevance_pool=relevance_pool, weights=weights,
        )

    def retrieve_embedding(
        self,
        agent_id: str,
        query_embedding: np.ndarray,
        *,
        now: int,
        limit: int = 30,
        token_budget: int | None = None,
        count_tokens: Callable[[str], int] | None = None,
        kinds: set[str] | None = None,
        touch: bool = True,
        relevance_pool: int | None = None,
        weights: RetrievalWeights | None = None,
    ) -> list[ScoredMemory]:
        """`retrieve` for a query already embedded (say, several questions in one batch)."""
        now, limit = _non_negative(now, "now"), _non_negative(limit, "limit")
        if token_budget is not None:
            token_budget = _non_negative(token_budget, "token_budget")
        if kinds is not None and not (kinds := set(kinds)) <= KIND_CODES.keys():
            raise InvalidArgument(f"unknown memory kinds {sorted(kinds - KIND_CODES.keys())}; kinds are {', '.join(KINDS)}")

        found = self.store.candidates(agent_id, query_embedding)
        rows = np.arange(len(found.ids))
        if kinds is not None and len(rows):
            rows = np.flatnonzero(np.isin(found.kinds, [KIND_CODES[k] for k in kinds]))
        if relevance_pool is not None and len(rows) > relevance_pool:
            # Only the memories most related to the query compete (and are normalised
            # together): a question about one thing is not answered with the day's
            # most recent, most important memories about others.
            rows = rows[np.argsort(-found.relevance[rows], kind="stable")[:relevance_pool]]
        if len(rows) == 0 or limit == 0:
            self._last[agent_id] = []
            return []

        # float32 throughout: half float64's memory traffic, and scores need no more.
        hours = np.maximum(now - found.last_accessed[rows], 0).astype(np.float32)
        recency = min_max(np.exp(hours * np.float32(self._log_decay / SECONDS_PER_HOUR)))
        importance = min_max(found.importance[rows])
        relevance = min_max(found.relevance[rows])
        w = weights or self.weights
        score = w.recency * recency + w.importance * importance + w.relevance * relevance

        best = _top(score, found.ids[rows], limit)
        nodes = self.store.get_many(found.ids[rows[best]].tolist())
        scored = [
            ScoredMemory(node, float(recency[i]), float(importance[i]), float(relevance[i]), float(score[i]))
            for node, i in zip(nodes, best)
        ]
        if token_budget is not None:
            scored = _within_budget(scored, token_budget, count_tokens or estimate_tokens)
        if not touch:
            # A look from outside the world (an interview): no access is recorded.
            return scored
        self.store.touch([s.node.id for s in scored], now, agent_id=agent_id)
        for s in scored:
            s.node.last_accessed = now
        self._last[agent_id] = scored
        return scored

    def last_scores(self, agent_id: str) -> list[ScoredMemory]:
        """What the agent's latest retrieval returned, with its component scores."""
        return list(self._last.get(agent_id, []))


def _top(score: np.ndarray, ids: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the `limit` best scores, best first; ties go to the newer memory."""
    if limit < len(score):
        kth = np.partition(score, len(score) - limit)[len(score) - limit]
        contenders = np.flatnonzero(score >= kth)  # every tie at the cut, so the order is deterministic
    else:
        contenders = np.arange(len(score))
    order = np.lexsort((-ids[contenders], -score[contenders]))
    return contenders[order[:limit]]


def _within_budget(scored: list[ScoredMemory], budget: int, count_tokens: Callable[[str], int]) -> list[ScoredMemory]:
    kept, used = [], 0
    for s in scored:
        cost = count_tokens(s.node.description)
        if used + cost <= budget:
            kept.append(s)
            used += cost
    return kept


def _non_negative(value: object, name: str) -> int:
    number = integer(value, name)
    if number < 0:
        raise InvalidArgument(f"{name} must be an integer >= 0, got {number}")
    return number
