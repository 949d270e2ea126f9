"""A scenario: the town it uses, who lives there, and when it starts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from google.protobuf import json_format

from agent_server.errors import DataError, NotFound
from agent_server.town import Town
from simulacra.v1 import agents_pb2, scenario_pb2

SECONDS_PER_DAY = 24 * 3600


@dataclass(frozen=True)
class Scenario:
    proto: scenario_pb2.Scenario
    town: Town
    path: Path

    @classmethod
    def load(cls, path: Path) -> "Scenario":
        path = Path(path)
        try:
            proto = json_format.Parse(path.read_text(encoding="utf-8"), scenario_pb2.Scenario())
        except OSError as exc:
            raise DataError(f"cannot read scenario file {path}: {exc.strerror}") from exc
        except json_format.ParseError as exc:
            raise DataError(f"{path}: not a valid simulacra.v1.Scenario: {exc}") from exc
        if not proto.town_file:
            raise DataError(f"{path}: townFile is missing; name the town data file, relative to the scenario")
        town = Town.load((path.parent / proto.town_file).resolve())
        scenario = cls(proto=proto, town=town, path=path)
        scenario._validate()
        return scenario

    def _validate(self) -> None:
        seen: set[str] = set()
        if not self.proto.agents:
            raise DataError(f"{self.path}: agents is empty; a scenario needs at least one agent")
        for i, agent in enumerate(self.proto.agents):
            where = f"{self.path}: agents[{i}]"
            for field in ("id", "name", "persona", "home_place_id"):
                if not getattr(agent, field):
                    raise DataError(f"{where}: {json_format_name(field)} is missing")
            if agent.id in seen:
                raise DataError(f"{where}: id {agent.id!r} is used twice; agent ids must be unique")
            seen.add(agent.id)
            if agent.home_place_id not in self.town:
                raise DataError(
                    f"{where}: homePlaceId {agent.home_place_id!r} is not a place in {self.proto.town_file}"
                )
        if not 0 <= self.proto.start_time < 366 * SECONDS_PER_DAY:
            raise DataError(f"{self.path}: startTime must be game seconds within the first year")

    @property
    def agents(self) -> list[agents_pb2.Agent]:
        return list(self.proto.agents)

    def agent(self, agent_id: str) -> agents_pb2.Agent:
        for agent in self.proto.agents:
            if agent.id == agent_id:
                return agent
        raise NotFound(f"unknown agent {agent_id!r}")


def json_format_name(field: str) -> str:
    """The canonical JSON name of a snake_case proto field: home_place_id -> homePlaceId."""
    head, *rest = field.split("_")
    return head + "".join(word.title() for word in rest)


def format_game_time(seconds: int) -> str:
    """Game seconds since the epoch as "Day 1 08:05"."""
    day, rest = divmod(int(seconds), SECONDS_PER_DAY)
    return f"Day {day + 1} {rest // 3600:02d}:{rest % 3600 // 60:02d}"
