"""Town and scenario files: the place tree, and clear errors for bad data."""

import json

import pytest

from agent_server.errors import DataError
from agent_server.scenario import Scenario, format_game_time
from agent_server.settings import DEFAULT_SCENARIO, PROJECT_ROOT
from agent_server.town import OBJECT, Town

TOWN_FILE = PROJECT_ROOT / "towns" / "skeleton.json"


def test_place_tree_gives_readable_paths():
    town = Town.load(TOWN_FILE)
    assert town.label("hobbs_cafe.counter.coffee_machine") == "Hobbs Cafe > counter > coffee machine"
    assert town.sector_of("lin_house.kitchen.stove").name == "Lin Family House"
    assert {c.id for c in town.children("oak_park")} == {"oak_park.lawn", "oak_park.garden"}
    assert all(town.lineage(p.id)[0].kind == 1 for p in town.places(OBJECT))


def _write_town(tmp_path, places):
    path = tmp_path / "town.json"
    path.write_text(json.dumps({"name": "t", "places": places}))
    return path


@pytest.mark.parametrize(
    "places, message",
    [
        ([{"id": "a", "name": "A", "kind": "PLACE_KIND_SECTOR"}] * 2, "used twice"),
        ([{"id": "a", "name": "A", "kind": "PLACE_KIND_ARENA", "parentId": "nowhere"}], "not a place"),
        ([{"id": "a", "name": "A"}], "has no kind"),
        (
            [
                {"id": "s", "name": "S", "kind": "PLACE_KIND_SECTOR"},
                {"id": "o", "name": "O", "kind": "PLACE_KIND_OBJECT", "parentId": "s"},
            ],
            "is not a PLACE_KIND_ARENA",
        ),
    ],
)
def test_invalid_town_fails_with_a_message_naming_the_file_and_place(tmp_path, places, message):
    path = _write_town(tmp_path, places)
    with pytest.raises(DataError, match=message) as info:
        Town.load(path)
    assert str(path) in str(info.value)


def test_town_file_that_is_not_a_town_message_is_refused(tmp_path):
    path = tmp_path / "town.json"
    path.write_text('{"name": "t", "placez": []}')
    with pytest.raises(DataError, match="not a valid simulacra.v1.Town"):
        Town.load(path)


def test_scenario_with_unknown_home_place_is_refused(tmp_path):
    data = json.loads(DEFAULT_SCENARIO.read_text())
    data["townFile"] = str(TOWN_FILE)
    data["agents"][0]["homePlaceId"] = "atlantis"
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data))
    with pytest.raises(DataError, match="homePlaceId 'atlantis'"):
        Scenario.load(path)


def test_game_time_formats_as_day_and_clock():
    assert format_game_time(8 * 3600 + 5 * 60) == "Day 1 08:05"
    assert format_game_time(24 * 3600 + 13 * 3600) == "Day 2 13:00"
