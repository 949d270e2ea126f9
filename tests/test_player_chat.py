"""The player talks to an NPC with the real model: the real server in its own process,
the real Godot town headless, and a scripted player who walks up to Isabella, types a
line into the chat panel and reads her answer as it streams in. Afterwards she
remembers the player by name."""

from __future__ import annotations

import asyncio

import pytest

from simulacra.v1 import service_pb2
from tests import town_harness as harness
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.model, pytest.mark.godot]

LINE = "Hi Isabella, I'm new in town. What do you do here?"


@pytest.fixture(scope="module")
def chat_run(tmp_path_factory, real_model_path):
    folder = ARTIFACTS / "player_chat"
    folder.mkdir(parents=True, exist_ok=True)
    with harness.server_process(tmp_path_factory.mktemp("chat_server")) as addresses:
        report, output = asyncio.run(harness.run_town_async(
            addresses["ws"], report=folder / "report.json", log=folder / "godot.log", timeout=420,
            minutes=None, speed=60, extra=("--autopilot", "isabella", "--say", LINE, "--player-name", "Alex")))

        async def remembered() -> list[str]:
            # She answers first and stores the exchange in the background (its importance
            # is rated at the lowest priority): wait for it to land.
            async with harness.stub(addresses["grpc"]) as stub:
                for _ in range(90):
                    inspection = await stub.InspectAgent(service_pb2.InspectAgentRequest(agent_id="isabella"))
                    memories = [m.description for m in inspection.recent_memories]
                    if any(m.startswith("Alex said to") for m in memories):
                        break
                    await asyncio.sleep(2)
                return memories

        yield report, output, asyncio.run(remembered())


def test_the_real_reply_streams_into_the_chat_panel(chat_run):
    report, output, _ = chat_run
    assert not harness.script_errors(output)
    player = report["player"]
    assert player["ok"], player
    reply = player["transcript"][-1]
    print("Isabella answered:", reply["text"], f"({reply['chunks']} chunks, first after {reply['first_chunk_ms']} ms)")
    assert reply["speaker_id"] == "isabella" and reply["done"] and not reply["error"]
    # At least a whole sentence, then the chunk that ends the answer (answers are shown a
    # sentence at a time: llm/grounding.py).
    assert reply["chunks"] >= 2 and len(reply["text"].split()) >= 3
    steps = {s["step"]: s for s in player["steps"]}
    assert steps["chat_opened"]["npc_paused"] and steps["reply"]["npc_faces_player_deg"] < 20
    assert steps["left"]["npc_resumed"]


def test_the_npc_remembers_the_player_by_name(chat_run):
    _, _, memories = chat_run
    assert any(m.startswith(f'Alex said to Isabella Rodriguez: "{LINE}') for m in memories), memories[:10]
    assert any(m.startswith('Isabella Rodriguez said to Alex: "') for m in memories), memories[:10]
