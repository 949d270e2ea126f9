"""What the server knows of the world: the game time and, per agent, its latest state,
what it is doing, and a journal of what it did and heard.

The world (Godot) is the authority on positions and perceptions; the server only
records what it reports. The journal is what the inspector shows as recent memories.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from simulacra.v1 import agents_pb2

JOURNAL_LIMIT = 200


@dataclass
class AgentRecord:
    agent: agents_pb2.Agent
    state: agents_pb2.AgentState
    current: agents_pb2.AgentCommand | None = None
    history: list[agents_pb2.AgentCommand] = field(default_factory=list)
    journal: list[agents_pb2.MemoryView] = field(default_factory=list)
    # Earlier (player line, answer) pairs, per player name.
    chats: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # Commands decided outside NextAction, delivered on the next SyncWorld.
    outbox: list[agents_pb2.AgentCommand] = field(default_factory=list)


class World:
    def __init__(self, agents: list[agents_pb2.Agent], start_time: int) -> None:
        self.game_time = start_time
        self._memory_ids = itertools.count(1)
        self.agents: dict[str, AgentRecord] = {
            a.id: AgentRecord(agent=a, state=agents_pb2.AgentState(agent_id=a.id, place_id=a.home_place_id))
            for a in agents
        }

    def observe_time(self, game_time: int) -> None:
        self.game_time = max(self.game_time, game_time)

    def record_command(self, command: agents_pb2.AgentCommand) -> None:
        record = self.agents[command.agent_id]
        record.current = command
        record.history.append(command)

    def remember(self, agent_id: str, kind: str, description: str, importance: int = 0) -> None:
        journal = self.agents[agent_id].journal
        journal.append(
            agents_pb2.MemoryView(
                id=f"m{next(self._memory_ids)}",
                kind=kind,
                description=description,
                created_at=self.game_time,
                importance=importance,
            )
        )
        del journal[:-JOURNAL_LIMIT]

    def take_outbox(self, agent_id: str) -> list[agents_pb2.AgentCommand]:
        record = self.agents[agent_id]
        commands, record.outbox = record.outbox, []
        for command in commands:
            self.record_command(command)
        return commands
