"""Place choice: where in the town an action happens, down the town tree among the
places the agent knows (sector, then arena, then object), as in the paper's
environment tree. The model's per-token probability of each name is weighed with how
well each place's meaning matches the action; meaning decides, the model breaks
near-ties. An agent's own home also means what a home is for, and someone else's
private room or bed is never offered. An arena's object is chosen by meaning alone.

Places cost few model calls: an hour's chunk chooses its area once (planning.py asks
for it), and a routine action (the same text again) keeps the area chosen before.

Visits: an action that seeks people ("ask her neighbours to help look for the dog",
"visit Kenji", "let Maria know about the meeting") and says no place it happens at is
done where they are, one after another (`seeks`, `next_visit`): where their habits put
them at that hour (the cafe its owner works at, the college a student has classes at),
else at their homes; first
those the agent has not told what it holds (its gathering, its news: topics.py), then
those it has not gone to see lately, the nearest first. Its housemates are met at home.
A host's hour of going round to invite people (planning.hosting) visits everyone it
knows (ANYONE). Arriving, the agent talks with the one it came for if they are there
(reacting.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from agent_server.memory import Embedder
from agent_server.mind import Mind, Step
from agent_server.options import MindOptions
from agent_server.prompts import choose_place
from agent_server.scheduler import LLMScheduler, Priority
from agent_server.town import ARENA, OBJECT, SECTOR, Town
from simulacra.v1 import town_pb2

# How much the semantic match between an action and a place's description counts in
# the choice of place, beside the model's (per-token) log-probability of its name.
# Meaning decides and the model breaks near-ties: on bench/places.py's first 52 labelled
# actions, a weight of 5 with no sense of home or privacy put 23% of actions in an
# acceptable room (and 14 in someone else's); with both and this weight, 92%.
PLACE_MATCH_WEIGHT = 120.0
# Words by which an action seeks people: a verb of going to see or speaking with someone,
# then, within a few words, a person the agent knows or people at large.
_SEEKING = ("ask|asks|asking|tell|tells|telling|invite|invites|inviting|visit|visits|visiting|meet|meets|meeting|"
            "find|finds|finding|gather|gathers|gathering|warn|warns|warning|remind|reminds|reminding|alert|alerts|"
            "alerting|let|lets|recruit|recruits|recruiting|rally|rallies|rallying|see|sees|seeing|"
            "(?:call|calls|calling|check|checks|checking|knock|knocks|knocking) on|"
            "(?:stop|stops|stopping|drop|drops|dropping) by|(?:check|checks|checking) in on|"
            "(?:talk|talks|talking|speak|speaks|speaking|chat|chats|chatting) (?:to|with)|"
            "(?:catch|catches|catching) up with|(?:round|rounds|rounding) up|(?:go|goes|going) (?:round|around) to")
_PEOPLE_AT_LARGE = ("neighbours|neighbors|friends|everyone|everybody|people|residents|townspeople|townsfolk|"
                    "others|relatives|volunteers|helpers|members|colleagues|voters")
# Where an action says it happens: a place after one of these ("at the cafe", "to
# Johnson Park"), or home.
_LOCATIVE = re.compile(r"\b(?:at|in|inside|into|to|outside|near|by)\s+", re.IGNORECASE)
# A round of visits to everyone the agent knows (Step.visiting): inviting people to an
# event it hosts (planning.hosting).
ANYONE = "*"
# Metres between two places within which one is "just a few steps" from the other, as
# someone telling the way says it; farther, "a short walk" (directions).
NEAR_M = 25.0
# A person visited is not gone to again for this long (game seconds) while others wait.
VISIT_AGAIN_S = 6 * 3600
# What a home, and one's own room in it, are for: the meaning an agent's own places have
# to it beside their descriptions. (Eating is left out: with it, lunch "at the cafe" and
# dinner "at the pub" went home.)
HOME_LIFE = "home: where one sleeps, wakes up, washes, gets dressed and rests"
OWN_ROOM_LIFE = "one's own room: where one sleeps, wakes up, gets dressed and keeps one's things"


class PlaceChooser:
    """Where an agent's actions happen; planning.py asks it for each hour's area and each
    action's object, reacting.py and invitations.py for a place of their own. It reads
    the model's probabilities of places' names (`scheduler`), weighs them with the
    places' meanings (`embedder`), and knows the `town`."""

    def __init__(self, scheduler: LLMScheduler, embedder: Embedder, town: Town,
                 options: MindOptions = MindOptions(), residents: dict[str, frozenset[str]] | None = None,
                 homes: dict[str, tuple[str, str]] | None = None) -> None:
        self._scheduler = scheduler
        self._embedder = embedder
        self._town = town
        # False: every place is chosen anew, routine actions too (the baseline benchmark).
        self.cache_places = options.cache_places
        # Private rooms and beds and who they belong to (Scenario.residents): no one
        # else's plans go into them.
        self.residents: dict[str, frozenset[str]] = residents or {}
        # Each agent's name and home (agent id -> (name, home place id)): where a visit goes.
        self.homes: dict[str, tuple[str, str]] = homes or {}
        # Where an agent's habits put it at a time (agent id, game time -> a place id, ""
        # for none named): a visit goes there rather than home (Society sets it).
        self.whereabouts: Callable[[str, int], str] | None = None
        self._place_vectors: dict[str, np.ndarray] = {}
        self._public: tuple[town_pb2.Place, ...] | None = None
        # Per agent: what its actions seek people by (seeks): the pattern, and the names
        # (full and first) of the people it knows, to their ids.
        self._seeking: dict[str, tuple[re.Pattern[str], dict[str, str]]] = {}

    async def choose_place(self, mind: Mind, action: str, chunk: str) -> str:
        """A place id for one action: its area, then the object in it."""
        return self.choose_object(mind, await self.choose_area(mind, action, chunk), action, chunk)

    def named(self, mind: Mind, text: str) -> str:
        """The sector an action names, if it names one ("open Hobbs Cafe", "walk to the
        pharmacy", "come home for dinner"): by its whole name, or by "the" and the last
        word of its name when one sector's name ends so ("the cafe"); "home": the agent's
        home. The first named in the text; "" when none is."""
        town = self._town
        lowered = " " + re.sub(r"[,.;:!?]", " ", text.lower()) + " "
        found: list[tuple[int, int, str]] = []  # where, how many characters it says, which
        home = lowered.find(" home ")
        if home < 0:
            home = lowered.find(" home,")
        if home >= 0:
            found.append((home, -4, town.sector_of(mind.agent.home_place_id).id))
        sectors = town.places(SECTOR)
        heads: dict[str, list[town_pb2.Place]] = {}
        for sector in sectors:
            name = sector.name.lower().removeprefix("the ")
            words = name.split()
            # Its whole name, or its first two words for a long one ("Willows Market").
            for said in (name, " ".join(words[:2]) if len(words) > 2 else None):
                at = lowered.find(f" {said} ") if said else -1
                if at >= 0:
                    found.append((at, -len(said), sector.id))
                    break
            heads.setdefault(name.split()[-1], []).append(sector)
        for head, owners in heads.items():
            match = re.search(rf"\bthe {re.escape(head)}\b", lowered)
            if match and len(owners) == 1:
                found.append((match.start(), -len(head), owners[0].id))
        return min(found)[2] if found else ""

    def seeks(self, mind: Mind, action: str) -> list[str] | None:
        """The ids of the people `action` seeks (see the module's doc): those it names,
        or everyone the agent knows for people at large; None when it seeks no one, or
        says where it happens."""
        pattern, names = self._seeking_of(mind)
        match = pattern.search(action)
        if match is None or self._says_where(mind, action):
            return None
        named = names.get(match.group(1)) or next(
            (agent_id for n, agent_id in names.items() if n.lower() == match.group(1).lower()), None)
        if not named:
            return self.everyone(mind) or None
        return [named] if self._home_sector(named) != self._home_sector(mind.id) else None

    def _seeking_of(self, mind: Mind) -> tuple[re.Pattern[str], dict[str, str]]:
        """What `mind`'s actions seek people by (seeks), made once per agent: the people
        it knows are its identity's, which do not change."""
        if (seeking := self._seeking.get(mind.id)) is None:
            known = {agent_id: name for agent_id, (name, _) in self.homes.items()
                     if agent_id != mind.id and name in mind.identity.people}
            names = {n: agent_id for agent_id, name in known.items() for n in {name, name.split()[0]}}
            targets = "|".join([_PEOPLE_AT_LARGE, *(re.escape(n) for n in sorted(names, key=len, reverse=True))])
            pattern = re.compile(rf"\b(?:{_SEEKING})\s+(?:[\w'-]+\s+){{0,3}}?({targets})\b", re.IGNORECASE)
            seeking = self._seeking[mind.id] = (pattern, names)
        return seeking

    def everyone(self, mind: Mind) -> list[str]:
        """The ids of the people the agent knows who live elsewhere: whom a round of
        visits goes to (its housemates it meets at home)."""
        return [agent_id for agent_id, (name, _) in self.homes.items()
                if agent_id != mind.id and name in mind.identity.people
                and self._home_sector(agent_id) != self._home_sector(mind.id)]

    def public(self) -> list[town_pb2.Place]:
        """The town's public places: the sectors no one's home is in (a cafe, a park, a
        pub), where one may go in one's free time (found once: the town and its homes
        are fixed)."""
        if self._public is None:
            homes = {self._town.sector_of(home).id for _, home in self.homes.values()}
            self._public = tuple(p for p in self._town.places(SECTOR) if p.id not in homes)
        return list(self._public)

    def directions(self, mind: Mind, here: str = "") -> list[str]:
        """Where the town's public places are (and the rooms in them), and the homes of
        the people `mind` knows, as it tells someone who asks the way (`here`: the place id it is at, "" if not
        known): "You'll find Hobbs Cafe, a cafe that serves coffee, tea and pastries, a
        short walk from here, by Oak Hill College." Everyone who lives in a town knows
        where its cafe and its pub are, and where a friend lives; left to the model, the
        default model answered "Where can I get a coffee around here?" with "I'm afraid
        I've forgotten", and "Is there a pub in town?" with no."""
        town = self._town
        at = town.sector_of(here) if here in town else None
        public = self.public()

        def far(sector: town_pb2.Place) -> str:
            """How far `sector` is from here."""
            if at is None:
                return ""
            return "just a few steps from here" if _distance(at, sector) < NEAR_M else "a short walk from here"

        def way(sector: town_pb2.Place) -> str:
            """How far `sector` is from here, and the public place it is by."""
            landmark = min((p for p in public if p.id != sector.id), key=lambda p: _distance(p, sector), default=None)
            return ", ".join(part for part in (far(sector), f"by {landmark.name}" if landmark else "") if part)

        told = []
        for sector in public:
            description = f", {sector.description}" if sector.description else ""
            if at is not None and sector.id == at.id:
                told.append(f"You're at {sector.name} right now{description}.")
            else:
                where = way(sector)
                told.append(f"You'll find {sector.name}{description}{', ' + where if where else ''}.")
            # And what is inside it ("Where's the library?": at Oak Hill College).
            for arena in town.children(sector.id):
                if arena.kind == ARENA and self._may_enter(None, arena.id):
                    what = f", {arena.description}" if arena.description else ""
                    named = arena.name if arena.name[:1].isupper() else f"the {arena.name}"
                    told.append(f"You'll find {named} at {sector.name}{what}.")
        for agent_id, (name, home) in self.homes.items():
            if agent_id == mind.id or name not in mind.identity.people or home not in town:
                continue
            # Without a landmark: "by Oak Park" made a home read as the answer to "Is
            # there a park nearby?".
            sector = town.sector_of(home)
            where = far(sector)
            told.append(f"{name} lives at {sector.name}; you'll find it {where}." if where else
                        f"{name} lives at {sector.name}, if you're looking for them.")
        return told

    def _says_where(self, mind: Mind, action: str) -> bool:
        """Whether `action` says where it happens: a place of the town, or home, right
        after "at", "to", "in" ..."""
        return any(self.named(mind, action[m.end():][:60]) and _opens_with_place(action[m.end():])
                   for m in _LOCATIVE.finditer(action)) or bool(re.search(r"\b(?:at|go|goes|going) home\b", action))

    async def next_visit(self, mind: Mind, sought: list[str], now: int) -> tuple[str, str] | None:
        """Where the agent goes next among the homes of `sought` (agent ids), and whose:
        first those it has not told what it holds, then those it has not visited lately,
        the nearest first (see the module's doc); None if it has seen them all lately."""
        told = {agent_id for key, ids in mind.state.told.items() if key.startswith(("event:", "news:"))
                for agent_id in ids}
        waiting = [a for a in sought if now - mind.state.visited.get(a, -VISIT_AGAIN_S) >= VISIT_AGAIN_S]
        if not waiting:
            return None
        here = self._town.place(mind.current.place_id if mind.current and mind.current.place_id
                                else mind.agent.home_place_id)
        where = {a: self._where(a, now) for a in waiting}
        whom = min(waiting, key=lambda a: (a in told, _distance(here, self._town.place(where[a]))))
        mind.state.visited[whom] = now
        place = self._town.place(where[whom])
        if place.kind != SECTOR:
            return place.id if place.kind == ARENA else self._town.lineage(place.id)[-2].id, whom
        arenas = [p for p in self._town.children(place.id) if p.kind == ARENA and self._may_enter(mind, p.id)]
        fields = {**self._place_fields(mind, f"visit {self.homes[whom][0]}", f"visit {self.homes[whom][0]}"),
                  "sector": place.name}
        arena = await self._pick(mind, "arena", arenas, fields)
        return (arena or place).id, whom

    def _where(self, agent_id: str, at: int) -> str:
        """Where a visit to `agent_id` at `at` goes: where its habits put it then (the
        town knows its neighbours' routines: "Daniel goes to classes at Oak Hill College
        until 3 pm"), else its home's sector; never into a room private to others."""
        usual = self.whereabouts(agent_id, at) if self.whereabouts else ""
        if usual and usual in self._town and self._may_enter(None, usual):
            return usual
        return self._home_sector(agent_id)

    def _home_sector(self, agent_id: str) -> str:
        return self._town.sector_of(self.homes[agent_id][1]).id if agent_id in self.homes else ""

    async def area_for(self, mind: Mind, chunk: Step) -> str:
        """Where an hour's chunk happens: its own place if it has one (a commitment: the
        arena in it that fits, for a sector), else the area chosen for it."""
        if not chunk.place_id:
            return await self.choose_area(mind, chunk.description, chunk.description)
        town = self._town
        place = town.place(chunk.place_id)
        if place.kind != ARENA and place.kind != OBJECT:
            # A routine hour at its place (the same text there again) keeps the arena chosen before.
            key = f"{chunk.description} @ {place.id}"
            cached = mind.state.place_cache.get(key) if self.cache_places else None
            if cached and cached in town and self._may_enter(mind, cached):
                return cached
            arenas = [p for p in town.children(place.id) if p.kind == ARENA and self._may_enter(mind, p.id)]
            fields = {**self._place_fields(mind, chunk.description, chunk.description), "sector": place.name}
            arena = await self._pick(mind, "arena", arenas, fields)
            mind.state.place_cache[key] = (arena or place).id
            return (arena or place).id
        return chunk.place_id if place.kind == ARENA else town.lineage(chunk.place_id)[-2].id

    async def choose_area(self, mind: Mind, action: str, chunk: str) -> str:
        """The sector, then the arena in it, for an action (or a whole hour's chunk),
        among the sectors the agent knows: the model's choice, helped by meaning (_pick).
        A routine one (the same text again) keeps the place chosen before."""
        cached = mind.state.place_cache.get(action) if self.cache_places else None
        if cached and cached in self._town and self._may_enter(mind, cached):
            return cached
        town = self._town
        fields = self._place_fields(mind, action, chunk)
        sectors = [town.place(s) for s in mind.state.known_sectors]
        sector = await self._pick(mind, "sector", sectors, fields)
        if sector is None:
            return mind.agent.home_place_id
        arenas = [p for p in town.children(sector.id) if p.kind == ARENA and self._may_enter(mind, p.id)]
        arena = await self._pick(mind, "arena", arenas, {**fields, "sector": sector.name})
        place_id = (arena or sector).id
        mind.state.place_cache[action] = place_id
        return place_id

    def _place_fields(self, mind: Mind, action: str, chunk: str) -> dict[str, str]:
        """What a place choice's prompt says of the agent: its name, home, where it is,
        and the action (within its hour's chunk)."""
        town = self._town
        here = mind.current.place_id if mind.current and mind.current.place_id else mind.agent.home_place_id
        return dict(name=mind.name, home=town.sector_of(mind.agent.home_place_id).name, here=town.label(here),
                    action=action, chunk=chunk)

    def choose_object(self, mind: Mind, area_id: str, action: str, chunk: str) -> str:
        """The object in an arena that best fits an action, by meaning alone (no model
        call): the arena already says where; which stove or desk is a matter of words."""
        town = self._town
        objects = [p for p in town.children(area_id) if p.kind == OBJECT and self._may_enter(mind, p.id)] \
            if town.place(area_id).kind == ARENA else []
        if not objects:
            return area_id
        embedder = self._embedder
        wanted = embedder.embed(f"{action} ({chunk})")
        return max(objects, key=lambda p: float(self._place_vector(embedder, p) @ wanted)).id

    async def _pick(self, mind: Mind, level: str, places: list[town_pb2.Place], fields: dict) -> town_pb2.Place | None:
        """The model's choice among places, by its per-token log-probability of each name,
        helped by how well each place's description matches the action: a small model
        alone picks by name length and position more than by meaning."""
        if len(places) <= 1:
            return places[0] if places else None
        options = [p.name for p in places]
        request = choose_place.build(level=level, options=options, **fields)
        scores = await self._scheduler.score_options(request, options, Priority.PLANNING, "choose_place",
                                                 per_token=True)
        embedder = self._embedder
        action = embedder.embed(f"{fields['action']} ({fields['chunk']})")
        match = [self._match(embedder, p, mind, action) for p in places]
        best = max(range(len(places)), key=lambda i: scores[i] + PLACE_MATCH_WEIGHT * match[i])
        return places[best]

    def _may_enter(self, mind: Mind | None, place_id: str) -> bool:
        """Anyone may go anywhere but into someone else's private room or bed (for a
        visitor, `mind` None: anyone's)."""
        owners = self.residents.get(place_id)
        return not owners or (mind is not None and mind.id in owners)

    def _place_vector(self, embedder, place: town_pb2.Place) -> np.ndarray:
        return self._vector(embedder, f"{place.name}: {place.description}")

    def _match(self, embedder, place: town_pb2.Place, mind: Mind, action: np.ndarray) -> float:
        """How well an action fits a place: by its description, or, for the agent's own
        home and room, by what a home is for (a small model's choice alone sends people
        to bed in a pub)."""
        match = float(self._place_vector(embedder, place) @ action)
        if place.id == self._town.sector_of(mind.agent.home_place_id).id:
            match = max(match, float(self._vector(embedder, HOME_LIFE) @ action))
        elif mind.id in self.residents.get(place.id, ()):
            match = max(match, float(self._vector(embedder, OWN_ROOM_LIFE) @ action))
        return match

    def _vector(self, embedder, text: str) -> np.ndarray:
        if text not in self._place_vectors:
            self._place_vectors[text] = embedder.embed(text)
        return self._place_vectors[text]


def _opens_with_place(text: str) -> bool:
    """Whether a place's name would open `text` ("the cafe ...", "Johnson Park ..."), not
    come later in it: the words are capitalised, or "the"/"home" open it."""
    return bool(re.match(r"(?:the\s+|home\b|[A-Z])", text))


def _distance(a: town_pb2.Place, b: town_pb2.Place) -> float:
    return float(np.hypot(a.position.x - b.position.x, a.position.z - b.position.z))
