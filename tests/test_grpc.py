"""The canonical door: gRPC through a real channel on an ephemeral port."""

import asyncio

import grpc
import pytest

from agent_server.scheduler import Priority, WorkAhead
from simulacra.v1 import service_pb2, service_pb2_grpc


@pytest.fixture
async def stub(scripted_server):
    async with grpc.aio.insecure_channel(f"127.0.0.1:{scripted_server.grpc_port}") as channel:
        yield service_pb2_grpc.SimulacraStub(channel)


async def test_get_town_and_list_agents(stub):
    town = await stub.GetTown(service_pb2.GetTownRequest())
    assert any(p.id == "hobbs_cafe" for p in town.places)
    agents = await stub.ListAgents(service_pb2.ListAgentsRequest())
    assert [a.id for a in agents.agents] == ["isabella", "john_lin", "mei_lin"]


async def test_next_action_returns_the_planned_action_at_a_real_place(stub, scripted_server):
    command = await stub.NextAction(service_pb2.NextActionRequest(agent_id="isabella", game_time=8 * 3600 + 300))
    town = scripted_server.society.town
    place = town.place(command.move_to.place_id)
    assert (command.move_to.position.x, command.move_to.position.z) == pytest.approx((place.position.x, place.position.z))
    assert command.activity.description == "make coffee"  # the scripted decomposition's first step
    assert command.activity.emoji == "☕"
    assert 5 <= command.activity.duration_minutes <= 15
    assert command.reason == "part of: work at the cafe"
    inspection = await stub.InspectAgent(service_pb2.InspectAgentRequest(agent_id="isabella"))
    assert inspection.current.command_id == command.command_id
    assert [i.description for i in inspection.day_plan][:2] == ["wake up and get ready", "open the cafe"]
    assert inspection.actions[inspection.current_action_index].description == "make coffee"
    assert {m.kind for m in inspection.recent_memories} >= {"plan", "observation"}


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
    # The player's words reach the model as the user turn, never in the system turn.
    request = next(r for r in scripted_model.history if r.messages[-1]["content"] == 'Hi!')
    assert request.messages[-1]["role"] == "user"
    assert "Hi!" not in request.messages[0]["content"]


async def test_a_conversation_s_prompt_only_grows_from_its_prepared_preamble(stub, scripted_model, scripted_server):
    """PrepareChat writes the conversation's preamble before the player speaks; each
    line's prompt then begins with the whole previous one (so the model keeps it warm
    and evaluates only what a line adds), and the player's words stay in user turns."""
    await stub.PrepareChat(service_pb2.PrepareChatRequest(agent_id="mei_lin", player_name="Sam", game_time=30000))
    conversation = scripted_server.society.player_conversations[("mei_lin", "Sam")]
    for _ in range(100):
        if conversation.preamble:
            break
        await asyncio.sleep(0.01)
    assert conversation.preamble and not conversation.lines
    scripted_model.enqueue("Hello Sam, I am Mei.", "I teach philosophy at the college.")
    said = []
    for text in ("Hi! Who are you?", "What do you teach?"):
        chunks = [c async for c in stub.Chat(service_pb2.ChatRequest(agent_id="mei_lin", text=text, player_name="Sam",
                                                                     game_time=30060))]
        said.append(chunks[-1].full_text)
    first, second = (next(r for r in scripted_model.history if r.messages[-1]["content"] == t)
                     for t in ("Hi! Who are you?", "What do you teach?"))
    assert second.messages[:len(first.messages)] == first.messages
    assert second.messages[len(first.messages)] == {"role": "assistant", "content": said[0]}
    assert first.messages[0]["role"] == "system" and "You are Mei Lin" in first.messages[0]["content"]
    for message in second.messages:
        if message["role"] != "user":
            assert "Who are you" not in message["content"] and "What do you teach" not in message["content"]
    inspection = await stub.InspectAgent(service_pb2.InspectAgentRequest(agent_id="mei_lin"))
    assert [len(c.lines) for c in inspection.conversations if "player" in c.participant_ids] == [4]


async def test_a_line_said_before_its_preparation_is_done_hastens_it_and_starts_from_it(
        stub, scripted_model, scripted_server):
    await stub.PrepareChat(service_pb2.PrepareChatRequest(agent_id="mei_lin", player_name="Sam", game_time=30000))
    conversation = scripted_server.society.player_conversations[("mei_lin", "Sam")]
    for _ in range(100):
        if conversation.preamble and conversation.preparing is None:
            break
        await asyncio.sleep(0.01)
    # A preparation still on its way (the scripted model has no engine to keep a prompt
    # in, so its own preparations end at once).
    conversation.preparing = work = WorkAhead()
    release = asyncio.Event()
    preparation = asyncio.create_task(work.run(release.wait()))
    scripted_model.enqueue("Hello Sam.")
    line = asyncio.create_task(_said(stub.Chat(service_pb2.ChatRequest(
        agent_id="mei_lin", text="Hi!", player_name="Sam", game_time=30060))))
    await asyncio.sleep(0.2)
    assert work.urgency.priority == Priority.PLAYER  # hastened to the player's priority...
    assert not line.done() and not any(r.messages[-1]["content"] == 'Hi!' for r in scripted_model.history)
    conversation.preparing = None
    release.set()  # ...and the line starts once it is done
    await preparation
    assert await asyncio.wait_for(line, 5) == "Hello Sam."


async def _said(chunks) -> str:
    return [c async for c in chunks][-1].full_text


async def test_prepare_chat_for_an_unknown_agent_is_not_found(stub):
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stub.PrepareChat(service_pb2.PrepareChatRequest(agent_id="zed", game_time=0))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


async def test_empty_chat_is_an_invalid_argument(stub):
    with pytest.raises(grpc.aio.AioRpcError) as info:
        async for _ in stub.Chat(service_pb2.ChatRequest(agent_id="isabella", text="  ")):
            pass
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_stats_say_when_the_minds_are_ready_and_what_the_model_did(stub):
    stats = await stub.GetStats(service_pb2.GetStatsRequest())
    assert stats.ready and stats.agents == 3 and stats.model == "scripted"
    usage = {u.purpose: u for u in stats.usage}
    assert usage["day_plan"].calls == 3 and usage["day_plan"].prompt_tokens > 0
    assert stats.memories >= 12  # four seed memories per agent, and their plans
