"""Planning: deciding what an agent does next, at a real place in the town.

For now an agent plans one step at a time: when it is idle, the model chooses its
next destination (constrained to the town's objects) and what it will do there.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging

from agent_server.llm.base import LLMRequest
from agent_server.prompts import next_action
from agent_server.scenario import SECONDS_PER_DAY, format_game_time
from agent_server.scheduler import LLMScheduler, Priority
from agent_server.town import OBJECT, Town
from simulacra.v1 import agents_pb2

log = logging.getLogger(__name__)


def part_of_day(game_time: int) -> str:
    hour = game_time % SECONDS_PER_DAY // 3600
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 21:
        return "evening"
    return "night"


class NextActionPlanner:
    """Chooses an idle agent's next destination and activity with the model."""

    def __init__(self, scheduler: LLMScheduler, town: Town, *, temperature: float = 0.7) -> None:
        self._scheduler = scheduler
        self._town = town
        self._temperature = temperature
        self._ids = itertools.count(1)
        # The offered destinations: every object, labelled by object and sector.
        self._destinations = {
            f"the {p.name} at {town.sector_of(p.id).name}": p for p in town.places(OBJECT)
        }
        if len(self._destinations) != len(town.places(OBJECT)):
            raise ValueError("two objects in one sector share a name; destinations would be ambiguous")

    async def decide(
        self, agent: agents_pb2.Agent, game_time: int, here: str, recent: list[str]
    ) -> agents_pb2.AgentCommand:
        request = self._request(agent, game_time, here, recent)
        labels = list(self._destinations)
        text = (await self._scheduler.complete(request, Priority.PLANNING, "next_action")).text
        try:
            choice = next_action.parse(text, labels)
        except ValueError:
            # Only a truncated answer can miss the grammar; ask once more, greedily.
            log.warning("%s: unparseable next action %r; retrying", agent.id, text)
            greedy = dataclasses.replace(request, temperature=0.0, max_tokens=160)
            text = (await self._scheduler.complete(greedy, Priority.PLANNING, "next_action")).text
            choice = next_action.parse(text, labels)
        place = self._destinations[choice.place_label]
        return agents_pb2.AgentCommand(
            agent_id=agent.id,
            command_id=f"{agent.id}-{next(self._ids)}",
            issued_at=game_time,
            move_to=agents_pb2.MoveTo(place_id=place.id, position=place.position),
            activity=agents_pb2.Activity(
                description=choice.purpose,
                emoji=next_action.emoji_for(choice.purpose, place.name),
                duration_minutes=choice.minutes,
            ),
            reason=f"to {choice.purpose}",
        )

    def _request(self, agent: agents_pb2.Agent, game_time: int, here: str, recent: list[str]) -> LLMRequest:
        return next_action.build(
            name=agent.name,
            persona=agent.persona,
            clock=format_game_time(game_time),
            part_of_day=part_of_day(game_time),
            here=here,
            recent=recent,
            places={label: p.description for label, p in self._destinations.items()},
            temperature=self._temperature,
        )
