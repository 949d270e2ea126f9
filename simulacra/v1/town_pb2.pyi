from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PlaceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLACE_KIND_UNSPECIFIED: _ClassVar[PlaceKind]
    PLACE_KIND_SECTOR: _ClassVar[PlaceKind]
    PLACE_KIND_ARENA: _ClassVar[PlaceKind]
    PLACE_KIND_OBJECT: _ClassVar[PlaceKind]
PLACE_KIND_UNSPECIFIED: PlaceKind
PLACE_KIND_SECTOR: PlaceKind
PLACE_KIND_ARENA: PlaceKind
PLACE_KIND_OBJECT: PlaceKind

class Vec3(_message.Message):
    __slots__ = ("x", "y", "z")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    z: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., z: _Optional[float] = ...) -> None: ...

class Place(_message.Message):
    __slots__ = ("id", "name", "kind", "parent_id", "position", "size", "color", "state", "description", "center", "door")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    COLOR_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CENTER_FIELD_NUMBER: _ClassVar[int]
    DOOR_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    kind: PlaceKind
    parent_id: str
    position: Vec3
    size: Vec3
    color: str
    state: str
    description: str
    center: Vec3
    door: Vec3
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[PlaceKind, str]] = ..., parent_id: _Optional[str] = ..., position: _Optional[_Union[Vec3, _Mapping]] = ..., size: _Optional[_Union[Vec3, _Mapping]] = ..., color: _Optional[str] = ..., state: _Optional[str] = ..., description: _Optional[str] = ..., center: _Optional[_Union[Vec3, _Mapping]] = ..., door: _Optional[_Union[Vec3, _Mapping]] = ...) -> None: ...

class Obstacle(_message.Message):
    __slots__ = ("id", "position", "size", "color")
    ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    COLOR_FIELD_NUMBER: _ClassVar[int]
    id: str
    position: Vec3
    size: Vec3
    color: str
    def __init__(self, id: _Optional[str] = ..., position: _Optional[_Union[Vec3, _Mapping]] = ..., size: _Optional[_Union[Vec3, _Mapping]] = ..., color: _Optional[str] = ...) -> None: ...

class Town(_message.Message):
    __slots__ = ("name", "size", "places", "obstacles", "wall_thickness", "door_width", "agent_radius")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    PLACES_FIELD_NUMBER: _ClassVar[int]
    OBSTACLES_FIELD_NUMBER: _ClassVar[int]
    WALL_THICKNESS_FIELD_NUMBER: _ClassVar[int]
    DOOR_WIDTH_FIELD_NUMBER: _ClassVar[int]
    AGENT_RADIUS_FIELD_NUMBER: _ClassVar[int]
    name: str
    size: Vec3
    places: _containers.RepeatedCompositeFieldContainer[Place]
    obstacles: _containers.RepeatedCompositeFieldContainer[Obstacle]
    wall_thickness: float
    door_width: float
    agent_radius: float
    def __init__(self, name: _Optional[str] = ..., size: _Optional[_Union[Vec3, _Mapping]] = ..., places: _Optional[_Iterable[_Union[Place, _Mapping]]] = ..., obstacles: _Optional[_Iterable[_Union[Obstacle, _Mapping]]] = ..., wall_thickness: _Optional[float] = ..., door_width: _Optional[float] = ..., agent_radius: _Optional[float] = ...) -> None: ...
