"""The behaviour of the Simulacra API, in proto messages.

One method per RPC, named as in protos/simulacra/v1/service.proto. Both doors, gRPC
and the WebSocket gateway, call these same methods; neither holds logic of its own.
Methods validate everything before changing anything, so a bad request leaves the
stored state as it was.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

from agent_server.errors import InvalidArgument, NotFound
from agent_server.planning import NextActionPlanner
from agent_server.prompts import player_chat
from agent_server.scenario import Scenario, format_game_time
from agent_server.scheduler import LLMScheduler, Priority
from agent_server.settings import Settings
from agent_server.world import AgentRecord, World
from simulacra.v1 import agents_pb2, service_pb2, town_pb2

log = logging.getLogger(__name__)

MAX_CHAT_CHARS = 1000
MAX_PLAYER_NAME_CHARS = 64
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class SimulacraService:
    def __init__(self, scenario: Scenario, scheduler: LLMScheduler, settings: Settings) -> None:
        self.scenario = scenario
        self.town = scenario.town
        self.scheduler = scheduler
        self.settings = settings
        self.world = World(scenario.agents, scenario.proto.start_time)
        self.planner = NextActionPlanner(scheduler, self.town, temperature=settings.temperature)

    # ---- RPCs ---------------------------------------------------------------

    async def GetTown(self, request: service_pb2.GetTownRequest) -> town_pb2.Town:
        return self.town.proto

    async def ListAgents(self, request: service_pb2.ListAgentsRequest) -> service_pb2.ListAgentsResponse:
        return service_pb2.ListAgentsResponse(agents=self.scenario.agents)

    async def SyncWorld(self, request: service_pb2.SyncWorldRequest) -> service_pb2.SyncWorldResponse:
        _check_time(request.game_time)
        seen: set[str] = set()
        for state in request.agents:
            self._record(state.agent_id)
            if state.agent_id in seen:
                raise InvalidArgument(f"agent {state.agent_id!r} appears twice in one SyncWorld")
            seen.add(state.agent_id)
            if state.place_id and state.place_id not in self.town:
                raise InvalidArgument(f"agent {state.agent_id!r} reports unknown place {state.place_id!r}")
        self.world.observe_time(request.game_time)
        commands: list[agents_pb2.AgentCommand] = []
        for state in request.agents:
            self.world.agents[state.agent_id].state.CopyFrom(state)
            commands.extend(self.world.take_outbox(state.agent_id))
        return service_pb2.SyncWorldResponse(commands=commands)

    async def NextAction(self, request: service_pb2.NextActionRequest) -> agents_pb2.AgentCommand:
        record = self._record(request.agent_id)
        _check_time(request.game_time)
        self.world.observe_time(request.game_time)
        command = await self.planner.decide(
            record.agent, request.game_time, self._where(record), self._recent(record)
        )
        self.world.record_command(command)
        self.world.remember(
            record.agent.id,
            "plan",
            f"{record.agent.name} plans to go to {self.town.label(command.move_to.place_id)} "
            f"{command.reason} for {command.activity.duration_minutes} minutes",
        )
        log.info(
            "[%s] %s -> %s: %s %s (%d min)",
            format_game_time(request.game_time),
            record.agent.name,
            self.town.label(command.move_to.place_id),
            command.activity.emoji,
            command.activity.description,
            command.activity.duration_minutes,
        )
        return command

    async def Chat(self, request: service_pb2.ChatRequest) -> AsyncIterator[service_pb2.ChatChunk]:
        record = self._record(request.agent_id)
        text = _CONTROL.sub(" ", request.text).strip()
        if not text:
            raise InvalidArgument("text is empty; say something to the agent")
        if len(text) > MAX_CHAT_CHARS:
            raise InvalidArgument(f"text is {len(text)} characters; the limit is {MAX_CHAT_CHARS}")
        player = _CONTROL.sub(" ", request.player_name).strip() or "the player"
        if len(player) > MAX_PLAYER_NAME_CHARS:
            raise InvalidArgument(f"playerName is longer than {MAX_PLAYER_NAME_CHARS} characters")
        _check_time(request.game_time)
        self.world.observe_time(request.game_time)
        history = record.chats.setdefault(player, [])
        llm_request = player_chat.build(
            name=record.agent.name,
            persona=record.agent.persona,
            clock=format_game_time(self.world.game_time),
            doing=self._doing(record),
            player=player,
            history=history[-4:],
            text=text,
            max_tokens=self.settings.chat_max_tokens,
            temperature=self.settings.temperature,
        )
        pieces: list[str] = []
        try:
            async for piece in self.scheduler.stream(llm_request, Priority.PLAYER, "player_chat"):
                pieces.append(piece)
                yield service_pb2.ChatChunk(text=piece)
        finally:
            answer = "".join(pieces).strip()
            history.append((text, answer))
            self.world.remember(record.agent.id, "dialogue", f'{player} said to {record.agent.name}: "{text}"')
            if answer:
                self.world.remember(record.agent.id, "dialogue", f'{record.agent.name} answered: "{answer}"')
        yield service_pb2.ChatChunk(done=True, full_text=answer)

    async def InspectAgent(self, request: service_pb2.InspectAgentRequest) -> service_pb2.AgentInspection:
        record = self._record(request.agent_id)
        return service_pb2.AgentInspection(
            agent=record.agent,
            state=record.state,
            current=record.current,
            plan=[c.reason for c in reversed(record.history[-10:])],
            recent_memories=list(reversed(record.journal[-20:])),
            history=record.history,
        )

    # ---- helpers ------------------------------------------------------------

    def _record(self, agent_id: str) -> AgentRecord:
        if not agent_id:
            raise InvalidArgument("agentId is required")
        try:
            return self.world.agents[agent_id]
        except KeyError:
            raise NotFound(f"unknown agent {agent_id!r}; ListAgents gives the known ones") from None

    def _where(self, record: AgentRecord) -> str:
        place_id = record.state.place_id
        return self.town.label(place_id) if place_id else "outdoors"

    def _recent(self, record: AgentRecord) -> list[str]:
        return [
            f"to the {self.town.place(c.move_to.place_id).name} at "
            f"{self.town.sector_of(c.move_to.place_id).name} {c.reason}"
            for c in record.history[-3:]
        ]

    def _doing(self, record: AgentRecord) -> str:
        if record.current is None:
            return f"at {self._where(record)}"
        return f"at {self._where(record)}, here to {record.current.activity.description}"


def _check_time(game_time: int) -> None:
    if game_time < 0:
        raise InvalidArgument(f"gameTime must not be negative (got {game_time})")
