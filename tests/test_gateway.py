"""The WebSocket gateway through a real websocket client: same API, bad input answered."""

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import GatewayClient


async def test_unary_call_returns_canonical_json(gateway):
    reply = await gateway.call("GetTown")
    assert reply["done"] is True
    kinds = {p["kind"] for p in reply["payload"]["places"]}
    assert kinds == {"PLACE_KIND_SECTOR", "PLACE_KIND_ARENA", "PLACE_KIND_OBJECT"}


async def test_next_action_over_the_gateway(gateway):
    reply = await gateway.call("NextAction", {"agentId": "john_lin", "gameTime": 28800})
    assert reply["payload"]["moveTo"]["placeId"]
    assert reply["payload"]["activity"] == {"description": "make coffee", "emoji": "☕", "durationMinutes": 15}


async def test_chat_streams_over_the_gateway(gateway, scripted_model):
    scripted_model.enqueue("Hello there, friend.")
    replies = await gateway.stream("Chat", {"agentId": "mei_lin", "text": "Hello", "playerName": "Ann"})
    assert [r["done"] for r in replies] == [False] * (len(replies) - 1) + [True]
    assert replies[-2]["payload"] == {"done": True, "fullText": "Hello there, friend."}


async def _assert_still_serving(gateway):
    assert (await gateway.call("ListAgents"))["payload"]["agents"]


async def test_malformed_json_gets_an_error_and_the_connection_stays_open(gateway):
    await gateway.send_raw("{not json")
    reply = await gateway.recv()
    assert reply == {"id": "", "done": True, "error": {"code": "INVALID_ARGUMENT", "message": reply["error"]["message"]}}
    assert "not valid JSON" in reply["error"]["message"]
    await _assert_still_serving(gateway)


async def test_frame_that_is_not_an_object_or_has_no_id(gateway):
    for frame in ("[1, 2]", '{"method": "GetTown"}', '{"id": true, "method": "GetTown"}'):
        await gateway.send_raw(frame)
        assert (await gateway.recv())["error"]["code"] == "INVALID_ARGUMENT"
    await _assert_still_serving(gateway)


async def test_unknown_method_is_unimplemented(gateway):
    reply = await gateway.call("Teleport", {})
    assert reply["error"]["code"] == "UNIMPLEMENTED"
    assert "NextAction" in reply["error"]["message"]


async def test_payload_that_does_not_parse_as_the_proto(gateway):
    for payload in ({"agentId": 7}, {"agentID": "isabella"}, {"gameTime": "noon"}):
        reply = await gateway.call("NextAction", payload)
        assert reply["error"]["code"] == "INVALID_ARGUMENT", payload
    await _assert_still_serving(gateway)


async def test_unknown_agent_is_not_found(gateway):
    reply = await gateway.call("InspectAgent", {"agentId": "nobody"})
    assert reply["error"] == {"code": "NOT_FOUND", "message": "unknown agent 'nobody'; ListAgents gives the known ones"}


async def test_a_frame_over_max_frame_bytes_is_refused_at_the_socket(gateway, scripted_server):
    """One limit on both doors: gRPC refuses a message over max_frame_bytes (1 MiB), and
    so does the gateway, at the socket, before reading it whole: the connection closes
    with 1009 (message too big) and a reason that names the limit. A line of 200,000
    characters, under the limit, is refused politely and the connection stays open."""
    line = json.dumps({"id": "long", "method": "Chat", "payload": {"agentId": "isabella", "text": "a" * 200_000}})
    await gateway.send_raw(line)
    reply = await gateway.recv()
    assert reply["id"] == "long" and reply["error"]["code"] == "INVALID_ARGUMENT"
    assert "the limit is 1000" in reply["error"]["message"]

    big = json.dumps({"id": "big", "method": "Chat", "payload": {"agentId": "isabella", "text": "a" * (2 << 20)}})
    with pytest.raises(ConnectionClosed) as closed:
        await gateway.send_raw(big)
        await gateway.recv()
    assert closed.value.rcvd.code == 1009
    assert str(1 << 20) in closed.value.rcvd.reason
    async with connect(scripted_server.ws_url) as ws:  # the server goes on
        await _assert_still_serving(GatewayClient(ws))


async def test_binary_frame_is_refused(gateway):
    await gateway.send_raw(b"\x00\x01")
    assert (await gateway.recv())["error"]["code"] == "INVALID_ARGUMENT"
    await _assert_still_serving(gateway)


async def test_bad_sync_keeps_what_was_stored(gateway):
    good = {"gameTime": 30000, "agents": [{"agentId": "isabella", "position": {"x": 1, "z": 2}, "placeId": "oak_park"}]}
    assert "error" not in await gateway.call("SyncWorld", good)
    bad = {"gameTime": 30100, "agents": [
        {"agentId": "isabella", "position": {"x": 9, "z": 9}}, {"agentId": "ghost", "position": {"x": 0}},
    ]}
    assert (await gateway.call("SyncWorld", bad))["error"]["code"] == "NOT_FOUND"
    state = (await gateway.call("InspectAgent", {"agentId": "isabella"}))["payload"]["state"]
    assert state["position"] == {"x": 1.0, "z": 2.0} and state["placeId"] == "oak_park"


async def test_overlapping_requests_are_matched_by_id(gateway, scripted_model):
    scripted_model.release.clear()  # hold the model so the interview is still running
    await gateway.send_raw(json.dumps({"id": "slow", "method": "Interview",
                                       "payload": {"agentId": "isabella", "question": "How are you?"}}))
    await gateway.send_raw(json.dumps({"id": "fast", "method": "ListAgents"}))
    first = await gateway.recv()
    scripted_model.release.set()
    second = await gateway.recv()
    assert (first["id"], second["id"]) == ("fast", "slow")
    assert second["payload"]["answer"] == "I am fine, thank you."
