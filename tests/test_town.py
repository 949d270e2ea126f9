"""Town and scenario files: the place tree, and clear errors for bad data."""

import functools
import importlib.util
import json
import re
import sys

import pytest

from agent_server.clock import format_game_time
from agent_server.errors import DataError
from agent_server.scenario import Scenario
from agent_server.settings import PROJECT_ROOT
from agent_server.town import OBJECT, SECTOR, Town
from tests.conftest import SKELETON

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
    text = SKELETON.read_text().replace("../towns/skeleton.json", str(TOWN_FILE))
    text = text.replace('home = "rodriguez_apartment.bedroom.bed"', 'home = "atlantis"')
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    with pytest.raises(DataError, match="home: 'atlantis' is not a place"):
        Scenario.load(path)


def test_game_time_formats_as_day_and_clock():
    assert format_game_time(8 * 3600 + 5 * 60) == "Day 1 08:05"
    assert format_game_time(24 * 3600 + 13 * 3600) == "Day 2 13:00"


# ---- Smallville and the other generated towns ---------------------------------------------

GENERATED_TOWNS = ["smallville.json", "office.json", "apartment_block.json"]


@functools.cache
def _generator():
    """scripts/build_smallville_town.py, imported (it is a script, not a package module)."""
    spec = importlib.util.spec_from_file_location("build_smallville_town",
                                                  PROJECT_ROOT / "scripts" / "build_smallville_town.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _footprint(place) -> tuple[float, float, float, float]:
    """x0, x1, z0, z1 of a place's (or obstacle's) footprint."""
    center = place.center if hasattr(place, "center") and place.HasField("center") else place.position
    return (center.x - place.size.x / 2, center.x + place.size.x / 2,
            center.z - place.size.z / 2, center.z + place.size.z / 2)


def _inside(inner, outer, eps=1e-3) -> bool:
    return (inner[0] >= outer[0] - eps and inner[1] <= outer[1] + eps
            and inner[2] >= outer[2] - eps and inner[3] <= outer[3] + eps)


def _contains(box, x, z, margin=0.0) -> bool:
    return box[0] - margin < x < box[1] + margin and box[2] - margin < z < box[3] + margin


@pytest.mark.parametrize("file_name", GENERATED_TOWNS)
def test_generated_town_files_are_what_the_generator_writes(file_name):
    generator = _generator()
    built = json.dumps(generator.TOWNS[file_name](), indent=2) + "\n"
    assert (PROJECT_ROOT / "towns" / file_name).read_text() == built, \
        "stale town file: run scripts/build_smallville_town.py"


@pytest.mark.parametrize("file_name", GENERATED_TOWNS)
def test_generated_town_geometry_is_walkable(file_name):
    town = Town.load(PROJECT_ROOT / "towns" / file_name)
    half_x, half_z = town.proto.size.x / 2, town.proto.size.z / 2
    bounds = (-half_x, half_x, -half_z, half_z)
    boxes = [(p.id, _footprint(p)) for p in town.places(OBJECT)]
    boxes += [(o.id, _footprint(o)) for o in town.proto.obstacles]
    walled = [s for s in town.places(SECTOR) if s.size.y > 0]
    agent_radius = town.proto.agent_radius  # the navmesh's, which Godot bakes with
    assert agent_radius > 0, "a generated town carries its geometry"
    for place in town.places():
        box = _footprint(place)
        assert _inside(box, bounds), f"{place.id} leaves the town"
        if place.parent_id:
            assert _inside(box, _footprint(town.place(place.parent_id))), f"{place.id} leaves its parent"
        x, z = place.position.x, place.position.z
        assert place.position.y == 0, place.id
        assert _contains(bounds, x, z, -agent_radius), f"{place.id}: position outside the town"
        for box_id, object_box in boxes:
            assert not _contains(object_box, x, z, agent_radius), f"{place.id}: position inside {box_id}"
        own_sector = town.sector_of(place.id)
        for sector in walled:
            sector_box = _footprint(sector)
            if sector.id == own_sector.id:
                if sector.size.y > 0:  # clear of the walls, inside
                    assert _contains(sector_box, x, z, -agent_radius), f"{place.id}: position in a wall"
            else:
                assert not _contains(sector_box, x, z, agent_radius), f"{place.id}: position in {sector.id}"
        if place.kind != SECTOR:
            assert _contains(_footprint(town.place(place.parent_id)), x, z), f"{place.id}: stands outside its parent"
    sectors = town.places(SECTOR)
    for i, a in enumerate(sectors):
        for b in sectors[i + 1:]:
            ax0, ax1, az0, az1 = _footprint(a)
            bx0, bx1, bz0, bz1 = _footprint(b)
            gap = max(bx0 - ax1, ax0 - bx1, bz0 - az1, az0 - bz1)
            assert gap >= 3.0, f"{a.id} and {b.id} are {gap:.1f} m apart"
    for sector in walled:
        x0, x1, z0, z1 = _footprint(sector)
        door = sector.door
        assert min(abs(door.z - z0), abs(door.z - z1), abs(door.x - x0), abs(door.x - x1)) < 1e-3, sector.id
        # One step outside the doorway is free ground, not another building.
        outside = [(door.x, door.z + d) for d in (-1.5, 1.5)] + [(door.x + d, door.z) for d in (-1.5, 1.5)]
        out_x, out_z = next(p for p in outside if not _contains((x0, x1, z0, z1), *p))
        assert not any(_contains(_footprint(s), out_x, out_z) for s in walled), f"{sector.id}'s door is blocked"


@pytest.mark.parametrize("file_name", GENERATED_TOWNS)
def test_generated_towns_carry_the_geometry_godot_builds_them_with(file_name):
    town = Town.load(PROJECT_ROOT / "towns" / file_name).proto
    walking = (PROJECT_ROOT / "godot_project" / "town" / "walking.gd").read_text()
    made_for = float(re.search(r"const NAVMESH_AGENT_RADIUS: float = ([0-9.]+)", walking).group(1))
    generator = _generator()
    assert town.agent_radius == pytest.approx(generator.AGENT_RADIUS) == made_for
    assert town.wall_thickness == pytest.approx(generator.WALL_THICKNESS)
    assert town.door_width == pytest.approx(generator.DOOR_WIDTH)


def test_a_town_written_before_the_geometry_fields_leaves_them_out():
    # Godot then builds it with the defaults (godot_project/town/town_data.gd).
    town = Town.load(TOWN_FILE).proto
    assert (town.wall_thickness, town.door_width, town.agent_radius) == (0, 0, 0)


def test_generator_refuses_a_layout_with_a_position_inside_furniture():
    generator = _generator()
    town = generator.smallville()
    bed = next(p for p in town["places"] if p["id"] == "smith_house.bedroom.bed")
    bed["position"] = dict(bed["center"])
    with pytest.raises(SystemExit, match="smith_house.bedroom.bed: position .* is within 0.6 m of smith_house.bedroom.bed"):
        generator.check(town)


def test_smallville_has_the_buildings_of_the_town():
    town = Town.load(PROJECT_ROOT / "towns" / "smallville.json")
    sectors = {s.name: s for s in town.places(SECTOR)}
    for name in ["Hobbs Cafe", "The Rose and Crown Pub", "Harvey Oak Supply Store", "Willows Market and Pharmacy",
                 "Oak Hill College", "Oak Hill College Dorm", "Johnson Park", "Lin Family House",
                 "Moreno Family House", "Moore Family House", "Oak Hill Apartments", "Artists' Co-Living Space"]:
        assert name in sectors, name
    assert sectors["Johnson Park"].size.y == 0  # open: no walls
    arenas = {a.id for a in town.places() if a.kind != SECTOR and a.kind != OBJECT}
    assert {"oak_hill_college.classroom", "oak_hill_college.library",
            "willows_market_and_pharmacy.pharmacy"} <= arenas
    beds = [p for p in town.places(OBJECT) if "bed" in p.name.split("'s ")[-1].split()]
    assert len(beds) >= 25
