"""The real default model (SmolLM2-135M, Q8_0) behind the real server: every answer
that is parsed has the shape its grammar promises."""

import asyncio
import re
import time

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect

from agent_server.scenario import Scenario
from agent_server.server import start_server
from tests.conftest import SKELETON, GatewayClient, make_settings

pytestmark = pytest.mark.model


@pytest_asyncio.fixture(scope="module")
async def real_gateway(tmp_path_factory, real_model_path, embedder):
    running = await start_server(make_settings(tmp_path_factory.mktemp("real"), model_path=real_model_path),
                                 embedder=embedder)
    async with connect(running.ws_url, max_size=None) as ws:
        yield GatewayClient(ws)
    await running.stop()


async def test_next_action_names_a_real_place_for_every_agent(real_gateway):
    scenario = Scenario.load(SKELETON)
    for agent in scenario.agents:
        for game_time in (8 * 3600, 13 * 3600):
            started = time.perf_counter()
            reply = await real_gateway.call("NextAction", {"agentId": agent.id, "gameTime": game_time})
            elapsed = time.perf_counter() - started
            command = reply["payload"]
            place = scenario.town.place(command["moveTo"]["placeId"])  # NotFound if not a real place
            position = command["moveTo"]["position"]
            assert [position.get(axis, 0.0) for axis in "xyz"] == pytest.approx(
                [place.position.x, place.position.y, place.position.z]
            )
            activity = command["activity"]
            assert activity["description"] and activity["emoji"] and activity["durationMinutes"] >= 5
            print(f"{agent.id} {game_time // 3600}h: {place.id} {activity} ({elapsed:.2f}s)")


async def test_player_chat_streams_an_answer_a_whole_sentence_at_a_time(real_gateway):
    """Each streamed piece is one or more whole sentences (no sentence the model stopped
    in is ever shown: llm/grounding.py), and together they are the answer."""
    replies = await real_gateway.stream(
        "Chat", {"agentId": "isabella", "text": "Hello! What do you do here?", "playerName": "Sam", "gameTime": 30000}
    )
    assert "error" not in replies[-1], replies[-1]
    pieces = [r["payload"]["text"] for r in replies[:-2]]
    assert pieces and all(re.search(r"[.!?][\"'”]?$", p.strip()) for p in pieces), replies
    final = replies[-2]["payload"]
    assert final["done"] and final["fullText"].strip() == "".join(pieces).strip()
    # The answer is complete before she stores the exchange (in the background).
    for _ in range(120):
        inspection = (await real_gateway.call("InspectAgent", {"agentId": "isabella"}))["payload"]
        if any("Hello! What do you do here?" in m["description"] for m in inspection.get("recentMemories", [])):
            break
        await asyncio.sleep(1)
    assert any("Hello! What do you do here?" in m["description"] for m in inspection.get("recentMemories", []))
