"""Real NPC bodies walk Smallville (tools/walk_check.tscn): the NPC scene with its
controller and collision capsule, in the town built from towns/smallville.json, headless
with physics stepped as fast as the machine allows. The town's own check
(tools/town_check.gd) only asks the navmesh for paths; a body can still be held back by
colliders the navmesh goes over or too close to, as Adam Smith (58 times), Wolfgang
Schulz (43) and Maria Lopez (27) were on their way home in the two-day run."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict

from agent_server.scenario import Scenario
from agent_server.settings import PROJECT_ROOT
from agent_server.town import SECTOR
from tests import town_harness as harness

pytestmark = [pytest.mark.godot]

SCENARIOS = PROJECT_ROOT / "scenarios"
SMALLVILLE = SCENARIOS / "smallville.toml"


def _town_file(scenario: Path) -> Path:
    with open(scenario, "rb") as file:
        return (scenario.parent / tomllib.load(file)["town"]).resolve()


def _walk_check(tmp_path, *args: str, town: Path, timeout: float) -> tuple[subprocess.CompletedProcess, dict]:
    report = tmp_path / "walks.json"
    command = [str(harness.GODOT), "--headless", "--fixed-fps", "60", "--path", str(PROJECT_ROOT / "godot_project"),
               "res://tools/walk_check.tscn", "--", "--town", str(town), "--report", str(report), *args]
    run = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env={**os.environ, "DISPLAY": ""})
    output = run.stdout + run.stderr
    assert not harness.script_errors(output), output[-4000:]
    assert report.exists(), output[-4000:]
    return run, json.loads(report.read_text())


@pytest.mark.parametrize("scenario_file", ["smallville.toml", "skeleton.toml", "ask_for_a_raise.toml",
                                           "landlord_repairs.toml"])
def test_every_home_and_public_place_is_walked_to_and_from_by_a_body(tmp_path, scenario_file):
    """Every agent, in its own body, from its home to every public sector and back; a body
    from the hub to every place of the town and back. Each walk must arrive. (Smallville
    takes about 80 s; each other town a few seconds.)"""
    scenario = Scenario.load(SCENARIOS / scenario_file)
    agents = [MessageToDict(agent) for agent in scenario.agents]
    agents_file = tmp_path / "agents.json"
    agents_file.write_text(json.dumps(agents))
    run, report = _walk_check(tmp_path, "--agents", str(agents_file), town=_town_file(scenario.path), timeout=600)
    town = scenario.town
    homes = {town.sector_of(agent["homePlaceId"]).id for agent in agents}
    public = {sector.id for sector in town.places(SECTOR) if sector.id not in homes} \
        or {sector.id for sector in town.places(SECTOR)}  # every sector is someone's home
    assert report["hub"] in public
    home_routes = sum(len(public - {town.sector_of(agent["homePlaceId"]).id}) for agent in agents)
    assert report["routes"] == home_routes + len(town.places()) - 1
    assert report["walks"] == 2 * report["routes"]
    failures = "\n".join(f"{f['from']} -> {f['to']} ({f['agent']}): {f['outcome']} {f['short_m']:.1f} m short "
                         f"at {f['end']}, against {f['held_by']}" for f in report["failures"])
    assert report["failures"] == [], failures
    assert run.returncode == 0, run.stdout[-3000:]
    print(run.stdout.strip().splitlines()[-1])


def test_the_check_catches_a_body_that_cuts_a_corner_into_a_wall(tmp_path):
    """Following its path as it did before (turning for the next point 0.5 m before the
    current one, though the navmesh keeps only 0.2 m more than the body's radius from
    the walls), a body walking home to the dorm rounds its corner into the end of a wall
    and stops there; walked again from there it does not move at all, as Wolfgang
    Schulz did in the two-day run."""
    run, report = _walk_check(tmp_path, "--route", "hobbs_cafe:oak_hill_dorm.wolfgang_room.bed",
                              "--path-desired-distance", "0.5", town=_town_file(SMALLVILLE), timeout=300)
    assert run.returncode == 1, run.stdout[-3000:]
    [failure] = report["failures"]
    assert failure["to"] == "oak_hill_dorm.wolfgang_room.bed"
    assert failure["outcome"] == "stuck" and failure["short_m"] > 10, failure
    assert any(name.startswith("oak_hill_dorm_wall") for name in failure["held_by"]), failure
    assert failure["retry"]["outcome"] == "stuck" and failure["retry"]["walked_m"] < 0.25, failure
