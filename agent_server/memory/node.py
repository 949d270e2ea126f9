"""What a memory is: its kinds, its fields, and the checks a new one must pass.

The store (stream.py) gives each memory its id and embedding; everything else is
said by the caller and checked here, so a malformed memory is refused with a
message naming the field before anything is embedded or written.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from agent_server.errors import InvalidArgument

KINDS: tuple[str, ...] = ("observation", "reflection", "plan", "dialogue")
KIND_CODES: dict[str, int] = {kind: code for code, kind in enumerate(KINDS)}
MIN_IMPORTANCE, MAX_IMPORTANCE = 1, 10
_MAX_INT64 = (1 << 63) - 1


@dataclass
class MemoryNode:
    id: int
    agent_id: str
    kind: str
    description: str
    created_at: int  # game seconds
    last_accessed: int  # game seconds
    importance: int  # 1..10
    embedding: np.ndarray = field(repr=False, compare=False)  # float32 (dim,), unit length
    evidence_ids: tuple[int, ...] = ()  # the memories a reflection cites, in order


@dataclass(frozen=True)
class NewMemory:
    """A memory to add; the store gives it an id, an embedding and last_accessed = created_at."""

    agent_id: str
    kind: str
    description: str
    created_at: int
    importance: int
    evidence_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class PendingMemory:
    """A memory written before it is rated and embedded (MemoryStore.hold): what was
    heard or seen is in the file at once, and becomes a MemoryNode when its importance
    is known (MemoryStore.settle). `id` is the pending row's, 0 before it is written; a
    settled memory gets an id of the stream's own."""

    agent_id: str
    kind: str
    description: str
    created_at: int
    id: int = 0


def validated(memory: NewMemory, position: int | None) -> NewMemory:
    """`memory` with normalised fields, or InvalidArgument naming what is wrong."""
    where = f"memories[{position}]: " if position is not None else ""
    if not isinstance(memory.agent_id, str) or not memory.agent_id.strip():
        raise InvalidArgument(f"{where}agent_id must be a non-empty string")
    if memory.kind not in KIND_CODES:
        raise InvalidArgument(f"{where}kind {memory.kind!r} is not one of {', '.join(KINDS)}")
    if not isinstance(memory.description, str) or not memory.description.strip():
        raise InvalidArgument(f"{where}description is empty")
    try:
        importance = integer(memory.importance, "importance")
    except InvalidArgument as exc:
        raise InvalidArgument(f"{where}{exc}") from None
    if not MIN_IMPORTANCE <= importance <= MAX_IMPORTANCE:
        raise InvalidArgument(f"{where}importance must be {MIN_IMPORTANCE}..{MAX_IMPORTANCE}, got {importance}")
    if memory.evidence_ids and memory.kind != "reflection":
        raise InvalidArgument(f"{where}only a reflection cites evidence, not a {memory.kind}")
    try:
        created_at = game_seconds(memory.created_at, "created_at")
        evidence = tuple(dict.fromkeys(integer(i, "an evidence id") for i in memory.evidence_ids))
    except (InvalidArgument, TypeError) as exc:
        raise InvalidArgument(f"{where}{exc}") from None
    return NewMemory(memory.agent_id, memory.kind, memory.description, created_at, importance, evidence)


def integer(value: object, name: str) -> int:
    if isinstance(value, bool):
        raise InvalidArgument(f"{name} must be an integer, got {value!r}")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise InvalidArgument(f"{name} must be an integer, got {value!r}") from None


def game_seconds(value: object, name: str) -> int:
    seconds = integer(value, name)
    if not 0 <= seconds <= _MAX_INT64:
        raise InvalidArgument(f"{name} must be game seconds >= 0, got {seconds}")
    return seconds


def unique_ids(ids: Iterable[object]) -> list[int]:
    return list(dict.fromkeys(integer(i, "a memory id") for i in ids))
