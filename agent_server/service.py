"""The behaviour of the Simulacra API, in proto messages.

One method per RPC, named as in protos/simulacra/v1/service.proto. Both doors, gRPC
and the WebSocket gateway, call these same methods; neither holds logic of its own.
Methods validate everything before changing anything, so a bad request leaves the
stored state as it was. The thinking itself is the Society's (society.py).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import AsyncIterator

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from agent_server.dialogue import PLAYER_ID
from agent_server.errors import InvalidArgument, NotFound, quoted
from agent_server.memory import MemoryNode, ScoredMemory
from agent_server.mind import Mind
from agent_server.simulation import Simulation
from agent_server.society import Society
from simulacra.v1 import agents_pb2, service_pb2, town_pb2

log = logging.getLogger(__name__)

MAX_CHAT_CHARS = 1000
MAX_PLAYER_NAME_CHARS = 64
# The last game time a request may name: a week short of what an int32 holds, so that
# the plans made for that day and the next (times the API sends back) still fit.
MAX_GAME_TIME = 2**31 - 1 - 7 * 86400
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class SimulacraService:
    def __init__(self, simulation: Simulation, *, chat_clock_step: int = 3600) -> None:
        """`chat_clock_step`: how far a Chat or PrepareChat may move the clock ahead
        (game seconds; the chat_clock_step setting)."""
        self.simulation = simulation
        self.town = simulation.scenario.town
        self.chat_clock_step = chat_clock_step

    @property
    def society(self) -> Society:
        # Looked up per call: LoadGame replaces the minds.
        return self.simulation.current()

    @property
    def world(self):
        return self.society.world

    # ---- RPCs ---------------------------------------------------------------

    async def GetTown(self, request: service_pb2.GetTownRequest) -> town_pb2.Town:
        return self.town.proto

    async def ListAgents(self, request: service_pb2.ListAgentsRequest) -> service_pb2.ListAgentsResponse:
        scenario = self.society.scenario.proto
        return service_pb2.ListAgentsResponse(agents=self.society.scenario.agents, scenario=scenario.name,
                                              description=scenario.description, player_goal=scenario.player_goal,
                                              player_name=scenario.player_name)

    async def SyncWorld(self, request: service_pb2.SyncWorldRequest) -> service_pb2.SyncWorldResponse:
        _check_time(request.game_time)
        _check_finite(request)
        seen: set[str] = set()
        for state in request.agents:
            self._mind(state.agent_id)
            if state.agent_id in seen:
                raise InvalidArgument(f"agent {quoted(state.agent_id)} appears twice in one SyncWorld")
            seen.add(state.agent_id)
            if state.place_id and state.place_id not in self.town:
                raise InvalidArgument(f"agent {quoted(state.agent_id)} reports unknown place {quoted(state.place_id)}")
            for perception in state.perceptions:
                if perception.HasField("agent") and perception.agent.agent_id not in self.society.minds \
                        and perception.agent.agent_id != PLAYER_ID:
                    raise InvalidArgument(f"agent {quoted(state.agent_id)} perceives unknown agent "
                                          f"{quoted(perception.agent.agent_id)}")
        if request.player_name:
            self.society.set_player_name(_text(request.player_name, "playerName", MAX_PLAYER_NAME_CHARS))
        commands = self.society.sync(list(request.agents), request.game_time)
        return service_pb2.SyncWorldResponse(commands=commands)

    async def NextAction(self, request: service_pb2.NextActionRequest) -> agents_pb2.AgentCommand:
        self._mind(request.agent_id)
        _check_time(request.game_time)
        return await self.society.next_action(request.agent_id, request.game_time or self.world.game_time)

    async def PrepareChat(self, request: service_pb2.PrepareChatRequest) -> service_pb2.PrepareChatResponse:
        self._mind(request.agent_id)
        player = _text(request.player_name, "playerName", MAX_PLAYER_NAME_CHARS, default=self.society.player_name)
        self._check_chat_time(request.game_time)
        self.world.observe_time(request.game_time)
        self.society.prepare_chat(request.agent_id, player, self.world.game_time)
        return service_pb2.PrepareChatResponse()

    async def Chat(self, request: service_pb2.ChatRequest) -> AsyncIterator[service_pb2.ChatChunk]:
        self._mind(request.agent_id)
        text = _text(request.text, "text", MAX_CHAT_CHARS)
        player = _text(request.player_name, "playerName", MAX_PLAYER_NAME_CHARS, default=self.society.player_name)
        self._check_chat_time(request.game_time)
        self.world.observe_time(request.game_time)
        async for piece in self.society.chat(request.agent_id, player, text, self.world.game_time):
            yield service_pb2.ChatChunk(text=piece)
        # The answer as kept, which the game shows in place of the pieces: the same
        # text, unless words shown before a break were taken back.
        yield service_pb2.ChatChunk(done=True, full_text=self.society.last_answer(request.agent_id, player))

    async def Interview(self, request: service_pb2.InterviewRequest) -> service_pb2.InterviewResponse:
        self._mind(request.agent_id)
        question = _text(request.question, "question", MAX_CHAT_CHARS)
        answer, used = await self.society.interview(request.agent_id, question)
        return service_pb2.InterviewResponse(answer=answer, memories_used=[_scored_view(s) for s in used])

    async def Debrief(self, request: service_pb2.DebriefRequest) -> service_pb2.DebriefResponse:
        for agent_id in request.agent_ids:
            self._mind(agent_id)
        feedback = await self.society.debrief(list(dict.fromkeys(request.agent_ids)))
        return service_pb2.DebriefResponse(
            player_goal=self.society.scenario.proto.player_goal,
            feedback=[service_pb2.CharacterFeedback(agent_id=a, feedback=text, lines_exchanged=lines,
                                                    memories_used=[_scored_view(s) for s in used])
                      for a, text, used, lines in feedback])

    async def InspectAgent(self, request: service_pb2.InspectAgentRequest) -> service_pb2.AgentInspection:
        mind = self._mind(request.agent_id)
        record = self.world.agents[mind.id]
        memory = self.society.f.memory
        now = self.world.game_time
        actions = mind.state.actions
        current = next((i for i, s in enumerate(actions) if s.covers(now)), -1)
        reflections = [n for n in memory.recent(mind.id, 200) if n.kind == "reflection"][:20]
        return service_pb2.AgentInspection(
            agent=mind.agent,
            state=record.state,
            current=record.current,
            plan=[s.description for s in mind.state.hourly if s.end > now],
            recent_memories=[_memory_view(n) for n in memory.recent(mind.id, 30)],
            history=record.history,
            summary=mind.state.summary,
            day_plan=[s.to_proto() for s in mind.state.day_plan],
            hourly_plan=[s.to_proto() for s in mind.state.hourly],
            actions=[s.to_proto() for s in actions],
            current_action_index=current,
            last_retrieval=[_scored_view(s) for s in self.society.f.retriever.last_scores(mind.id)],
            reflections=[_memory_view(n) for n in reflections],
            conversations=[c.to_proto() for c in reversed(self.society.conversations) if mind.id in c.participant_ids],
        )

    async def GetStats(self, request: service_pb2.GetStatsRequest) -> service_pb2.ServerStats:
        scheduler = self.society.f.scheduler
        return service_pb2.ServerStats(
            game_time=self.world.game_time,
            start_time=self.society.scenario.proto.start_time,
            agents=len(self.society.minds),
            usage=[
                service_pb2.UsageStat(purpose=purpose, calls=u.calls, prompt_tokens=u.prompt_tokens,
                                      completion_tokens=u.completion_tokens, model_seconds=u.model_seconds)
                for purpose, u in sorted(scheduler.stats.items())
            ],
            memories=sum(self.society.f.memory.count(a) for a in self.society.minds),
            model=scheduler.model.name,
            ready=self.society.ready,
        )

    async def SaveGame(self, request: service_pb2.SaveGameRequest) -> service_pb2.SaveGameResponse:
        self._check_world(request.world)
        return service_pb2.SaveGameResponse(save=await self.simulation.save_as(request.name, request.world))

    async def LoadGame(self, request: service_pb2.LoadGameRequest) -> service_pb2.LoadGameResponse:
        info, world = await self.simulation.load(request.name)
        return service_pb2.LoadGameResponse(save=info, world=world)

    async def ListSaves(self, request: service_pb2.ListSavesRequest) -> service_pb2.ListSavesResponse:
        return service_pb2.ListSavesResponse(saves=self.simulation.list_saves())

    # ---- helpers ------------------------------------------------------------

    def _check_world(self, world: service_pb2.WorldSnapshot) -> None:
        """A world snapshot names only this town's agents and places, at finite positions."""
        _check_time(world.game_time)
        _check_finite(world, "world")
        for state in world.agents:
            self._mind(state.agent_id)
            if state.place_id and state.place_id not in self.town:
                raise InvalidArgument(f"the world snapshot puts {quoted(state.agent_id)} at unknown place "
                                      f"{quoted(state.place_id)}")
        for command in world.current_commands:
            self._mind(command.agent_id)
            if command.move_to.place_id and command.move_to.place_id not in self.town:
                raise InvalidArgument(f"the world snapshot sends {quoted(command.agent_id)} to unknown place "
                                      f"{quoted(command.move_to.place_id)}")

    def _mind(self, agent_id: str) -> Mind:
        if not agent_id:
            raise InvalidArgument("agentId is required")
        try:
            return self.society.minds[agent_id]
        except KeyError:
            raise NotFound(f"unknown agent {quoted(agent_id)}; ListAgents gives the known ones") from None

    def _check_chat_time(self, game_time: int) -> None:
        """A chat's game time may move the clock forward, by a bounded step: the world's
        reports (SyncWorld) are what move it far."""
        _check_time(game_time)
        now = self.world.game_time
        if game_time > now + self.chat_clock_step:
            raise InvalidArgument(f"gameTime {game_time} is more than {self.chat_clock_step} s ahead of the server's "
                                  f"clock ({now}); SyncWorld moves the clock, a chat only by up to chat_clock_step")


def _memory_view(node: MemoryNode) -> agents_pb2.MemoryView:
    return agents_pb2.MemoryView(
        id=str(node.id), kind=node.kind, description=node.description, created_at=node.created_at,
        importance=node.importance, last_accessed=node.last_accessed,
        evidence_ids=[str(i) for i in node.evidence_ids],
    )


def _scored_view(scored: ScoredMemory) -> agents_pb2.ScoredMemory:
    return agents_pb2.ScoredMemory(
        memory=_memory_view(scored.node), recency=scored.recency, importance=scored.importance,
        relevance=scored.relevance, score=scored.score,
    )


def _text(value: str, field: str, limit: int, default: str = "") -> str:
    """Player-supplied text: control characters become spaces; it must be non-empty
    (unless a default stands in) and within the limit. It is data, never instructions."""
    text = _CONTROL.sub(" ", value).strip() or default
    if not text:
        raise InvalidArgument(f"{field} is empty")
    if len(text) > limit:
        raise InvalidArgument(f"{field} is {len(text)} characters; the limit is {limit}")
    return text


def _check_time(game_time: int) -> None:
    if game_time < 0:
        raise InvalidArgument(f"gameTime must not be negative (got {game_time})")
    if game_time > MAX_GAME_TIME:
        raise InvalidArgument(f"gameTime {game_time} is past the last game time the server keeps ({MAX_GAME_TIME})")


def _check_finite(message: Message, path: str = "") -> None:
    """Every float in `message` (positions, distances, speeds) is a finite number: NaN
    and the infinities are refused before they are stored or reach the game."""
    for field, value in message.ListFields():
        name = f"{path}.{field.json_name}" if path else field.json_name
        values = value if field.is_repeated else [value]
        if field.type in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE):
            for number in values:
                if not math.isfinite(number):
                    raise InvalidArgument(f"{name} must be a finite number (got {number})")
        elif field.type == FieldDescriptor.TYPE_MESSAGE and not field.message_type.GetOptions().map_entry:
            for i, item in enumerate(values):
                _check_finite(item, f"{name}[{i}]" if field.is_repeated else name)
