"""Bad input through both doors of a real server gets INVALID_ARGUMENT (or NOT_FOUND),
never INTERNAL or UNKNOWN, nothing is logged as a server error, and nothing of it is
stored: deep or huge JSON, protobuf bytes that do not decode, numbers out of range,
long ids, save names that only look valid; and a chat cut off by a disconnect leaves no
turn behind."""

from __future__ import annotations

import asyncio
import json
import logging
import threading

import grpc
import pytest
from websockets.asyncio.client import connect

from simulacra.v1 import service_pb2, service_pb2_grpc
from tests.conftest import GatewayClient, start_scripted
from tests.scripted_model import ScriptedModel
from tests.town_script import TownScript

EIGHT_AM = 8 * 3600


@pytest.fixture
async def channel(scripted_server):
    async with grpc.aio.insecure_channel(f"127.0.0.1:{scripted_server.grpc_port}") as channel:
        yield channel


@pytest.fixture
def stub(channel):
    return service_pb2_grpc.SimulacraStub(channel)


def _no_server_errors(caplog) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


async def _code(call) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    return info.value.code()


# ---- JSON over the gateway ---------------------------------------------------------


async def test_deep_json_and_a_huge_id_are_invalid_arguments(gateway, caplog):
    caplog.set_level(logging.INFO)
    deep = '{"id": "deep", "method": "GetTown", "payload": {"x": ' + "[" * 1000 + "]" * 1000 + "}}"
    huge_id = '{"id": ' + "7" * 5000 + ', "method": "GetTown"}'
    long_id = json.dumps({"id": "x" * 5000, "method": "GetTown"})
    for frame in (deep, huge_id, long_id, "[" * 100_000):
        await gateway.send_raw(frame)
        reply = await gateway.recv()
        assert reply["error"]["code"] == "INVALID_ARGUMENT", (frame[:60], reply)
        assert len(reply["error"]["message"]) < 200
    assert (await gateway.call("ListAgents"))["payload"]["agents"]
    _no_server_errors(caplog)


async def test_numbers_that_are_no_numbers_are_refused_and_not_stored(gateway, caplog):
    good = {"gameTime": 30000, "agents": [{"agentId": "isabella", "position": {"x": 1, "z": 2}}]}
    assert "error" not in await gateway.call("SyncWorld", good)
    for bad in ({"x": "NaN", "z": 0}, {"x": 0, "z": "Infinity"}, {"x": "-Infinity"}):
        reply = await gateway.call("SyncWorld", {"gameTime": 30010, "agents": [{"agentId": "isabella",
                                                                               "position": bad}]})
        assert reply["error"]["code"] == "INVALID_ARGUMENT", reply
        assert "finite" in reply["error"]["message"]
    distance = {"gameTime": 30010, "agents": [{"agentId": "isabella", "perceptions": [
        {"agent": {"agentId": "john_lin"}, "distance": "NaN"}]}]}
    assert (await gateway.call("SyncWorld", distance))["error"]["code"] == "INVALID_ARGUMENT"
    state = (await gateway.call("InspectAgent", {"agentId": "isabella"}))["payload"]["state"]
    assert state["position"] == {"x": 1.0, "z": 2.0}
    world = {"gameTime": 30000, "playerPosition": {"x": "Infinity"}, "speed": 60}
    reply = await gateway.call("SaveGame", {"name": "inf", "world": world})
    assert reply["error"]["code"] == "INVALID_ARGUMENT" and "playerPosition.x" in reply["error"]["message"]
    assert (await gateway.call("ListSaves"))["payload"].get("saves", []) == []
    _no_server_errors(caplog)


# ---- protobuf over gRPC ------------------------------------------------------------


async def test_bytes_that_do_not_decode_are_invalid_arguments(channel, stub, caplog):
    caplog.set_level(logging.INFO)
    inspect = channel.unary_unary("/simulacra.v1.Simulacra/InspectAgent",
                                  response_deserializer=service_pb2.AgentInspection.FromString)
    chat = channel.unary_stream("/simulacra.v1.Simulacra/Chat",
                                response_deserializer=service_pb2.ChatChunk.FromString)
    bad_utf8 = b"\x0a\x03\xff\xfe\xfd"  # agent_id = three bytes that are not UTF-8
    corrupt = b"\x0a\x09abc"  # a string that claims nine bytes and has three
    for call in (inspect(bad_utf8), inspect(corrupt), inspect(b"\xff" * 40)):
        assert await _code(call) == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as info:
        [chunk async for chunk in chat(bad_utf8)]
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "decode" in info.value.details()
    assert (await stub.ListAgents(service_pb2.ListAgentsRequest())).agents
    _no_server_errors(caplog)


async def test_an_error_quotes_only_the_start_of_what_was_sent(stub, gateway):
    """A 100,000-character id gets NOT_FOUND with a short reason, not RESOURCE_EXHAUSTED
    from a reason too long for gRPC's metadata."""
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stub.InspectAgent(service_pb2.InspectAgentRequest(agent_id="z" * 100_000))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    assert len(info.value.details()) < 200 and "100000 characters" in info.value.details()
    reply = await gateway.call("InspectAgent", {"agentId": "z" * 100_000})
    assert reply["error"]["code"] == "NOT_FOUND" and len(reply["error"]["message"]) < 200
    reply = await gateway.call("T" * 100_000)
    assert reply["error"]["code"] == "UNIMPLEMENTED" and len(reply["error"]["message"]) < 500


async def test_a_chat_moves_the_clock_forward_only_by_a_bounded_step(stub):
    before = (await stub.GetStats(service_pb2.GetStatsRequest())).game_time
    far = before + 10 * 86400
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stub.PrepareChat(service_pb2.PrepareChatRequest(agent_id="isabella", player_name="Sam", game_time=far))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "chat_clock_step" in info.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as info:  # past any game time the server keeps
        await stub.PrepareChat(service_pb2.PrepareChatRequest(agent_id="isabella", player_name="Sam",
                                                              game_time=2147483647))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "last game time" in info.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as info:
        [c async for c in stub.Chat(service_pb2.ChatRequest(agent_id="isabella", text="Hi", game_time=far))]
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (await stub.GetStats(service_pb2.GetStatsRequest())).game_time == before
    # A step within the bound is taken.
    await stub.PrepareChat(service_pb2.PrepareChatRequest(agent_id="isabella", player_name="Sam",
                                                          game_time=before + 600))
    assert (await stub.GetStats(service_pb2.GetStatsRequest())).game_time == before + 600


async def test_save_names_are_matched_whole(gateway):
    world = {"gameTime": 30000}
    for name in ("ok\n", "ok\nmore", "a/b", "a\\b", "x" * 65, "..", ".hidden"):
        for method, payload in (("SaveGame", {"name": name, "world": world}), ("LoadGame", {"name": name})):
            reply = await gateway.call(method, payload)
            assert reply["error"]["code"] == "INVALID_ARGUMENT", (method, name, reply)
    assert (await gateway.call("ListSaves"))["payload"].get("saves", []) == []
    assert (await gateway.call("SaveGame", {"name": "x" * 64, "world": world}))["payload"]["save"]["name"] == "x" * 64


# ---- a disconnect mid-answer -------------------------------------------------------


class _Halting(ScriptedModel):
    """Stops after the first words of its answer to `line`, until `go_on` is set."""

    def __init__(self, line: str) -> None:
        super().__init__(TownScript())
        self.line = line
        self.midway = threading.Event()
        self.go_on = threading.Event()

    def stream(self, request):
        for i, piece in enumerate(super().stream(request)):
            if i == 1 and request.messages[-1]["content"] == self.line and not self.go_on.is_set():
                self.midway.set()
                self.go_on.wait(10)
            yield piece


async def test_a_player_who_leaves_mid_answer_leaves_no_turn_behind(tmp_path, embedder):
    model = _Halting("Tell me about the party.")
    server = await start_scripted(tmp_path, model, embedder)
    try:
        async with connect(server.ws_url) as ws:
            await ws.send(json.dumps({"id": "1", "method": "Chat", "payload": {
                "agentId": "isabella", "text": model.line, "playerName": "Sam", "gameTime": EIGHT_AM + 60}}))
            assert await asyncio.to_thread(model.midway.wait, 10)
        # The player has gone mid-answer; the model may go on.
        model.go_on.set()
        await asyncio.sleep(0.3)
        conversation = server.society.player_conversations[("isabella", "Sam")]
        assert conversation.lines == [] and conversation.exchanges == []
        # The next line is answered as if the cut-off one had not been said.
        async with connect(server.ws_url) as ws:
            replies = await GatewayClient(ws).stream("Chat", {"agentId": "isabella", "text": "Hello!",
                                                              "playerName": "Sam", "gameTime": EIGHT_AM + 120})
        assert replies[-2]["payload"]["fullText"] == "I am fine, thank you."
        assert [(s, t) for s, _, t in conversation.lines] == [("player", "Hello!"),
                                                              ("isabella", "I am fine, thank you.")]
        inspection = await server.service.InspectAgent(service_pb2.InspectAgentRequest(agent_id="isabella"))
        lines = [line for c in inspection.conversations for line in c.lines]
        assert all(line.text.strip() for line in lines), lines
    finally:
        model.go_on.set()
        await server.stop()
