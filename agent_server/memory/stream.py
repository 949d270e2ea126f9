"""The memory stream: every agent's memories, durable in one SQLite file per save.

A memory is a natural-language description with a kind, an importance (1..10), its
creation time and last retrieval time (game seconds), an embedding, and, for a
reflection, the memories it rests on. Reflections citing reflections form trees.

Storage. One SQLite file holds every agent of a simulation save: table `memories`
(embeddings as float32 blobs) and a link table `evidence` (memory_id, position,
evidence_id). A link table rather than a JSON column, so the database itself
enforces that cited memories exist (foreign keys), keeps the citation order, and can
answer "which reflections cite this memory?" through an index. Memories are never
deleted, and ids come from AUTOINCREMENT, so they only grow and are never reused.
The file is in WAL mode; each `add` and `add_many` is one transaction, committed
before the call returns. synchronous=NORMAL (the default) keeps every committed
transaction through a crash or kill of the process; FULL also keeps it through
power loss or an OS crash, at the cost of an fsync per commit. Only reflections
cite evidence.

Pending memories. Rating a memory's importance takes the model, which may be busy
for a minute with the town; what an agent heard must not wait for it to be durable.
So `hold` writes a memory at once (agent, kind, description, time) into the table
`pending`, optionally in one transaction with a record that must agree with it (a
conversation's: saves.py, society.py), and `settle` turns it into a memory, rated and
embedded, in one transaction that also deletes the pending row: after a crash at any
moment a memory is pending or stored, never lost and never both. A store opened on a
file lists what is still pending (`pending`), for its owner to rate and settle.
Pending memories are not retrieved until they are settled. Reflections are never
pending: they are written whole, with their evidence, by `add_many`.

Touches are written behind. Every retrieval touches the memories it returns;
writing them at once would dirty a page per memory and, every few dozen
retrievals, stall one on a WAL checkpoint (p99 of 20 ms measured at 10k memories).
So `touch` updates the index and an in-memory overlay at once (reads see it), and
the file gets the new last_accessed with the next add, `flush`, `snapshot` or
`close`. A crash can lose the recency of memories retrieved since the last write;
it never loses a memory.

Index. Per agent, an `AgentIndex` (faiss, exact inner product, ids = memory ids)
is rebuilt from the file when the store opens and updated after each commit; the
file is the truth and the index never holds anything the file does not.

Threads. The server calls the store from its asyncio loop thread. Embedding costs
milliseconds, so callers may move `add`/`add_many` (and retrieval) to a worker
thread (`asyncio.to_thread`): the connection is opened with check_same_thread=False
and every use of it and of the indexes is under one lock; texts are embedded
outside the lock.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from agent_server.errors import DataError, InvalidArgument, NotFound, Unavailable
from agent_server.memory.embedding import Embedder
from agent_server.memory.index import AgentIndex, Candidates
from agent_server.memory.node import (
    KIND_CODES,
    KINDS,
    MAX_IMPORTANCE,
    MIN_IMPORTANCE,
    MemoryNode,
    NewMemory,
    PendingMemory,
    game_seconds,
    integer,
    unique_ids,
    validated,
)

SCHEMA_VERSION = 1
_CHUNK = 500  # ids per `IN (...)`, well under SQLite's parameter limit

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS memories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ({", ".join(repr(k) for k in KINDS)})),
    description TEXT NOT NULL CHECK (length(trim(description)) > 0),
    created_at INTEGER NOT NULL,
    last_accessed INTEGER NOT NULL,
    importance INTEGER NOT NULL CHECK (importance BETWEEN {MIN_IMPORTANCE} AND {MAX_IMPORTANCE}),
    embedding BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS memories_by_agent ON memories (agent_id, created_at);
CREATE TABLE IF NOT EXISTS evidence (
    memory_id INTEGER NOT NULL REFERENCES memories (id),
    position INTEGER NOT NULL,
    evidence_id INTEGER NOT NULL REFERENCES memories (id),
    PRIMARY KEY (memory_id, position)
);
CREATE INDEX IF NOT EXISTS evidence_by_cited ON evidence (evidence_id);
CREATE TABLE IF NOT EXISTS pending (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ({", ".join(repr(k) for k in KINDS if k != "reflection")})),
    description TEXT NOT NULL CHECK (length(trim(description)) > 0),
    created_at INTEGER NOT NULL
);
"""
_NODE_COLUMNS = "id, agent_id, kind, description, created_at, last_accessed, importance, embedding"


class MemoryStore:
    def __init__(self, path: str | os.PathLike[str], embedder: Embedder, *, synchronous: str = "NORMAL") -> None:
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError("synchronous must be NORMAL or FULL")
        self.path = Path(path)
        self.embedder = embedder
        self._lock = threading.RLock()
        self._indexes: dict[str, AgentIndex] = {}
        self._unflushed_access: dict[int, int] = {}  # memory id -> last_accessed not yet in the file
        self._db: sqlite3.Connection | None = None
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
            self._check_embedder()
            self._load_indexes()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise DataError(f"{self.path}: not a memory store ({exc})") from exc
        except BaseException:
            self.close()
            raise

    # -- writing ---------------------------------------------------------------------

    def add(
        self,
        agent_id: str,
        kind: str,
        description: str,
        *,
        created_at: int,
        importance: int,
        evidence_ids: Iterable[int] = (),
    ) -> MemoryNode:
        """Embed, store and index one memory; raises InvalidArgument, storing nothing, if it is malformed."""
        memory = NewMemory(agent_id, kind, description, created_at, importance, tuple(evidence_ids))
        return self.add_many([memory])[0]

    def add_many(self, memories: Sequence[NewMemory]) -> list[MemoryNode]:
        """Add memories, of one agent or several, all or none: one embedding batch, one transaction."""
        checked = [validated(m, i if len(memories) > 1 else None) for i, m in enumerate(memories)]
        if not checked:
            return []
        self._check_evidence(checked)  # memories are never deleted, so a valid citation stays valid
        return self._store(checked, self._embed(checked))

    def hold(self, memories: Sequence[PendingMemory], *,
             also: Callable[[sqlite3.Connection], object] | None = None) -> list[PendingMemory]:
        """Write memories whose importance is not known yet (see the module's docstring),
        all or none, in one transaction with `also`: statements on the same file, run with
        the store's connection (the record these memories must agree with). Returns them
        with their pending ids, for `settle`. Raises InvalidArgument, writing nothing, if
        one is malformed or a reflection."""
        checked = []
        for i, memory in enumerate(memories):
            where = f"memories[{i}]: " if len(memories) > 1 else ""
            if memory.kind == "reflection":
                raise InvalidArgument(f"{where}a reflection is stored whole, with its evidence, not held")
            checked.append(validated(NewMemory(memory.agent_id, memory.kind, memory.description, memory.created_at,
                                               MIN_IMPORTANCE), i if len(memories) > 1 else None))
        held: list[PendingMemory] = []
        with self._lock:
            with self._transaction() as db:
                for memory in checked:
                    cursor = db.execute(
                        "INSERT INTO pending (agent_id, kind, description, created_at) VALUES (?, ?, ?, ?)",
                        (memory.agent_id, memory.kind, memory.description, memory.created_at),
                    )
                    held.append(PendingMemory(memory.agent_id, memory.kind, memory.description, memory.created_at,
                                              int(cursor.lastrowid)))  # type: ignore[arg-type]
                if also is not None:
                    also(db)
        return held

    def settle(self, pending: Sequence[PendingMemory], importances: Sequence[int]) -> list[MemoryNode]:
        """Pending memories become memories with these importances: embedded, stored and
        indexed in one transaction that deletes their pending rows. One no longer pending
        (settled already) is skipped, so a memory is never stored twice."""
        if len(importances) != len(pending):
            raise InvalidArgument(f"{len(pending)} pending memories but {len(importances)} importances")
        checked = [validated(NewMemory(p.agent_id, p.kind, p.description, p.created_at, importance),
                             i if len(pending) > 1 else None)
                   for i, (p, importance) in enumerate(zip(pending, importances))]
        if not checked:
            return []
        return self._store(checked, self._embed(checked), [p.id for p in pending])

    def pending(self, agent_id: str | None = None) -> list[PendingMemory]:
        """Memories held and not yet settled (of one agent, or of all), oldest first."""
        where, params = ("WHERE agent_id = ? ", (agent_id,)) if agent_id is not None else ("", ())
        with self._lock:
            rows = self._connection().execute(
                f"SELECT agent_id, kind, description, created_at, id FROM pending {where}ORDER BY id", params
            ).fetchall()
        return [PendingMemory(*row) for row in rows]

    def _embed(self, memories: list[NewMemory]) -> np.ndarray:
        vectors = self.embedder.embed_batch([m.description for m in memories])
        if vectors.shape != (len(memories), self.embedder.dim):
            raise ValueError(f"embedder returned shape {vectors.shape}, "
                             f"expected ({len(memories)}, {self.embedder.dim})")
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _store(self, checked: list[NewMemory], vectors: np.ndarray,
               pending_ids: list[int] | None = None) -> list[MemoryNode]:
        """Store checked memories, one transaction; with `pending_ids`, each in place of
        its pending row, and only if that row is still there."""
        nodes: list[MemoryNode] = []
        with self._lock:
            with self._transaction() as db:
                self._write_access(db)
                for i, (memory, vector) in enumerate(zip(checked, vectors)):
                    if pending_ids is not None and not db.execute(
                            "DELETE FROM pending WHERE id = ?", (pending_ids[i],)).rowcount:
                        continue
                    cursor = db.execute(
                        "INSERT INTO memories (agent_id, kind, description, created_at, last_accessed, importance, "
                        "embedding) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (memory.agent_id, memory.kind, memory.description, memory.created_at,
                         memory.created_at, memory.importance, vector.tobytes()),
                    )
                    memory_id = int(cursor.lastrowid)  # type: ignore[arg-type]
                    db.executemany(
                        "INSERT INTO evidence (memory_id, position, evidence_id) VALUES (?, ?, ?)",
                        [(memory_id, position, cited) for position, cited in enumerate(memory.evidence_ids)],
                    )
                    nodes.append(MemoryNode(memory_id, memory.agent_id, memory.kind, memory.description,
                                            memory.created_at, memory.created_at, memory.importance,
                                            vector, memory.evidence_ids))
            self._unflushed_access.clear()  # written by the same transaction
            # Committed: now the indexes may show them (still under the lock, so ids
            # reach each index in ascending order).
            for agent_id, group in itertools.groupby(nodes, key=lambda n: n.agent_id):
                self._index_nodes(agent_id, list(group))
        return nodes

    def touch(self, ids: Iterable[int], game_time: int, *, agent_id: str | None = None) -> None:
        """Mark memories as retrieved at `game_time` (their recency restarts there).

        Seen at once by reads and retrieval; written to the file with the next write
        (see the module's docstring). With `agent_id`, the memories must be that
        agent's, which is checked in memory rather than in the file.
        """
        game_time = game_seconds(game_time, "game_time")
        wanted = unique_ids(ids)
        if not wanted:
            return
        with self._lock:
            self._require_open()
            if agent_id is None:
                owners = self._owners(wanted)
            else:
                index = self._indexes.get(agent_id)
                mine = index.holds(np.array(wanted, dtype=np.int64)) if index else np.zeros(len(wanted), bool)
                owners = {memory_id: agent_id for memory_id, is_mine in zip(wanted, mine.tolist()) if is_mine}
            missing = [i for i in wanted if i not in owners]
            if missing:
                whose = f" of {agent_id!r}" if agent_id is not None else ""
                more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
                raise NotFound(f"no memory{whose} with id {missing[0]}{more}")
            self._unflushed_access.update((memory_id, game_time) for memory_id in wanted)
            by_agent: dict[str, list[int]] = {}
            for memory_id in wanted:
                by_agent.setdefault(owners[memory_id], []).append(memory_id)
            for owner, owned in by_agent.items():
                self._indexes[owner].touch(np.array(owned, dtype=np.int64), game_time)

    # -- reading ---------------------------------------------------------------------

    def get(self, memory_id: int) -> MemoryNode:
        return self.get_many([memory_id])[0]

    def get_many(self, ids: Iterable[int]) -> list[MemoryNode]:
        """The memories with these ids, in the order given; NotFound if one does not exist."""
        ids = [integer(i, "a memory id") for i in ids]
        with self._lock:
            found: dict[int, MemoryNode] = {}
            for chunk in _chunks(list(dict.fromkeys(ids))):
                found.update((n.id, n) for n in self._nodes(f"WHERE id IN ({_marks(chunk)})", chunk))
        for memory_id in ids:
            if memory_id not in found:
                raise NotFound(f"no memory with id {memory_id}")
        return [found[i] for i in ids]

    def recent(self, agent_id: str, n: int) -> list[MemoryNode]:
        """The agent's `n` newest memories (by creation time), newest first."""
        n = integer(n, "n")
        if n < 0:
            raise InvalidArgument(f"n must be >= 0, got {n}")
        with self._lock:
            return self._nodes("WHERE agent_id = ? ORDER BY created_at DESC, id DESC LIMIT ?", (agent_id, n))

    def all(self, agent_id: str) -> list[MemoryNode]:
        """Every memory of the agent, oldest first."""
        with self._lock:
            return self._nodes("WHERE agent_id = ? ORDER BY created_at, id", (agent_id,))

    def count(self, agent_id: str) -> int:
        with self._lock:
            self._require_open()
            index = self._indexes.get(agent_id)
            return len(index) if index is not None else 0

    def citing(self, memory_id: int) -> list[int]:
        """Ids of the memories (reflections) that cite this one as evidence."""
        with self._lock:
            rows = self._connection().execute(
                "SELECT memory_id FROM evidence WHERE evidence_id = ? ORDER BY memory_id", (memory_id,)
            )
            return [r[0] for r in rows]

    def nearest(self, agent_id: str, query_embedding: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(id, cosine) of the agent's k memories most similar to the query, by relevance alone."""
        query = self._query(query_embedding)
        with self._lock:
            self._require_open()
            index = self._indexes.get(agent_id)
            if index is None:
                return []
            ids, sims = index.nearest(query, integer(k, "k"))
            return [(int(i), float(s)) for i, s in zip(ids, sims)]

    def candidates(self, agent_id: str, query_embedding: np.ndarray) -> Candidates:
        """The agent's scoring inputs and every memory's cosine similarity to the query."""
        query = self._query(query_embedding)
        with self._lock:
            self._require_open()
            index = self._indexes.get(agent_id)
            return (index if index is not None else AgentIndex(self.embedder.dim)).candidates(query)

    # -- saving and closing ----------------------------------------------------------

    def flush(self) -> None:
        """Write touches made since the last write to the file."""
        with self._lock:
            if self._unflushed_access:
                with self._transaction() as db:
                    self._write_access(db)
                self._unflushed_access.clear()

    def snapshot(self, path: str | os.PathLike[str]) -> Path:
        """A consistent copy of the whole store at `path` (SQLite's backup API), for saves.

        The copy is written beside `path` and renamed over it, so `path` is always
        either the old save or the complete new one.
        """
        target = Path(path)
        if target.resolve() == self.path.resolve():
            raise InvalidArgument(f"a snapshot cannot replace the live store {self.path}")
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        with self._lock:
            self.flush()
            copy = sqlite3.connect(partial)
            try:
                self._connection().backup(copy)
            finally:
                copy.close()
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
        return target

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self.flush()
                self._db.close()
                self._db = None
                self._indexes.clear()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise Unavailable("the memory store is closed (the simulation is closing or loading a save)")
        return self._db

    def _query(self, embedding: np.ndarray) -> np.ndarray:
        query = np.asarray(embedding, dtype=np.float32)
        if query.shape != (self.embedder.dim,):
            raise InvalidArgument(f"query embedding has shape {query.shape}, expected ({self.embedder.dim},)")
        return query

    def _require_open(self) -> None:
        self._connection()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _write_access(self, db: sqlite3.Connection) -> None:
        db.executemany(
            "UPDATE memories SET last_accessed = ? WHERE id = ?",
            [(game_time, memory_id) for memory_id, game_time in self._unflushed_access.items()],
        )

    def _check_embedder(self) -> None:
        """A store's vectors are only comparable with vectors of the same model."""
        wanted = {"embedder": self.embedder.name, "dim": str(self.embedder.dim)}
        with self._transaction() as db:
            stored = dict(db.execute("SELECT key, value FROM meta").fetchall())
            if not stored:
                db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                               [*wanted.items(), ("schema_version", str(SCHEMA_VERSION))])
                return
        if stored.get("schema_version") != str(SCHEMA_VERSION):
            raise DataError(f"{self.path}: memory store schema {stored.get('schema_version')}, expected {SCHEMA_VERSION}")
        for key, value in wanted.items():
            if stored.get(key) != value:
                raise DataError(
                    f"{self.path}: memories were embedded with {stored.get('embedder')} "
                    f"({stored.get('dim')} dimensions), not {self.embedder.name} ({self.embedder.dim})"
                )

    def _load_indexes(self) -> None:
        rows = self._connection().execute(
            "SELECT agent_id, id, kind, importance, last_accessed, embedding FROM memories ORDER BY agent_id, id"
        )
        width = self.embedder.dim * 4
        for agent_id, group in itertools.groupby(rows, key=lambda r: r[0]):
            group = list(group)
            blobs = [r[5] for r in group]
            if any(len(b) != width for b in blobs):
                raise DataError(f"{self.path}: an embedding of {agent_id!r} is not {self.embedder.dim} float32s")
            index = self._indexes[agent_id] = AgentIndex(self.embedder.dim)
            index.add(
                ids=np.array([r[1] for r in group], dtype=np.int64),
                vectors=np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(group), -1),
                kinds=np.array([KIND_CODES[r[2]] for r in group], dtype=np.int8),
                importance=np.array([r[3] for r in group], dtype=np.float32),
                last_accessed=np.array([r[4] for r in group], dtype=np.int64),
            )

    def _index_nodes(self, agent_id: str, nodes: list[MemoryNode]) -> None:
        index = self._indexes.setdefault(agent_id, AgentIndex(self.embedder.dim))
        index.add(
            ids=np.array([n.id for n in nodes], dtype=np.int64),
            vectors=np.stack([n.embedding for n in nodes]),
            kinds=np.array([KIND_CODES[n.kind] for n in nodes], dtype=np.int8),
            importance=np.array([n.importance for n in nodes], dtype=np.float32),
            last_accessed=np.array([n.last_accessed for n in nodes], dtype=np.int64),
        )

    def _check_evidence(self, memories: list[NewMemory]) -> None:
        cited = unique_ids(i for m in memories for i in m.evidence_ids)
        if not cited:
            return
        with self._lock:
            owners = self._owners(cited)
        for position, memory in enumerate(memories):
            where = f"memories[{position}]: " if len(memories) > 1 else ""
            for memory_id in memory.evidence_ids:
                owner = owners.get(memory_id)
                if owner is None:
                    raise InvalidArgument(f"{where}evidence id {memory_id} is not a memory")
                if owner != memory.agent_id:
                    raise InvalidArgument(
                        f"{where}evidence id {memory_id} is a memory of {owner!r}, not of {memory.agent_id!r}"
                    )

    def _owners(self, ids: list[int]) -> dict[int, str]:
        owners: dict[int, str] = {}
        for chunk in _chunks(ids):
            owners.update(self._connection().execute(
                f"SELECT id, agent_id FROM memories WHERE id IN ({_marks(chunk)})", chunk
            ).fetchall())
        return owners

    def _nodes(self, clause: str, params: Sequence[object]) -> list[MemoryNode]:
        """Memories selected by `clause` (WHERE ... [ORDER BY ... LIMIT ...]), with their evidence."""
        db = self._connection()
        rows = db.execute(f"SELECT {_NODE_COLUMNS} FROM memories {clause}", params).fetchall()
        evidence: dict[int, list[int]] = {}
        reflection_ids = [r[0] for r in rows if r[2] == "reflection"]  # only reflections cite
        for chunk in _chunks(reflection_ids):
            for memory_id, cited in db.execute(
                f"SELECT memory_id, evidence_id FROM evidence WHERE memory_id IN ({_marks(chunk)}) "
                "ORDER BY memory_id, position", chunk
            ):
                evidence.setdefault(memory_id, []).append(cited)
        return [
            MemoryNode(
                id=r[0], agent_id=r[1], kind=r[2], description=r[3], created_at=r[4],
                last_accessed=self._unflushed_access.get(r[0], r[5]),
                importance=r[6], embedding=np.frombuffer(r[7], dtype=np.float32).copy(),
                evidence_ids=tuple(evidence.get(r[0], ())),
            )
            for r in rows
        ]


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _marks(chunk: Sequence[object]) -> str:
    return ", ".join("?" * len(chunk))
