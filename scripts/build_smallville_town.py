#!/usr/bin/env python3
"""Writes the town data files (`simulacra.v1.Town`, canonical proto3 JSON) from code.

    .venv/bin/python scripts/build_smallville_town.py          # writes towns/smallville.json,
                                                                # towns/office.json, towns/apartment_block.json
    .venv/bin/python scripts/build_smallville_town.py --check  # fails if a written file is stale

Buildings are described by what is in them; the layout is computed:

- A building (walled sector) is a rectangle with its door in the middle of its front
  wall. Its arenas are floor areas in a back row (furniture against the back wall) and,
  optionally, a front row (furniture against the front wall, split around the doorway),
  with a free corridor between the rows. There are no inner walls.
- Inside an arena, objects stand in rows; each object's `position` (where its user
  stands) is in front of it, towards the corridor.
- An open sector (a park) has no walls and uses the same arena layout.
- Buildings stand in rows along streets that run east-west; a row faces the street
  (door towards it).

After laying everything out the script checks the geometry the 3D town and its navmesh
rely on, and exits with a message naming the place if anything is wrong: objects inside
their arenas, arenas inside their sectors, sectors inside the town, >= 3 m between
buildings, every position on the floor, outside every box and away from walls, every
door opening onto free ground, and >= 1.2 m between pieces of furniture.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# ---- geometry rules (metres) --------------------------------------------------------

WALL_HEIGHT = 3.0
# Written into each town (Town.wall_thickness, door_width, agent_radius): Godot builds
# the walls and doorways and bakes the navmesh with the town's values, and check()
# reads them back from the town.
WALL_THICKNESS = 0.3
DOOR_WIDTH = 2.0
AGENT_RADIUS = 0.5  # the navmesh's agent radius: what the bodies need (godot_project/town/walking.gd)
FURNITURE_GAP = 1.3  # between pieces of furniture in a row (>= 1.2 checked)
ROW_GAP = 1.4  # from a row's standing spots to the next row's furniture
STAND_OFF = 0.8  # from a piece of furniture to where its user stands
BACK_OFF = 0.45  # from the wall line to the back of the furniture
ARENA_PAD = 0.7  # from an arena's side edge to its first piece of furniture
ARENA_FRONT_PAD = 1.0  # from the last standing spot to the arena's front edge
WALL_MARGIN = 0.5  # from the side walls to the first arena
CORRIDOR = 2.0  # free floor between the arena rows (or in front of a single row)
ENTRY_GAP = 3.0  # width kept free of front-row arenas at the doorway
MIN_ARENA_WIDTH = 3.2
BUILDING_GAP = 3.0  # checked between any two sectors
DOOR_APRON = 2.5  # free ground checked outside each door

# Checks.
MIN_FURNITURE_GAP = 1.2
MIN_POSITION_TO_BOX = 0.6
MIN_POSITION_TO_WALL = 0.75

# ---- furniture catalogue: keyword -> (width x, height y, depth z), colour -------------

CATALOGUE: list[tuple[str, tuple[float, float, float], str]] = [
    # Longest keywords first where one contains another.
    ("pharmacy counter", (2.4, 1.0, 0.8), "#e8e8ee"),
    ("bar counter", (3.2, 1.1, 0.8), "#6b4226"),
    ("checkout counter", (2.0, 1.0, 0.8), "#b0b6bd"),
    ("counter", (2.4, 1.0, 0.8), "#9c6b45"),
    ("cash register", (0.7, 1.1, 0.6), "#3d3d3d"),
    ("coffee machine", (1.0, 1.2, 0.7), "#444444"),
    ("bookshelf", (1.6, 2.0, 0.45), "#7a5230"),
    ("shelves", (2.0, 1.8, 0.6), "#a07850"),
    ("shelf", (1.6, 1.8, 0.5), "#a07850"),
    ("bed", (2.0, 0.5, 1.0), "#c9d6e8"),
    ("stove", (0.8, 0.9, 0.7), "#d0d0d0"),
    ("fridge", (0.8, 1.8, 0.7), "#f0f0f0"),
    ("sink", (0.8, 0.9, 0.6), "#e6eef2"),
    ("toilet", (0.5, 0.8, 0.7), "#fafafa"),
    ("shower", (0.9, 2.0, 0.9), "#cfe3ea"),
    ("desk", (1.2, 0.75, 0.6), "#8b6b4a"),
    ("pool table", (2.2, 0.9, 1.2), "#2e6b3a"),
    ("dining table", (1.6, 0.75, 0.9), "#8b5a2b"),
    ("table", (1.2, 0.75, 1.0), "#8b5a2b"),
    ("armchair", (0.9, 0.9, 0.9), "#8a6d9e"),
    ("chair", (0.6, 0.9, 0.6), "#7a5a3a"),
    ("sofa", (2.0, 0.85, 0.9), "#6d8ea0"),
    ("couch", (2.0, 0.85, 0.9), "#6d8ea0"),
    ("tv", (1.2, 1.1, 0.4), "#222222"),
    ("piano", (1.5, 1.1, 0.6), "#1e1e1e"),
    ("easel", (0.8, 1.6, 0.6), "#b08850"),
    ("blackboard", (3.0, 2.0, 0.2), "#2f4f3f"),
    ("whiteboard", (2.0, 1.8, 0.2), "#f4f4f4"),
    ("lectern", (0.8, 1.2, 0.6), "#7a5230"),
    ("bench", (1.8, 0.45, 0.6), "#8a6a4a"),
    ("fountain", (2.2, 1.0, 2.2), "#9fb8c8"),
    ("tree", (1.2, 4.0, 1.2), "#3f7a3a"),
    ("flower bed", (2.2, 0.3, 1.0), "#c86a8a"),
    ("washing machine", (0.7, 0.9, 0.7), "#e8e8e8"),
    ("workbench", (2.0, 0.9, 0.8), "#9a7b55"),
    ("display", (1.6, 1.2, 0.8), "#b8a070"),
    ("rack", (1.6, 1.8, 0.6), "#8d8d8d"),
    ("printer", (0.8, 1.0, 0.6), "#cccccc"),
    ("water cooler", (0.5, 1.3, 0.5), "#bcd9ee"),
    ("wardrobe", (1.2, 2.0, 0.6), "#7d5d3e"),
    ("dartboard", (0.6, 1.8, 0.3), "#aa3333"),
    ("stage", (3.0, 0.5, 2.0), "#5a4030"),
    ("microphone", (0.4, 1.5, 0.4), "#333333"),
    ("boiler", (0.9, 1.8, 0.7), "#8c8c8c"),
    ("mailboxes", (1.4, 1.6, 0.4), "#7f8fa0"),
]


def furniture(name: str) -> tuple[tuple[float, float, float], str]:
    lowered = name.lower()
    for keyword, size, color in CATALOGUE:
        if keyword in lowered:
            return size, color
    raise SystemExit(f"build_smallville_town: no furniture in the catalogue matches {name!r}; "
                     "add its keyword to CATALOGUE")


# ---- description of buildings ---------------------------------------------------------


@dataclass
class Obj:
    name: str
    description: str
    id: str = ""


@dataclass
class Arena:
    name: str
    description: str
    rows: list[list[Obj]]
    id: str = ""
    color: str = ""


@dataclass
class Sector:
    id: str
    name: str
    description: str
    color: str
    back: list[Arena]
    front_left: list[Arena] = field(default_factory=list)
    front_right: list[Arena] = field(default_factory=list)
    open_area: bool = False


def o(name: str, description: str, id: str = "") -> Obj:
    return Obj(name, description, id)


def a(name: str, description: str, *rows: list[Obj], id: str = "", color: str = "") -> Arena:
    return Arena(name, description, list(rows), id, color)


def snake(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "_" for ch in text.replace("'s", "").replace("'", ""))
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")


# ---- layout ---------------------------------------------------------------------------


@dataclass
class Box:
    """An axis-aligned footprint on the ground: centre and size (x, z)."""
    cx: float
    cz: float
    sx: float
    sz: float

    @property
    def x0(self) -> float:
        return self.cx - self.sx / 2

    @property
    def x1(self) -> float:
        return self.cx + self.sx / 2

    @property
    def z0(self) -> float:
        return self.cz - self.sz / 2

    @property
    def z1(self) -> float:
        return self.cz + self.sz / 2

    def contains(self, x: float, z: float, margin: float = 0.0) -> bool:
        return self.x0 - margin < x < self.x1 + margin and self.z0 - margin < z < self.z1 + margin

    def inside(self, other: Box, eps: float = 1e-6) -> bool:
        return (self.x0 >= other.x0 - eps and self.x1 <= other.x1 + eps
                and self.z0 >= other.z0 - eps and self.z1 <= other.z1 + eps)

    def gap(self, other: Box) -> float:
        """Shortest distance between two footprints (0 when they touch or overlap)."""
        dx = max(other.x0 - self.x1, self.x0 - other.x1, 0.0)
        dz = max(other.z0 - self.z1, self.z0 - other.z1, 0.0)
        return (dx * dx + dz * dz) ** 0.5

    def distance_to(self, x: float, z: float) -> float:
        dx = max(self.x0 - x, x - self.x1, 0.0)
        dz = max(self.z0 - z, z - self.z1, 0.0)
        return (dx * dx + dz * dz) ** 0.5


def arena_width(arena: Arena) -> float:
    widest = 0.0
    for row in arena.rows:
        widths = [furniture(obj.name)[0][0] for obj in row]
        widest = max(widest, sum(widths) + FURNITURE_GAP * (len(widths) - 1))
    return max(MIN_ARENA_WIDTH, widest + 2 * ARENA_PAD)


def arena_depth(arena: Arena) -> float:
    """Depth of an arena laid out from a wall line: rows of furniture and standing spots."""
    depth = BACK_OFF
    for i, row in enumerate(arena.rows):
        if i:
            depth += ROW_GAP
        depth += max(furniture(obj.name)[0][2] for obj in row) + STAND_OFF
    return depth + ARENA_FRONT_PAD


@dataclass
class Laid:
    """A sector laid out in local coordinates: x from 0 (left) to width, z from 0 (back
    wall) to depth (front wall, with the door)."""
    sector: Sector
    width: float
    depth: float
    places: list[dict]  # local coordinates; see place()


def lay_out(sector: Sector) -> Laid:
    back_w = sum(arena_width(x) for x in sector.back)
    left_w = sum(arena_width(x) for x in sector.front_left)
    right_w = sum(arena_width(x) for x in sector.front_right)
    has_front = bool(sector.front_left or sector.front_right)
    front_w = left_w + ENTRY_GAP + right_w if has_front else 0.0
    inner = max(back_w, front_w, 6.0)
    width = round(inner + 2 * WALL_MARGIN, 1)
    inner = width - 2 * WALL_MARGIN
    if has_front and left_w + right_w > 0:
        # Spare width goes to the front arenas in proportion; the door is between them.
        left_w += (inner - front_w) * left_w / (left_w + right_w)
    door_x = WALL_MARGIN + (left_w + ENTRY_GAP / 2 if has_front else inner / 2)
    back_d = max([arena_depth(x) for x in sector.back] or [0.0])
    front_d = max([arena_depth(x) for x in sector.front_left + sector.front_right] or [0.0])
    depth = round(back_d + CORRIDOR + front_d, 1)
    places: list[dict] = []
    sector_pos = (door_x, back_d + CORRIDOR / 2) if front_d else (door_x, depth - CORRIDOR / 2)
    places.append({"kind": "PLACE_KIND_SECTOR", "id": sector.id, "name": sector.name, "description": sector.description,
                       "color": sector.color, "box": Box(width / 2, depth / 2, width, depth), "pos": sector_pos,
                       "door": None if sector.open_area else (door_x, depth)})

    def put_row(arenas: list[Arena], x_start: float, x_end: float, mirrored: bool) -> None:
        natural = [arena_width(x) for x in arenas]
        extra = (x_end - x_start - sum(natural)) / len(arenas)
        x = x_start
        for arena, w in zip(arenas, natural):
            w += extra
            d = arena_depth(arena)
            arena_id = f"{sector.id}.{arena.id or snake(arena.name)}"

            def z_of(local: float) -> float:
                # local: distance from the arena's wall line
                return depth - local if mirrored else local

            last_stand = BACK_OFF
            objects: list[dict] = []
            z_back = BACK_OFF
            for i, row in enumerate(arena.rows):
                if i:
                    z_back = last_stand + ROW_GAP
                sizes = [furniture(obj.name)[0] for obj in row]
                row_w = sum(s[0] for s in sizes) + FURNITURE_GAP * (len(row) - 1)
                ox = x + (w - row_w) / 2
                row_d = max(s[2] for s in sizes)
                for obj, size in zip(row, sizes):
                    (sx, sy, sz), color = size, furniture(obj.name)[1]
                    cx = ox + sx / 2
                    cz_local = z_back + row_d - sz / 2  # fronts of a row line up
                    stand_local = z_back + row_d + STAND_OFF
                    objects.append({
                        "kind": "PLACE_KIND_OBJECT", "id": f"{arena_id}.{obj.id or snake(obj.name)}", "name": obj.name,
                        "description": obj.description, "color": color, "parent": arena_id,
                        "box": Box(cx, z_of(cz_local), sx, sz), "height": sy, "pos": (cx, z_of(stand_local))})
                    ox += sx + FURNITURE_GAP
                last_stand = z_back + row_d + STAND_OFF
            arena_box = Box(x + w / 2, z_of(d / 2), w, d)
            places.append({"kind": "PLACE_KIND_ARENA", "id": arena_id, "name": arena.name, "description": arena.description,
                               "color": arena.color or shade(sector.color, -0.18), "parent": sector.id, "box": arena_box,
                               "pos": (x + w / 2, z_of(last_stand + ARENA_FRONT_PAD / 2))})
            places.extend(objects)
            x += w

    put_row(sector.back, WALL_MARGIN, width - WALL_MARGIN, mirrored=False)
    if front_d:
        if sector.front_left:
            put_row(sector.front_left, WALL_MARGIN, door_x - ENTRY_GAP / 2, mirrored=True)
        elif not sector.front_right:
            raise GeometryError(f"build_smallville_town: {sector.id}: a front row needs arenas")
        if sector.front_right:
            put_row(sector.front_right, door_x + ENTRY_GAP / 2, width - WALL_MARGIN, mirrored=True)
    return Laid(sector, width, depth, places)


def shade(color: str, amount: float) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    if amount < 0:
        r, g, b = (round(c * (1 + amount)) for c in (r, g, b))
    else:
        r, g, b = (round(c + (255 - c) * amount) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


@dataclass
class Placed:
    laid: Laid
    x0: float  # world x of the sector's left-back corner before turning
    z0: float
    facing: str  # "south": door towards +z; "north": door towards -z

    def world(self, x: float, z: float) -> tuple[float, float]:
        if self.facing == "south":
            return self.x0 + x, self.z0 + z
        return self.x0 + self.laid.width - x, self.z0 + self.laid.depth - z

    def world_box(self, box: Box) -> Box:
        cx, cz = self.world(box.cx, box.cz)
        return Box(cx, cz, box.sx, box.sz)


def v(x: float, y: float, z: float) -> dict:
    return {"x": round(x, 3), "y": round(y, 3), "z": round(z, 3)}


def town_message(name: str, size: tuple[float, float], placed: list[Placed],
                 obstacles: list[dict]) -> dict:
    places = []
    for p in placed:
        for item in p.laid.places:
            box = p.world_box(item["box"])
            px, pz = p.world(*item["pos"])
            kind = item["kind"]
            if kind == "PLACE_KIND_SECTOR":
                height = 0.0 if p.laid.sector.open_area else WALL_HEIGHT
            elif kind == "PLACE_KIND_ARENA":
                height = 0.0
            else:
                height = item["height"]
            message = {
                "id": item["id"], "name": item["name"], "kind": kind,
                **({"parentId": item["parent"]} if "parent" in item else {}),
                "position": v(px, 0, pz), "size": v(box.sx, height, box.sz), "color": item["color"],
                "description": item["description"], "center": v(box.cx, 0, box.cz),
            }
            if kind == "PLACE_KIND_OBJECT":
                message["state"] = "idle"
            if item.get("door"):
                dx, dz = p.world(*item["door"])
                message["door"] = v(dx, 0, dz)
            places.append(message)
    return {"name": name, "size": v(size[0], 0, size[1]), "wallThickness": WALL_THICKNESS,
            "doorWidth": DOOR_WIDTH, "agentRadius": AGENT_RADIUS, "places": places, "obstacles": obstacles}


# ---- checks ---------------------------------------------------------------------------


class GeometryError(SystemExit):
    pass


def check(town: dict) -> None:
    """Fail loudly, naming the place, on geometry the 3D town cannot use."""
    problems: list[str] = []
    wall_thickness, door_width = town["wallThickness"], town["doorWidth"]
    agent_radius = town["agentRadius"]
    half_x, half_z = town["size"]["x"] / 2, town["size"]["z"] / 2
    bounds = Box(0, 0, 2 * half_x, 2 * half_z)
    by_id = {p["id"]: p for p in town["places"]}

    def footprint(p: dict) -> Box:
        return Box(p["center"]["x"], p["center"]["z"], p["size"]["x"], p["size"]["z"])

    sectors = [p for p in town["places"] if p["kind"] == "PLACE_KIND_SECTOR"]
    objects = [p for p in town["places"] if p["kind"] == "PLACE_KIND_OBJECT"]
    boxes = [(p["id"], footprint(p)) for p in objects]
    boxes += [(ob["id"], Box(ob["position"]["x"], ob["position"]["z"], ob["size"]["x"], ob["size"]["z"]))
              for ob in town.get("obstacles", [])]
    walled = [s for s in sectors if s["size"]["y"] > 0]

    for place in town["places"]:
        pid = place["id"]
        fp = footprint(place)
        if not fp.inside(bounds):
            problems.append(f"{pid}: footprint leaves the town ({town['size']['x']} x {town['size']['z']} m)")
        if place.get("parentId"):
            parent = by_id[place["parentId"]]
            if not fp.inside(footprint(parent)):
                problems.append(f"{pid}: footprint is not inside its parent {parent['id']}")
        x, z = place["position"]["x"], place["position"]["z"]
        if place["position"]["y"] != 0:
            problems.append(f"{pid}: position is not on the ground (y = {place['position']['y']})")
        if not bounds.contains(x, z, -agent_radius):
            problems.append(f"{pid}: position ({x}, {z}) is outside the town")
        if place["kind"] == "PLACE_KIND_ARENA" and not fp.contains(x, z):
            problems.append(f"{pid}: position ({x}, {z}) is not inside the arena")
        if place["kind"] == "PLACE_KIND_OBJECT":
            arena = footprint(by_id[place["parentId"]])
            if not arena.contains(x, z):
                problems.append(f"{pid}: position ({x}, {z}) is not inside its arena {place['parentId']}")
        for box_id, box in boxes:
            if box.distance_to(x, z) < MIN_POSITION_TO_BOX:
                problems.append(f"{pid}: position ({x}, {z}) is within {MIN_POSITION_TO_BOX} m of {box_id}")
        for sector in walled:
            sb = footprint(sector)
            inside = sb.contains(x, z)
            near_wall = sb.contains(x, z, MIN_POSITION_TO_WALL) and not sb.contains(x, z, -MIN_POSITION_TO_WALL)
            if near_wall:
                problems.append(f"{pid}: position ({x}, {z}) is within {MIN_POSITION_TO_WALL} m of a wall "
                                f"of {sector['id']}")
            if inside and sector["id"] != pid.split(".")[0]:
                problems.append(f"{pid}: position is inside another building, {sector['id']}")

    for i, (id_a, box_a) in enumerate(boxes):
        for id_b, box_b in boxes[i + 1:]:
            if box_a.gap(box_b) < MIN_FURNITURE_GAP:
                problems.append(f"{id_a} and {id_b}: {box_a.gap(box_b):.2f} m apart, less than "
                                f"{MIN_FURNITURE_GAP} m to walk between")
        for sector in walled:
            sb = footprint(sector)
            inner = Box(sb.cx, sb.cz, sb.sx - wall_thickness, sb.sz - wall_thickness)
            if box_a.gap(sb) == 0 and not box_a.inside(inner):
                problems.append(f"{id_a}: box crosses a wall of {sector['id']}")

    for i, s in enumerate(sectors):
        for t in sectors[i + 1:]:
            gap = footprint(s).gap(footprint(t))
            if gap < BUILDING_GAP:
                problems.append(f"{s['id']} and {t['id']}: {gap:.2f} m apart, less than {BUILDING_GAP} m")
    for s in walled:
        sb = footprint(s)
        door = s.get("door")
        if not door:
            problems.append(f"{s['id']}: a walled sector needs a door")
            continue
        dx, dz = door["x"], door["z"]
        on_wall = (abs(abs(dz - sb.cz) - sb.sz / 2) < 1e-3 and abs(dx - sb.cx) <= sb.sx / 2 - door_width / 2 - 0.3) \
            or (abs(abs(dx - sb.cx) - sb.sx / 2) < 1e-3 and abs(dz - sb.cz) <= sb.sz / 2 - door_width / 2 - 0.3)
        if not on_wall:
            problems.append(f"{s['id']}: door ({dx}, {dz}) is not on a wall, clear of the corners")
            continue
        # The ground outside the doorway: free of buildings, furniture and obstacles, inside the town.
        if abs(abs(dz - sb.cz) - sb.sz / 2) < 1e-3:
            out = 1 if dz > sb.cz else -1
            apron = Box(dx, dz + out * (DOOR_APRON / 2 + wall_thickness), door_width, DOOR_APRON)
            inside_apron = Box(dx, dz - out * (DOOR_APRON / 2 + wall_thickness), door_width, DOOR_APRON)
        else:
            out = 1 if dx > sb.cx else -1
            apron = Box(dx + out * (DOOR_APRON / 2 + wall_thickness), dz, DOOR_APRON, door_width)
            inside_apron = Box(dx - out * (DOOR_APRON / 2 + wall_thickness), dz, DOOR_APRON, door_width)
        if not apron.inside(bounds):
            problems.append(f"{s['id']}: its door opens off the edge of the town")
        for t in sectors:
            if t is not s and apron.gap(footprint(t)) == 0:
                problems.append(f"{s['id']}: its door opens into {t['id']}")
        for box_id, box in boxes:
            if apron.gap(box) < agent_radius or inside_apron.gap(box) < agent_radius:
                problems.append(f"{s['id']}: its doorway is blocked by {box_id}")
    if problems:
        raise GeometryError("build_smallville_town: the layout is wrong:\n  " + "\n  ".join(problems))


# ---- towns ----------------------------------------------------------------------------


def house(id: str, name: str, description: str, color: str, back: list[Arena], *,
          living: list[Obj] | None = None) -> Sector:
    """A family house: bedrooms and a living room at the back, kitchen and bathroom at the front."""
    living_objs = living or [o("sofa", "a comfortable sofa"), o("dining table", "the dining table")]
    return Sector(
        id, name, description, color,
        back=back + [a("living room", "where the household eats and relaxes together", living_objs)],
        front_left=[a("kitchen", "where meals are cooked",
                      [o("stove", "a gas stove with four burners"), o("fridge", "a fridge"),
                       o("kitchen sink", "a sink under the window")])],
        front_right=[a("bathroom", "a bathroom with a shower", [o("toilet", "a toilet"), o("shower", "a shower")])],
    )


def bedroom(name: str, *rows: list[Obj], id: str = "") -> Arena:
    return a(name, "a bedroom", *rows, id=id)


def smallville() -> dict:
    lin = house("lin_family_house", "Lin Family House",
                "the house of John, Mei and Eddy Lin", "#c4a484",
                [bedroom("main bedroom", [o("John's bed", "John Lin's bed", id="johns_bed"),
                                          o("Mei's bed", "Mei Lin's bed", id="meis_bed")]),
                 bedroom("Eddy's bedroom", [o("bed", "Eddy Lin's bed"),
                                            o("piano", "an upright piano Eddy composes at")], id="eddys_bedroom")])
    moreno = house("moreno_family_house", "Moreno Family House",
                   "the house of Tom and Jane Moreno", "#b5838d",
                   [bedroom("bedroom", [o("Tom's bed", "Tom Moreno's bed", id="toms_bed"),
                                        o("Jane's bed", "Jane Moreno's bed", id="janes_bed")])],
                   living=[o("sofa", "a sofa with knitted cushions"), o("dining table", "the dining table"),
                           o("flower shelf", "a shelf of seedlings in pots", id="seedling_shelf")])
    moore = house("moore_family_house", "Moore Family House",
                  "the house of Sam and Jennifer Moore", "#9c89b8",
                  [bedroom("bedroom", [o("Sam's bed", "Sam Moore's bed", id="sams_bed"),
                                       o("Jennifer's bed", "Jennifer Moore's bed", id="jennifers_bed")]),
                   a("study", "a study full of campaign papers and watercolours",
                     [o("desk", "Sam's desk with campaign flyers"), o("easel", "Jennifer's watercolour easel")])])
    yamamoto = house("yamamoto_house", "Yamamoto House", "Yuriko Yamamoto's house", "#8fb8a8",
                     [bedroom("bedroom", [o("bed", "Yuriko's bed"), o("desk", "a tidy desk with tax files")])],
                     living=[o("sofa", "a white sofa"), o("bookshelf", "law books")])
    smith = house("smith_house", "Smith House", "Adam Smith's house", "#d4a373",
                  [bedroom("bedroom", [o("bed", "Adam's bed"), o("desk", "a writing desk by the window")])],
                  living=[o("armchair", "a reading armchair"), o("bookshelf", "shelves of philosophy books")])

    def apartment(first: str, last: str, extra: Obj) -> Arena:
        return a(f"{first} {last}'s apartment", f"{first} {last}'s one-room apartment",
                 [o("bed", f"{first}'s bed"), extra], id=f"{snake(last)}_apartment")

    apartments = Sector(
        "oak_hill_apartments", "Oak Hill Apartments", "an apartment building with seven small apartments",
        "#a3b18a",
        back=[apartment("Isabella", "Rodriguez", o("desk", "a desk with cafe accounts")),
              apartment("Carmen", "Ortiz", o("sofa", "a red sofa")),
              apartment("Tamara", "Taylor", o("desk", "a writing desk with picture book sketches")),
              apartment("Arthur", "Burton", o("tv", "a television for the football"))],
        front_left=[apartment("Carlos", "Gomez", o("desk", "a desk piled with notebooks of poems")),
                    apartment("Giorgio", "Rossi", o("table", "a table with a chessboard"))],
        front_right=[apartment("Ryan", "Park", o("desk", "a desk with two monitors")),
                     a("laundry room", "the building's shared laundry",
                       [o("washing machine", "a coin washing machine"), o("mailboxes", "the residents' mailboxes")])],
    )
    artists = Sector(
        "artists_co_living", "Artists' Co-Living Space", "a shared house where five artists live and work",
        "#e07a5f",
        back=[a("Abigail's room", "Abigail Chen's bedroom", [o("bed", "Abigail's bed"), o("desk", "a drawing tablet desk")],
                id="abigails_room"),
              a("Francisco's room", "Francisco Lopez's bedroom", [o("bed", "Francisco's bed"), o("desk", "a desk with a camera")],
                id="franciscos_room"),
              a("Hailey's room", "Hailey Johnson's bedroom", [o("bed", "Hailey's bed"), o("desk", "a writing desk")],
                id="haileys_room"),
              a("Latoya's room", "Latoya Williams's bedroom", [o("bed", "Latoya's bed"), o("desk", "a desk with prints")],
                id="latoyas_room"),
              a("Rajiv's room", "Rajiv Patel's bedroom", [o("bed", "Rajiv's bed"), o("easel", "Rajiv's easel")],
                id="rajivs_room")],
        front_left=[a("studio", "a shared studio with good light",
                      [o("easel", "a big easel"), o("workbench", "a paint-spattered workbench")]),
                    a("kitchen", "the shared kitchen", [o("stove", "a stove"), o("fridge", "a fridge")],
                      [o("dining table", "a long shared table")])],
        front_right=[a("common room", "where the artists gather in the evening",
                       [o("sofa", "a big sagging sofa"), o("piano", "an old piano")]),
                     a("bathroom", "the shared bathroom", [o("toilet", "a toilet"), o("shower", "a shower")])],
    )
    college = Sector(
        "oak_hill_college", "Oak Hill College", "a small liberal arts college", "#8d99ae",
        back=[a("classroom", "a lecture room",
                [o("blackboard", "a long blackboard"), o("lectern", "the lecturer's lectern")],
                [o("student desk", "a row of student desks", id="student_desks"),
                 o("student desk by the window", "student desks by the window", id="student_desks_window")]),
              a("library", "the college library, quiet and warm",
                [o("bookshelf", "shelves of books"), o("library shelves", "more shelves of books")],
                [o("reading table", "a long reading table"), o("library desk", "the librarian's desk")]),
              ],
        front_left=[a("professors' office", "the faculty office", [o("desk", "Professor Lin's desk"),
                                                                   o("bookshelf", "journals and papers")],
                      id="office")],
        front_right=[a("student lounge", "a lounge where students meet between classes",
                       [o("sofa", "a lounge sofa"), o("coffee machine", "a coffee machine")])],
    )
    dorm = Sector(
        "oak_hill_dorm", "Oak Hill College Dorm", "the college dormitory", "#6d7f99",
        back=[a("Klaus's room", "Klaus Mueller's dorm room", [o("bed", "Klaus's bed"), o("desk", "a desk")],
                id="klaus_room"),
              a("Maria's room", "Maria Lopez's dorm room", [o("bed", "Maria's bed"), o("desk", "a gaming desk")],
                id="maria_room"),
              a("Ayesha's room", "Ayesha Khan's dorm room", [o("bed", "Ayesha's bed"), o("desk", "a desk")],
                id="ayesha_room"),
              a("Wolfgang's room", "Wolfgang Schulz's dorm room", [o("bed", "Wolfgang's bed"), o("desk", "a desk")],
                id="wolfgang_room")],
        front_left=[a("common room", "the dorm common room", [o("sofa", "a couch"), o("tv", "a television")],
                      [o("pool table", "a pool table")])],
        front_right=[a("bathroom", "the dorm bathroom",
                       [o("shower", "a shower"), o("toilet", "a toilet"), o("sink", "washbasins")])],
    )
    cafe = Sector(
        "hobbs_cafe", "Hobbs Cafe", "a cafe that serves coffee, tea and pastries", "#c8875a",
        back=[a("counter", "where orders are taken and coffee is made",
                [o("counter", "the cafe counter with a glass case of pastries"),
                 o("coffee machine", "an espresso machine"), o("cash register", "the till")]),
              a("kitchen", "the cafe's small kitchen", [o("stove", "an oven and stove for baking"),
                                                        o("fridge", "a fridge with milk and cream")])],
        front_left=[a("seating area", "tables where customers sit and talk",
                      [o("table", "a round cafe table", id="table"), o("window table", "a table by the window")],
                      id="seating")],
        front_right=[a("corner", "a cosy corner with a sofa and a piano",
                       [o("sofa", "a velvet sofa"), o("piano", "an upright piano")])],
    )
    pub = Sector(
        "rose_and_crown_pub", "The Rose and Crown Pub", "a pub with a bar, tables and a pool table", "#8c2f39",
        back=[a("bar", "the bar where drinks are poured",
                [o("bar counter", "a long wooden bar"), o("shelves", "bottles on shelves")]),
              a("games corner", "pool and darts", [o("pool table", "a pool table"), o("dartboard", "a dartboard")])],
        front_left=[a("tables", "tables for drinking and talking",
                      [o("table", "a pub table"), o("corner table", "a table in the corner")])],
        front_right=[a("stage", "a small stage for open mic nights",
                       [o("stage", "a low stage"), o("microphone", "a microphone stand")])],
    )
    supply = Sector(
        "harvey_oak_supply_store", "Harvey Oak Supply Store", "a hardware and supply store", "#bc6c25",
        back=[a("shop floor", "aisles of tools, paint and garden supplies",
                [o("tool shelves", "shelves of tools"), o("paint shelves", "shelves of paint"),
                 o("garden shelves", "garden supplies")]),
              ],
        front_left=[a("checkout", "where customers pay", [o("checkout counter", "the checkout counter"),
                                                          o("cash register", "the till")])],
        front_right=[a("workshop", "where keys are cut and tools repaired", [o("workbench", "a workbench")])],
    )
    market = Sector(
        "willows_market_and_pharmacy", "Willows Market and Pharmacy", "a grocery market with a pharmacy counter",
        "#6b9bd1",
        back=[a("grocery aisles", "aisles of fresh food and groceries",
                [o("produce display", "fruit and vegetables"), o("grocery shelves", "shelves of groceries"),
                 o("fridge", "a dairy fridge")]),
              a("pharmacy", "the pharmacy counter, run by the pharmacist",
                [o("pharmacy counter", "where prescriptions are filled"), o("medicine shelves", "shelves of medicine")])],
        front_left=[a("checkout", "where customers pay", [o("checkout counter", "the checkout counter"),
                                                          o("cash register", "the till")])],
        front_right=[a("storeroom", "the market's stock room", [o("storage rack", "racks of stock")])],
    )
    park = Sector(
        "johnson_park", "Johnson Park", "a public park with a fountain, benches and a garden", "#7fb069",
        back=[a("lawn", "an open lawn with benches under the trees",
                [o("oak tree", "a big old oak"), o("bench", "a park bench"), o("bench by the oak", "a bench in the shade")],
                id="lawn"),
              a("fountain square", "a square around the fountain", [o("fountain", "a stone fountain")],
                [o("bench by the fountain", "a bench facing the fountain")]),
              a("garden", "a community garden", [o("flower bed", "a bed of tulips"),
                                                 o("vegetable flower bed", "a vegetable bed")]),
              a("picnic lawn", "a lawn with picnic tables by the pond",
                [o("picnic table", "a wooden picnic table"), o("bench by the pond", "a bench looking over the pond")],
                [o("willow tree", "a weeping willow")])],
        open_area=True,
    )

    rows = [
        # (sectors west to east, facing)
        ([lin, moreno, moore, yamamoto], "south"),
        ([cafe, pub, supply, market], "north"),
        ([college, dorm, park], "south"),
        ([apartments, artists, smith], "north"),
    ]
    town = build_town("Smallville", (104, 84), rows, street=10.0, back_gap=8.0)
    # A hedge along the back of the park, clear of the park's arenas and of every door.
    park_box = next(p for p in town["places"] if p["id"] == "johnson_park")
    c, sz = park_box["center"], park_box["size"]
    town["obstacles"].append({"id": "johnson_park_hedge", "position": v(c["x"], 0, c["z"] - sz["z"] / 2 - 1.5),
                              "size": v(sz["x"], 1.1, 0.8), "color": "#4a7a3a"})
    check(town)
    return town


def build_town(name: str, size: tuple[float, float], rows: list[tuple[list[Sector], str]],
               street: float, back_gap: float, obstacles: list[dict] | None = None) -> dict:
    """Lays rows of sectors out north to south: a south-facing row and the north-facing
    row after it face each other across a street; other neighbouring rows stand back to back."""
    width, depth = size
    placed: list[Placed] = []
    laid_rows = [([lay_out(s) for s in sectors], facing) for sectors, facing in rows]
    heights = [max(x.depth for x in laid) for laid, _ in laid_rows]
    gaps = []
    for i in range(len(rows) - 1):
        gaps.append(street if rows[i][1] == "south" and rows[i + 1][1] == "north" else back_gap)
    total = sum(heights) + sum(gaps)
    z = -total / 2
    if total > depth - 4:
        raise GeometryError(f"build_smallville_town: {name}: rows need {total:.1f} m north-south, "
                            f"the town is {depth} m")
    for (laid, facing), height, gap in zip(laid_rows, heights, gaps + [0.0]):
        row_w = sum(x.width for x in laid)
        spacing = (width - 4 - row_w) / max(1, len(laid) - 1) if len(laid) > 1 else 0.0
        if len(laid) > 1 and spacing < BUILDING_GAP or row_w > width - 4:
            raise GeometryError(f"build_smallville_town: {name}: a row needs {row_w + BUILDING_GAP * (len(laid) - 1):.1f}"
                                f" m east-west, the town is {width} m")
        spacing = min(spacing, 8.0)
        x = -(row_w + spacing * (len(laid) - 1)) / 2
        for item in laid:
            # Doors face the street: a south-facing row hugs its street edge (its bottom).
            z0 = z + height - item.depth if facing == "south" else z
            placed.append(Placed(item, x, z0, facing))
            x += item.width + spacing
        z += height + gap
    town = town_message(name, size, placed, obstacles or [])
    check(town)
    return town


def office() -> dict:
    office_sector = Sector(
        "brightline_office", "Brightline Office", "the open-plan office of Brightline Logistics", "#8d99ae",
        back=[a("manager's office", "Dana Whitfield's corner of the floor, with a door that is usually open",
                [o("desk", "the manager's desk"), o("bookshelf", "binders of quarterly reports")],
                [o("chair", "the visitor's chair across the desk", id="visitor_chair")], id="managers_office"),
              a("open desks", "rows of desks where the team works",
                [o("desk", "the player's desk", id="player_desk"), o("desk by the window", "Priya's desk", id="priya_desk")],
                [o("printer", "the shared printer")])],
        front_left=[a("meeting room", "a small room for one-on-ones",
                      [o("table", "a meeting table"), o("whiteboard", "a whiteboard")])],
        front_right=[a("kitchenette", "coffee and gossip",
                       [o("coffee machine", "the office coffee machine"), o("fridge", "a fridge"),
                        o("water cooler", "a water cooler")])],
    )
    street_cafe = Sector(
        "corner_cafe", "Corner Cafe", "a cafe across the street from the office", "#c8875a",
        back=[a("counter", "where coffee is made", [o("counter", "the counter"), o("coffee machine", "an espresso machine")])],
        front_left=[a("seating area", "small tables", [o("table", "a small table")], id="seating")],
    )
    player_flat = Sector(
        "rowan_street_flat", "Rowan Street Flat", "a small flat where the player lives", "#a3b18a",
        back=[a("bedroom", "the player's bedroom", [o("bed", "a bed"), o("desk", "a desk")])],
    )
    manager_flat = Sector(
        "whitfield_house", "Whitfield House", "Dana Whitfield's house", "#b5838d",
        back=[a("bedroom", "Dana's bedroom", [o("bed", "Dana's bed"), o("desk", "a home office desk")])],
    )
    priya_flat = Sector(
        "sharma_flat", "Sharma Flat", "Priya Sharma's flat", "#9c89b8",
        back=[a("bedroom", "Priya's bedroom", [o("bed", "Priya's bed"), o("sofa", "a sofa")])],
    )
    rows = [([office_sector, street_cafe], "south"), ([player_flat, manager_flat, priya_flat], "north")]
    return build_town("Office District", (60, 44), rows, street=7.0, back_gap=4.0)


def apartment_block() -> dict:
    block = Sector(
        "elm_street_apartments", "Elm Street Apartments", "a tired four-flat apartment block", "#a3a08a",
        back=[a("flat 2B", "the player's flat: the damp stain on the ceiling over the bed keeps growing",
                [o("bed", "a bed under the damp stain"), o("stove", "a stove with one working burner"),
                 o("sink", "a kitchen sink with a dripping tap")], id="flat_2b"),
              a("Mr Kowalski's flat", "the landlord's own flat on the ground floor",
                [o("bed", "Mr Kowalski's bed"), o("desk", "a desk with rent ledgers")], id="landlord_flat")],
        front_left=[a("hallway", "the shared hallway with the mailboxes",
                      [o("mailboxes", "the residents' mailboxes"), o("notice board shelf", "a shelf for parcels and notices",
                                                                       id="notice_shelf")])],
        front_right=[a("boiler room", "the basement boiler and the fuse box",
                       [o("boiler", "an old boiler that rattles")])],
    )
    neighbour = Sector(
        "okafor_flat", "Okafor Flat", "Grace Okafor's flat next door", "#9c89b8",
        back=[a("living room", "Grace's living room", [o("bed", "Grace's bed"), o("sofa", "a sofa")])],
    )
    shop = Sector(
        "corner_hardware", "Corner Hardware", "a small hardware shop", "#bc6c25",
        back=[a("shop floor", "tools and fittings", [o("shelves", "shelves of fittings"), o("counter", "the counter")])],
    )
    rows = [([block, neighbour], "south"), ([shop], "north")]
    return build_town("Elm Street", (56, 40), rows, street=7.0, back_gap=4.0)


TOWNS = {
    "smallville.json": smallville,
    "office.json": office,
    "apartment_block.json": apartment_block,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a written town file is stale")
    parser.add_argument("--out", type=Path, default=ROOT / "towns", help="where to write the town files")
    args = parser.parse_args()
    stale = []
    for file_name, build in TOWNS.items():
        text = json.dumps(build(), indent=2) + "\n"
        path = args.out / file_name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    if stale:
        print("stale town files (run scripts/build_smallville_town.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
