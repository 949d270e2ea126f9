"""A scenario: the town it uses, who lives there, what they know, and when it starts.

Scenario files are TOML (`scenarios/*.toml`; the format is in scenarios/README.md). A
file is read whole and checked whole before anything of it is used: every problem is
reported at once, each naming the file, the field and the fix. The result is a
`simulacra.v1.Scenario` message (the contract: ListAgents returns its agents) plus the
loaded town. A file holding the message itself in canonical proto3 JSON
(`scenarios/*.json`) loads too and gets the same checks.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from google.protobuf import json_format

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from agent_server.clock import SECONDS_PER_DAY, calendar_day, parse_clock
from agent_server.errors import DataError, NotFound
from agent_server.identity import Identity, and_list
from agent_server.town import ARENA, Town
from simulacra.v1 import agents_pb2, scenario_pb2, town_pb2

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Where a persona's seed paragraph splits into first memories.
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+")

# Body colours for agents whose file gives none (picked from a hash of the id).
_COLORS = ["#e0607e", "#4f86c6", "#58b368", "#f2a541", "#8e6cc2", "#e07a5f", "#3d9b9b", "#c44536"]

# TOML keys, in the order the README documents them.
_TOP_KEYS = {"name", "description", "town", "start", "player_goal", "player_name", "personas", "relationships",
             "seeds"}
_PERSONA_KEYS = {"id", "name", "age", "traits", "seed", "home", "occupation", "habits", "appearance", "color"}
_APPEARANCE_KEYS = {"height", "skin", "hair", "shirt", "trousers"}
_RELATIONSHIP_KEYS = {"a", "b", "description", "mutual"}
_SEED_KEYS = {"agent", "text", "topic", "event"}


@dataclass(frozen=True)
class Scenario:
    proto: scenario_pb2.Scenario
    town: Town
    path: Path

    @classmethod
    def load(cls, path: Path) -> Scenario:
        """Reads and checks a scenario file (TOML, or proto3 JSON) and the town it names.
        Raises DataError listing every problem found."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DataError(f"cannot read scenario file {path}: {exc.strerror}") from exc
        problems = _Problems(path)
        if path.suffix == ".json":
            proto = _from_json(text, problems)
            names = _JSON_NAMES
        else:
            proto = _from_toml(text, problems)
            names = _TOML_NAMES
        town: Town | None = None
        if proto.town_file:
            try:
                town = Town.load((path.parent / proto.town_file).resolve())
            except DataError as exc:
                problems.add(names["town"], f"the town file does not load ({exc}); fix the town or name another")
        _check_across(proto, town, problems, names)
        problems.raise_if_any()
        assert town is not None  # a scenario without a town has a problem
        return cls(proto=proto, town=town, path=path)

    @property
    def agents(self) -> list[agents_pb2.Agent]:
        return list(self.proto.agents)

    def agent(self, agent_id: str) -> agents_pb2.Agent:
        for agent in self.proto.agents:
            if agent.id == agent_id:
                return agent
        raise NotFound(f"unknown agent {agent_id!r}")

    def residents(self) -> dict[str, frozenset[str]]:
        """Private places and who they belong to: each arena some agent's home is in (a
        bedroom, a one-room apartment) and the agents who live there, and each home
        itself (a bed) and its owner. Shared rooms (a kitchen, a dorm's common room)
        hold no one's home, so they are not in it."""
        private: dict[str, set[str]] = {}
        for agent in self.proto.agents:
            lineage = self.town.lineage(agent.home_place_id)
            for place in lineage[next((i for i, p in enumerate(lineage) if p.kind == ARENA), len(lineage)):]:
                private.setdefault(place.id, set()).add(agent.id)
        return {place: frozenset(ids) for place, ids in private.items()}

    def identity(self, agent_id: str) -> Identity:
        """The agent's fixed identity block (identity.py): its persona, where it lives,
        the relationships it is part of and its seeds."""
        agent = self.agent(agent_id)
        others = [a for a in self.proto.agents if a.id != agent_id]
        return Identity.of_agent(agent, home=self.home_in_words(agent_id),
                                 relationships=tuple(self._relationships_of(agent_id)),
                                 intentions=self._seeds_of(agent_id),
                                 people=tuple(a.name for a in others),
                                 housemates=self.housemates(agent_id),
                                 pronouns=tuple((a.name, self._pronouns[a.name]) for a in others))

    @cached_property
    def _pronouns(self) -> dict[str, str]:
        """Each agent's pronoun by name, as its own text says (Identity.pronoun): read
        once, for every agent's identity names every other."""
        return {a.name: Identity.of_agent(a, intentions=self._seeds_of(a.id)).pronoun for a in self.proto.agents}

    def _seeds_of(self, agent_id: str) -> tuple[str, ...]:
        return tuple(s.text for s in self.proto.seeds if s.agent_id == agent_id)

    def housemates(self, agent_id: str) -> tuple[str, ...]:
        """The names of those whose home is in the same room as the agent's (a couple's
        bedroom, a shared flat's one room): who it lives with, as the town says. Those in
        rooms of their own in one building (a family's children, a dormitory, flats in a
        block) are not told apart from neighbours by the town, so are not counted."""
        arena = self._home_arena(agent_id)
        return tuple(a.name for a in self.proto.agents if arena is not None and a.id != agent_id
                     and arena.id in {p.id for p in self.town.lineage(a.home_place_id)})

    def home_in_words(self, agent_id: str) -> str:
        """"Oak Hill Apartments (Isabella Rodriguez's apartment)": the home's sector, and
        the agent's own room or apartment where others live in the same sector."""
        sector = self.town.lineage(self.agent(agent_id).home_place_id)[0]
        arena = self._home_arena(agent_id)
        if arena is None:
            return sector.name
        neighbours = [a for a in self.proto.agents if a.id != agent_id
                      and self.town.lineage(a.home_place_id)[0].id == sector.id]
        shares_arena = any(arena.id in {p.id for p in self.town.lineage(a.home_place_id)} for a in neighbours)
        return f"{sector.name} ({arena.name})" if neighbours and not shares_arena else sector.name

    def _home_arena(self, agent_id: str) -> town_pb2.Place | None:
        """The room or apartment the agent's home is in; None where the home is a sector."""
        return next((p for p in self.town.lineage(self.agent(agent_id).home_place_id) if p.kind == ARENA), None)

    def _relationships_of(self, agent_id: str) -> list[str]:
        return [r.description for r in self.proto.relationships
                if r.a == agent_id or (r.mutual and r.b == agent_id)]

    def initial_memories(self, agent_id: str) -> list[str]:
        """What an agent knows when its mind is first made, one memory per item: its seed
        paragraph split into sentences, then its age, traits, occupation and daily habits,
        then the relationships it is part of, then its seeds."""
        agent = self.agent(agent_id)
        memories = split_sentences(agent.persona)
        if agent.age:
            memories.append(f"{agent.name} is {agent.age} years old.")
        if agent.traits:
            memories.append(f"{agent.name} is {and_list(list(agent.traits))}.")
        if agent.occupation:
            memories.append(f"{agent.name}'s occupation: {agent.occupation}.")
        memories += split_sentences(agent.lifestyle)
        memories += self._relationships_of(agent_id)
        for seed in self.proto.seeds:
            if seed.agent_id == agent_id:
                memories.append(seed.text)
        unique: list[str] = []
        for memory in memories:
            memory = memory.strip()
            if memory and memory not in unique:
                unique.append(memory)
        return unique

    def known_pairs(self) -> set[tuple[str, str]]:
        """Ordered pairs (a, b) where a starts out knowing b, from the relationships."""
        pairs: set[tuple[str, str]] = set()
        for relationship in self.proto.relationships:
            pairs.add((relationship.a, relationship.b))
            if relationship.mutual:
                pairs.add((relationship.b, relationship.a))
        return pairs

    def calendar_day(self, seconds: int) -> str:
        """The calendar day of a game time, "Monday February 13", or "day N" without a start date."""
        return calendar_day(seconds, self.proto.start_date)

    def hosted_events(self, agent_id: str) -> list[tuple[int, int, str, str]]:
        """The events the agent's own seeds are about (a party it throws): (start, end,
        place id, the event in words: "the tea party")."""
        return [(s.event.start_time, s.event.end_time, s.event.place_id, event_name(s))
                for s in self.proto.seeds if s.agent_id == agent_id and s.event.place_id]


    def news_of(self, agent_id: str) -> list[str]:
        """The texts of the agent's own seeds that are no event (Sam means to run for mayor)."""
        return [s.text for s in self.proto.seeds if s.agent_id == agent_id and not s.event.place_id]


def event_name(seed: scenario_pb2.Seed) -> str:
    """The event a seed is about, in a few words from its own text: the phrase that holds
    its topic words, from the article before them ("a Valentine's Day party" for the
    topics "valentine" and "party" becomes "the Valentine's Day party"); "the event"
    where the text does not name it."""
    text = " ".join(seed.text.split())
    spans = [m.span() for topic in seed.topic for m in
             [re.search(rf"\b{re.escape(topic)}\w*", text, re.IGNORECASE)] if m]
    if not spans:
        return "the event"
    start, end = min(a for a, _ in spans), max(b for _, b in spans)
    if len(text[start:end].split()) > 6:  # topics far apart: the last one alone
        start = max(spans, key=lambda span: span[1])[0]
    before = text[:start].split()[-5:]
    articles = [i for i, w in enumerate(before) if w.lower() in {"a", "an", "the", "her", "his", "their", "its"}]
    lead = " ".join(before[articles[-1] + 1:]) if articles else ""
    lead = "" if any(w[-1:] in ",;:." for w in lead.split()) else lead
    return "the " + " ".join(f"{lead} {text[start:end]}".split())


def split_sentences(text: str) -> list[str]:
    """A paragraph as its sentences (the unit of a first memory)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def json_format_name(field: str) -> str:
    """The canonical JSON name of a snake_case proto field: home_place_id -> homePlaceId."""
    head, *rest = field.split("_")
    return head + "".join(word.title() for word in rest)


def derived_color(agent_id: str) -> str:
    """A stable body colour for an agent whose scenario gives none."""
    digest = hashlib.sha256(b"color:" + agent_id.encode()).digest()
    return _COLORS[digest[0] % len(_COLORS)]


# ---- checking ---------------------------------------------------------------------------


class _Problems:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(f"{field}: {message}")

    def raise_if_any(self) -> None:
        if not self.items:
            return
        if len(self.items) == 1:
            raise DataError(f"{self.path}: {self.items[0]}")
        raise DataError(f"{self.path}: {len(self.items)} problems:\n  " + "\n  ".join(self.items))


# How each format names the fields the common checks talk about.
_TOML_NAMES = {
    "town": "town", "agents": "personas", "home": "home", "relationships": "relationships",
    "seeds": "seeds", "seed_agent": "agent", "id": "id", "name": "name", "event_place": "event.place",
}
_JSON_NAMES = {
    "town": "townFile", "agents": "agents", "home": "homePlaceId", "relationships": "relationships",
    "seeds": "seeds", "seed_agent": "agentId", "id": "id", "name": "name", "event_place": "event.placeId",
}


def _from_json(text: str, problems: _Problems) -> scenario_pb2.Scenario:
    try:
        proto = json_format.Parse(text, scenario_pb2.Scenario())
    except json_format.ParseError as exc:
        problems.add("(file)", f"not a valid simulacra.v1.Scenario: {exc}")
        return scenario_pb2.Scenario()
    if not proto.town_file:
        problems.add("townFile", "is missing; name the town data file, relative to the scenario")
    if not 0 <= proto.start_time < 366 * SECONDS_PER_DAY:
        problems.add("startTime", "must be game seconds within the first year (0 is day 1, 00:00)")
    if proto.start_date and not _valid_date(proto.start_date):
        problems.add("startDate", f"{proto.start_date!r} is not a date; write it as \"2023-02-13\"")
    if not proto.agents:
        problems.add("agents", "is empty; a scenario needs at least one agent")
    for i, agent in enumerate(proto.agents):
        for field in ("id", "name", "persona", "home_place_id"):
            if not getattr(agent, field):
                problems.add(f"agents[{i}].{json_format_name(field)}", "is missing")
        if agent.color and not _COLOR.match(agent.color):
            problems.add(f"agents[{i}].color", f"{agent.color!r} is not a colour; write \"#rrggbb\"")
        if not agent.color:
            agent.color = derived_color(agent.id)
    return proto


def _valid_date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _from_toml(text: str, problems: _Problems) -> scenario_pb2.Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.add("(file)", f"is not valid TOML: {exc}")
        return scenario_pb2.Scenario()
    proto = scenario_pb2.Scenario()
    _unknown_keys(data, _TOP_KEYS, "", problems)
    proto.name = _string(data, "name", "name", problems, required=True,
                         fix='add name = "my_town" (it also names the save)')
    proto.description = _string(data, "description", "description", problems)
    proto.town_file = _string(data, "town", "town", problems, required=True,
                              fix='add town = "../towns/smallville.json" (relative to this file)')
    proto.player_goal = _string(data, "player_goal", "player_goal", problems)
    proto.player_name = _string(data, "player_name", "player_name", problems)

    start = data.get("start")
    if not isinstance(start, dict):
        problems.add("start", 'is missing; add start = { date = "2023-02-13", time = "07:00" }')
    else:
        _unknown_keys(start, {"date", "time"}, "start.", problems)
        date = start.get("date")
        if isinstance(date, datetime.date) and not isinstance(date, datetime.datetime):
            date = date.isoformat()
        if date is None:
            problems.add("start.date", 'is missing; add date = "2023-02-13" (the calendar date of day 1)')
        elif not isinstance(date, str) or not _valid_date(date):
            problems.add("start.date", f"{date!r} is not a date; write it as \"2023-02-13\"")
        else:
            proto.start_date = date
        clock = start.get("time")
        if isinstance(clock, datetime.time):
            clock = f"{clock.hour:02d}:{clock.minute:02d}"
        if clock is None:
            problems.add("start.time", 'is missing; add time = "07:00" (24-hour clock)')
        else:
            try:
                proto.start_time = parse_clock(str(clock))
            except ValueError:
                problems.add("start.time", f"{clock!r} is not a time of day; write it as \"07:00\" (24-hour clock)")

    personas = data.get("personas")
    if not isinstance(personas, list) or not personas:
        problems.add("personas", "is missing or empty; add at least one [[personas]] table")
        personas = []
    for i, persona in enumerate(personas):
        where = f"personas[{i}]"
        if not isinstance(persona, dict):
            problems.add(where, "must be a table ([[personas]])")
            continue
        if isinstance(persona.get("id"), str):
            where = f"personas[{i}] (id {persona['id']!r})"
        proto.agents.append(_persona(persona, where, problems))

    for i, item in enumerate(_tables(data, "relationships", problems)):
        where = f"relationships[{i}]"
        _unknown_keys(item, _RELATIONSHIP_KEYS, f"{where}.", problems)
        relationship = proto.relationships.add()
        relationship.a = _string(item, "a", f"{where}.a", problems, required=True, fix="add a = \"<persona id>\"")
        relationship.b = _string(item, "b", f"{where}.b", problems, required=True, fix="add b = \"<persona id>\"")
        relationship.description = _string(item, "description", f"{where}.description", problems, required=True,
                                           fix="add a sentence about the two, e.g. description = \"A and B are "
                                               "neighbours.\"")
        mutual = item.get("mutual", True)
        if not isinstance(mutual, bool):
            problems.add(f"{where}.mutual", "must be true (both know it) or false (only a knows it)")
            mutual = True
        relationship.mutual = mutual
    for i, item in enumerate(_tables(data, "seeds", problems)):
        where = f"seeds[{i}]"
        _unknown_keys(item, _SEED_KEYS, f"{where}.", problems)
        seed = proto.seeds.add()
        seed.agent_id = _string(item, "agent", f"{where}.agent", problems, required=True,
                                fix="add agent = \"<persona id>\"")
        seed.text = _string(item, "text", f"{where}.text", problems, required=True,
                            fix="add text = \"what the agent knows or means to do\"")
        topic = item.get("topic", [])
        if isinstance(topic, str):
            topic = [topic]
        if not isinstance(topic, list) or not all(isinstance(t, str) and t.strip() for t in topic):
            problems.add(f"{where}.topic", 'must be a list of keywords, e.g. topic = ["party", "valentine"]')
        else:
            seed.topic.extend(t.strip() for t in topic)
        event = item.get("event")
        if event is not None:
            _seed_event(event, f"{where}.event", seed, problems)
    return proto


def _seed_event(data: Any, where: str, seed: scenario_pb2.Seed, problems: _Problems) -> None:
    """event = { place = "hobbs_cafe", day = 2, start = "17:00", end = "19:00" }"""
    example = 'event = { place = "hobbs_cafe", day = 2, start = "17:00", end = "19:00" }'
    if not isinstance(data, dict):
        problems.add(where, f"must be a table: {example}")
        return
    _unknown_keys(data, {"place", "day", "start", "end"}, f"{where}.", problems)
    seed.event.place_id = _string(data, "place", f"{where}.place", problems, required=True,
                                  fix='add place = "<place id>" (where the gathering is)')
    day = data.get("day")
    if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 366:
        problems.add(f"{where}.day", f"{day!r} is not a day of the run; write day = 2 (day 1 is the start date)")
        day = 1
    times = {}
    for key in ("start", "end"):
        clock = data.get(key)
        if isinstance(clock, datetime.time):
            clock = f"{clock.hour:02d}:{clock.minute:02d}"
        try:
            times[key] = (day - 1) * SECONDS_PER_DAY + parse_clock(str(clock))
        except ValueError:
            problems.add(f"{where}.{key}", f"{clock!r} is not a time of day; write {key} = \"17:00\" (24-hour clock)")
    if len(times) == 2:
        if times["end"] <= times["start"]:
            problems.add(f"{where}.end", "must be after start (an event ends on the day it starts)")
        seed.event.start_time, seed.event.end_time = times["start"], times["end"]


def _persona(data: dict[str, Any], where: str, problems: _Problems) -> agents_pb2.Agent:
    _unknown_keys(data, _PERSONA_KEYS, f"{where}.", problems)
    agent = agents_pb2.Agent()
    agent.id = _string(data, "id", f"{where}.id", problems, required=True,
                       fix='add id = "first_last" (lower_snake_case, unique)')
    if agent.id and not _ID.match(agent.id):
        problems.add(f"{where}.id", f"{agent.id!r} is not lower_snake_case; use letters, digits and _ only")
    agent.name = _string(data, "name", f"{where}.name", problems, required=True, fix='add name = "First Last"')
    agent.persona = _string(data, "seed", f"{where}.seed", problems, required=True,
                            fix="add seed = \"...\": a paragraph of who they are (3-5 sentences)")
    agent.home_place_id = _string(data, "home", f"{where}.home", problems, required=True,
                                  fix="add home = \"<place id in the town>\", e.g. their bed")
    agent.occupation = _string(data, "occupation", f"{where}.occupation", problems)
    agent.lifestyle = _string(data, "habits", f"{where}.habits", problems)
    age = data.get("age", 0)
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 120:
        problems.add(f"{where}.age", f"{age!r} is not an age; write whole years, e.g. age = 34")
    else:
        agent.age = age
    traits = data.get("traits", [])
    if not isinstance(traits, list) or not all(isinstance(t, str) and t.strip() for t in traits):
        problems.add(f"{where}.traits", 'must be a list of words, e.g. traits = ["friendly", "outgoing"]')
    else:
        agent.traits.extend(t.strip() for t in traits)
    color = data.get("color")
    if color is None:
        agent.color = derived_color(agent.id or where)
    elif not isinstance(color, str) or not _COLOR.match(color):
        problems.add(f"{where}.color", f"{color!r} is not a colour; write \"#rrggbb\"")
    else:
        agent.color = color
    look = data.get("appearance")
    # Fields left out stay unset: the Agent contract has clients derive them from the id.
    if look is not None and not isinstance(look, dict):
        problems.add(f"{where}.appearance", "must be a table: appearance = { height = 1.7, skin = \"#e0ac69\" }")
    elif look is not None:
        _unknown_keys(look, _APPEARANCE_KEYS, f"{where}.appearance.", problems)
        height = look.get("height")
        if height is not None:
            if isinstance(height, bool) or not isinstance(height, int | float) or not 1.5 <= height <= 2.0:
                problems.add(f"{where}.appearance.height", f"{height!r} is not a height; write metres, 1.5 to 2.0")
            else:
                agent.appearance.height = float(height)
        for part in ("skin", "hair", "shirt", "trousers"):
            value = look.get(part)
            if value is None:
                continue
            if not isinstance(value, str) or not _COLOR.match(value):
                problems.add(f"{where}.appearance.{part}", f"{value!r} is not a colour; write \"#rrggbb\"")
            else:
                setattr(agent.appearance, part, value)
    return agent


def _string(data: dict[str, Any], key: str, field: str, problems: _Problems, *, required: bool = False,
            fix: str = "") -> str:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.add(field, f"is missing; {fix}" if fix else "is missing")
        return ""
    if not isinstance(value, str):
        problems.add(field, f"must be a string, not {type(value).__name__}; put it in quotes")
        return ""
    return " ".join(value.split())


def _tables(data: dict[str, Any], key: str, problems: _Problems) -> list[dict[str, Any]]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        problems.add(key, f"must be an array of tables ([[{key}]])")
        return []
    return items


def _unknown_keys(data: dict[str, Any], known: set[str], prefix: str, problems: _Problems) -> None:
    for key in data:
        if key not in known:
            problems.add(f"{prefix}{key}", f"is not a field here; the fields are {', '.join(sorted(known))}")


def _check_across(proto: scenario_pb2.Scenario, town: Town | None, problems: _Problems,
                  names: dict[str, str]) -> None:
    """The checks both formats share: unique ids and names, homes in the town (when it
    loaded), and relationships and seeds that name agents of the scenario."""
    agents_field = names["agents"]
    ids: dict[str, int] = {}
    full_names: dict[str, int] = {}
    for i, agent in enumerate(proto.agents):
        where = f"{agents_field}[{i}] (id {agent.id!r})" if agent.id else f"{agents_field}[{i}]"
        if agent.id:
            if agent.id in ids:
                problems.add(f"{where}.{names['id']}", f"{agent.id!r} is also the id of {agents_field}[{ids[agent.id]}];"
                             " give each persona its own id")
            ids.setdefault(agent.id, i)
        if agent.name:
            if agent.name in full_names:
                problems.add(f"{where}.{names['name']}", f"{agent.name!r} is also the name of "
                             f"{agents_field}[{full_names[agent.name]}]; give each persona its own name")
            full_names.setdefault(agent.name, i)
        if town is not None and agent.home_place_id and agent.home_place_id not in town:
            problems.add(f"{where}.{names['home']}", f"{agent.home_place_id!r} is not a place in {proto.town_file}; "
                         f"use one of its place ids{_suggest(agent.home_place_id, town)}")
    for i, relationship in enumerate(proto.relationships):
        where = f"{names['relationships']}[{i}]"
        for side in ("a", "b"):
            value = getattr(relationship, side)
            if value and value not in ids:
                problems.add(f"{where}.{side}", f"{value!r} is not the id of a persona in this scenario; "
                             f"use one of {', '.join(sorted(ids))}")
        if relationship.a and relationship.a == relationship.b:
            problems.add(f"{where}.b", "names the same persona as a; a relationship is between two personas")
    for i, seed in enumerate(proto.seeds):
        if seed.agent_id and seed.agent_id not in ids:
            problems.add(f"{names['seeds']}[{i}].{names['seed_agent']}",
                         f"{seed.agent_id!r} is not the id of a persona in this scenario; "
                         f"use one of {', '.join(sorted(ids))}")
        place = seed.event.place_id
        if town is not None and place and place not in town:
            problems.add(f"{names['seeds']}[{i}].{names['event_place']}",
                         f"{place!r} is not a place in {proto.town_file}; use one of its place ids{_suggest(place, town)}")


def _suggest(place_id: str, town: Town) -> str:
    """ " (did you mean ...?)" for a place id close to a real one."""
    close = difflib.get_close_matches(place_id, [p.id for p in town.places()], n=2, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
