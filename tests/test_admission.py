"""Admission to the model's queue through a real server: an API client flooding it with
interviews cannot lock the player out. Each connection holds at most its share of the
waiting requests, a full queue sheds its lowest-priority work for the player, the
player's line is always admitted and answered before the interviews, and every
refusal names the limit it hit."""

from __future__ import annotations

import asyncio
import json

import grpc
from websockets.asyncio.client import connect

from simulacra.v1 import service_pb2, service_pb2_grpc
from tests.conftest import GatewayClient, start_scripted
from tests.scripted_model import ScriptedModel
from tests.town_script import TownScript


async def _interview(stub, question: str) -> str:
    """The answer, or the refusal's code and reason."""
    try:
        return (await stub.Interview(service_pb2.InterviewRequest(agent_id="isabella", question=question))).answer
    except grpc.aio.AioRpcError as error:
        return f"{error.code().name}: {error.details()}"


async def _until(condition, timeout: float = 20.0) -> None:
    """Wait for `condition` (in lockstep with the server, not for a guessed while)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


async def test_a_client_flooding_interviews_cannot_lock_the_player_out(tmp_path, embedder):
    model = ScriptedModel(TownScript())
    server = await start_scripted(tmp_path, model, embedder, max_model_queue=3, max_waiting_per_client=2)
    try:
        target = f"127.0.0.1:{server.grpc_port}"
        # Two connections (channels to one target share one unless told not to).
        async with grpc.aio.insecure_channel(target) as one, \
                grpc.aio.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)]) as other:
            flood, second = service_pb2_grpc.SimulacraStub(one), service_pb2_grpc.SimulacraStub(other)
            model.release.clear()  # the model is busy with the first interview
            first = asyncio.create_task(_interview(flood, "Question 0?"))
            await _until(lambda: any("Question 0?" in r.messages[-1]["content"] for r in model.asked))
            flooding = [asyncio.create_task(_interview(flood, f"Question {i}?")) for i in range(1, 4)]
            await _until(lambda: any(t.done() for t in flooding))
            await asyncio.sleep(0.2)  # (no second refusal follows)
            # The connection's share: two waiting, the third refused, naming the limit.
            refused = [t.result() for t in flooding if t.done()]
            assert len(refused) == 1 and refused[0].startswith("RESOURCE_EXHAUSTED")
            assert "max_waiting_per_client = 2" in refused[0]
            # Another connection gets the last place; after it, the queue is full.
            admitted = asyncio.create_task(_interview(second, "Another question?"))
            await _until(lambda: server.scheduler.pending >= 3)
            full = await _interview(second, "One more?")
            assert full.startswith("RESOURCE_EXHAUSTED") and "max_model_queue = 3" in full

            # The player's line is admitted all the same: it sheds the latest interview.
            async with connect(server.ws_url) as ws:
                line = asyncio.create_task(GatewayClient(ws).stream(
                    "Chat", {"agentId": "isabella", "text": "Hello!", "playerName": "Sam"}))
                shed = await asyncio.wait_for(admitted, 5)
                assert shed.startswith("RESOURCE_EXHAUSTED") and "shed" in shed
                model.release.set()
                replies = await asyncio.wait_for(line, 10)
            assert replies[-2]["payload"]["fullText"] == "I am fine, thank you."
            answers = await asyncio.gather(first, *flooding)
            assert sorted(answers)[:3] == ["I am fine, thank you."] * 3

        # The player's line ran before the interviews that were waiting when it came.
        asked = [r.messages[-1]["content"] for r in model.history]
        player = next(i for i, text in enumerate(asked) if text == "Hello!")
        waiting = [i for i, text in enumerate(asked) if "Question 1?" in text or "Question 2?" in text]
        assert waiting and player < min(waiting), " | ".join(t[-30:].replace("\n", " ") for t in asked)
        stats = await server.service.GetStats(service_pb2.GetStatsRequest())
        assert stats.ready
    finally:
        model.release.set()
        await server.stop()


async def test_a_websocket_connection_holds_at_most_its_share(tmp_path, embedder):
    model = ScriptedModel(TownScript())
    server = await start_scripted(tmp_path, model, embedder, max_waiting_per_client=1)
    try:
        async with connect(server.ws_url) as ws:
            gateway = GatewayClient(ws)
            model.release.clear()
            for i in range(3):
                await gateway.send_raw(json.dumps({"id": str(i), "method": "Interview",
                                                   "payload": {"agentId": "isabella", "question": f"Q{i}?"}}))
                await asyncio.sleep(0.2)
            refused = await gateway.recv(5)
            assert refused["id"] == "2" and refused["error"]["code"] == "RESOURCE_EXHAUSTED"
            assert "max_waiting_per_client = 1" in refused["error"]["message"]
            # Another connection is not held to this one's share.
            async with connect(server.ws_url) as other:
                await other.send(json.dumps({"id": "o", "method": "Interview",
                                             "payload": {"agentId": "isabella", "question": "Other?"}}))
                await asyncio.sleep(0.2)
                model.release.set()
                assert json.loads(await asyncio.wait_for(other.recv(), 5))["payload"]["answer"]
            answered = [await gateway.recv(5) for _ in range(2)]
            assert sorted(r["id"] for r in answered) == ["0", "1"] and all("payload" in r for r in answered)
    finally:
        model.release.set()
        await server.stop()
