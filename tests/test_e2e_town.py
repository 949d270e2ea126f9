"""End to end: the real server (its own process, the real model) and the real Godot town,
headless. NPCs must walk the navmesh to places the server chose."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest

from agent_server.settings import DEFAULT_SCENARIO, PROJECT_ROOT
from agent_server.scenario import Scenario
from simulacra.v1 import service_pb2, service_pb2_grpc
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.model, pytest.mark.godot]

GODOT = PROJECT_ROOT / "scripts" / "godot"
GAME_MINUTES = 60
SPEED = 60  # game seconds per real second
ERROR_MARKERS = ("SCRIPT ERROR", "Parse Error", "ERROR:")


@pytest.fixture(scope="module")
def server_process(tmp_path_factory, real_model_path):
    tmp = tmp_path_factory.mktemp("server")
    ready = tmp / "ready.json"
    log = open(tmp / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "agent_server", "serve", "--grpc-port", "0", "--ws-port", "0",
         "--ready-file", str(ready), "--data-dir", str(tmp / "data")],
        stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
    )
    deadline = time.monotonic() + 60
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"server did not start: {(tmp / 'server.log').read_text()}")
        time.sleep(0.1)
    yield json.loads(ready.read_text())
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0, "server did not stop cleanly on SIGTERM"
    log.close()


@pytest.fixture(scope="module")
def town_run(server_process, tmp_path_factory):
    if not GODOT.exists():
        pytest.fail("scripts/godot is missing: `make setup` installs Godot")
    ARTIFACTS.mkdir(exist_ok=True)
    report_path = ARTIFACTS / "e2e_report.json"
    report_path.unlink(missing_ok=True)
    started = time.monotonic()
    result = subprocess.run(
        [str(GODOT), "--headless", "--path", str(PROJECT_ROOT / "godot_project"), "--",
         "--headless-run", "--minutes", str(GAME_MINUTES), "--speed", str(SPEED),
         "--report", str(report_path), "--server", server_process["ws"]],
        capture_output=True, text=True, timeout=GAME_MINUTES * 60 / SPEED + 240,
        env={**os.environ, "DISPLAY": ""},
    )
    output = result.stdout + result.stderr
    (ARTIFACTS / "e2e_godot.log").write_text(output)
    print(f"town ran {GAME_MINUTES} game minutes in {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, output[-4000:]
    return json.loads(report_path.read_text()), output


def test_godot_prints_no_script_errors(town_run):
    _, output = town_run
    bad = [line for line in output.splitlines() if any(m in line for m in ERROR_MARKERS)]
    assert not bad, "\n".join(bad[:20])


def test_report_has_no_errors_and_every_place_is_reachable(town_run):
    report, _ = town_run
    assert report["errors"] == []
    assert report["navmesh"]["polygon_count"] > 0
    assert report["navmesh"]["unreachable_places"] == []


def test_every_npc_received_server_chosen_destinations(town_run, server_process):
    report, _ = town_run
    scenario = Scenario.load(DEFAULT_SCENARIO)
    assert sorted(a["id"] for a in report["agents"]) == sorted(a.id for a in scenario.agents)

    async def server_history(agent_id: str) -> list[str]:
        async with grpc.aio.insecure_channel(server_process["grpc"]) as channel:
            stub = service_pb2_grpc.SimulacraStub(channel)
            inspection = await stub.InspectAgent(service_pb2.InspectAgentRequest(agent_id=agent_id))
            return [c.command_id for c in inspection.history]

    import asyncio

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
