from simulacra.v1 import agents_pb2 as _agents_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Scenario(_message.Message):
    __slots__ = ("name", "town_file", "agents", "start_time", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOWN_FILE_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    town_file: str
    agents: _containers.RepeatedCompositeFieldContainer[_agents_pb2.Agent]
    start_time: int
    description: str
    def __init__(self, name: _Optional[str] = ..., town_file: _Optional[str] = ..., agents: _Optional[_Iterable[_Union[_agents_pb2.Agent, _Mapping]]] = ..., start_time: _Optional[int] = ..., description: _Optional[str] = ...) -> None: ...
