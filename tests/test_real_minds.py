"""Every cognitive prompt path once with the real default model (SmolLM2-135M, Q8_0):
the answers are weak, but their structure is guaranteed by the grammars: real places,
times in order, evidence that exists."""

from __future__ import annotations

import pytest
import pytest_asyncio

from agent_server.prompts import player_chat
from agent_server.server import start_server
from simulacra.v1 import agents_pb2
from tests.conftest import make_settings

pytestmark = pytest.mark.model

EIGHT_AM = 8 * 3600


@pytest_asyncio.fixture(scope="module")
async def town(tmp_path_factory, real_model_path, embedder):
    running = await start_server(make_settings(tmp_path_factory.mktemp("minds"), model_path=real_model_path),
                                 embedder=embedder)
    yield running.society
    await running.stop()


async def test_importance_ratings_discriminate(town):
    mundane, poignant = await town.f.importance.rate(
        ["Isabella is brushing her teeth", "Isabella's father died in the hospital this morning"]
    )
    assert 1 <= mundane < poignant <= 10


async def test_a_day_is_planned_in_order_at_real_places(town):
    await town.next_action("isabella", 5 * 3600)  # plans the day (and sleeps, if before waking)
    mind = town.minds["isabella"]
    state = mind.state
    command = await town.next_action("isabella", (state.wake_hour + 1) * 3600 + 600)
    assert state.summary and 5 <= state.wake_hour <= 11
    assert 5 <= len(state.day_plan) <= 8
    assert [s.start for s in state.day_plan] == sorted(s.start for s in state.day_plan)
    assert [s.start for s in state.hourly] == sorted(s.start for s in state.hourly)
    assert all(s.minutes == 60 and s.description for s in state.hourly)
    # The actions fill the hour (from when it was decomposed) without gaps or overlaps.
    chunk = mind.chunk_at(state.actions[0].start)
    assert all(a.end == b.start for a, b in zip(state.actions, state.actions[1:]))
    assert state.actions[-1].end == chunk.end
    assert all(5 <= s.minutes for s in state.actions)
    for step in state.actions:
        sector = town.town.sector_of(step.place_id).id
        assert sector in state.known_sectors
    assert town.town.place(command.move_to.place_id)
    plans = [m for m in town.f.memory.all("isabella") if m.kind == "plan"]
    assert any("plan for day 1" in p.description for p in plans)


async def test_reaction_decision_and_conversation(town):
    mind = town.minds["john_lin"]
    reaction = await town.reactor.decide(mind, "mei_lin", "Mei Lin", "Mei Lin is reading on the bench",
                                         EIGHT_AM + 7200, can_talk=True)
    assert reaction is None or reaction.kind in ("talk", "change")
    a, b = town.minds["john_lin"], town.minds["mei_lin"]
    conversation = town.dialogue.new_conversation([a.id, b.id], EIGHT_AM + 7200)
    lines = []
    await town.dialogue.converse(a, b, conversation, lambda: EIGHT_AM + 7200,
                                 lambda s, l, t: lines.append((s.id, t)))
    assert 2 <= len(conversation.lines) <= 8
    assert [s for s, _, _ in conversation.lines] == [("john_lin", "mei_lin")[i % 2] for i in range(len(lines))]
    assert all(text for _, text in lines) and conversation.summary.endswith(".")
    assert any(m.kind == "dialogue" for m in town.f.memory.recent("mei_lin", 20))


async def test_reaction_that_changes_course_replans(town):
    mind = town.minds["mei_lin"]
    await town.reactor.change_course(mind, "water the flowers", EIGHT_AM + 7300, because="test")
    assert mind.state.actions[0].description == "water the flowers"
    assert mind.state.actions[0].place_id in town.town


async def test_reflection_stores_insights_citing_real_memories(town):
    mind = town.minds["isabella"]
    stored = await town.reflector.reflect(mind, EIGHT_AM + 8000)
    assert stored
    for memory_id in stored:
        node = town.f.memory.get(memory_id)
        assert node.kind == "reflection" and node.evidence_ids
        assert all(town.f.memory.get(e).agent_id == "isabella" for e in node.evidence_ids)


async def test_player_chat_is_remembered_and_recalled_in_an_interview(town):
    pieces = [p async for p in town.chat("mei_lin", "Sam", "I am organising a picnic in Oak Park on Sunday.",
                                         EIGHT_AM + 9000)]
    assert "".join(pieces).strip()
    await town.settle()  # she remembers it in the background, after answering
    remembered = [m.description for m in town.f.memory.recent("mei_lin", 10)]
    assert any("picnic in Oak Park" in m for m in remembered)
    before = {m.id: m.last_accessed for m in town.f.memory.all("mei_lin")}
    answer, used = await town.interview("mei_lin", "What did Sam tell you about a picnic?")
    assert answer
    assert any("picnic" in s.node.description for s in used)
    # An interview is not an in-world event: nothing stored, nothing touched.
    assert {m.id: m.last_accessed for m in town.f.memory.all("mei_lin")} == before


async def test_perception_from_the_world_becomes_observations(town):
    state = agents_pb2.AgentState(agent_id="john_lin", place_id="hobbs_cafe.seating", perceptions=[
        agents_pb2.Perception(object=agents_pb2.PerceivedObject(place_id="hobbs_cafe.counter.coffee_machine",
                                                                state="brewing coffee"), distance=2.0)])
    town.sync([state], EIGHT_AM + 9500)
    await town.settle()
    assert any(m.description == "the coffee machine in Hobbs Cafe is brewing coffee"
               for m in town.f.memory.recent("john_lin", 5))


async def test_after_an_answer_the_next_line_finds_the_whole_conversation_warm(town):
    """The player reads an answer while the prompt with that answer in it is evaluated
    (Society.chat prepares it): the next line evaluates only what it adds."""
    town.prepare_chat("john_lin", "Sam", EIGHT_AM + 9600)
    await town.settle()
    said = [p async for p in town.chat("john_lin", "Sam", "Hello John, how is the pharmacy today?", EIGHT_AM + 9660)]
    await town.settle()  # the answer is remembered, and the conversation prepared for the next line
    conversation = town.player_conversations[("john_lin", "Sam")]
    model = town.f.scheduler.model
    so_far = model.count_prompt_tokens(player_chat.build(town.dialogue._player_prompt(
        town.minds["john_lin"], conversation, "Sam", EIGHT_AM + 9720), max_tokens=0, temperature=0.7))
    answer = model.count_prompt_tokens(player_chat.build([{"role": "assistant", "content": "".join(said).strip()}],
                                                         max_tokens=0, temperature=0.7))
    stats = town.f.scheduler.stats["player_chat"]
    reused = stats.reused_tokens
    [p async for p in town.chat("john_lin", "Sam", "Do you have anything for a headache?", EIGHT_AM + 9720)]
    # Found warm: the whole conversation so far (bar the few tokens where the prepared
    # prompt's end and the line's differ), the answer's words included.
    assert answer > 8
    assert stats.reused_tokens - reused >= so_far - 8


async def test_asked_the_way_an_agent_tells_where_the_towns_places_are(town):
    """Asked the way, an agent answers with where its town's places are (places.py's
    directions), not with "I'm afraid I've forgotten" or a place the town does not have."""
    town.sync([agents_pb2.AgentState(agent_id="john_lin", place_id="willow_market.pharmacy")], EIGHT_AM + 9800)
    for line, place in (("Where can I get a coffee around here?", "Hobbs Cafe"),
                        ("Is there a park nearby?", "Oak Park"), ("Where does Isabella live?", "Rodriguez Apartment")):
        said = "".join([p async for p in town.chat("john_lin", "Robin", line, EIGHT_AM + 9860)])
        assert place in said, (line, said)
