"""The memory stream: storing, reading, validating and touching memories."""

from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest

from agent_server.errors import DataError, InvalidArgument, NotFound, Unavailable
from agent_server.memory.embedding import Embedder
from agent_server.memory.node import NewMemory
from agent_server.memory.stream import MemoryStore

HOUR = 3600


def rows_in_file(store: MemoryStore) -> tuple[int, int]:
    """(memories, evidence links) as a second connection sees the file."""
    with sqlite3.connect(store.path) as db:
        return (db.execute("SELECT count(*) FROM memories").fetchone()[0],
                db.execute("SELECT count(*) FROM evidence").fetchone()[0])


def test_an_added_memory_reads_back_with_its_embedding(store, embedder):
    text = "Isabella is setting out the pastries"
    node = store.add("isabella", "observation", text, created_at=8 * HOUR, importance=3)
    again = store.get(node.id)
    assert again == node
    assert (again.kind, again.description, again.importance) == ("observation", text, 3)
    assert again.created_at == again.last_accessed == 8 * HOUR
    np.testing.assert_allclose(again.embedding, embedder.embed("Isabella is setting out the pastries"), atol=1e-5)


def test_recent_is_newest_first_and_all_is_oldest_first(store):
    for hour, text in [(9, "opened the cafe"), (7, "woke up"), (12, "ate lunch")]:
        store.add("isabella", "observation", text, created_at=hour * HOUR, importance=2)
    store.add("klaus", "observation", "read a paper", created_at=10 * HOUR, importance=2)
    assert [n.description for n in store.recent("isabella", 2)] == ["ate lunch", "opened the cafe"]
    assert [n.description for n in store.all("isabella")] == ["woke up", "opened the cafe", "ate lunch"]
    assert store.count("isabella") == 3 and store.count("klaus") == 1 and store.count("nobody") == 0
    assert store.recent("nobody", 5) == [] and store.all("nobody") == []


def test_add_many_stores_several_agents_in_one_batch(store):
    nodes = store.add_many([
        NewMemory("isabella", "dialogue", "Isabella told Klaus about the party", 10 * HOUR, 5),
        NewMemory("klaus", "dialogue", "Isabella told Klaus about the party", 10 * HOUR, 5),
    ])
    assert [n.agent_id for n in nodes] == ["isabella", "klaus"]
    assert nodes[0].id < nodes[1].id
    assert store.count("isabella") == store.count("klaus") == 1


def test_a_reflection_cites_its_evidence_in_order_and_forms_a_tree(store):
    a = store.add("klaus", "observation", "Klaus is reading about gentrification", created_at=0, importance=4)
    b = store.add("klaus", "observation", "Klaus is writing his research paper", created_at=60, importance=5)
    insight = store.add("klaus", "reflection", "Klaus is dedicated to his research",
                        created_at=120, importance=7, evidence_ids=[b.id, a.id])
    higher = store.add("klaus", "reflection", "Klaus values knowledge above comfort",
                       created_at=180, importance=8, evidence_ids=(insight.id,))
    assert store.get(insight.id).evidence_ids == (b.id, a.id)
    assert store.get(higher.id).evidence_ids == (insight.id,)
    assert store.citing(a.id) == [insight.id]
    assert store.citing(insight.id) == [higher.id]


@pytest.mark.parametrize(
    "kind, description, importance, problem",
    [
        ("memory", "a thing happened", 3, "kind 'memory' is not one of"),
        ("observation", "   ", 3, "description is empty"),
        ("observation", "a thing happened", 0, "importance must be 1..10"),
        ("observation", "a thing happened", 11, "importance must be 1..10"),
        ("observation", "a thing happened", 2.5, "importance must be an integer"),
        ("observation", "a thing happened", True, "importance must be an integer"),
    ],
)
def test_a_malformed_memory_is_refused_and_nothing_is_stored(store, kind, description, importance, problem):
    with pytest.raises(InvalidArgument, match=problem):
        store.add("isabella", kind, description, created_at=0, importance=importance)
    assert store.count("isabella") == 0
    assert rows_in_file(store) == (0, 0)


def test_evidence_must_exist_and_belong_to_the_same_agent(store):
    own = store.add("klaus", "observation", "Klaus is in the library", created_at=0, importance=3)
    other = store.add("maria", "observation", "Maria is streaming a game", created_at=0, importance=3)
    before = rows_in_file(store)
    with pytest.raises(InvalidArgument, match="evidence id 999 is not a memory"):
        store.add("klaus", "reflection", "Klaus studies hard", created_at=10, importance=6, evidence_ids=[own.id, 999])
    with pytest.raises(InvalidArgument, match=f"evidence id {other.id} is a memory of 'maria', not of 'klaus'"):
        store.add("klaus", "reflection", "Klaus studies hard", created_at=10, importance=6, evidence_ids=[other.id])
    with pytest.raises(InvalidArgument, match="only a reflection cites evidence"):
        store.add("klaus", "plan", "Klaus will study", created_at=10, importance=6, evidence_ids=[own.id])
    assert rows_in_file(store) == before
    assert store.count("klaus") == 1


def test_one_bad_memory_in_a_batch_stores_none_of_it(store):
    with pytest.raises(InvalidArgument, match=r"memories\[1\]: importance"):
        store.add_many([
            NewMemory("isabella", "observation", "fine", 0, 3),
            NewMemory("isabella", "observation", "too important", 0, 42),
        ])
    assert rows_in_file(store) == (0, 0)
    assert store.count("isabella") == 0


def test_touch_sets_last_accessed_of_just_those_memories(store):
    a = store.add("isabella", "observation", "first", created_at=0, importance=2)
    b = store.add("isabella", "observation", "second", created_at=0, importance=2)
    store.touch([a.id], 5 * HOUR)
    assert store.get(a.id).last_accessed == 5 * HOUR
    assert store.get(b.id).last_accessed == 0


def test_a_touch_reaches_the_file_with_the_next_write(store):
    a = store.add("isabella", "observation", "first", created_at=0, importance=2)
    store.touch([a.id], 5 * HOUR)
    assert last_accessed_in_file(store, a.id) == 0  # written behind, but already what reads see
    assert store.get(a.id).last_accessed == 5 * HOUR
    store.add("isabella", "observation", "second", created_at=HOUR, importance=2)
    assert last_accessed_in_file(store, a.id) == 5 * HOUR
    store.touch([a.id], 6 * HOUR)
    store.flush()
    assert last_accessed_in_file(store, a.id) == 6 * HOUR


def last_accessed_in_file(store: MemoryStore, memory_id: int) -> int:
    with sqlite3.connect(store.path) as db:
        return db.execute("SELECT last_accessed FROM memories WHERE id = ?", (memory_id,)).fetchone()[0]


def test_nearest_ranks_by_relevance_alone(store):
    coffee = store.add("isabella", "observation", "Isabella brews espresso", created_at=0, importance=1)
    store.add("isabella", "observation", "The tax office closes at five", created_at=0, importance=10)
    store.add("klaus", "observation", "Klaus drinks coffee", created_at=0, importance=5)
    found = store.nearest("isabella", store.embedder.embed("making coffee"), k=5)
    assert found[0][0] == coffee.id
    assert len(found) == 2 and found[0][1] > found[1][1]
    assert store.nearest("nobody", store.embedder.embed("coffee"), k=3) == []


def test_touching_an_unknown_memory_is_not_found_and_changes_nothing(store):
    a = store.add("isabella", "observation", "first", created_at=0, importance=2)
    with pytest.raises(NotFound, match="no memory with id 77"):
        store.touch([a.id, 77], 5 * HOUR)
    assert store.get(a.id).last_accessed == 0


def test_getting_an_unknown_memory_is_not_found(store):
    with pytest.raises(NotFound, match="no memory with id 5"):
        store.get(5)


def test_a_closed_store_is_unavailable(store):
    store.close()
    with pytest.raises(Unavailable, match="closed"):
        store.add("isabella", "observation", "too late", created_at=0, importance=2)
    with pytest.raises(Unavailable):
        store.count("isabella")


def test_a_snapshot_is_a_complete_store_of_its_own(store, tmp_path, embedder):
    store.add("isabella", "observation", "Isabella is planning a party", created_at=0, importance=6)
    saved = store.snapshot(tmp_path / "slot1.db")
    store.add("isabella", "observation", "after the save", created_at=60, importance=2)
    with MemoryStore(saved, embedder) as copy:
        assert [n.description for n in copy.all("isabella")] == ["Isabella is planning a party"]


def test_a_store_refuses_an_embedder_its_vectors_did_not_come_from(tmp_path, embedder):
    class OtherModel(Embedder):
        name, dim = "other-model", 384

        def embed_batch(self, texts: list[str]) -> np.ndarray:
            return np.ones((len(texts), 384), np.float32) / np.sqrt(384)

    MemoryStore(tmp_path / "save.db", embedder).close()
    with pytest.raises(DataError, match="embedded with all-MiniLM-L6-v2"):
        MemoryStore(tmp_path / "save.db", OtherModel())


def test_a_file_that_is_not_a_store_is_a_data_error(tmp_path, embedder):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(DataError, match="not a memory store"):
        MemoryStore(junk, embedder)


def test_adds_from_several_threads_all_land(store):
    def add_some(agent: str) -> None:
        for i in range(10):
            store.add(agent, "observation", f"{agent} did thing {i}", created_at=i, importance=2)

    threads = [threading.Thread(target=add_some, args=(agent,)) for agent in ("a", "b", "a", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (store.count("a"), store.count("b"), store.count("c")) == (20, 10, 10)
    assert rows_in_file(store) == (40, 0)
