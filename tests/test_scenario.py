"""Scenario files: every shipped one loads, bad ones fail with the file, the field and the
fix, and the first memories come from seeds, traits, habits, relationships and seeds."""

import re
from pathlib import Path

import pytest
from google.protobuf import json_format

from agent_server.clock import parse_clock
from agent_server.errors import DataError
from agent_server.scenario import Scenario, split_sentences
from agent_server.settings import DEFAULT_SCENARIO, PROJECT_ROOT, load_settings
from agent_server.town import OBJECT

SCENARIOS = sorted((PROJECT_ROOT / "scenarios").glob("*.toml"))
SMALLVILLE = PROJECT_ROOT / "scenarios" / "smallville.toml"
REHEARSALS = ["ask_for_a_raise", "landlord_repairs"]

BASE = f'''
name = "tiny"
town = "{PROJECT_ROOT / 'towns' / 'skeleton.json'}"
start = {{ date = "2023-02-13", time = "09:30" }}

[[personas]]
id = "isabella"
name = "Isabella Rodriguez"
age = 34
traits = ["warm", "outgoing"]
occupation = "the owner of Hobbs Cafe"
habits = "Isabella opens the cafe at 8 am. She goes to bed at 11 pm."
home = "rodriguez_apartment.bedroom.bed"
seed = "Isabella Rodriguez is the owner of Hobbs Cafe. She loves her customers."

[[personas]]
id = "john_lin"
name = "John Lin"
home = "lin_house.bedroom.bed"
seed = "John Lin is the pharmacist. He is kind."

[[relationships]]
a = "isabella"
b = "john_lin"
description = "Isabella Rodriguez and John Lin are old friends."

[[relationships]]
a = "john_lin"
b = "isabella"
description = "John Lin secretly thinks Isabella Rodriguez's coffee is too strong."
mutual = false

[[seeds]]
agent = "isabella"
text = "Isabella Rodriguez is planning a party at Hobbs Cafe on February 14, from 5 pm to 7 pm."
topic = ["party", "valentine"]
event = {{ place = "hobbs_cafe", day = 2, start = "17:00", end = "19:00" }}
'''


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    return path


def _load(tmp_path: Path, text: str) -> Scenario:
    return Scenario.load(_write(tmp_path, text))


# ---- every shipped scenario ---------------------------------------------------------------


def test_the_shipped_scenarios_are_the_documented_ones():
    assert {p.stem for p in SCENARIOS} >= {"skeleton", "smallville", *REHEARSALS}
    assert DEFAULT_SCENARIO.name == "smallville.toml"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_loads(path):
    scenario = Scenario.load(path)
    assert scenario.agents and scenario.proto.name == path.stem
    assert scenario.proto.start_date and scenario.proto.description
    for agent in scenario.agents:
        assert agent.id and agent.name and agent.persona
        assert path.stem == "skeleton" or (agent.occupation and agent.traits and agent.age and agent.lifestyle)
        assert agent.home_place_id in scenario.town
        assert re.fullmatch(r"#[0-9a-f]{6}", agent.color)
        memories = scenario.initial_memories(agent.id)
        assert memories[: len(split_sentences(agent.persona))] == split_sentences(agent.persona)


def test_skeleton_keeps_its_three_agents_and_starts_at_eight():
    scenario = Scenario.load(PROJECT_ROOT / "scenarios" / "skeleton.toml")
    assert [a.id for a in scenario.agents] == ["isabella", "john_lin", "mei_lin"]
    assert scenario.proto.start_time == 8 * 3600


@pytest.mark.parametrize("name", REHEARSALS)
def test_rehearsal_scenarios_state_the_players_goal_and_have_a_few_characters(name):
    scenario = Scenario.load(PROJECT_ROOT / "scenarios" / f"{name}.toml")
    assert 2 <= len(scenario.agents) <= 5
    assert len(scenario.proto.player_goal) > 80
    assert scenario.proto.player_name in scenario.proto.player_goal  # "You are Alex Rivera."
    assert scenario.proto.seeds and scenario.proto.relationships


def test_a_bare_scenario_name_means_the_file_in_scenarios():
    assert load_settings(scenario_path="smallville").scenario_path == SMALLVILLE
    assert load_settings(scenario_path="scenarios/skeleton.toml").scenario_path == Path("scenarios/skeleton.toml")


# ---- bad files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, field, fix",
    [
        ('home = "rodriguez_apartment.bedroom.bed"', 'home = "rodriguez_apartment.bedroom.bedd"',
         "personas[0] (id 'isabella').home", "did you mean 'rodriguez_apartment.bedroom.bed'"),
        ('id = "john_lin"', 'id = "isabella"', "personas[1] (id 'isabella').id", "give each persona its own id"),
        ('name = "John Lin"', 'name = "Isabella Rodriguez"', "personas[1] (id 'john_lin').name",
         "give each persona its own name"),
        ('seed = "John Lin is the pharmacist. He is kind."', "", "personas[1] (id 'john_lin').seed",
         'add seed = "..."'),
        ('home = "lin_house.bedroom.bed"', "", "personas[1] (id 'john_lin').home", "add home ="),
        ('time = "09:30"', 'time = "25:00"', "start.time", 'write it as "07:00"'),
        ('time = "09:30"', 'time = "half past nine"', "start.time", 'write it as "07:00"'),
        ('date = "2023-02-13"', 'date = "2023-02-30"', "start.date", 'write it as "2023-02-13"'),
        ('b = "john_lin"', 'b = "john"', "relationships[0].b", "use one of isabella, john_lin"),
        ('agent = "isabella"', 'agent = "isabel"', "seeds[0].agent", "use one of isabella, john_lin"),
        ('name = "tiny"', "", "name", "add name ="),
        ('age = 34', 'age = "thirty"', "personas[0] (id 'isabella').age", "write whole years"),
        ('occupation = ', 'ocupation = ', "personas[0] (id 'isabella').ocupation", "the fields are"),
        ('traits = ["warm", "outgoing"]', 'traits = "warm"', "personas[0] (id 'isabella').traits",
         "must be a list of words"),
        ('place = "hobbs_cafe"', 'place = "hobs_cafe"', "seeds[0].event.place", "did you mean 'hobbs_cafe'"),
        ('end = "19:00"', 'end = "16:00"', "seeds[0].event.end", "must be after start"),
        ('start = "17:00"', 'start = "5 pm"', "seeds[0].event.start", 'write start = "17:00"'),
        ('day = 2', 'day = 0', "seeds[0].event.day", "write day = 2"),
        ('day = 2, ', 'day = 2, hour = 5, ', "seeds[0].event.hour", "the fields are"),
    ],
)
def test_bad_scenario_fails_naming_the_file_the_field_and_the_fix(tmp_path, old, new, field, fix):
    assert old in BASE
    path = _write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(DataError) as info:
        Scenario.load(path)
    message = str(info.value)
    assert str(path) in message
    assert f"{field}:" in message
    assert fix in message


def test_every_problem_is_reported_at_once(tmp_path):
    text = BASE.replace('b = "john_lin"', 'b = "nobody"').replace('time = "09:30"', 'time = "9h"')
    with pytest.raises(DataError, match=r"2 problems:\n  start.time: .*\n  relationships\[0\].b: "):
        _load(tmp_path, text)


def test_a_missing_town_file_is_the_towns_problem(tmp_path):
    with pytest.raises(DataError, match=r"town: the town file does not load \(cannot read town file"):
        _load(tmp_path, BASE.replace("skeleton.json", "nowhere.json"))


def test_a_file_that_is_not_toml_is_refused(tmp_path):
    with pytest.raises(DataError, match="is not valid TOML"):
        _load(tmp_path, "name = \n")


def test_json_scenarios_still_load_and_get_the_same_checks(tmp_path):
    proto = _load(tmp_path, BASE).proto
    path = tmp_path / "scenario.json"
    path.write_text(json_format.MessageToJson(proto))
    assert Scenario.load(path).proto == proto
    proto.relationships[0].b = "nobody"
    path.write_text(json_format.MessageToJson(proto))
    with pytest.raises(DataError, match=r"relationships\[0\].b: 'nobody' is not the id of a persona"):
        Scenario.load(path)


# ---- what the minds start with ------------------------------------------------------------


def test_start_is_day_one_at_the_given_time_and_keeps_the_calendar_date(tmp_path):
    scenario = _load(tmp_path, BASE)
    assert scenario.proto.start_time == 9 * 3600 + 30 * 60
    assert scenario.proto.start_date == "2023-02-13"
    assert scenario.calendar_day(scenario.proto.start_time) == "Monday February 13"
    assert scenario.calendar_day(scenario.proto.start_time + 24 * 3600) == "Tuesday February 14"
    assert parse_clock("07:00") == 25200


def test_initial_memories_hold_seed_traits_habits_relationships_and_seeds(tmp_path):
    scenario = _load(tmp_path, BASE)
    isabella = scenario.initial_memories("isabella")
    assert isabella == [
        "Isabella Rodriguez is the owner of Hobbs Cafe.",
        "She loves her customers.",
        "Isabella Rodriguez is 34 years old.",
        "Isabella Rodriguez is warm and outgoing.",
        "Isabella Rodriguez's occupation: the owner of Hobbs Cafe.",
        "Isabella opens the cafe at 8 am.",
        "She goes to bed at 11 pm.",
        "Isabella Rodriguez and John Lin are old friends.",
        "Isabella Rodriguez is planning a party at Hobbs Cafe on February 14, from 5 pm to 7 pm.",
    ]
    john = scenario.initial_memories("john_lin")
    assert "Isabella Rodriguez and John Lin are old friends." in john
    # A one-way relationship is remembered by a only; a seed only by its agent.
    assert "John Lin secretly thinks Isabella Rodriguez's coffee is too strong." in john
    assert not any("too strong" in m for m in isabella)
    assert not any("party" in m for m in john)
    assert scenario.known_pairs() == {("isabella", "john_lin"), ("john_lin", "isabella")}
    assert list(scenario.proto.seeds[0].topic) == ["party", "valentine"]


# ---- Smallville ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def smallville() -> Scenario:
    return Scenario.load(SMALLVILLE)


def test_smallville_has_25_people_each_in_a_bed_of_their_own(smallville):
    agents = smallville.agents
    assert len(agents) == 25
    homes = [a.home_place_id for a in agents]
    assert len(set(homes)) == 25
    for home in homes:
        place = smallville.town.place(home)
        assert place.kind == OBJECT and place.name.split()[-1] == "bed", home
    assert len({a.name for a in agents}) == 25
    assert len({a.color for a in agents}) == 25
    looks = {(a.appearance.height, a.appearance.skin, a.appearance.hair, a.appearance.shirt) for a in agents}
    assert len(looks) == 25
    for agent in agents:
        sentences = split_sentences(agent.persona)
        assert 3 <= len(sentences) <= 5, agent.id
        assert agent.age and agent.lifestyle


def test_smallville_starts_on_monday_february_13_at_seven(smallville):
    assert smallville.proto.start_time == 7 * 3600
    assert smallville.calendar_day(smallville.proto.start_time) == "Monday February 13"


def test_about_a_fifth_of_smallville_knows_each_other_at_the_start(smallville):
    ids = {a.id for a in smallville.agents}
    pairs = smallville.known_pairs()
    assert all(a in ids and b in ids and a != b for a, b in pairs)
    share = len(pairs) / (len(ids) * (len(ids) - 1))
    assert 0.15 <= share <= 0.20, share
    # Nobody starts out knowing no one.
    assert {a for a, _ in pairs} == ids


def test_smallville_seeds_the_party_and_the_election(smallville):
    seeds = {s.agent_id: s for s in smallville.proto.seeds}
    party = seeds["isabella_rodriguez"]
    assert "Valentine" in party.text and "Hobbs Cafe" in party.text and "February 14" in party.text
    assert "5 pm to 7 pm" in party.text
    assert party.text in smallville.initial_memories("isabella_rodriguez")
    # The party is an event: coordination counts who came to Hobbs Cafe, Tuesday 5-7 pm.
    assert party.event.place_id == "hobbs_cafe"
    assert party.event.start_time == 24 * 3600 + 17 * 3600 and party.event.end_time == 24 * 3600 + 19 * 3600
    assert smallville.calendar_day(party.event.start_time) == "Tuesday February 14"
    assert "mayor" in seeds["sam_moore"].text
    assert seeds["sam_moore"].text in smallville.initial_memories("sam_moore")
    assert not any("Valentine" in m for m in smallville.initial_memories("sam_moore"))
    marriage = "Sam Moore and Jennifer Moore have been married for thirty-five years."
    assert marriage in smallville.initial_memories("jennifer_moore")
    assert marriage in smallville.initial_memories("sam_moore")
