"""Where agents go: private rooms are their residents' alone, and with the real model
everyone in Smallville goes to bed in their own room (bench/places.py measures the
choice of place more broadly)."""

from __future__ import annotations

import pytest
import pytest_asyncio

from agent_server.importance import ImportanceRater
from agent_server.llm.llama_cpp import LlamaCppModel
from agent_server.memory import MemoryStore, Retriever
from agent_server.mind import Faculties, Mind, MindState
from agent_server.places import PlaceChooser
from agent_server.scenario import Scenario
from agent_server.scheduler import LLMScheduler
from agent_server.settings import PROJECT_ROOT
from agent_server.society import sectors_known_from_seed
from tests.scripted_model import ScriptedModel, choice_options

SMALLVILLE = PROJECT_ROOT / "scenarios" / "smallville.toml"


@pytest.fixture(scope="module")
def smallville() -> Scenario:
    return Scenario.load(SMALLVILLE)


def test_private_rooms_are_the_arenas_of_homes(smallville):
    residents = smallville.residents()
    assert residents["moreno_family_house.bedroom"] == {"tom_moreno", "jane_moreno"}
    assert residents["lin_family_house.main_bedroom"] == {"john_lin", "mei_lin"}
    assert residents["lin_family_house.eddys_bedroom"] == {"eddy_lin"}
    assert residents["oak_hill_apartments.ortiz_apartment"] == {"carmen_ortiz"}
    # Shared rooms hold no one's home.
    for shared in ("oak_hill_apartments.laundry_room", "artists_co_living.kitchen", "oak_hill_dorm.common_room"):
        assert shared not in residents
    assert residents["moreno_family_house.bedroom.toms_bed"] == {"tom_moreno"}
    # 25 agents: 22 rooms (two couples share a bedroom) and 25 beds.
    assert len(residents) == 22 + 25
    # Who lives with whom is read from it: those whose homes share a room.
    assert smallville.housemates("tom_moreno") == ("Jane Moreno",)
    assert smallville.identity("john_lin").housemates == ("Mei Lin",)
    assert smallville.housemates("eddy_lin") == () and smallville.housemates("carmen_ortiz") == ()


@pytest_asyncio.fixture
async def choosing(tmp_path, smallville, embedder, request):
    """Place choice over Smallville with the test's model: "real" (the default model) or a
    scripted one."""
    if request.param == "real":
        model = LlamaCppModel(request.getfixturevalue("real_model_path"), n_ctx=2048)
    else:
        model = request.param
    scheduler = LLMScheduler(model)
    await scheduler.start()
    chooser = PlaceChooser(scheduler, embedder, smallville.town, residents=smallville.residents(),
                           homes={a.id: (a.name, a.home_place_id) for a in smallville.agents})
    with MemoryStore(tmp_path / "places.db", embedder) as memory:
        faculties = Faculties(scheduler=scheduler, memory=memory, retriever=Retriever(memory, embedder),
                              importance=ImportanceRater(scheduler), town=smallville.town)

        def mind(agent_id: str) -> Mind:
            agent = smallville.agent(agent_id)
            return Mind(agent, faculties, MindState(known_sectors=sectors_known_from_seed(smallville, agent)),
                        identity=smallville.identity(agent_id))

        yield chooser, mind, model
    await scheduler.close()


def _always_carmens(request) -> str:
    """A model that wants everyone in Carmen's apartment, when it is offered."""
    offered = choice_options(request) if request.purpose == "choose_place" else []
    return "Carmen Ortiz's apartment" if "Carmen Ortiz's apartment" in offered else "Oak Hill Apartments"


@pytest.mark.parametrize("choosing", [ScriptedModel(_always_carmens)], indirect=True)
async def test_no_one_is_offered_someone_elses_room(choosing):
    chooser, mind, model = choosing
    ryan = mind("ryan_park")
    ryan.state.place_cache["go to bed"] = "oak_hill_apartments.ortiz_apartment"  # from an older save
    place = await chooser.choose_area(ryan, "go to bed", "sleep")
    assert place in ("oak_hill_apartments.park_apartment", "oak_hill_apartments.laundry_room")
    arena_question = [r for r in model.history if "Which part of Oak Hill Apartments" in r.messages[-1]["content"]]
    assert arena_question and "Carmen Ortiz's apartment" not in arena_question[0].messages[-1]["content"]
    # Carmen herself is offered her own.
    assert await chooser.choose_area(mind("carmen_ortiz"), "go to bed", "sleep") == "oak_hill_apartments.ortiz_apartment"
    # In a shared bedroom each goes to bed in their own bed, however the words match.
    for agent_id, bed in (("tom_moreno", "toms_bed"), ("jane_moreno", "janes_bed")):
        for action in ("go to bed", "sleep in Tom's bed", "sleep in Jane's bed"):
            assert chooser.choose_object(mind(agent_id), "moreno_family_house.bedroom", action, "sleep") == \
                f"moreno_family_house.bedroom.{bed}"


@pytest.mark.model
@pytest.mark.parametrize("choosing", ["real"], indirect=True)
async def test_with_the_real_model_everyone_goes_to_bed_in_their_own_room(choosing, smallville):
    chooser, mind, _ = choosing
    residents = chooser.residents
    wrong = {}
    for agent in smallville.agents:
        place = await chooser.choose_area(mind(agent.id), "go to bed", "sleep")
        if agent.id not in residents.get(place, ()):
            wrong[agent.id] = place
    assert not wrong


@pytest.mark.parametrize("choosing", [ScriptedModel(_always_carmens)], indirect=True)
async def test_an_action_that_seeks_people_goes_to_their_homes_one_after_another(choosing, smallville):
    chooser, mind, _ = choosing
    isabella = mind("isabella_rodriguez")
    everyone = {a.id for a in smallville.agents} - {"isabella_rodriguez"}
    # Isabella lives in Oak Hill Apartments: her neighbours there are met at home.
    housemates = {a.id for a in smallville.agents if a.home_place_id.startswith("oak_hill_apartments")}
    for action in ("ask her neighbours to help decorate the cafe", "invite friends to the party",
                   "go round to everyone to tell them about the party"):
        assert set(chooser.seeks(isabella, action)) == everyone - housemates, action
    assert chooser.seeks(isabella, "visit Tom Moreno") == ["tom_moreno"]
    assert chooser.seeks(isabella, "let Klaus know about the party") == ["klaus_mueller"]
    # A seed's intention reads the same way (Society gives it rounds of visits), members of a club too.
    for seed in smallville.proto.seeds:
        if not seed.event.place_id:
            sam = mind(seed.agent_id)
            assert set(chooser.seeks(sam, seed.text)) == set(chooser.everyone(sam)), seed.text
    assert set(chooser.seeks(isabella, "She wants to tell the members and ask for their votes.")) == \
        everyone - housemates
    # It says where it happens, or seeks no one.
    for action in ("meet friends at Hobbs Cafe", "ask customers how the coffee is", "bake bread for the cafe",
                   "invite friends to the party at the cafe", "go home and tell everyone"):
        assert chooser.seeks(isabella, action) is None, action

    # Those it has not told what it holds first, the nearest of them first; each once.
    sought = chooser.seeks(isabella, "ask her neighbours to help decorate the cafe")
    isabella.state.told["event:hobbs_cafe:147600"] = ["tom_moreno"]
    now, visits = 8 * 3600, []
    while (visit := await chooser.next_visit(isabella, sought, now)) is not None:
        visits.append(visit)
        now += 15 * 60
    whom = [w for _, w in visits]
    assert sorted(whom) == sorted(sought) and whom[-1] == "tom_moreno"
    for place, agent_id in visits:
        home = smallville.town.sector_of(smallville.agent(agent_id).home_place_id)
        assert smallville.town.sector_of(place).id == home.id
        assert "isabella_rodriguez" in chooser.residents.get(place, {"isabella_rodriguez"})  # no one's private room
    # Not again for a while; then again.
    assert await chooser.next_visit(isabella, sought, now) is None
    assert await chooser.next_visit(isabella, sought, now + 24 * 3600) is not None


def test_on_a_visit_the_agent_talks_with_the_one_it_came_to_see_when_they_are_near_and_free(smallville):
    from agent_server.mind import Step
    from agent_server.reacting import CONVERSATION_COOLDOWN, Reactor
    from simulacra.v1 import agents_pb2

    isabella = Mind(smallville.agent("isabella_rodriguez"), None, MindState())
    isabella.current = Step(8 * 3600, 15, "ask Tom to help", "moreno_family_house.kitchen", visiting="tom_moreno")
    names = {"tom_moreno": "Tom Moreno", "klaus_mueller": "Klaus Mueller"}

    def seeing(agent_id: str, distance: float) -> agents_pb2.AgentState:
        state = agents_pb2.AgentState(agent_id="isabella_rodriguez")
        state.perceptions.add(agent=agents_pb2.PerceivedAgent(agent_id=agent_id, activity="cooking"),
                              distance=distance)
        return state

    now = 8 * 3600 + 300
    assert Reactor._visit(isabella, seeing("tom_moreno", 2.0), now, names, set()).other_id == "tom_moreno"
    assert Reactor._visit(isabella, seeing("tom_moreno", 30.0), now, names, set()) is None  # not near yet
    assert Reactor._visit(isabella, seeing("klaus_mueller", 2.0), now, names, set()) is None  # not the one
    assert Reactor._visit(isabella, seeing("tom_moreno", 2.0), now, names, {"tom_moreno"}) is None  # busy
    isabella.state.last_talked["tom_moreno"] = now - CONVERSATION_COOLDOWN // 2
    assert Reactor._visit(isabella, seeing("tom_moreno", 2.0), now, names, set()) is None  # talked lately


def test_a_host_goes_round_to_invite_everyone_it_knows_hours_before_its_event(smallville):
    from agent_server.planning import hosting
    from agent_server.places import ANYONE

    day = 2 * 24 * 3600
    *rounds, ready, event = hosting("Johnson Park", "the search", "johnson_park", day + 16 * 3600, day + 17 * 3600)
    # The same hour on the event's day and on each of the two days before.
    assert [r.start for r in rounds] == [day + 10 * 3600 - d * 24 * 3600 for d in (2, 1, 0)]
    invite = rounds[-1]
    assert (invite.start, invite.minutes, invite.visiting, invite.place_id) == (day + 10 * 3600, 60, ANYONE, "")
    assert "invite" in invite.description and ready.start == day + 15 * 3600 and event.place_id == "johnson_park"
    # An early event: the evening before.
    *rounds, _, _ = hosting("Hobbs Cafe", "breakfast", "hobbs_cafe", day + 9 * 3600, day + 10 * 3600)
    assert rounds[-1].start == day - 24 * 3600 + 18 * 3600


@pytest.mark.parametrize("choosing", [ScriptedModel(_always_carmens)], indirect=True)
async def test_a_round_of_visits_goes_to_everyone_who_lives_elsewhere(choosing, smallville):
    from agent_server.mind import Step
    from agent_server.places import ANYONE
    from agent_server.planning import Planner

    chooser, mind, _ = choosing
    isabella = mind("isabella_rodriguez")
    planner = Planner.__new__(Planner)
    planner.places = chooser
    everyone = set(chooser.everyone(isabella))
    assert everyone and not any(smallville.agent(a).home_place_id.startswith("oak_hill_apartments") for a in everyone)
    # Whatever the words of the hour, a committed round goes to them all.
    assert set(planner._sought(isabella, Step(10 * 3600, 60, "host duties", "", visiting=ANYONE))) == everyone
    assert planner._sought(isabella, Step(10 * 3600, 60, "visit Tom Moreno", "")) == ["tom_moreno"]
    assert planner._sought(isabella, Step(10 * 3600, 60, "visit Tom Moreno", "hobbs_cafe")) is None


@pytest.mark.parametrize("choosing", [ScriptedModel(_always_carmens)], indirect=True)
async def test_a_visit_goes_where_the_one_sought_usually_is_at_that_hour(choosing, smallville):
    from agent_server.detail import LevelOfDetail
    from agent_server.planning import Planner

    chooser, mind, _ = choosing
    minds = {a.id: mind(a.id) for a in smallville.agents}
    planner = Planner(None, LevelOfDetail(), smallville.proto.start_date, chooser)
    chooser.whereabouts = lambda agent_id, at: planner.usual_place(minds.get(agent_id), at)
    day = 24 * 3600
    # Isabella's habits put her at Hobbs Cafe in the working day, at home at night.
    assert smallville.town.sector_of(planner.usual_place(minds["isabella_rodriguez"], day + 11 * 3600)).id == \
        "hobbs_cafe"
    tom = minds["tom_moreno"]
    place, whom = await chooser.next_visit(tom, ["isabella_rodriguez"], day + 11 * 3600)
    assert whom == "isabella_rodriguez" and smallville.town.sector_of(place).id == "hobbs_cafe"
    place, _ = await chooser.next_visit(tom, ["isabella_rodriguez"], 2 * day + 3 * 3600)
    assert smallville.town.sector_of(place).id == "oak_hill_apartments"


@pytest.mark.parametrize("choosing", [ScriptedModel(_always_carmens)], indirect=True)
async def test_asked_the_way_an_agent_knows_where_its_towns_places_are_and_its_people_live(choosing, smallville):
    chooser, mind, _ = choosing
    tom = mind("tom_moreno")
    told = chooser.directions(tom, "harvey_oak_supply_store.checkout")
    # Every public place, said as one tells the way, by the public place nearest to it;
    # where it is standing, that it is here.
    assert "You're at Harvey Oak Supply Store right now, a hardware and supply store." in told
    cafe = next(t for t in told if t.startswith("You'll find Hobbs Cafe,"))
    assert "a cafe that serves coffee, tea and pastries" in cafe and "from here" in cafe and ", by " in cafe
    assert "You'll find the library at Oak Hill College, the college library, quiet and warm." in told
    # The homes of the people it knows, not its own; no one's home is a public place,
    # nor anyone's room.
    assert any(t.startswith("Isabella Rodriguez lives at Oak Hill Apartments; you'll find it ") for t in told)
    assert not any(t.startswith("Tom Moreno lives") for t in told)
    assert not any("Moreno Family House," in t or "apartment," in t for t in told)
    # Nearer places are a few steps away, farther ones a short walk.
    pub = next(t for t in told if t.startswith("You'll find The Rose and Crown Pub,"))
    park = next(t for t in told if t.startswith("You'll find Johnson Park,"))
    assert "just a few steps from here" in pub and "a short walk from here" in park
    # Where the agent is not known, nothing is said of how far.
    assert not any("from here" in t for t in chooser.directions(tom, ""))


def test_a_question_asking_the_way_is_told_from_one_asking_where_the_agent_lives_or_was():
    from agent_server.answering import asks_the_way, of_asker

    for question in ("Where is Hobbs Cafe?", "Where can I get a coffee around here?", "Is there a pub in town?",
                     "How do I get to Johnson Park?", "Is there a pharmacy nearby?", "Do you know where the pub is?",
                     "Can you tell me where the library is?", "Do you know a good place for lunch?",
                     "Where does Sam Moore live?"):
        assert asks_the_way(question), question
    for question in ("Where do you live?", "Where do you work?", "Where's your house?", "Where did Robin move from?",
                     "Where was the party?", "Is there a problem?", "Is there anything you need?"):
        assert not asks_the_way(question), question
    # Asking the way, or asking to be told, says nothing of the asker.
    assert not of_asker("Where can I get a coffee around here?") and not of_asker("Can you tell me where it is?")
    assert of_asker("Where did I leave my keys?") and of_asker("Can you tell me what I do?")
