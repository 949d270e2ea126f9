"""A whole game day in the town, end to end: the real server and model, real Godot
headless, a player who talks to an agent in the afternoon and interviews it the next
morning. What the paper's architecture should show in one day must show here: day plans,
decomposed actions at real places, reflections, a conversation between agents, and a
player conversation the agent recalls later. Slow: about a quarter of an hour."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from google.protobuf import json_format

from agent_server.scenario import Scenario
from simulacra.v1 import service_pb2
from tests import town_harness as harness
from tests.conftest import ARTIFACTS, SKELETON

pytestmark = [pytest.mark.model, pytest.mark.godot, pytest.mark.slow]

SPEED = 120  # game seconds per real second
DAY_MINUTES = 24 * 60
PICNIC = "Hi Mei, I'm Sam. I'm organising a picnic in Oak Park on Saturday at noon. Will you come?"


@pytest.fixture(scope="module")
def day(tmp_path_factory, real_model_path):
    folder = ARTIFACTS / "day"
    folder.mkdir(parents=True, exist_ok=True)
    with harness.server_process(tmp_path_factory.mktemp("day")) as server:
        started = time.monotonic()
        town = harness.start_town(server["ws"], minutes=DAY_MINUTES, speed=SPEED, report=folder / "report.json")
        result = asyncio.run(_play(server["grpc"]))
        report, output = harness.finish_town(town, folder / "report.json", folder / "godot.log",
                                             timeout=DAY_MINUTES * 60 / SPEED + 600)
        result |= asyncio.run(_look(server["grpc"]))
        result["wall_seconds"] = round(time.monotonic() - started, 1)
        (folder / "inspection.json").write_text(json.dumps(result, indent=1))
        (folder / "server.log").write_text(open(server["log"]).read())
    return result, report, output


async def _play(address: str) -> dict:
    """Talk to Mei Lin in the afternoon, as a player would."""
    async with harness.stub(address) as stub:
        while (await stub.GetStats(service_pb2.GetStatsRequest())).game_time < 13 * 3600:
            await asyncio.sleep(1)
        sent = time.monotonic()
        first_token = None
        pieces = []
        async for chunk in stub.Chat(service_pb2.ChatRequest(agent_id="mei_lin", player_name="Sam", text=PICNIC)):
            if first_token is None:
                first_token = time.monotonic() - sent
            pieces.append(chunk.text)
        return {"chat_answer": "".join(pieces), "chat_first_token_seconds": round(first_token, 2)}


async def _look(address: str) -> dict:
    """After the day: interview Mei Lin, and inspect everyone."""
    async with harness.stub(address) as stub:
        interview = await stub.Interview(service_pb2.InterviewRequest(
            agent_id="mei_lin", question="Do you know about a picnic? Who told you about it?"))
        inspections = {}
        for agent in Scenario.load(SKELETON).agents:
            inspection = await stub.InspectAgent(service_pb2.InspectAgentRequest(agent_id=agent.id))
            inspections[agent.id] = json_format.MessageToDict(inspection)
        stats = json_format.MessageToDict(await stub.GetStats(service_pb2.GetStatsRequest()))
        return {"interview": json_format.MessageToDict(interview), "inspections": inspections, "stats": stats}


def test_the_town_ran_a_whole_day_without_script_errors(day):
    _, report, output = day
    assert not harness.script_errors(output)
    assert report["end_time"] - report["start_time"] >= DAY_MINUTES * 60


def test_every_agent_planned_its_day_and_acted_at_real_places(day):
    result, report, _ = day
    town = Scenario.load(SKELETON).town
    for agent_id, inspection in result["inspections"].items():
        assert 5 <= len(inspection["dayPlan"]) <= 8, agent_id
        assert len(inspection["hourlyPlan"]) >= 10, agent_id
        places = [c["moveTo"]["placeId"] for c in inspection["history"] if "moveTo" in c]
        assert len(places) >= 10 and all(p in town for p in places), agent_id
        awake = [c for c in inspection["history"] if c.get("activity", {}).get("description") not in (None, "sleeping")]
        assert len(awake) >= 10, agent_id  # decomposed actions, at the places checked above
    for agent in report["agents"]:
        assert sum(t["outcome"] == "arrived" for t in agent["trips"]) >= 5, agent["id"]


def test_agents_reflected(day):
    result, _, _ = day
    reflections = [r for i in result["inspections"].values() for r in i.get("reflections", [])]
    assert reflections, "no agent reflected in a whole day"
    assert all(r.get("evidenceIds") for r in reflections)


def test_agents_talked_to_each_other_and_remember_it(day):
    result, _, _ = day
    talks = [c for i in result["inspections"].values() for c in i.get("conversations", [])
             if "player" not in c["participantIds"] and len(c.get("lines", [])) >= 2]
    assert talks, "no conversation between agents in a whole day"
    talk = talks[0]
    for agent_id in talk["participantIds"]:
        memories = [m["description"] for m in result["inspections"][agent_id]["recentMemories"]]
        assert memories  # the inspector shows the latest; the lines are checked in test_minds


def test_the_player_conversation_is_recalled_in_the_interview(day):
    result, _, _ = day
    assert result["chat_answer"].strip()
    used = [m["memory"]["description"] for m in result["interview"].get("memoriesUsed", [])]
    assert any("picnic" in u for u in used), used
    assert result["interview"]["answer"].strip()
