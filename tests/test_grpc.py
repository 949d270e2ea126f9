"""The canonical door: gRPC through a real channel on an ephemeral port."""

import grpc
import pytest

from simulacra.v1 import service_pb2, service_pb2_grpc

COFFEE = "I go to the coffee machine at Hobbs Cafe to brew coffee for the morning rush. I will be there for 30 minutes."


@pytest.fixture
async def stub(scripted_server):
    async with grpc.aio.insecure_channel(f"127.0.0.1:{scripted_server.grpc_port}") as channel:
        yield service_pb2_grpc.SimulacraStub(channel)


async def test_get_town_and_list_agents(stub):
    town = await stub.GetTown(service_pb2.GetTownRequest())
    assert any(p.id == "hobbs_cafe" for p in town.places)
    agents = await stub.ListAgents(service_pb2.ListAgentsRequest())
    assert [a.id for a in agents.agents] == ["isabella", "john_lin", "mei_lin"]


async def test_next_action_returns_the_models_place_as_a_command(stub, scripted_model):
    scripted_model.enqueue(COFFEE)
    command = await stub.NextAction(service_pb2.NextActionRequest(agent_id="isabella", game_time=28800))
    assert command.move_to.place_id == "hobbs_cafe.counter.coffee_machine"
    assert (command.move_to.position.x, command.move_to.position.z) == pytest.approx((-16, -12.6))
    assert command.activity.description == "brew coffee for the morning rush"
    assert command.activity.emoji == "☕"
    assert command.activity.duration_minutes == 30
    inspection = await stub.InspectAgent(service_pb2.InspectAgentRequest(agent_id="isabella"))
    assert inspection.current.command_id == command.command_id
    assert inspection.recent_memories[0].kind == "plan"


async def test_unknown_agent_is_not_found(stub):
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stub.NextAction(service_pb2.NextActionRequest(agent_id="zed", game_time=0))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    assert "unknown agent 'zed'" in info.value.details()


async def test_chat_streams_the_answer_in_pieces(stub, scripted_model):
    scripted_model.enqueue("Good morning! Would you like a croissant?")
    chunks = [c async for c in stub.Chat(service_pb2.ChatRequest(agent_id="isabella", text="Hi!", player_name="Sam"))]
    assert len(chunks) > 2 and chunks[-1].done
    assert "".join(c.text for c in chunks[:-1]) == chunks[-1].full_text == "Good morning! Would you like a croissant?"
    # The player's words reach the model as quoted data in the user turn, never in the system turn.
    request = scripted_model.history[-1]
    assert "Hi!" not in request.messages[0]["content"]
    assert request.messages[-1] == {"role": "user", "content": 'Sam says: "Hi!"'}


async def test_empty_chat_is_an_invalid_argument(stub):
    with pytest.raises(grpc.aio.AioRpcError) as info:
        async for _ in stub.Chat(service_pb2.ChatRequest(agent_id="isabella", text="  ")):
            pass
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
