"""Durability: committed memories survive closing, reopening and kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from agent_server.errors import InvalidArgument
from agent_server.memory.node import NewMemory, PendingMemory
from agent_server.memory.retrieval import Retriever
from agent_server.memory.stream import MemoryStore
from agent_server.settings import PROJECT_ROOT

HOUR = 3600


def test_memories_persist_across_closing_and_reopening(tmp_path, embedder):
    path = tmp_path / "save.db"
    with MemoryStore(path, embedder) as store:
        store.add("isabella", "observation", "Isabella is wiping the counter", created_at=0, importance=2)
        party = store.add("isabella", "observation", "Isabella is planning a Valentine's Day party",
                          created_at=HOUR, importance=6)
        store.add("isabella", "reflection", "Isabella enjoys hosting", created_at=2 * HOUR, importance=7,
                  evidence_ids=[party.id])
        store.touch([party.id], 3 * HOUR)
    with MemoryStore(path, embedder) as reopened:
        assert reopened.count("isabella") == 3  # the index was rebuilt from the file
        assert reopened.get(party.id).last_accessed == 3 * HOUR
        assert reopened.recent("isabella", 1)[0].evidence_ids == (party.id,)
        best = Retriever(reopened, embedder).retrieve("isabella", "Is there a party?", now=4 * HOUR, limit=1)
        assert best[0].node.id == party.id
        added = reopened.add("isabella", "observation", "Klaus arrives", created_at=5 * HOUR, importance=3)
        assert added.id > party.id + 1  # ids continue, never reused


WRITER = textwrap.dedent(
    """
    import sys
    from agent_server.memory.embedding import MiniLMEmbedder
    from agent_server.memory.node import NewMemory
    from agent_server.memory.stream import MemoryStore

    store = MemoryStore(sys.argv[1], MiniLMEmbedder())
    i, previous = 0, []
    while True:
        # Retrieved at game time 10000 + i: written behind, with the add that follows.
        store.touch([n.id for n in previous], 10_000 + i)
        if i % 2:
            nodes = [store.add("isabella", "observation", f"Isabella did chore number {i}", created_at=i, importance=2)]
        else:
            nodes = store.add_many([NewMemory("klaus", "observation", f"Klaus read page {i}.{j}", i, 3) for j in range(5)])
        touched = " ".join(f"{n.id}@{10_000 + i}" for n in previous)
        print("committed", *[n.id for n in nodes], "touched", touched, flush=True)
        previous, i = nodes, i + 1
    """
)


def test_every_memory_and_touch_reported_committed_survives_kill_9(tmp_path, embedder):
    path = tmp_path / "save.db"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    committed: list[int] = []
    touched: dict[int, int] = {}
    try:
        deadline = time.monotonic() + 120
        while len(committed) < 60 and time.monotonic() < deadline:
            line = writer.stdout.readline()
            if not line:
                pytest.fail(f"the writer died: {writer.stderr.read()}")
            if line.startswith("committed"):
                added, _, accesses = line.removeprefix("committed").partition("touched")
                committed.extend(int(i) for i in added.split())
                touched.update(tuple(map(int, a.split("@"))) for a in accesses.split())
        os.kill(writer.pid, signal.SIGKILL)  # mid-stream: it never stops adding on its own
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    assert len(committed) >= 60
    with MemoryStore(path, embedder) as reopened:
        survived = {n.id for n in reopened.all("isabella")} | {n.id for n in reopened.all("klaus")}
        assert set(committed) <= survived
        assert reopened.count("isabella") + reopened.count("klaus") == len(survived)
        assert touched and {i: reopened.get(i).last_accessed for i in touched} == touched


def dump(path) -> list[str]:
    """The whole database as SQL, read through a connection of its own."""
    with sqlite3.connect(path) as db:
        return list(db.iterdump())


def test_bad_input_leaves_the_file_unchanged(tmp_path, embedder):
    path = tmp_path / "save.db"
    with MemoryStore(path, embedder) as store:
        seed = store.add("klaus", "observation", "Klaus is in the library", created_at=0, importance=3)
        before = dump(path)
        bad_calls = [
            lambda: store.add("klaus", "thought", "hmm", created_at=0, importance=3),
            lambda: store.add("klaus", "observation", "", created_at=0, importance=3),
            lambda: store.add("klaus", "observation", "x", created_at=-5, importance=3),
            lambda: store.add("klaus", "reflection", "x", created_at=0, importance=3, evidence_ids=[seed.id + 100]),
            lambda: store.add_many([NewMemory("klaus", "observation", "ok", 0, 3), NewMemory("maria", "plan", "x", 0, 0)]),
        ]
        for call in bad_calls:
            with pytest.raises(InvalidArgument):
                call()
        assert dump(path) == before
        assert store.count("klaus") == 1
    with MemoryStore(path, embedder) as reopened:
        assert [n.id for n in reopened.all("klaus")] == [seed.id]
        assert reopened.all("maria") == []


def test_a_held_memory_is_written_with_its_record_and_settled_once(tmp_path, embedder):
    """hold: the memory (before its importance is known) and the record it belongs with
    are one commit; settle: it becomes a memory in place of the pending row, once."""
    path = tmp_path / "save.db"
    heard = [PendingMemory("isabella", "dialogue", 'Ann said to Isabella: "Remember 4127."', 600)]

    def record(db):
        db.execute("CREATE TABLE IF NOT EXISTS records (text TEXT)")
        db.execute("INSERT INTO records VALUES ('Remember 4127.')")

    def broken_record(db):
        record(db)
        raise RuntimeError("the record could not be written")

    with MemoryStore(path, embedder) as store:
        with pytest.raises(RuntimeError):
            store.hold(heard, also=broken_record)
        assert store.pending() == [] and "records" not in "".join(dump(path))  # neither
        with pytest.raises(InvalidArgument):
            store.hold([PendingMemory("isabella", "reflection", "Isabella is kind", 600)])
        held = store.hold(heard, also=record)
    with MemoryStore(path, embedder) as reopened:  # both, and the memory still unrated
        assert reopened.pending("isabella") == held and reopened.pending("klaus") == []
        assert reopened.count("isabella") == 0
        assert [line for line in dump(path) if "INTO \"records\"" in line] == \
            ["INSERT INTO \"records\" VALUES('Remember 4127.');"]
        [node] = reopened.settle(held, [7])
        assert (node.description, node.importance, node.created_at) == (heard[0].description, 7, 600)
        assert reopened.settle(held, [7]) == []  # settled already: never stored twice
        assert reopened.pending() == [] and [n.id for n in reopened.all("isabella")] == [node.id]
        best = Retriever(reopened, embedder).retrieve("isabella", "What number did Ann say?", now=700, limit=1)
        assert best[0].node.id == node.id
