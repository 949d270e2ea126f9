"""Reacting: every perception the world reports becomes an observation in the memory
stream (a repeated, unchanged one is not stored again), and for each newly observed
agent a constrained decision says whether to keep to the plan, talk to it, or do
something else, which replans from now. An agent on a visit (places.py) talks with the
one it came to see once they are near and free."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from agent_server.detail import LevelOfDetail
from agent_server.mind import Mind, Step
from agent_server.places import PlaceChooser
from agent_server.prompts import react
from agent_server.prompts.phrases import progressive
from agent_server.scheduler import Priority
from agent_server.town import Town
from simulacra.v1 import agents_pb2

log = logging.getLogger(__name__)

# An agent does not reconsider the same agent more often than this (game seconds).
REACTION_COOLDOWN = 30 * 60
# Nor starts another conversation with it sooner than this.
CONVERSATION_COOLDOWN = 3 * 3600
# Conversations start between agents at most this far apart (metres).
TALKING_DISTANCE = 6.0
# A visitor calls to the one it came to see across a room (metres).
VISIT_DISTANCE = 15.0


@dataclass(frozen=True)
class Reaction:
    kind: str  # "talk" or "change"
    other_id: str
    instead: str = ""
    because: str = ""


class Reactor:
    def __init__(self, places: PlaceChooser, town: Town, detail: LevelOfDetail) -> None:
        """`places`: where a change of course happens; `town`: what perceptions name;
        `detail`: whether a distant agent may still react (detail.py)."""
        self._places = places
        self._town = town
        self._detail = detail

    async def perceive(self, mind: Mind, state: agents_pb2.AgentState, now: int,
                       names: dict[str, str], busy: set[str]) -> Reaction | None:
        """Store what is new in the agent's perceptions; return a reaction, if any."""
        town = self._town
        if state.place_id:
            self._learn_place(mind, state.place_id)
        new: list[tuple[str, str, float]] = []
        for perception in state.perceptions:
            subject = perception.WhichOneof("subject")
            if subject == "agent" and perception.agent.agent_id in names:
                other = perception.agent
                doing = progressive(other.activity) if other.activity else "standing around"
                text = f"{names[other.agent_id]} is {doing}"
                key = other.agent_id
            elif subject == "object" and perception.object.place_id in town:
                place = town.place(perception.object.place_id)
                self._learn_place(mind, place.id)
                text = f"the {place.name} in {town.sector_of(place.id).name} is {perception.object.state or 'idle'}"
                key = place.id
            else:
                continue
            if mind.state.last_seen.get(key) != text:
                mind.state.last_seen[key] = text
                new.append((key, text, perception.distance))
        visit = self._visit(mind, state, now, names, busy)
        if not new:
            return visit
        await mind.remember("observation", [text for _, text, _ in new], now)
        if visit is not None:
            return visit
        asleep = mind.current is not None and mind.current.description == "sleeping"
        for key, text, distance in new:
            if key not in names or key in busy or mind.in_conversation or asleep or text.endswith(" is sleeping"):
                continue
            if now - mind.state.last_talked.get("react:" + key, -REACTION_COOLDOWN) < REACTION_COOLDOWN:
                continue
            mind.state.last_talked["react:" + key] = now
            if not self._detail.allows(mind.id, now, "react"):
                continue  # a distant agent past its budget keeps to its plan
            reaction = await self.decide(mind, key, names[key], text, now,
                                         can_talk=distance <= TALKING_DISTANCE
                                         and now - mind.state.last_talked.get(key, -CONVERSATION_COOLDOWN)
                                         >= CONVERSATION_COOLDOWN)
            if reaction:
                return reaction
        return None

    @staticmethod
    def _visit(mind: Mind, state: agents_pb2.AgentState, now: int, names: dict[str, str],
               busy: set[str]) -> Reaction | None:
        """On a visit (places.py), the one the agent came to see, in the same room (within
        VISIT_DISTANCE) and free: it talks with them; no choice is asked of the model, the
        plan made it."""
        step = mind.current
        whom = step.visiting if step is not None else ""
        if not whom or whom in busy or mind.in_conversation or whom not in names:
            return None
        if now - mind.state.last_talked.get(whom, -CONVERSATION_COOLDOWN) < CONVERSATION_COOLDOWN:
            return None
        near = any(p.WhichOneof("subject") == "agent" and p.agent.agent_id == whom and p.distance <= VISIT_DISTANCE
                   for p in state.perceptions)
        return Reaction("talk", whom) if near else None

    async def decide(self, mind: Mind, other_id: str, other_name: str, observation: str, now: int,
                     *, can_talk: bool) -> Reaction | None:
        """The paper's two retrievals (the relationship, and what the other is doing) give
        the context; the choice is read from the model's probabilities."""
        memories = [s.node.description for s in mind.recall(f"{mind.name}'s relationship with {other_name}", now, limit=5)]
        memories += [s.node.description for s in mind.recall(observation, now, limit=3)
                     if s.node.description not in memories]
        fields = dict(name=mind.name, summary=mind.summary, clock=mind.clock(now), doing=mind.doing(),
                      observation=observation, other=other_name, memories=memories)
        request, options = react.choice_request(**fields)
        if not can_talk:
            options = [options[0], options[2]]
        choice = options[await mind.choose(request, options, Priority.REACTION, "react")]
        if choice == react.OPTIONS[0]:
            return None
        if choice.startswith("Talk"):
            return Reaction("talk", other_id)
        text = await mind.ask(react.instead_request(**fields), Priority.REACTION, "react")
        return Reaction("change", other_id, react.parse_instead(text, mind.name), because=observation)

    async def change_course(self, mind: Mind, instead: str, now: int, because: str) -> None:
        """Replan from now: the new action for 15 minutes, then the rest of the hour anew."""
        chunk = mind.chunk_at(now)
        sought = self._places.seeks(mind, instead)
        visit = await self._places.next_visit(mind, sought, now) if sought else None
        if visit is not None:
            mind.state.actions = [Step(now, 15, instead, visit[0], visiting=visit[1])]
        else:
            place = await self._places.choose_place(mind, instead, chunk.description if chunk else instead)
            mind.state.actions = [Step(now, 15, instead, place)]
        await mind.remember("plan", [f"{mind.name} decided to {instead} because {because}"], now,
                            priority=Priority.PLANNING)

    def _learn_place(self, mind: Mind, place_id: str) -> None:
        sector = self._town.sector_of(place_id).id
        if sector not in mind.state.known_sectors:
            mind.state.known_sectors.append(sector)
