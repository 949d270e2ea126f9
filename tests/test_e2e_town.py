"""End to end: the real server (its own process, the real model) and the real Godot town,
headless. NPCs must walk the navmesh to places the server chose."""

from __future__ import annotations

import asyncio
import math
import time

import pytest

from agent_server.scenario import Scenario
from simulacra.v1 import service_pb2
from tests import town_harness as harness
from tests.conftest import ARTIFACTS, SKELETON

pytestmark = [pytest.mark.model, pytest.mark.godot]

GAME_MINUTES = 120
SPEED = 60  # game seconds per real second


@pytest.fixture(scope="module")
def server_process(tmp_path_factory, real_model_path):
    with harness.server_process(tmp_path_factory.mktemp("server")) as addresses:
        yield addresses


@pytest.fixture(scope="module")
def town_run(server_process):
    ARTIFACTS.mkdir(exist_ok=True)
    report_path = ARTIFACTS / "e2e_report.json"
    started = time.monotonic()
    town = harness.start_town(server_process["ws"], minutes=GAME_MINUTES, speed=SPEED, report=report_path)
    report, output = harness.finish_town(town, report_path, ARTIFACTS / "e2e_godot.log",
                                         timeout=GAME_MINUTES * 60 / SPEED + 240)
    print(f"town ran {GAME_MINUTES} game minutes in {time.monotonic() - started:.1f} s")
    return report, output


def test_godot_prints_no_script_errors(town_run):
    _, output = town_run
    bad = harness.script_errors(output)
    assert not bad, "\n".join(bad[:20])


def test_report_has_no_errors_and_every_place_is_reachable(town_run):
    report, _ = town_run
    assert report["errors"] == []
    assert report["navmesh"]["polygon_count"] > 0
    assert report["navmesh"]["unreachable_places"] == []


def test_every_npc_received_server_chosen_destinations(town_run, server_process):
    report, _ = town_run
    scenario = Scenario.load(SKELETON)
    assert sorted(a["id"] for a in report["agents"]) == sorted(a.id for a in scenario.agents)

    async def server_history(agent_id: str) -> list[str]:
        async with harness.stub(server_process["grpc"]) as stub:
            inspection = await stub.InspectAgent(service_pb2.InspectAgentRequest(agent_id=agent_id))
            return [c.command_id for c in inspection.history]

    for agent in report["agents"]:
        received = [c for c in agent["commands"] if c.get("moveTo")]
        assert received, f"{agent['id']} received no destination"
        for command in received:
            assert command["moveTo"]["placeId"] in scenario.town
        issued = asyncio.run(server_history(agent["id"]))
        assert [c["commandId"] for c in agent["commands"]] == issued[: len(agent["commands"])]


def test_every_npc_walked_the_navmesh_to_its_destinations(town_run):
    report, _ = town_run
    for agent in report["agents"]:
        trips = agent["trips"]
        arrived = [t for t in trips if t["arrived"]]
        assert arrived, f"{agent['id']} never arrived anywhere: {trips}"
        # A trip ends by arriving, by a newer command from the server interrupting it, or
        # unfinished when the run ends; never stuck or unreachable.
        assert all(t["outcome"] in ("arrived", "interrupted") for t in trips[:-1]), f"{agent['id']}: {trips}"
        assert trips[-1]["outcome"] in ("arrived", "interrupted", "unfinished"), f"{agent['id']}: {trips}"
        for trip in arrived:
            where = f"{agent['id']} -> {trip['place_id']}"
            assert trip["distance_to_destination"] <= 1.0, where
            # Walking, not teleporting: small steps every physics frame, adding up
            # to at least the straight-line distance and about the navmesh path.
            assert trip["max_step"] < 0.2, where
            if trip["straight_distance"] > 1.0:
                assert trip["path_length"] >= 0.95 * trip["straight_distance"] - 0.5, where
                assert trip["path_length"] <= 1.5 * trip["nav_path_length"] + 2.0, where
        final = agent["final_position"]
        last = trips[-1]
        if last["arrived"]:
            gap = math.dist((final["x"], final["z"]), (last["destination"]["x"], last["destination"]["z"]))
            assert gap <= 1.0, f"{agent['id']} ended {gap:.2f} m from its destination"
