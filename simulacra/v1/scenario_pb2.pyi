from simulacra.v1 import agents_pb2 as _agents_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Scenario(_message.Message):
    __slots__ = ("name", "town_file", "agents", "start_time", "description", "start_date", "player_goal", "player_name", "relationships", "seeds")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOWN_FILE_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    PLAYER_GOAL_FIELD_NUMBER: _ClassVar[int]
    PLAYER_NAME_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIPS_FIELD_NUMBER: _ClassVar[int]
    SEEDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    town_file: str
    agents: _containers.RepeatedCompositeFieldContainer[_agents_pb2.Agent]
    start_time: int
    description: str
    start_date: str
    player_goal: str
    player_name: str
    relationships: _containers.RepeatedCompositeFieldContainer[Relationship]
    seeds: _containers.RepeatedCompositeFieldContainer[Seed]
    def __init__(self, name: _Optional[str] = ..., town_file: _Optional[str] = ..., agents: _Optional[_Iterable[_Union[_agents_pb2.Agent, _Mapping]]] = ..., start_time: _Optional[int] = ..., description: _Optional[str] = ..., start_date: _Optional[str] = ..., player_goal: _Optional[str] = ..., player_name: _Optional[str] = ..., relationships: _Optional[_Iterable[_Union[Relationship, _Mapping]]] = ..., seeds: _Optional[_Iterable[_Union[Seed, _Mapping]]] = ...) -> None: ...

class Relationship(_message.Message):
    __slots__ = ("a", "b", "description", "mutual")
    A_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    MUTUAL_FIELD_NUMBER: _ClassVar[int]
    a: str
    b: str
    description: str
    mutual: bool
    def __init__(self, a: _Optional[str] = ..., b: _Optional[str] = ..., description: _Optional[str] = ..., mutual: _Optional[bool] = ...) -> None: ...

class Seed(_message.Message):
    __slots__ = ("agent_id", "text", "topic", "event")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    text: str
    topic: _containers.RepeatedScalarFieldContainer[str]
    event: SeedEvent
    def __init__(self, agent_id: _Optional[str] = ..., text: _Optional[str] = ..., topic: _Optional[_Iterable[str]] = ..., event: _Optional[_Union[SeedEvent, _Mapping]] = ...) -> None: ...

class SeedEvent(_message.Message):
    __slots__ = ("place_id", "start_time", "end_time")
    PLACE_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    place_id: str
    start_time: int
    end_time: int
    def __init__(self, place_id: _Optional[str] = ..., start_time: _Optional[int] = ..., end_time: _Optional[int] = ...) -> None: ...
