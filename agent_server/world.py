"""What the server knows of the world: the game time and, per agent, the state the world
last reported, the command it is carrying out, and commands waiting to be delivered.

The world (Godot) is the authority on positions and perceptions; the server only
records what it reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulacra.v1 import agents_pb2

HISTORY_LIMIT = 500


@dataclass
class AgentRecord:
    agent: agents_pb2.Agent
    state: agents_pb2.AgentState
    current: agents_pb2.AgentCommand | None = None
    history: list[agents_pb2.AgentCommand] = field(default_factory=list)
    # Commands decided outside NextAction (utterances, interruptions), delivered on
    # the next SyncWorld.
    outbox: list[agents_pb2.AgentCommand] = field(default_factory=list)


class World:
    def __init__(self, agents: list[agents_pb2.Agent], start_time: int) -> None:
        self.game_time = start_time
        self.agents: dict[str, AgentRecord] = {
            a.id: AgentRecord(agent=a, state=agents_pb2.AgentState(agent_id=a.id, place_id=a.home_place_id))
            for a in agents
        }

    def observe_time(self, game_time: int) -> None:
        self.game_time = max(self.game_time, game_time)

    def record_command(self, command: agents_pb2.AgentCommand) -> None:
        record = self.agents[command.agent_id]
        if command.HasField("move_to") or command.HasField("activity"):
            record.current = command
        record.history.append(command)
        del record.history[:-HISTORY_LIMIT]

    def send(self, command: agents_pb2.AgentCommand) -> None:
        """Queue a command for delivery with the next SyncWorld."""
        self.agents[command.agent_id].outbox.append(command)

    def take_outbox(self, agent_id: str) -> list[agents_pb2.AgentCommand]:
        record = self.agents[agent_id]
        commands, record.outbox = record.outbox, []
        for command in commands:
            self.record_command(command)
        return commands
