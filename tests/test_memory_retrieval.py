"""Retrieval: recency, importance and relevance, normalised and weighted."""

from __future__ import annotations

import pytest

from agent_server.errors import InvalidArgument
from agent_server.memory.node import NewMemory
from agent_server.memory.retrieval import RetrievalWeights, Retriever, estimate_tokens
from agent_server.memory.stream import MemoryStore

HOUR = 3600
DAY = 24 * HOUR

MUNDANE = [
    "Isabella Rodriguez is brushing her teeth",
    "Isabella Rodriguez is setting out the pastries",
    "the refrigerator is empty",
    "Isabella Rodriguez is wiping down the counter",
    "Klaus Mueller is reading a book in the library",
    "the coffee machine is brewing coffee",
    "Isabella Rodriguez is taking out the trash",
    "Maria Lopez is studying physics at her desk",
    "Isabella Rodriguez is restocking the napkins",
    "the bed is being made",
    "Isabella Rodriguez is counting the cash register",
    "Tom Moreno is buying groceries at the market",
    "Isabella Rodriguez is sweeping the floor of the cafe",
    "Sam Moore is walking in the park",
    "the stove is off",
    "Isabella Rodriguez is washing the dishes",
    "Isabella Rodriguez is eating breakfast",
    "Jennifer Moore is painting a landscape",
    "Isabella Rodriguez is locking the door of Hobbs Cafe",
    "Isabella Rodriguez is checking the weather outside",
]
PARTY = "Isabella Rodriguez is planning a Valentine's Day party at Hobbs Cafe on February 14th from 5pm"


@pytest.fixture
def retriever(store, embedder) -> Retriever:
    return Retriever(store, embedder)


def add_day(store: MemoryStore, agent: str = "isabella") -> dict[str, int]:
    """The mundane day with the party in the middle, all of importance 3: only relevance tells them apart."""
    texts = MUNDANE[:10] + [PARTY] + MUNDANE[10:]
    nodes = store.add_many([NewMemory(agent, "observation", t, created_at=i * 600, importance=3) for i, t in enumerate(texts)])
    return {n.description: n.id for n in nodes}


def test_the_relevant_memory_comes_first_among_mundane_ones(store, retriever):
    ids = add_day(store)
    best = retriever.retrieve("isabella", "What do you know about the Valentine's Day party?", now=DAY, limit=5)
    assert best[0].node.id == ids[PARTY]
    assert best[0].relevance == 1.0


def test_an_old_memory_loses_to_a_recent_one_of_equal_relevance_and_importance(store, retriever):
    add_day(store)
    old = store.add("isabella", "observation", "Klaus said he likes the cafe's scones", created_at=0, importance=5)
    new = store.add("isabella", "observation", "Klaus said he likes the cafe's scones", created_at=3 * DAY, importance=5)
    best = retriever.retrieve("isabella", "What does Klaus like?", now=4 * DAY, limit=2)
    assert [s.node.id for s in best] == [new.id, old.id]
    assert best[0].relevance == best[1].relevance
    assert best[0].recency > best[1].recency


def test_weights_change_the_order(store, embedder):
    important = store.add("isabella", "observation", "Isabella's father passed away", created_at=0, importance=10)
    relevant = store.add("isabella", "observation", "Isabella buys flour for the croissants", created_at=0, importance=1)
    query = "What does Isabella need to bake croissants?"
    by_importance = Retriever(store, embedder, RetrievalWeights(recency=0, importance=1, relevance=0))
    by_relevance = Retriever(store, embedder, RetrievalWeights(recency=0, importance=0, relevance=1))
    assert [s.node.id for s in by_importance.retrieve("isabella", query, now=HOUR)] == [important.id, relevant.id]
    assert [s.node.id for s in by_relevance.retrieve("isabella", query, now=HOUR)] == [relevant.id, important.id]


def test_the_score_is_the_weighted_sum_of_normalised_components(store, embedder):
    add_day(store)
    weights = RetrievalWeights(recency=0.5, importance=3, relevance=2)
    for s in Retriever(store, embedder, weights).retrieve("isabella", "coffee", now=DAY, limit=30):
        for component in (s.recency, s.importance, s.relevance):
            assert 0.0 <= component <= 1.0
        assert s.score == pytest.approx(0.5 * s.recency + 3 * s.importance + 2 * s.relevance)


def test_a_component_equal_for_every_candidate_normalises_to_zero(store, retriever):
    add_day(store)  # every memory has importance 3
    assert all(s.importance == 0.0 for s in retriever.retrieve("isabella", "coffee", now=DAY))


def test_retrieval_restarts_the_recency_of_what_it_returns(store, retriever):
    ids = add_day(store)
    returned = retriever.retrieve("isabella", "the party", now=DAY, limit=3)
    returned_ids = {s.node.id for s in returned}
    assert all(s.node.last_accessed == DAY for s in returned)
    for memory_id in ids.values():
        expected = DAY if memory_id in returned_ids else store.get(memory_id).created_at
        assert store.get(memory_id).last_accessed == expected


def test_the_token_budget_cuts_the_list(store, retriever):
    add_day(store)
    everything = retriever.retrieve("isabella", "the cafe", now=DAY, limit=30)
    budget = 30
    within = retriever.retrieve("isabella", "the cafe", now=DAY, limit=30, token_budget=budget)
    assert 0 < len(within) < len(everything)
    assert sum(estimate_tokens(s.node.description) for s in within) <= budget
    scores = [s.score for s in within]
    assert scores == sorted(scores, reverse=True)


def test_a_custom_token_counter_is_used(store, retriever):
    add_day(store)
    one_each = retriever.retrieve("isabella", "the cafe", now=DAY, token_budget=4, count_tokens=lambda text: 1)
    assert len(one_each) == 4


def test_limit_caps_the_list_and_the_best_come_first(store, retriever):
    add_day(store)
    best = retriever.retrieve("isabella", "the cafe", now=DAY, limit=7)
    assert len(best) == 7
    assert [s.score for s in best] == sorted((s.score for s in best), reverse=True)


def test_kinds_restrict_the_candidates(store, retriever):
    add_day(store)
    first = store.recent("isabella", 30)[-1]
    reflection = store.add("isabella", "reflection", "Isabella loves bringing people together",
                           created_at=DAY, importance=7, evidence_ids=[first.id])
    found = retriever.retrieve("isabella", "the party", now=DAY, kinds={"reflection"})
    assert [s.node.id for s in found] == [reflection.id]


def test_last_scores_keeps_the_latest_retrieval_of_each_agent(store, retriever):
    add_day(store, "isabella")
    add_day(store, "klaus")
    assert retriever.last_scores("isabella") == []
    first = retriever.retrieve("isabella", "the party", now=DAY, limit=3)
    retriever.retrieve("klaus", "breakfast", now=DAY, limit=4)
    assert [s.node.id for s in retriever.last_scores("isabella")] == [s.node.id for s in first]
    assert len(retriever.last_scores("klaus")) == 4


def test_an_agent_without_memories_retrieves_nothing(retriever):
    assert retriever.retrieve("nobody", "anything", now=0) == []


def test_retrieval_never_crosses_agents(store, retriever):
    add_day(store, "klaus")
    store.add("isabella", "observation", "Isabella waters the plants", created_at=0, importance=2)
    assert {s.node.agent_id for s in retriever.retrieve("isabella", "the party", now=DAY)} == {"isabella"}


@pytest.mark.parametrize(
    "arguments, problem",
    [
        ({"now": -1}, "now must be an integer >= 0"),
        ({"now": 0, "limit": -3}, "limit must be an integer >= 0"),
        ({"now": 0, "token_budget": -1}, "token_budget must be an integer >= 0"),
        ({"now": 0, "kinds": {"dream"}}, "unknown memory kinds"),
    ],
)
def test_bad_retrieval_arguments_are_invalid(retriever, arguments, problem):
    with pytest.raises(InvalidArgument, match=problem):
        retriever.retrieve("isabella", "anything", **arguments)


def test_negative_weights_are_invalid():
    with pytest.raises(InvalidArgument, match="relevance"):
        RetrievalWeights(relevance=-1)


def test_a_retrieval_without_touch_changes_nothing(tmp_path, embedder):
    from agent_server.memory import MemoryStore, Retriever

    store = MemoryStore(tmp_path / "m.db", embedder)
    store.add("ann", "observation", "Ann baked bread", created_at=0, importance=3)
    retriever = Retriever(store, embedder)
    found = retriever.retrieve("ann", "bread", now=7200, touch=False)
    assert found and store.get(found[0].node.id).last_accessed == 0
    assert retriever.last_scores("ann") == []
    store.close()


def test_a_focused_retrieval_lets_an_old_relevant_memory_win(tmp_path, embedder):
    from agent_server.memory import MemoryStore, RetrievalWeights, Retriever

    store = MemoryStore(tmp_path / "m.db", embedder)
    store.add("mei", "dialogue", "Sam invited Mei to a picnic in Oak Park on Saturday", created_at=0, importance=6)
    topics = ["cooked rice for dinner", "read about philosophy", "watered the tulips", "taught a class on ethics",
              "talked with John about the weather", "washed the dishes", "wrote a letter to her sister",
              "walked to the market for bread", "graded student essays", "fixed the kitchen tap"]
    for hour in range(1, 31):
        store.add("mei", "plan", f"At {hour % 24}:00 Mei {topics[hour % len(topics)]}", created_at=hour * HOUR,
                  importance=2 + hour * 7 % 8)
    retriever = Retriever(store, embedder)
    question = "Do you know about a picnic? Who told you about it?"
    everything = retriever.retrieve("mei", question, now=31 * HOUR, limit=3, touch=False)
    focused = retriever.retrieve("mei", question, now=31 * HOUR, limit=3, touch=False, relevance_pool=10,
                                 weights=RetrievalWeights(relevance=2.0))
    assert all("picnic" not in s.node.description for s in everything)
    assert "picnic" in focused[0].node.description
    store.close()
