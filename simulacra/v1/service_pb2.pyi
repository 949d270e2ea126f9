from simulacra.v1 import agents_pb2 as _agents_pb2
from simulacra.v1 import town_pb2 as _town_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetTownRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAgentsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAgentsResponse(_message.Message):
    __slots__ = ("agents",)
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    agents: _containers.RepeatedCompositeFieldContainer[_agents_pb2.Agent]
    def __init__(self, agents: _Optional[_Iterable[_Union[_agents_pb2.Agent, _Mapping]]] = ...) -> None: ...

class SyncWorldRequest(_message.Message):
    __slots__ = ("game_time", "agents")
    GAME_TIME_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    game_time: int
    agents: _containers.RepeatedCompositeFieldContainer[_agents_pb2.AgentState]
    def __init__(self, game_time: _Optional[int] = ..., agents: _Optional[_Iterable[_Union[_agents_pb2.AgentState, _Mapping]]] = ...) -> None: ...

class SyncWorldResponse(_message.Message):
    __slots__ = ("commands",)
    COMMANDS_FIELD_NUMBER: _ClassVar[int]
    commands: _containers.RepeatedCompositeFieldContainer[_agents_pb2.AgentCommand]
    def __init__(self, commands: _Optional[_Iterable[_Union[_agents_pb2.AgentCommand, _Mapping]]] = ...) -> None: ...

class NextActionRequest(_message.Message):
    __slots__ = ("agent_id", "game_time")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_TIME_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    game_time: int
    def __init__(self, agent_id: _Optional[str] = ..., game_time: _Optional[int] = ...) -> None: ...

class ChatRequest(_message.Message):
    __slots__ = ("agent_id", "text", "player_name", "game_time")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PLAYER_NAME_FIELD_NUMBER: _ClassVar[int]
    GAME_TIME_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    text: str
    player_name: str
    game_time: int
    def __init__(self, agent_id: _Optional[str] = ..., text: _Optional[str] = ..., player_name: _Optional[str] = ..., game_time: _Optional[int] = ...) -> None: ...

class ChatChunk(_message.Message):
    __slots__ = ("text", "done", "full_text")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    FULL_TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    done: bool
    full_text: str
    def __init__(self, text: _Optional[str] = ..., done: _Optional[bool] = ..., full_text: _Optional[str] = ...) -> None: ...

class InspectAgentRequest(_message.Message):
    __slots__ = ("agent_id",)
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    def __init__(self, agent_id: _Optional[str] = ...) -> None: ...

class AgentInspection(_message.Message):
    __slots__ = ("agent", "state", "current", "plan", "recent_memories", "history")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    RECENT_MEMORIES_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    agent: _agents_pb2.Agent
    state: _agents_pb2.AgentState
    current: _agents_pb2.AgentCommand
    plan: _containers.RepeatedScalarFieldContainer[str]
    recent_memories: _containers.RepeatedCompositeFieldContainer[_agents_pb2.MemoryView]
    history: _containers.RepeatedCompositeFieldContainer[_agents_pb2.AgentCommand]
    def __init__(self, agent: _Optional[_Union[_agents_pb2.Agent, _Mapping]] = ..., state: _Optional[_Union[_agents_pb2.AgentState, _Mapping]] = ..., current: _Optional[_Union[_agents_pb2.AgentCommand, _Mapping]] = ..., plan: _Optional[_Iterable[str]] = ..., recent_memories: _Optional[_Iterable[_Union[_agents_pb2.MemoryView, _Mapping]]] = ..., history: _Optional[_Iterable[_Union[_agents_pb2.AgentCommand, _Mapping]]] = ...) -> None: ...
