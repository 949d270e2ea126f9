"""Control flow of the minds, with a scripted model (tests/town_script.py) behind the real
server, memory and retrieval: reflection, reactions, conversations, persistence."""

from __future__ import annotations

import asyncio

import pytest

from agent_server.llm.base import LLMRequest
from agent_server.mind import Step
from agent_server.options import MindOptions
from agent_server.prompts import converse
from agent_server.prompts.phrases import progressive
from agent_server.reacting import Reaction
from agent_server.reflection import THRESHOLD
from agent_server.scheduler import Priority
from agent_server.settings import Settings
from agent_server.town import OBJECT
from simulacra.v1 import agents_pb2
from tests.conftest import start_scripted
from tests.scripted_model import ScriptedModel, choice_options
from tests.town_script import TownScript

EIGHT_AM = 8 * 3600
NINE_AM = 9 * 3600


def _sees(agent_id: str, other_id: str, activity: str, distance: float = 3.0) -> agents_pb2.AgentState:
    return agents_pb2.AgentState(
        agent_id=agent_id,
        place_id="oak_park.lawn",
        perceptions=[agents_pb2.Perception(agent=agents_pb2.PerceivedAgent(agent_id=other_id, activity=activity),
                                           distance=distance)],
    )


async def _sync(society, states, now):
    """One SyncWorld, the background thinking it starts, then every agent's waiting commands."""
    commands = society.sync(states, now)
    await society.settle()
    return commands + [c for agent_id in society.minds for c in society.world.take_outbox(agent_id)]


@pytest.fixture
async def running(tmp_path, embedder, town_script):
    server = await start_scripted(tmp_path, ScriptedModel(town_script), embedder)
    yield server
    await server.stop()


async def test_seed_paragraph_becomes_first_memories(running):
    memory = running.society.f.memory
    seeds = [m.description for m in memory.all("isabella") if m.kind == "observation"]
    assert seeds == [
        "Isabella Rodriguez is the owner of Hobbs Cafe.",
        "She is warm, outgoing and loves making people feel welcome.",
        "She opens the cafe every morning, bakes pastries and chats with her customers.",
        "She lives in the Rodriguez Apartment and likes to walk in Oak Park after work.",
    ]


async def test_next_action_follows_the_plan_and_sleeps_before_waking(running):
    society = running.society
    asleep = await society.next_action("mei_lin", 3 * 3600)  # before the scripted 6 am wake-up
    assert asleep.activity.description == "sleeping"
    assert asleep.move_to.place_id == "lin_house.kitchen.stove"  # her home place in the scenario
    # The minds planned ahead at the start (08:00): make coffee, serve customers, clean
    # tables, bake bread, 15 minutes each; an agent asking mid-step gets what is left of it.
    awake = await society.next_action("mei_lin", EIGHT_AM + 20 * 60)
    assert (awake.activity.description, awake.activity.duration_minutes) == ("serve customers", 10)
    later = await society.next_action("mei_lin", EIGHT_AM + 40 * 60)
    assert (later.activity.description, later.activity.duration_minutes) == ("clean tables", 5)
    # Meanwhile the next hour is decomposed ahead of time, from its start...
    await society.settle()
    prepared = await society.next_action("mei_lin", EIGHT_AM + 80 * 60)
    assert (prepared.activity.description, prepared.activity.duration_minutes) == ("serve customers", 10)
    # ...and an hour nobody prepared is decomposed from the moment it is asked for.
    await society.settle()
    on_demand = await society.next_action("mei_lin", EIGHT_AM + 200 * 60)
    assert (on_demand.activity.description, on_demand.activity.duration_minutes) == ("make coffee", 15)
    mind = society.minds["mei_lin"]
    assert [s.start for s in mind.state.hourly] == sorted(s.start for s in mind.state.hourly)
    assert all(s.place_id in society.town for s in mind.state.actions)
    # Places are chosen among the sectors the agent knows: her home and those her seed names.
    assert {society.town.sector_of(s.place_id).id for s in mind.state.actions} <= set(mind.state.known_sectors)


async def test_reflection_fires_when_importance_passes_the_threshold(tmp_path, embedder):
    script = TownScript(importance="8")
    server = await start_scripted(tmp_path, ScriptedModel(script), embedder)
    try:
        society = server.society
        mind = society.minds["isabella"]
        n = 0
        while mind.state.importance_since_reflection <= THRESHOLD - 8:
            n += 1
            await _sync(society, [agents_pb2.AgentState(agent_id="isabella", perceptions=[agents_pb2.Perception(
                object=agents_pb2.PerceivedObject(place_id="hobbs_cafe.counter.coffee_machine", state=f"brewing cup {n}"))])],
                EIGHT_AM + n * 60)
        assert not society.f.memory.recent("isabella", 200)[0].kind == "reflection"
        await _sync(society, [agents_pb2.AgentState(agent_id="isabella", perceptions=[agents_pb2.Perception(
            object=agents_pb2.PerceivedObject(place_id="hobbs_cafe.counter.coffee_machine", state="broken"))])],
            EIGHT_AM + 3600)
        reflections = [m for m in society.f.memory.all("isabella") if m.kind == "reflection"]
        # The scripted model gives the same two insights to all three questions: stored once.
        assert [r.description for r in reflections] == ["Isabella cares about her cafe", "Isabella is busy"]
        for reflection in reflections:
            assert reflection.evidence_ids and all(society.f.memory.get(i).agent_id == "isabella"
                                                   for i in reflection.evidence_ids)
        assert mind.state.importance_since_reflection == 0
    finally:
        await server.stop()


async def test_a_repeated_observation_is_stored_once(running):
    society = running.society
    before = society.f.memory.count("john_lin")
    for minute in range(3):
        await _sync(society, [_sees("john_lin", "mei_lin", "reading a book", distance=20)], EIGHT_AM + minute * 60)
    assert society.f.memory.count("john_lin") == before + 1


async def test_what_someone_is_doing_is_remembered_and_told_in_the_progressive(running):
    """A plan's action ("bake bread for the party", as said after "will") is what another
    sees someone doing, and what the agent is doing in its prompts, in -ing: not "Mei Lin
    is bake bread"."""
    society = running.society
    await _sync(society, [_sees("john_lin", "mei_lin", "wake up and get ready; then bake bread for the fair",
                                distance=20)], EIGHT_AM)
    assert "Mei Lin is waking up and getting ready; then baking bread for the fair" in [
        m.description for m in society.f.memory.recent("john_lin", 5)]
    await _sync(society, [_sees("john_lin", "mei_lin", "lunch at the cafe", distance=20)], EIGHT_AM + 60)
    assert "Mei Lin is having lunch at the cafe" in [m.description for m in society.f.memory.recent("john_lin", 5)]
    for action, said in (("sit by the window", "sitting"), ("plan the lesson", "planning"), ("lie down", "lying"),
                         ("see a friend", "seeing"), ("visit Sam", "visiting"),
                         ("read and write", "reading and writing"), ("bake bread and cakes", "baking bread and cakes"),
                         ("buy food and drink", "buying food and drink"), ("reading", "reading"), ("idle", "idle"),
                         ("at work", "at work")):
        assert progressive(action).startswith(said), action
    mind = society.minds["john_lin"]
    current, mind.current = mind.current, Step(EIGHT_AM, 30, "open the pharmacy", mind.agent.home_place_id)
    try:
        assert mind.activity().startswith("opening the pharmacy at the ")
        named = next(p for p in society.f.town.places() if p.name[:1].isupper())  # "John's bed"
        mind.current = Step(EIGHT_AM, 30, "sleep", named.id)
        assert mind.activity() == f"sleeping at {named.name}"
        mind.current = Step(EIGHT_AM, 30, "take a walk", "")
        assert mind.activity() == "taking a walk somewhere"
    finally:
        mind.current = current


async def test_a_reaction_replans_from_now(tmp_path, embedder):
    script = TownScript(reaction="Do something else.")
    server = await start_scripted(tmp_path, ScriptedModel(script), embedder)
    try:
        society = server.society
        await society.next_action("isabella", EIGHT_AM)
        commands = await _sync(society, [_sees("isabella", "john_lin", "crying on the bench", distance=20)],
                               EIGHT_AM + 600)
        assert [c.activity.description for c in commands] == ["bake bread for the party"]
        assert society.minds["isabella"].state.actions[0].description == "bake bread for the party"
        assert any("decided to bake bread for the party" in m.description
                   for m in society.f.memory.recent("isabella", 5))
    finally:
        await server.stop()


async def test_conversation_turns_alternate_and_end(tmp_path, embedder):
    script = TownScript(reaction="Talk to", end_conversation_after=4)
    server = await start_scripted(tmp_path, ScriptedModel(script), embedder)
    try:
        society = server.society
        commands = await _sync(society, [_sees("isabella", "john_lin", "walking in the park")], EIGHT_AM)
        conversation = society.conversations[-1]
        speakers = [speaker for speaker, _, _ in conversation.lines]
        assert speakers == ["isabella", "john_lin", "isabella", "john_lin"]
        assert conversation.ended_at and conversation.summary == "They talked about the party."
        start, end = agents_pb2.ConversationEvent.KIND_START, agents_pb2.ConversationEvent.KIND_END
        for agent_id in ("isabella", "john_lin"):
            events = [c.conversation.kind for c in commands if c.agent_id == agent_id and c.HasField("conversation")]
            assert events == [start, end]
        said = [c.utterance.text for c in commands if c.HasField("utterance")]
        assert sorted(said) == sorted(text for _, _, text in conversation.lines)
        # Both remember what was said: what one says becomes what the other knows.
        heard = [m.description for m in society.f.memory.all("john_lin") if m.kind == "dialogue"]
        assert any("are you coming to the party?" in h for h in heard)
        assert not any(m.in_conversation for m in society.minds.values())
    finally:
        await server.stop()


async def test_a_conversation_going_round_in_circles_ends(tmp_path, embedder):
    script = TownScript(reaction="Talk to", end_conversation_after=99, lines=("Nice weather today.", "Hello there.",
                                                                           "Nice weather today!"))
    server = await start_scripted(tmp_path, ScriptedModel(script), embedder)
    try:
        society = server.society
        await _sync(society, [_sees("isabella", "john_lin", "walking in the park")], EIGHT_AM)
        assert [text for _, _, text in society.conversations[-1].lines] == ["Nice weather today.", "Hello there."]
    finally:
        await server.stop()


async def test_what_another_said_of_themselves_is_said_again_as_heard_not_as_ones_own(tmp_path, embedder):
    script = TownScript(reaction="Talk to", end_conversation_after=2, lines=(
        "I have decided to run for mayor of the town council.",
        "Great news! I have decided to run for mayor of the town council, you know."))
    server = await start_scripted(tmp_path, ScriptedModel(script), embedder)
    try:
        society = server.society
        await _sync(society, [_sees("isabella", "john_lin", "walking in the park")], EIGHT_AM)
        lines = [text for _, _, text in society.conversations[-1].lines]
        # Said back to the one who has just said it, it is left out: not "You told me ...".
        assert lines[1] == "Great news!"
        assert society.dialogue.attributed == 1
    finally:
        await server.stop()


async def test_a_line_opening_on_someone_elses_name_is_said_to_the_listener(tmp_path, embedder):
    """Isabella talks with John; a first line copied from one to Mei ("Mei, ...") is said
    to John, and a line whose subject is someone named stays as it is."""
    script = TownScript(reaction="Talk to", end_conversation_after=2, lines=(
        "Mei, I'm holding a tea party at Hobbs Cafe on Friday.", "Mei, my neighbour, is coming too."))
    server = await start_scripted(tmp_path, ScriptedModel(script), embedder)
    try:
        society = server.society
        await _sync(society, [_sees("isabella", "john_lin", "walking in the park")], EIGHT_AM)
        lines = [(name, text) for _, name, text in society.conversations[-1].lines]
        assert lines[0][1].startswith("John, I'm holding a tea party") and lines[0][0] == "Isabella Rodriguez"
        assert lines[1][1] == "Mei, my neighbour, is coming too."
        assert society.dialogue.readdressed == 1
    finally:
        await server.stop()


def test_a_line_calling_another_by_name_is_said_to_the_listener():
    from agent_server.dialogue import addressed

    people = ("May Chen", "Diego Ruiz", "Sam Moore")
    assert addressed("May, I'm holding a party on Friday.", "Diego Ruiz", people) == \
        "Diego, I'm holding a party on Friday."
    assert addressed("Oh, hello May! Are you coming?", "Diego Ruiz", people) == "Oh, hello Diego! Are you coming?"
    for kept in ("Sam, my neighbour, is running for mayor.", "Wow, what a day.", "May I ask you something?",
                 "Diego, hello.", "Maybe, who knows."):
        assert addressed(kept, "Diego Ruiz", people) == kept, kept


def test_a_line_repeating_what_a_third_said_of_themselves_tells_who_said_it():
    from types import SimpleNamespace

    from agent_server.dialogue import as_heard

    tom, arthur = SimpleNamespace(name="Tom Moreno"), SimpleNamespace(name="Arthur Burton")
    heard = ['Sam Moore said to Tom Moreno: "I have decided to run for mayor of Smallville. I love this town."',
             'Arthur Burton said to Tom Moreno: "I have a new dog."']
    line = "I have decided to run for mayor of Smallville! I'm looking forward to a seat on the council."
    assert as_heard(line, heard, tom, arthur) == ('Sam Moore told me, "I have decided to run for mayor of '
                                                  'Smallville." I\'m looking forward to a seat on the council.')
    # Of someone else, of oneself in other words, or what it said itself: its own line.
    for own in ("I think Sam is running for mayor of Smallville.", "I have decided to open a shop.",
                "Sam has decided to run for mayor of Smallville."):
        assert as_heard(own, heard, tom, arthur) == own, own
    assert as_heard("I have decided to run for mayor of Smallville.", heard[:1],
                    SimpleNamespace(name="Sam Moore"), arthur) == "I have decided to run for mayor of Smallville."
    # What is its own to tell stays its own, whoever said it back to it.
    echoed = ['Giorgio Rossi said to Isabella Rodriguez: "I\'m holding the Valentine\'s Day party at Hobbs Cafe."']
    isabella, giorgio = SimpleNamespace(name="Isabella Rodriguez"), SimpleNamespace(name="Giorgio Rossi")
    line = "I'm holding the Valentine's Day party at Hobbs Cafe tomorrow!"
    assert as_heard(line, echoed, isabella, giorgio).startswith("You told me")
    assert as_heard(line, echoed, isabella, giorgio, own=[frozenset({"valentine", "party", "hobbs", "cafe"})]) == line


def test_a_line_saying_again_what_the_listener_has_just_said_leaves_it_out():
    """Said to the one who said it in this conversation, an echo of their line is no line
    of one's own ("You told me you have decided to run for mayor ..." said to the
    candidate who had just said so, with "You told me ..." twice in one line): it is left
    out, and a line that was nothing else is nothing. What they said in another
    conversation is still told back to them, as what they told."""
    from types import SimpleNamespace

    from agent_server.dialogue import as_heard

    kofi, lena = SimpleNamespace(name="Kofi Mensah"), SimpleNamespace(name="Lena Brandt")
    just = ['Lena Brandt said to Kofi Mensah: "I have bought the old bakery on Mill Street. I start baking bread in May."']
    line = "How exciting! I have bought the old bakery on Mill Street, you said."
    assert as_heard(line, just, kofi, lena, present=just) == "How exciting!"
    assert as_heard("I have bought the old bakery on Mill Street. I start baking bread in May.", just, kofi, lena,
                    present=just) == ""
    assert as_heard(line, just, kofi, lena).startswith("How exciting! You told me you have bought the old bakery")
    # Another's words said in this conversation by someone else are still said as heard.
    other = ['Ida Park said to Kofi Mensah: "I have bought the old bakery on Mill Street."']
    assert as_heard(line, other, kofi, lena, present=just) == \
        'How exciting! Ida Park told me, "I have bought the old bakery on Mill Street."'
    # What a third said to the speaker of the speaker is no news to pass on: left out.
    praise = ['Ida Park said to Kofi Mensah: "I just love your style and your lovely garden gate."']
    assert as_heard("Hello Lena. I just love your style and your lovely garden gate.", praise, kofi, lena) == \
        "Hello Lena."


def test_news_passed_on_names_who_first_said_it_and_leaves_out_the_tellers_between():
    """A line heard from one who was passing on what another said is told on with the one
    who first said it, not as a quotation within a quotation, which grew by a teller at
    each telling ('Ada Voss told me, "Bo Ring told me, "Cy Marsh told me, ...')."""
    from types import SimpleNamespace

    from agent_server.answering import heard_from, statements
    from agent_server.dialogue import as_heard
    from agent_server.identity import Identity

    assert heard_from("Ada Voss", "I found a fox in the orchard.") == 'Ada Voss told me, "I found a fox in the orchard."'
    assert heard_from("Ada Voss", 'Bo Ring told me, "Cy Marsh told me, "I found a fox in the orchard.') == \
        'Ada Voss told me Cy Marsh said, "I found a fox in the orchard."'
    assert heard_from("Ada Voss", 'Bo Ring told me Cy Marsh said, "I found a fox." It was late.') == \
        'Ada Voss told me Cy Marsh said, "I found a fox."'
    # In a conversation's line, and in what the agent knows to answer a question with.
    heard = ['Ada Voss said to Dee Holt: "Cy Marsh told me, "I have found a fox living in the orchard.""']
    dee, eli = SimpleNamespace(name="Dee Holt"), SimpleNamespace(name="Eli Park")
    assert as_heard("I have found a fox living in the orchard!", heard, dee, eli) == \
        'Ada Voss told me Cy Marsh said, "I have found a fox living in the orchard."'
    mind = SimpleNamespace(name="Dee Holt", first_name="Dee", identity=Identity(name="Dee Holt"))
    assert 'Ada Voss told me Cy Marsh said, "I have found a fox living in the orchard."' in statements(
        mind, heard, "Eli Park")


async def test_minds_and_memories_persist_across_a_restart(tmp_path, embedder):
    server = await start_scripted(tmp_path, ScriptedModel(TownScript()), embedder)
    await server.society.next_action("john_lin", EIGHT_AM)
    chunks = [p async for p in server.society.chat("john_lin", "Ann", "Hello John!", EIGHT_AM + 60)]
    await server.society.settle()  # the exchange is remembered in the background
    count = server.society.f.memory.count("john_lin")
    plan = [s.description for s in server.society.minds["john_lin"].state.hourly]
    await server.stop()

    again = await start_scripted(tmp_path, ScriptedModel(TownScript()), embedder)
    try:
        society = again.society
        assert society.f.memory.count("john_lin") == count
        assert [s.description for s in society.minds["john_lin"].state.hourly] == plan
        assert society.conversations[-1].lines[0][2] == "Hello John!"
        assert society.world.game_time >= EIGHT_AM
        assert chunks
    finally:
        await again.stop()


# ---- the evaluation's ablations and the journal ----------------------------------------------


async def test_without_planning_agents_decide_each_hour_as_it_comes(tmp_path, embedder, town_script):
    server = await start_scripted(tmp_path, ScriptedModel(town_script), embedder, planning=False)
    try:
        society = server.society
        used = set(server.scheduler.stats)
        assert "day_plan" not in used and "hourly_plan" not in used and "wake_up" not in used
        command = await society.next_action("mei_lin", EIGHT_AM + 20 * 60)
        mind = society.minds["mei_lin"]
        assert mind.state.day_plan == [] and mind.state.hourly == []
        # The hour is still decomposed into actions at real places, from who she is.
        assert command.activity.description and command.move_to.place_id
        assert "decompose" in server.scheduler.stats
        assert "day_plan" not in server.scheduler.stats
    finally:
        await server.stop()


async def test_without_reflection_no_reflection_is_ever_due(tmp_path, embedder, town_script):
    server = await start_scripted(tmp_path, ScriptedModel(town_script), embedder, reflection=False)
    try:
        mind = server.society.minds["isabella"]
        mind.state.importance_since_reflection = THRESHOLD * 10
        assert not server.society.reflector.due(mind)
    finally:
        await server.stop()


async def test_the_journal_hears_steps_commands_and_memories(running):
    society = running.society
    heard: list[dict] = []
    society.f.journal.subscribe(heard.append)
    command = await society.next_action("isabella", EIGHT_AM + 10 * 60)
    await _sync(society, [_sees("mei_lin", "isabella", "reading a book")], EIGHT_AM + 11 * 60)
    types = [r["type"] for r in heard]
    assert "command" in types and "step" in types and "memory" in types
    [given] = [r for r in heard if r["type"] == "command"]
    assert (given["agent"], given["doing"], given["place"]) == (
        "isabella", command.activity.description, command.move_to.place_id)
    [step] = [r for r in heard if r["type"] == "step"]
    assert step["t"] == EIGHT_AM + 11 * 60 and step["agents"][0]["id"] == "mei_lin"
    assert any(r["agent"] == "mei_lin" and "Isabella" in r["text"] for r in heard if r["type"] == "memory")


def test_the_minds_options_default_to_the_settings_defaults_and_the_baseline_turns_its_own():
    assert MindOptions.from_settings(Settings.model_construct()) == MindOptions()  # the defaults alone
    baseline = MindOptions.from_settings(Settings.model_construct(baseline=True, level_of_detail=True))
    assert baseline.sequential and not baseline.cache_places and not baseline.level_of_detail
    assert MindOptions.from_settings(Settings.model_construct(reflection_threshold=40, topic_choice=False)) == \
        MindOptions(reflection_threshold=40, topic_choice=False)


async def test_the_baseline_thinks_one_agent_at_a_time(tmp_path, embedder, town_script):
    server = await start_scripted(tmp_path, ScriptedModel(town_script), embedder, baseline=True)
    try:
        society = server.society
        assert len({id(m.lock) for m in society.minds.values()}) == 1  # one lock for every mind
        assert all(m.planned_for(EIGHT_AM) for m in society.minds.values())  # seeded and planned, no deadlock
        command = await society.next_action("john_lin", EIGHT_AM + 20 * 60)
        assert command.activity.description
        assert not society.planner.places.cache_places
    finally:
        await server.stop()


async def test_an_hour_chooses_its_area_once_and_a_routine_hour_costs_no_place_choice(running):
    society = running.society
    stats = society.f.scheduler.stats
    await society.settle()
    mind = society.minds["mei_lin"]
    before = stats["choose_place"].calls
    await society.next_action("mei_lin", EIGHT_AM + 200 * 60)  # an hour nobody prepared: decomposed now
    await society.settle()
    # The scripted hours all read "work at the cafe": one area for all of them, chosen
    # (sector, then arena) at most once, when the day was planned; each action's object
    # in that arena is chosen by meaning, without the model.
    assert stats["choose_place"].calls == before
    hour = [s for s in mind.state.actions if s.start >= EIGHT_AM + 180 * 60]
    assert len(hour) >= 4 and len({society.town.place(s.place_id).parent_id for s in hour}) == 1
    assert society.town.place(hour[0].place_id).kind == OBJECT
    # A new kind of hour: its four actions cost at most the two choices of its area.
    chunk = Step(EIGHT_AM + 6 * 3600, 60, "take a walk and read in the park")
    calls = stats["choose_place"].calls
    steps = await society.planner.decompose(mind, chunk, start=chunk.start, end=chunk.end)
    assert len(steps) == 4 and stats["choose_place"].calls - calls <= 2
    assert all(s.place_id in society.town for s in steps)


def _far(agent_id: str, distant: bool = True, seen: tuple[str, ...] = ()) -> agents_pb2.AgentState:
    return agents_pb2.AgentState(agent_id=agent_id, place_id="oak_park.lawn", distant=distant, perceptions=[
        agents_pb2.Perception(agent=agents_pb2.PerceivedAgent(agent_id=other, activity="reading"), distance=3.0)
        for other in seen])


async def test_a_distant_agent_follows_its_hours_coarsely_and_catches_up_when_the_player_comes_near(running):
    society = running.society
    await society.settle()
    stats, mind = society.f.scheduler.stats, society.minds["mei_lin"]
    eleven_twenty = EIGHT_AM + 200 * 60  # an hour nobody prepared
    await _sync(society, [_far("mei_lin")], eleven_twenty - 60)
    decomposed = stats["decompose"].calls
    command = await society.next_action("mei_lin", eleven_twenty)
    await society.settle()  # the next hour is prepared (coarsely too)
    assert stats["decompose"].calls == decomposed
    assert mind.current.coarse and command.activity.description == mind.chunk_at(eleven_twenty).description
    assert command.activity.duration_minutes == 40  # the rest of the hour, as one action
    assert society.f.detail.saved["decompose"] == 2
    # The player comes near: the rest of the hour is decomposed at once, and the agent
    # is told its first action without asking.
    commands = await _sync(society, [_far("mei_lin", distant=False)], eleven_twenty + 300)
    assert stats["decompose"].calls == decomposed + 1
    told = [c for c in commands if c.agent_id == "mei_lin" and c.activity.description]
    assert [c.activity.description for c in told] == ["make coffee"] and not mind.current.coarse
    # ...and the next hour, prepared coarsely, is decomposed in full when it comes.
    await society.next_action("mei_lin", EIGHT_AM + 4 * 3600 + 60)
    assert not mind.current.coarse and stats["decompose"].calls == decomposed + 2


async def test_a_distant_agent_makes_few_decisions_and_full_detail_can_be_switched_off(running):
    society = running.society
    await society.settle()
    stats = society.f.scheduler.stats
    assert set(society.minds) == {"isabella", "mei_lin", "john_lin"}
    before = stats["react"].calls
    await _sync(society, [_far("john_lin", seen=("isabella", "mei_lin"))], EIGHT_AM + 600)
    assert stats["react"].calls == before + 1  # one decision this game hour, for two agents in view
    assert society.f.detail.saved["react"] == 1
    # Evaluation runs and the baseline think in full detail, whatever the world says.
    society.f.detail.enabled = False
    before = stats["react"].calls
    await _sync(society, [_far("mei_lin", seen=("isabella", "john_lin"))], EIGHT_AM + 900)
    assert stats["react"].calls == before + 2


async def test_the_next_action_never_waits_for_the_next_hour_being_prepared(tmp_path, embedder, town_script):
    model = ScriptedModel(town_script)
    server = await start_scripted(tmp_path, model, embedder)
    try:
        society = server.society
        await society.settle()
        # A town that starts has its agents' next hour decomposed before it starts, so
        # that they do not all wait for it at once when it comes.
        assert any(s.covers(NINE_AM) for s in society.minds["mei_lin"].state.actions)
        stats = society.f.scheduler.stats
        before = stats["decompose"].calls
        model.release.clear()  # the model is busy: whatever asks it now waits
        first = await asyncio.wait_for(society.next_action("mei_lin", NINE_AM + 5 * 60), 5)
        await asyncio.sleep(0.1)  # preparing 10:00 has started, and waits for the model
        assert stats["decompose"].calls == before + 1
        second = await asyncio.wait_for(society.next_action("mei_lin", NINE_AM + 20 * 60), 5)
        assert (first.activity.description, second.activity.description) == ("make coffee", "serve customers")
        # At ten, the agent waits for the hour already being prepared, not for a second one.
        ten = asyncio.create_task(society.next_action("mei_lin", NINE_AM + 3600 + 60))
        await asyncio.sleep(0.1)
        model.release.set()
        assert (await asyncio.wait_for(ten, 10)).activity.description == "make coffee"
        await society.settle()
        clock = society.minds["mei_lin"].clock(NINE_AM + 3600)
        ten_o_clock = [r for r in model.history
                       if r.purpose == "decompose" and clock in r.messages[-1]["content"]]
        assert len(ten_o_clock) == 1
    finally:
        model.release.set()
        await server.stop()


async def test_an_agent_waiting_for_its_hour_hastens_the_work_preparing_it(tmp_path, embedder, town_script):
    model = ScriptedModel(town_script)
    server = await start_scripted(tmp_path, model, embedder)
    try:
        society = server.society
        scheduler = society.f.scheduler
        earlier = len(model.history)
        blocker = await _model_busy(model, scheduler)
        await asyncio.wait_for(society.next_action("mei_lin", NINE_AM + 5 * 60), 5)
        await asyncio.sleep(0.1)  # preparing 10:00 waits for the model, at planning's priority
        reaction = await _queued_reaction(scheduler)
        # Nobody waits for the hour yet: the reaction, more urgent, would go first. Now
        # Mei stands waiting for it.
        ten = asyncio.create_task(society.next_action("mei_lin", NINE_AM + 3600 + 60))
        await asyncio.sleep(0.1)
        model.release.set()
        assert (await asyncio.wait_for(ten, 10)).activity.description == "make coffee"
        await asyncio.gather(blocker, reaction)
        asked = [r.messages[-1]["content"] for r in model.history[earlier:]]
        clock = society.minds["mei_lin"].clock(NINE_AM + 3600)
        preparing = next(i for i, r in enumerate(model.history[earlier:])
                         if r.purpose == "decompose" and clock in r.messages[-1]["content"])
        assert asked[0] == "blocker" and preparing < asked.index("a reaction")
        assert society.planner.waits["hour_being_prepared"] == 1
    finally:
        model.release.set()
        await server.stop()


async def test_an_agent_waiting_for_its_mind_hastens_whatever_holds_it(tmp_path, embedder, town_script):
    model = ScriptedModel(town_script)
    server = await start_scripted(tmp_path, model, embedder)
    try:
        society = server.society
        scheduler, mind = society.f.scheduler, society.minds["mei_lin"]
        earlier = len(model.history)
        blocker = await _model_busy(model, scheduler)
        # Mei changes course (a reaction): choosing the place for it holds her mind.
        reacting = asyncio.create_task(society._act_on(
            mind, Reaction("change", "isabella", instead="bake bread for the party", because="the party"),
            NINE_AM + 600))
        await asyncio.sleep(0.05)
        other = await _queued_reaction(scheduler)
        asking = asyncio.create_task(society.next_action("mei_lin", NINE_AM + 660))  # waits for her mind
        await asyncio.sleep(0.1)
        model.release.set()
        await asyncio.wait_for(asyncio.gather(reacting, asking, other, blocker), 10)
        asked = [r.messages[-1]["content"] for r in model.history[earlier:]]
        choosing = next(i for i, text in enumerate(asked) if "bake bread for the party" in text)
        assert asked[0] == "blocker" and choosing < asked.index("a reaction")
        assert mind.holder_urgency is None  # nobody holds it now
    finally:
        model.release.set()
        await server.stop()


async def _model_busy(model: ScriptedModel, scheduler) -> asyncio.Task:
    """The model taken by a request of the lowest priority, until `model.release`."""
    model.release.clear()
    blocker = asyncio.create_task(scheduler.complete(_asked("blocker"), Priority.IMPORTANCE, "blocker"))
    await asyncio.sleep(0.05)
    return blocker


async def _queued_reaction(scheduler) -> asyncio.Task:
    """A request more urgent than planning, waiting for the model."""
    reaction = asyncio.create_task(scheduler.complete(_asked("a reaction"), Priority.REACTION, "react"))
    await asyncio.sleep(0.05)
    return reaction


def _asked(text: str) -> LLMRequest:
    return LLMRequest(messages=[{"role": "user", "content": text}])


async def test_an_hour_planned_coarsely_is_decomposed_if_the_player_is_near_when_it_comes(running):
    society = running.society
    await society.settle()
    mind = society.minds["john_lin"]
    await _sync(society, [_far("john_lin")], NINE_AM + 600)  # 09:00 was prepared in full at the start
    await society.planner.prepare_next_hour(mind, NINE_AM + 600)
    ten = NINE_AM + 3600
    assert [s.coarse for s in mind.state.actions if s.covers(ten)] == [True]
    society.f.detail.report("john_lin", False)  # the player is near now, with no catch-up on the way
    command = await society.next_action("john_lin", ten + 60)
    assert not mind.current.coarse and command.activity.description == "make coffee"


async def test_a_host_is_at_its_own_event_and_gets_the_place_ready_before(tmp_path, embedder, town_script):
    """Whatever the model's plan says, the hours of an event the agent hosts (its seed's)
    hold the event at its place, and the hour before, getting the place ready; so do
    they after a replan and after a restart."""
    from tests.test_character import TEA_PARTY
    server = await start_scripted(tmp_path, ScriptedModel(town_script), embedder, scenario_path=TEA_PARTY)
    try:
        society = server.society
        mind = society.minds["isabella"]
        hours = {s.start: s for s in mind.state.hourly}
        assert hours[EIGHT_AM].description == "get Hobbs Cafe ready for the tea party"
        assert hours[NINE_AM].description == "host the tea party at Hobbs Cafe"
        assert hours[EIGHT_AM].place_id == hours[NINE_AM].place_id == "hobbs_cafe"
        assert mind.state.wake_hour <= 8
        # The other hours are the model's, and nobody else holds the event.
        assert hours[NINE_AM + 3600].description != hours[NINE_AM].description
        assert not any("tea party" in s.description for m in society.minds.values() if m is not mind
                       for s in m.state.hourly)
        # The world walks her there: every action of those hours is in the cafe.
        for at in (EIGHT_AM + 10 * 60, NINE_AM + 20 * 60):
            step = await society.next_action("isabella", at)
            assert society.town.sector_of(step.move_to.place_id).id == "hobbs_cafe", step
        # A replan rewrites the rest of the day; the event's hour still holds it.
        await society.planner.replan(mind, EIGHT_AM + 30 * 60, because="Mei Lin asked for help")
        assert mind.chunk_at(NINE_AM).description == "host the tea party at Hobbs Cafe"
    finally:
        await server.stop()
    restarted = await start_scripted(tmp_path, ScriptedModel(town_script), embedder, scenario_path=TEA_PARTY)
    try:
        again = restarted.society.minds["isabella"]
        assert len(again.state.commitments) == 2  # kept in the save, not added twice
        assert again.chunk_at(NINE_AM).place_id == "hobbs_cafe"
    finally:
        await restarted.stop()


async def test_news_of_its_own_that_an_agent_means_to_tell_takes_it_round_each_morning(tmp_path, embedder,
                                                                                        town_script):
    """A seed that is no event and seeks people ("wants to tell his friends and
    neighbours") is an hour's round of visits at 10 am on each of the first days, held
    whatever the model's plan says and kept in the save; a seed that seeks no one is
    not."""
    from agent_server.places import ANYONE
    from tests.test_character import TEA_PARTY

    scenario = tmp_path / "tea_party.toml"
    scenario.write_text(TEA_PARTY.read_text().replace('town = "../../towns/', f'town = "{TEA_PARTY.parent}/../../towns/')
                        + '\n[[seeds]]\nagent = "john_lin"\ntext = "John Lin has decided to stand for the town council. '
                        'He wants to tell his friends and neighbours about it and ask for their support."\n'
                        'topic = ["council"]\n'
                        '\n[[seeds]]\nagent = "mei_lin"\ntext = "Mei Lin is writing a book about Plato."\n'
                        'topic = ["book"]\n')
    server = await start_scripted(tmp_path, ScriptedModel(town_script), embedder, scenario_path=scenario)
    try:
        john = server.society.minds["john_lin"]
        rounds = [c for c in john.state.commitments if c.visiting == ANYONE]
        assert [(c.start, c.minutes) for c in rounds] == [(d * 24 * 3600 + 10 * 3600, 60) for d in range(3)]
        assert not server.society.minds["mei_lin"].state.commitments
        ten = john.chunk_at(10 * 3600 + 60)
        assert ten.description == rounds[0].description and ten.visiting == ANYONE
        # The round goes to the one he knows who lives elsewhere: Isabella, at her home.
        step = await server.society.next_action("john_lin", 10 * 3600 + 60)
        assert john.current.visiting == "isabella", john.current
        assert server.society.town.sector_of(step.move_to.place_id).id == "rodriguez_apartment"
    finally:
        await server.stop()
    restarted = await start_scripted(tmp_path, ScriptedModel(town_script), embedder, scenario_path=scenario)
    try:
        assert len(restarted.society.minds["john_lin"].state.commitments) == 3  # kept, not added twice
    finally:
        await restarted.stop()


INVITATION = ("Good morning, John!", "Good morning, Isabella.",
              "I'm having a dinner at Hobbs Cafe tomorrow at 6 pm, will you come?", "I would love to, thank you!")


@pytest.mark.parametrize("goes", [True, False])
async def test_a_heard_invitation_is_kept_with_its_place_and_time_and_becomes_a_plan(tmp_path, embedder, goes):
    """A line that tells of a gathering is kept as a structured memory (what, who, where,
    when: the place and time from the words), beside the dialogue; the listener decides
    whether to go, and if it goes, its next day's plan holds the gathering there."""
    script = TownScript(reaction="Talk to", end_conversation_after=4, lines=INVITATION,
                        go_to_gathering="Yes" if goes else "No")
    server = await start_scripted(tmp_path, ScriptedModel(script), embedder)
    try:
        society = server.society
        await _sync(society, [_sees("isabella", "john_lin", "walking in the park")], EIGHT_AM)
        john, isabella = society.minds["john_lin"], society.minds["isabella"]
        tomorrow_six = 24 * 3600 + 18 * 3600
        [event] = john.state.heard_events
        assert (event.what, event.teller, event.place_id, event.start) == (
            "a dinner", "Isabella Rodriguez", "hobbs_cafe", tomorrow_six)
        assert event.going is goes
        assert isabella.state.heard_events == []  # John's lines told of no gathering
        kept = [m.description for m in society.f.memory.all("john_lin") if m.kind == "observation"]
        assert any(m.startswith("Isabella Rodriguez told John Lin about a dinner at Hobbs Cafe") for m in kept)
        going = [c for c in john.state.commitments if c.start == tomorrow_six]
        assert [c.place_id for c in going] == (["hobbs_cafe"] if goes else [])
        # The next day, the plan holds it, and the world walks him there.
        step = await society.next_action("john_lin", tomorrow_six + 10 * 60)
        at_cafe = society.town.sector_of(step.move_to.place_id).id == "hobbs_cafe"
        assert john.chunk_at(tomorrow_six).description == ("go to a dinner at Hobbs Cafe" if goes else
                                                           "work at the cafe")
        assert at_cafe if goes else True
        # Kept in the save.
    finally:
        await server.stop()
    restarted = await start_scripted(tmp_path, ScriptedModel(TownScript()), embedder)
    try:
        assert [e.place_id for e in restarted.society.minds["john_lin"].state.heard_events] == ["hobbs_cafe"]
    finally:
        await restarted.stop()


async def test_lines_without_a_time_ask_the_model_nothing_about_gatherings(tmp_path, embedder):
    script = TownScript(reaction="Talk to", end_conversation_after=4,
                        lines=("Nice weather.", "Hello there.", "How is the cafe?", "Busy, as ever."))
    model = ScriptedModel(script)
    server = await start_scripted(tmp_path, model, embedder)
    try:
        await _sync(server.society, [_sees("isabella", "john_lin", "walking in the park")], EIGHT_AM)
        assert not any(r.purpose == "invitation" for r in model.history)
        assert all(m.state.heard_events == [] for m in server.society.minds.values())
    finally:
        await server.stop()


def _line_prompts(model: ScriptedModel, name: str) -> list[str]:
    return [r.messages[-1]["content"] for r in model.history
            if r.purpose in ("conversation", "greeting") and (r.grammar or "").startswith(f'root ::= "{name}: ')]


def _topic_choices(model: ScriptedModel) -> list[LLMRequest]:
    """A conversation's choices other than whether it has come to an end: its topics."""
    return [r for r in model.history if r.purpose == "conversation" and choice_options(r)
            and choice_options(r) != list(converse.END_OPTIONS)]


async def test_a_speaker_chooses_its_topic_among_what_it_knows_and_does_not_repeat_it(tmp_path, embedder):
    """The host's candidates hold its event (an invitation to this listener), the other's
    activity and small talk; the chosen topic goes into its lines and the journal; once
    shared with a listener it is not offered to that listener again, but is to another."""
    from tests.test_character import TEA_PARTY
    model = ScriptedModel(TownScript(reaction="Talk to", end_conversation_after=2, topic="tea party",
                                     lines=("Hello John.", "Hello Isabella.")))
    server = await start_scripted(tmp_path, model, embedder, scenario_path=TEA_PARTY)
    topics: list[dict] = []
    server.society.f.journal.subscribe(lambda r: topics.append(r) if r["type"] == "topic" else None)
    try:
        society = server.society
        await _sync(society, [_sees("isabella", "john_lin", "walking in the park")], EIGHT_AM)
        first = next(t for t in topics if t["agent"] == "isabella")
        invitation = "inviting John Lin to the tea party at Hobbs Cafe, Monday February 13, 09:00"
        assert first["topic"] == invitation and first["listener"] == "john_lin"
        assert invitation in first["candidates"] and "small talk about the day" in first["candidates"]
        assert any(c.startswith("what John is doing") for c in first["candidates"])
        assert any(f"Isabella Rodriguez wants to talk about {invitation}." in p
                   for p in _line_prompts(model, "Isabella Rodriguez"))
        assert first["key"] == "event:hobbs_cafe:32400"
        # Each is described by what it is about, not as being in the conversation.
        spoken = [r.messages[-1]["content"] for r in _topic_choices(model)] \
            + _line_prompts(model, "Isabella Rodriguez") + _line_prompts(model, "John Lin")
        assert spoken and not any("is in a conversation" in p for p in spoken)
        # John has nothing new for her: his own relationship is with Mei, not Isabella.
        john = next(t for t in topics if t["agent"] == "john_lin")
        assert not any("tea party" in c or "between them" in c for c in john["candidates"])
        isabella = society.minds["isabella"]
        assert isabella.state.told["event:hobbs_cafe:32400"] == ["john_lin"]
        assert isabella.state.heard_events[0].told == ["John Lin"]

        # The next meeting with John offers the invitation no more; a meeting with Mei does.
        topics.clear()
        isabella.state.last_talked.clear()
        society.minds["john_lin"].state.last_talked.clear()
        await _sync(society, [_sees("isabella", "john_lin", "reading")], EIGHT_AM + 1200)
        again = next(t for t in topics if t["agent"] == "isabella")
        assert not any("tea party" in c for c in again["candidates"]) and again["topic"] != invitation
        topics.clear()
        await _sync(society, [_sees("isabella", "mei_lin", "reading")], EIGHT_AM + 2400)
        with_mei = next(t for t in topics if t["agent"] == "isabella")
        assert with_mei["topic"].startswith("inviting Mei Lin to the tea party")
    finally:
        await server.stop()


@pytest.mark.parametrize("tells", [False, True])
async def test_a_first_line_that_does_not_tell_the_chosen_topic_is_said_as_the_speaker_knows_it(tmp_path, embedder,
                                                                                               tells):
    """The host chose to invite John; a first line that says nothing of the gathering
    ("Hello John.") is replaced by what the host knows of it, with its place and time,
    and John keeps the gathering from it; a line that tells it is said as written."""
    from tests.test_character import TEA_PARTY
    first = "Come to my tea party at the cafe, John." if tells else "Hello John."
    model = ScriptedModel(TownScript(reaction="Talk to", end_conversation_after=2, topic="tea party",
                                     lines=(first, "Hello Isabella.")))
    server = await start_scripted(tmp_path, model, embedder, scenario_path=TEA_PARTY)
    try:
        society = server.society
        await _sync(society, [_sees("isabella", "john_lin", "walking in the park")], EIGHT_AM)
        [conversation] = society.conversations
        said = conversation.lines[0][2]
        assert conversation.lines[0][0] == "isabella"
        assert said == (first if tells else
                        "John, I'm holding the tea party at Hobbs Cafe, Monday February 13, 09:00. I'd love you to come.")
        assert society.dialogue.topics.stated == (0 if tells else 1)
        [event] = society.minds["john_lin"].state.heard_events
        assert (event.teller, event.place_id, event.start) == ("Isabella Rodriguez", "hobbs_cafe", 9 * 3600)
        # What John heard is what was said.
        assert any(said in m.description for m in society.f.memory.all("john_lin") if m.kind == "dialogue")
    finally:
        await server.stop()


def test_a_topic_is_told_by_a_line_holding_its_gist():
    from types import SimpleNamespace

    from agent_server.topics import Topic, Topics, _event_gist, gist_of
    people = [SimpleNamespace(name="Sam Moore"), SimpleNamespace(name="Tom Moreno")]
    gist = gist_of("Sam Moore has decided to run for mayor of Smallville in the local election.", *people)
    assert gist == {"decided", "mayor", "smallville", "local", "election"}
    news = Topic("news:x", "Sam's news", statement="I have decided to run for mayor.", gist=gist)
    assert Topics.told_in("Tom, I'm running for mayor in the election!", news).startswith("Tom, I'm running")
    assert Topics.told_in("Tom, lovely weather for the election.", news) == "I have decided to run for mayor."
    assert Topics.told_in("Nice day.", Topic("small talk", "small talk about the day")) == "Nice day."
    assert Topics.told_in("Nice day.", None) == "Nice day."
    party, what, where = _event_gist("the Valentine's Day party", "Hobbs Cafe", "Tuesday February 14, 17:00", *people)
    assert party == {"valentine", "party", "hobbs", "cafe"} and what == {"valentine", "party"}
    assert where == {"hobbs", "cafe", "tuesday", "february"}
    invite = Topic("event:x", "inviting", statement="Come.", gist=party, what=what, where=where)
    assert Topics.told_in("Our Valentine's party is at the cafe!", invite) == "Our Valentine's party is at the cafe!"
    assert Topics.told_in("The Valentine's party is on Tuesday!", invite) == "The Valentine's party is on Tuesday!"
    # The place alone is where, not what: the line tells some other thing there.
    assert Topics.told_in("Bake pastries at Hobbs Cafe, Tuesday February 14", invite) == "Come."
    # What, without where or when, does not let one come.
    assert Topics.told_in("It's just a Valentine's party!", invite) == "Come."


def test_ones_own_news_told_as_the_listeners_does_not_tell_it():
    """A small model turns the speaker's own news onto the listener ("I'm so glad you're
    running for mayor!" said by the candidate to a friend): the line says the news's words
    but tells the wrong one of it; the speaker's statement is said instead. Someone else's
    news, and a line that asks the listener along, are told as written."""
    from types import SimpleNamespace

    from agent_server.topics import Topic, Topics, _event_gist, gist_of
    people = [SimpleNamespace(name="Ida Park"), SimpleNamespace(name="Kofi Mensah")]
    gist = gist_of("Ida Park has opened a bakery on Quay Street.", *people)
    own = Topic("news:x", "Ida's news", statement="I have opened a bakery on Quay Street.", gist=gist, own=True)
    assert Topics.told_in("Kofi, so glad you've opened a bakery on Quay Street!", own) \
        == "I have opened a bakery on Quay Street."
    assert Topics.told_in("So glad you're opening a bakery on Quay Street!", own) \
        == "I have opened a bakery on Quay Street."
    assert Topics.told_in("You have a bakery on Quay Street now.", own) == "I have opened a bakery on Quay Street."
    assert Topics.told_in("Kofi! My bakery on Quay Street is open. You'll love it.", own) \
        == "Kofi! My bakery on Quay Street is open. You'll love it."
    heard = Topic("heard:x", "what Kofi heard", statement='Ida told me, "I opened a bakery."', gist=gist)
    assert Topics.told_in("You're going to love the bakery on Quay Street.", heard) \
        == "You're going to love the bakery on Quay Street."
    fair, what, where = _event_gist("the harvest fair", "Quay Street", "Saturday May 2, 10:00", *people)
    invite = Topic("event:x", "inviting", statement="Come.", gist=fair, what=what, where=where, own=True)
    assert Topics.told_in("Will you come to my harvest fair on Quay Street?", invite) \
        == "Will you come to my harvest fair on Quay Street?"
    assert Topics.told_in("You're holding the harvest fair on Quay Street!", invite) == "Come."


def test_what_one_heard_is_passed_on_only_where_it_is_news():
    """Of the lines one heard lately, weighty as the model rated them, the topic of what
    one heard passes on only the sentences that are news to another: not those speaking
    to the one who heard them ("I'm so glad you want to talk about our friendship.",
    passed on as 'Maria Lopez told me, "I'm so glad you want to talk ..."')."""
    from types import SimpleNamespace

    from agent_server.topics import Topics

    def heard(description: str, importance: int, at: int) -> SimpleNamespace:
        return SimpleNamespace(kind="dialogue", created_at=at, importance=importance, description=description)

    def mind(name: str) -> SimpleNamespace:
        return SimpleNamespace(name=name, first_name=name.split()[0], id=name.split()[0].lower(),
                               state=SimpleNamespace(told={}, heard_events=[]),
                               identity=SimpleNamespace(relationships=[]), activity=lambda: "reading")

    memories = [heard('Ida Park said to Kofi Mensah: "I\'m so glad you came by. You always cheer me up."', 8, 100),
                heard('Ida Park said to Kofi Mensah: "Lovely to see you! The mill on the river is closing '
                      'next month."', 6, 50)]
    topics = Topics(SimpleNamespace(), SimpleNamespace(recent=lambda agent, n: memories), SimpleNamespace())
    found = [t for t in topics.candidates(mind("Kofi Mensah"), mind("Lena Brandt"), 200) if t.key.startswith("heard:")]
    assert [t.statement for t in found] == ['Ida Park told me, "The mill on the river is closing next month."']
    assert {"mill", "river", "closing", "month"} <= found[0].gist and "lovely" not in found[0].gist
    memories.pop()
    assert not any(t.key.startswith("heard:") for t in topics.candidates(mind("Kofi Mensah"), mind("Lena Brandt"), 200))
    # A question, or an exclamation of a few words, is no news either ('Wolfgang Schulz
    # told me, "Bien, eh?"' was passed on so).
    memories.append(heard('Ida Park said to Kofi Mensah: "Splendid, eh? Is the mill still open?"', 7, 150))
    assert not any(t.key.startswith("heard:") for t in topics.candidates(mind("Kofi Mensah"), mind("Lena Brandt"), 200))


async def test_with_nothing_new_small_talk_is_a_real_choice_and_without_topic_choice_none_is_made(tmp_path,
                                                                                                  embedder):
    model = ScriptedModel(TownScript(reaction="Talk to", end_conversation_after=2, topic="small talk",
                                     lines=("Hello John.", "Hello Isabella.")))
    server = await start_scripted(tmp_path, model, embedder)
    topics: list[dict] = []
    server.society.f.journal.subscribe(lambda r: topics.append(r) if r["type"] == "topic" else None)
    try:
        await _sync(server.society, [_sees("isabella", "john_lin", "walking in the park")], EIGHT_AM)
        [first, second] = topics
        assert first["candidates"][-1] == "small talk about the day" and first["topic"] == "small talk about the day"
        assert any("wants to talk about small talk about the day." in p
                   for p in _line_prompts(model, "Isabella Rodriguez"))
        assert server.society.minds["isabella"].state.told == {}  # small talk is always on offer
    finally:
        await server.stop()
    model = ScriptedModel(TownScript(reaction="Talk to", end_conversation_after=2, lines=("Hello.", "Hi.")))
    server = await start_scripted(tmp_path / "without", model, embedder, topic_choice=False)
    try:
        await _sync(server.society, [_sees("isabella", "john_lin", "walking in the park")], EIGHT_AM)
        assert server.society.conversations[-1].lines
        assert not _topic_choices(model)
        assert not any("wants to talk about" in p for p in _line_prompts(model, "Isabella Rodriguez"))
    finally:
        await server.stop()


def test_a_line_that_says_its_topic_back_leaves_that_out():
    """The prompt asks for a line as "X wants to talk about <topic>."; a small model copies
    the description ("I want to talk about how things are between them."). A sentence
    holding TOPIC_RUN of its words in a row is left out; the words in brackets (the
    relationship itself), a topic with something to tell, and other wording stay."""
    from agent_server.dialogue import without_topic
    from agent_server.topics import Topic

    between = Topic("relationship:kofi", "how things are between them (Ida Park and Kofi Mensah are old "
                                         "friends who sail together.)")
    assert without_topic("Kofi! I want to talk about how things are between them. The boat is ready.",
                         between) == "Kofi! The boat is ready."
    assert without_topic("I want to talk about how things are between them.", between) == ""
    assert without_topic("How are things between us, old friend?", between) == "How are things between us, old friend?"
    assert without_topic("Ida Park and Kofi Mensah are old friends, you know.", between) \
        == "Ida Park and Kofi Mensah are old friends, you know."
    news = Topic("news:mill", "Ida's news: the mill on the river is closing next month",
                 statement="The mill on the river is closing next month.")
    assert without_topic("The mill on the river is closing next month.", news) \
        == "The mill on the river is closing next month."
    assert without_topic("Hello there.", None) == "Hello there."


@pytest.mark.parametrize("first, second, counted", [
    ("I want some small talk about the day.", "Hello John. Time for small talk about the day!", "topic_said_back"),
    ("It's so nice to meet someone like Isabella Rodriguez.", "Hello John. What a day for Isabella!",
     "spoke_of_itself"),
])
async def test_a_line_that_said_nothing_else_is_asked_again_once(tmp_path, embedder, first, second, counted):
    """A line that said nothing but its topic back, or nothing but its speaker by name, is
    asked again once; what the second says besides is said."""
    model = ScriptedModel(TownScript(reaction="Talk to", end_conversation_after=2, topic="small talk",
                                     lines=(first, second, "Hello Isabella.")))
    server = await start_scripted(tmp_path, model, embedder)
    try:
        await _sync(server.society, [_sees("isabella", "john_lin", "walking in the park")], EIGHT_AM)
        assert [text for _, _, text in server.society.conversations[-1].lines] == ["Hello John.", "Hello Isabella."]
        assert getattr(server.society.dialogue, counted) == 1
    finally:
        await server.stop()


def test_a_line_that_speaks_of_its_speaker_by_name_leaves_that_out():
    """A small model writes its speaker in the third person ("I'm happy to meet you and
    Ida Park." said by Ida): a person speaks of itself as "I". What others said, quoted,
    stays whole; what was said to it by name is said to "me"; giving one's name is one's
    own; a first name the listener shares is not looked for."""
    from agent_server.dialogue import in_own_voice

    quoted = 'Rosa Diaz told me, "Ida, the mill is closing." Then she left.'
    for line, listener, said in [
        ("Hello there. I'm happy to meet you and Ida Park.", "Kofi Mensah", "Hello there."),
        ("I think Ida's going to win the race. The boat is ready!", "Kofi Mensah", "The boat is ready!"),
        ("It's so nice to meet someone like Ida.", "Kofi Mensah", ""),
        ("Kofi, I'm Ida. I sail.", "Kofi Mensah", "Kofi, I'm Ida. I sail."),
        ("My name is Ida Park, and I sail.", "Kofi Mensah", "My name is Ida Park, and I sail."),
        (quoted, "Kofi Mensah", quoted),
        ("Rosa Diaz said to Ida, 'The mill is closing.' Sad news.", "Kofi Mensah",
         "Rosa Diaz said to me, 'The mill is closing.' Sad news."),
        ("Rosa told Ida Park about the fair.", "Kofi Mensah", "Rosa told me about the fair."),
        ("I told Ida I would come. Fine day.", "Kofi Mensah", "Fine day."),
        ("Fine day.  The boat is ready.", "Kofi Mensah", "Fine day.  The boat is ready."),  # as written
        ("Good to see you, Ida!", "Ida Mensah", "Good to see you, Ida!"),
        ("Ida Park is glad to see you, Ida!", "Ida Mensah", ""),
    ]:
        assert in_own_voice(line, "Ida Park", listener) == said, line


async def test_a_conversation_cut_short_before_it_is_remembered_leaves_no_lines_in_the_record(tmp_path, embedder):
    """The conversation's record and what its two agents remember agree: when the model
    fails before the lines are remembered (here, at the summary), neither holds them."""

    class FailingSummary(TownScript):
        def conversation_summary(self, request):
            raise RuntimeError("the model failed")

    server = await start_scripted(tmp_path, ScriptedModel(FailingSummary(reaction="Talk to",
                                                                         end_conversation_after=2)), embedder)
    try:
        society = server.society
        await _sync(society, [_sees("isabella", "john_lin", "walking in the park")], EIGHT_AM)
        said = [text for _, _, text in society.conversations[-1].lines]
        assert said  # the lines were said (and shown) before the model failed
        recorded = [line[2] for c in society.save.conversations() for line in c["lines"]]
        heard = [m.description for agent in ("isabella", "john_lin") for m in society.f.memory.all(agent)
                 + society.f.memory.pending(agent)]
        assert not any(text in line for text in said for line in recorded)
        assert not any(text in h for text in said for h in heard)
    finally:
        await server.stop()
