"""The town's places: a tree of sectors, arenas and objects, read from a town data file.

The file is a `simulacra.v1.Town` in canonical proto3 JSON; Godot builds the 3D town
from the same message (GetTown), so this is the one list of places.
"""

from __future__ import annotations

from pathlib import Path

from google.protobuf import json_format

from agent_server.errors import DataError, NotFound
from simulacra.v1 import town_pb2

SECTOR = town_pb2.PLACE_KIND_SECTOR
ARENA = town_pb2.PLACE_KIND_ARENA
OBJECT = town_pb2.PLACE_KIND_OBJECT
_PARENT_KIND = {SECTOR: None, ARENA: SECTOR, OBJECT: ARENA}


class Town:
    """Read-only view of a town's place tree."""

    def __init__(self, proto: town_pb2.Town, source: str = "<town>") -> None:
        self.proto = proto
        self._places: dict[str, town_pb2.Place] = {}
        self._children: dict[str, list[str]] = {}
        for place in proto.places:
            if not place.id:
                raise DataError(f"{source}: a place has no id")
            if place.id in self._places:
                raise DataError(f"{source}: place id {place.id!r} is used twice; ids must be unique")
            if place.kind not in _PARENT_KIND:
                raise DataError(f"{source}: place {place.id!r} has no kind; set PLACE_KIND_SECTOR, _ARENA or _OBJECT")
            if not place.name:
                raise DataError(f"{source}: place {place.id!r} has no name")
            self._places[place.id] = place
        for place in proto.places:
            want = _PARENT_KIND[place.kind]
            if want is None:
                if place.parent_id:
                    raise DataError(f"{source}: sector {place.id!r} must not have a parentId")
                continue
            parent = self._places.get(place.parent_id)
            if parent is None:
                raise DataError(
                    f"{source}: place {place.id!r} names parentId {place.parent_id!r}, which is not a place"
                )
            if parent.kind != want:
                raise DataError(
                    f"{source}: place {place.id!r} is a {town_pb2.PlaceKind.Name(place.kind)} "
                    f"but its parent {parent.id!r} is not a {town_pb2.PlaceKind.Name(want)}"
                )
            self._children.setdefault(place.parent_id, []).append(place.id)
        if not self._places:
            raise DataError(f"{source}: the town has no places")

    @classmethod
    def load(cls, path: Path) -> "Town":
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise DataError(f"cannot read town file {path}: {exc.strerror}") from exc
        try:
            proto = json_format.Parse(text, town_pb2.Town())
        except json_format.ParseError as exc:
            raise DataError(f"{path}: not a valid simulacra.v1.Town: {exc}") from exc
        return cls(proto, source=str(path))

    @property
    def name(self) -> str:
        return self.proto.name

    def __contains__(self, place_id: str) -> bool:
        return place_id in self._places

    def place(self, place_id: str) -> town_pb2.Place:
        try:
            return self._places[place_id]
        except KeyError:
            raise NotFound(f"unknown place {place_id!r}") from None

    def places(self, kind: int | None = None) -> list[town_pb2.Place]:
        return [p for p in self.proto.places if kind is None or p.kind == kind]

    def children(self, place_id: str) -> list[town_pb2.Place]:
        return [self._places[c] for c in self._children.get(place_id, [])]

    def lineage(self, place_id: str) -> list[town_pb2.Place]:
        """The place and its ancestors, sector first."""
        chain = [self.place(place_id)]
        while chain[0].parent_id:
            chain.insert(0, self._places[chain[0].parent_id])
        return chain

    def label(self, place_id: str) -> str:
        """Readable path: "Hobbs Cafe > counter > coffee machine"."""
        return " > ".join(p.name for p in self.lineage(place_id))

    def sector_of(self, place_id: str) -> town_pb2.Place:
        return self.lineage(place_id)[0]
