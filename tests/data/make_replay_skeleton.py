"""Writes tests/data/replay_skeleton.jsonl: a provisional replay log (docs/replay_log.md)
of the skeleton scenario, for the Godot replay's tests until the headless runner
(`simulacra simulate`) records a real one to take its place.

Two game hours from 08:00, a step every game minute: Isabella walks from her bed to
the cafe's coffee machine; John gets ready, walks to the cafe, talks with Isabella,
and walks on to the pharmacy; Mei cooks, reads on the park bench and tends the
flower bed. Walks follow the streets between the doors (so bodies do not pass
through walls), at 1.6 m per game minute, as the town walks at its default speed.
Commands, a conversation with its lines, and memories of every kind are in it.

    .venv/bin/python tests/data/make_replay_skeleton.py [OUT]
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from google.protobuf.json_format import MessageToDict

from agent_server.scenario import Scenario
from agent_server.settings import PROJECT_ROOT

SCENARIO = PROJECT_ROOT / "scenarios" / "skeleton.toml"
OUT = Path(__file__).resolve().parent / "replay_skeleton.jsonl"
START = 8 * 3600
END = 10 * 3600
STEP_S = 60
WALK_M_PER_S = 1.6 / 60.0
OBJECT_REACH_M = 1.2  # as town/town_data.gd's place_at

# The streets and paths as town/town_layout.gd lays them out in the skeleton town: a
# street along z = 4 and one along x = 0.5; paths from the shops' doors down to the
# first, and from the houses' doors along z = 13 (through the park) to the second.
STREET = {
    "A": (-12.0, 4.0), "M": (0.5, 4.0), "B": (12.0, 4.0), "P": (0.5, 13.0),
    "LH": (-12.5, 13.0), "PW": (-5.0, 13.0), "PE": (5.0, 13.0), "RH": (12.5, 13.0),
}
STREET_EDGES = [("A", "M"), ("M", "B"), ("M", "P"), ("LH", "PW"), ("PW", "P"), ("P", "PE"), ("PE", "RH")]
# Each building's way out: the points from inside its door to its street junction.
EXITS = {
    "hobbs_cafe": [(-12.0, -5.0), (-12.0, -3.5)], "willow_market": [(12.0, -5.0), (12.0, -3.5)],
    "lin_house": [(-14.0, 13.0)], "rodriguez_apartment": [(14.0, 13.0)],
}
JUNCTION = {"hobbs_cafe": "A", "willow_market": "B", "lin_house": "LH", "rodriguez_apartment": "RH"}
# The park has no walls: it is entered from the nearest of these points on the path.
PARK_JUNCTIONS = ("PW", "PE")

# What each agent does: (game time, place, emoji, activity, minutes, reason); a walk to
# the place comes first when the agent is elsewhere.
PLANS = {
    "isabella": [
        ("08:00", "hobbs_cafe.counter.coffee_machine", "☕", "making coffee for the morning rush", 75,
         "she opens the cafe every morning"),
        ("09:17", "hobbs_cafe.seating.table", "🧽", "wiping the tables", 25, "the morning rush is over"),
        ("09:45", "hobbs_cafe.counter.coffee_machine", "🥐", "baking pastries", 45, "the display is half empty"),
    ],
    "john_lin": [
        ("08:00", "lin_house.bedroom.bed", "🪥", "getting ready for work", 25, "his shift starts at ten"),
        ("08:25", "hobbs_cafe.counter", "☕", "buying his morning coffee", 20, "he often has coffee at Hobbs Cafe"),
        ("09:17", "willow_market.pharmacy.cash_register", "💊", "working at the pharmacy counter", 120,
         "his shift is starting"),
    ],
    "mei_lin": [
        ("08:00", "lin_house.kitchen.stove", "🍳", "cooking breakfast", 40, "she cooks breakfast every morning"),
        ("08:40", "oak_park.lawn.bench", "📖", "reading on the bench", 55, "she likes to read in the park"),
        ("09:40", "oak_park.garden.flower_bed", "🌷", "tending the flower bed", 40, "the tulips need water"),
    ],
}
CONVERSATION = {
    "id": "conv-1", "participants": ["isabella", "john_lin"], "start": "09:08:00", "end": "09:16:30",
    "lines": [
        ("09:08:10", "isabella", "Good morning, John! The usual?"),
        ("09:08:50", "john_lin", "Morning, Isabella. Yes please, a large one: long day at the pharmacy."),
        ("09:10:00", "isabella", "Coming right up. Is Mei coming by later?"),
        ("09:11:20", "john_lin", "She is reading in the park this morning. I will bring her a croissant."),
        ("09:13:00", "isabella", "Take two, they are fresh out of the oven!"),
        ("09:15:40", "john_lin", "Thank you, you are the best. See you tomorrow!"),
    ],
}
MEMORIES = [
    ("08:00", "isabella", "plan", "Isabella Rodriguez plans to open Hobbs Cafe and bake pastries this morning", 5),
    ("08:00", "john_lin", "plan", "John Lin plans to get coffee at Hobbs Cafe before his shift at the pharmacy", 4),
    ("08:00", "mei_lin", "plan", "Mei Lin plans to cook breakfast and then read in Oak Park", 4),
    ("08:52", "mei_lin", "observation", "The bench in Oak Park is free and in the sun", 2),
    ("09:02", "isabella", "observation", "The coffee machine at Hobbs Cafe is warmed up", 2),
    ("09:06", "isabella", "observation", "John Lin is coming into Hobbs Cafe", 3),
    ("09:16:30", "isabella", "conversation",
     "Isabella Rodriguez talked with John Lin about his usual coffee and gave him croissants for Mei", 4),
    ("09:16:30", "john_lin", "conversation",
     "John Lin chatted with Isabella Rodriguez at Hobbs Cafe; she gave him two croissants for Mei", 4),
    ("09:45", "john_lin", "observation", "The pharmacy counter at Willow Market is quiet", 2),
    ("09:50", "mei_lin", "reflection", "Mei Lin is happiest on quiet mornings in Oak Park with a book", 6),
    ("09:55", "isabella", "reflection", "Isabella Rodriguez's regulars make the cafe feel like home", 7),
]


def clock(text: str) -> int:
    parts = [int(p) for p in text.split(":")] + [0]
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


def flat(a: dict | tuple, b: dict | tuple) -> float:
    ax, az = (a.get("x", 0.0), a.get("z", 0.0)) if isinstance(a, dict) else a
    bx, bz = (b.get("x", 0.0), b.get("z", 0.0)) if isinstance(b, dict) else b
    return math.hypot(ax - bx, az - bz)


class Town:
    def __init__(self, message: dict) -> None:
        self.places = {p["id"]: p for p in message["places"]}

    def stand(self, place_id: str) -> tuple[float, float]:
        position = self.places[place_id].get("position", {})
        return (position.get("x", 0.0), position.get("z", 0.0))

    def place_at(self, x: float, z: float) -> str:
        """The deepest place at (x, z), as town/town_data.gd's place_at tells it."""
        objects = [(flat(p.get("position", {}), (x, z)), pid) for pid, p in self.places.items()
                   if p["kind"] == "PLACE_KIND_OBJECT"]
        near = [o for o in objects if o[0] <= OBJECT_REACH_M]
        if near:
            return min(near)[1]
        for kind in ("PLACE_KIND_ARENA", "PLACE_KIND_SECTOR"):
            inside = []
            for pid, p in self.places.items():
                center, size = p.get("center", {}), p.get("size", {})
                if p["kind"] == kind and abs(x - center.get("x", 0)) <= size.get("x", 0) / 2 \
                        and abs(z - center.get("z", 0)) <= size.get("z", 0) / 2:
                    inside.append((size.get("x", 0) * size.get("z", 0), pid))
            if inside:
                return min(inside)[1]
        return ""


def street_path(start: str, goal: str) -> list[tuple[float, float]]:
    """Junctions from start to goal along the streets (breadth first: the graph is a tree)."""
    links: dict[str, list[str]] = {}
    for a, b in STREET_EDGES:
        links.setdefault(a, []).append(b)
        links.setdefault(b, []).append(a)
    came_from = {start: ""}
    frontier = [start]
    while frontier:
        node = frontier.pop(0)
        for other in links[node]:
            if other not in came_from:
                came_from[other] = node
                frontier.append(other)
    path = [goal]
    while path[-1] != start:
        path.append(came_from[path[-1]])
    return [STREET[n] for n in reversed(path)]


def route(town: Town, origin: str, destination: str) -> list[tuple[float, float]]:
    a_sector, b_sector = origin.split(".")[0], destination.split(".")[0]
    points = [town.stand(origin)]
    if a_sector != b_sector:
        a_junction, b_junction = junction(town, origin), junction(town, destination)
        points += EXITS.get(a_sector, [])
        points += street_path(a_junction, b_junction)
        points += list(reversed(EXITS.get(b_sector, [])))
    points.append(town.stand(destination))
    return points


def junction(town: Town, place_id: str) -> str:
    sector = place_id.split(".")[0]
    if sector in JUNCTION:
        return JUNCTION[sector]
    return min(PARK_JUNCTIONS, key=lambda name: flat(STREET[name], town.stand(place_id)))


def along(points: list[tuple[float, float]], metres: float) -> tuple[float, float] | None:
    """The point `metres` along the polyline; None past its end."""
    for a, b in zip(points, points[1:]):
        length = flat(a, b)
        if metres <= length:
            f = metres / length if length > 0 else 1.0
            return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)
        metres -= length
    return None


def main(out: Path) -> None:
    scenario = Scenario.load(SCENARIO)
    town_message = MessageToDict(scenario.town.proto)
    agents = [MessageToDict(a) for a in scenario.agents]
    town = Town(town_message)
    names = {a["id"]: a["name"] for a in agents}
    records: list[dict] = [{
        "type": "header", "version": 1, "scenario": scenario.proto.name, "description": scenario.proto.description,
        "start_date": scenario.proto.start_date, "start_time": START, "town": town_message, "agents": agents,
        "settings": {"provisional": "written by tests/data/make_replay_skeleton.py, not by the runner",
                     "step_seconds": STEP_S, "minutes": (END - START) // 60},
    }]
    timed: list[tuple[int, int, dict]] = []  # (t, order within the same t, record)

    def add(t: int, order: int, record: dict) -> None:
        timed.append((t, order, {"type": record.pop("type"), "t": t, **record}))

    # Each agent's doings as segments: (start, end, kind, data) with kind walk/act.
    segments: dict[str, list[tuple[int, int, str, dict]]] = {}
    for agent in agents:
        agent_id = agent["id"]
        here = agent["homePlaceId"]
        plan = PLANS[agent_id]
        segments[agent_id] = []
        for index, (when, place, emoji, doing, minutes, reason) in enumerate(plan):
            t = clock(when)
            ends = clock(plan[index + 1][0]) if index + 1 < len(plan) else END + 1
            add(t, 1, {"type": "command", "agent": agent_id, "place": place, "doing": doing, "emoji": emoji,
                       "minutes": minutes, "reason": reason})
            activity = {"place": place, "doing": doing, "emoji": emoji}
            if place != here:
                points = route(town, here, place)
                length = sum(flat(a, b) for a, b in zip(points, points[1:]))
                arrive = min(t + math.ceil(length / WALK_M_PER_S), ends)
                segments[agent_id].append((t, arrive, "walk", activity | {"points": points}))
                t = arrive
            segments[agent_id].append((t, ends, "act", activity | {"at": town.stand(place)}))
            here = place

    conversation_start, conversation_end = clock(CONVERSATION["start"]), clock(CONVERSATION["end"])
    add(conversation_start, 2, {"type": "conversation", "conversation": CONVERSATION["id"], "event": "start",
                                "participants": CONVERSATION["participants"]})
    for when, speaker, text in CONVERSATION["lines"]:
        listener = next(p for p in CONVERSATION["participants"] if p != speaker)
        add(clock(when), 3, {"type": "utterance", "conversation": CONVERSATION["id"], "speaker": speaker,
                             "to": listener, "text": text})
    add(conversation_end, 2, {"type": "conversation", "conversation": CONVERSATION["id"], "event": "end",
                              "participants": CONVERSATION["participants"]})
    for when, agent_id, kind, text, importance in MEMORIES:
        add(clock(when), 4, {"type": "memory", "agent": agent_id, "kind": kind, "text": text,
                             "importance": importance})

    for t in range(START, END + 1, STEP_S):
        states = []
        for agent in agents:
            agent_id = agent["id"]
            start, _, kind, data = next(s for s in segments[agent_id] if s[0] <= t < s[1])
            talking = CONVERSATION["id"] if agent_id in CONVERSATION["participants"] \
                and conversation_start <= t < conversation_end else ""
            if kind == "walk":
                x, z = along(data["points"], (t - start) * WALK_M_PER_S) or data["points"][-1]
            else:
                x, z = data["at"]
            emoji, doing = data["emoji"], data["doing"]
            if kind == "walk":
                emoji = "🚶"
            if talking:
                partner = next(p for p in CONVERSATION["participants"] if p != agent_id)
                emoji, doing = "💬", f"talking with {names[partner]}"
            states.append({"id": agent_id, "position": {"x": round(x, 4), "y": 0.0, "z": round(z, 4)},
                           "place": town.place_at(x, z), "moving": kind == "walk" and not talking,
                           "doing": doing, "emoji": emoji, "conversation": talking})
        add(t, 0, {"type": "step", "agents": states})

    timed.sort(key=lambda entry: (entry[0], entry[1]))
    records += [record for _, _, record in timed]
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    print(f"wrote {out}: {len(records)} records, {sum(r['type'] == 'step' for r in records)} steps")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
