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
    __slots__ = ("agents", "scenario", "description", "player_goal", "player_name")
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PLAYER_GOAL_FIELD_NUMBER: _ClassVar[int]
    PLAYER_NAME_FIELD_NUMBER: _ClassVar[int]
    agents: _containers.RepeatedCompositeFieldContainer[_agents_pb2.Agent]
    scenario: str
    description: str
    player_goal: str
    player_name: str
    def __init__(self, agents: _Optional[_Iterable[_Union[_agents_pb2.Agent, _Mapping]]] = ..., scenario: _Optional[str] = ..., description: _Optional[str] = ..., player_goal: _Optional[str] = ..., player_name: _Optional[str] = ...) -> None: ...

class SyncWorldRequest(_message.Message):
    __slots__ = ("game_time", "agents", "player_name")
    GAME_TIME_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    PLAYER_NAME_FIELD_NUMBER: _ClassVar[int]
    game_time: int
    agents: _containers.RepeatedCompositeFieldContainer[_agents_pb2.AgentState]
    player_name: str
    def __init__(self, game_time: _Optional[int] = ..., agents: _Optional[_Iterable[_Union[_agents_pb2.AgentState, _Mapping]]] = ..., player_name: _Optional[str] = ...) -> None: ...

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

class PrepareChatRequest(_message.Message):
    __slots__ = ("agent_id", "player_name", "game_time")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    PLAYER_NAME_FIELD_NUMBER: _ClassVar[int]
    GAME_TIME_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    player_name: str
    game_time: int
    def __init__(self, agent_id: _Optional[str] = ..., player_name: _Optional[str] = ..., game_time: _Optional[int] = ...) -> None: ...

class PrepareChatResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

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
    __slots__ = ("agent", "state", "current", "plan", "recent_memories", "history", "summary", "day_plan", "hourly_plan", "actions", "last_retrieval", "reflections", "conversations", "current_action_index")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    RECENT_MEMORIES_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    DAY_PLAN_FIELD_NUMBER: _ClassVar[int]
    HOURLY_PLAN_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_RETRIEVAL_FIELD_NUMBER: _ClassVar[int]
    REFLECTIONS_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_ACTION_INDEX_FIELD_NUMBER: _ClassVar[int]
    agent: _agents_pb2.Agent
    state: _agents_pb2.AgentState
    current: _agents_pb2.AgentCommand
    plan: _containers.RepeatedScalarFieldContainer[str]
    recent_memories: _containers.RepeatedCompositeFieldContainer[_agents_pb2.MemoryView]
    history: _containers.RepeatedCompositeFieldContainer[_agents_pb2.AgentCommand]
    summary: str
    day_plan: _containers.RepeatedCompositeFieldContainer[_agents_pb2.PlanItem]
    hourly_plan: _containers.RepeatedCompositeFieldContainer[_agents_pb2.PlanItem]
    actions: _containers.RepeatedCompositeFieldContainer[_agents_pb2.PlanItem]
    last_retrieval: _containers.RepeatedCompositeFieldContainer[_agents_pb2.ScoredMemory]
    reflections: _containers.RepeatedCompositeFieldContainer[_agents_pb2.MemoryView]
    conversations: _containers.RepeatedCompositeFieldContainer[_agents_pb2.ConversationView]
    current_action_index: int
    def __init__(self, agent: _Optional[_Union[_agents_pb2.Agent, _Mapping]] = ..., state: _Optional[_Union[_agents_pb2.AgentState, _Mapping]] = ..., current: _Optional[_Union[_agents_pb2.AgentCommand, _Mapping]] = ..., plan: _Optional[_Iterable[str]] = ..., recent_memories: _Optional[_Iterable[_Union[_agents_pb2.MemoryView, _Mapping]]] = ..., history: _Optional[_Iterable[_Union[_agents_pb2.AgentCommand, _Mapping]]] = ..., summary: _Optional[str] = ..., day_plan: _Optional[_Iterable[_Union[_agents_pb2.PlanItem, _Mapping]]] = ..., hourly_plan: _Optional[_Iterable[_Union[_agents_pb2.PlanItem, _Mapping]]] = ..., actions: _Optional[_Iterable[_Union[_agents_pb2.PlanItem, _Mapping]]] = ..., last_retrieval: _Optional[_Iterable[_Union[_agents_pb2.ScoredMemory, _Mapping]]] = ..., reflections: _Optional[_Iterable[_Union[_agents_pb2.MemoryView, _Mapping]]] = ..., conversations: _Optional[_Iterable[_Union[_agents_pb2.ConversationView, _Mapping]]] = ..., current_action_index: _Optional[int] = ...) -> None: ...

class InterviewRequest(_message.Message):
    __slots__ = ("agent_id", "question")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    question: str
    def __init__(self, agent_id: _Optional[str] = ..., question: _Optional[str] = ...) -> None: ...

class InterviewResponse(_message.Message):
    __slots__ = ("answer", "memories_used")
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    MEMORIES_USED_FIELD_NUMBER: _ClassVar[int]
    answer: str
    memories_used: _containers.RepeatedCompositeFieldContainer[_agents_pb2.ScoredMemory]
    def __init__(self, answer: _Optional[str] = ..., memories_used: _Optional[_Iterable[_Union[_agents_pb2.ScoredMemory, _Mapping]]] = ...) -> None: ...

class GetStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UsageStat(_message.Message):
    __slots__ = ("purpose", "calls", "prompt_tokens", "completion_tokens", "model_seconds")
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    CALLS_FIELD_NUMBER: _ClassVar[int]
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MODEL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    purpose: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    model_seconds: float
    def __init__(self, purpose: _Optional[str] = ..., calls: _Optional[int] = ..., prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ..., model_seconds: _Optional[float] = ...) -> None: ...

class ServerStats(_message.Message):
    __slots__ = ("game_time", "start_time", "agents", "usage", "memories", "model", "ready")
    GAME_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    MEMORIES_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    game_time: int
    start_time: int
    agents: int
    usage: _containers.RepeatedCompositeFieldContainer[UsageStat]
    memories: int
    model: str
    ready: bool
    def __init__(self, game_time: _Optional[int] = ..., start_time: _Optional[int] = ..., agents: _Optional[int] = ..., usage: _Optional[_Iterable[_Union[UsageStat, _Mapping]]] = ..., memories: _Optional[int] = ..., model: _Optional[str] = ..., ready: _Optional[bool] = ...) -> None: ...

class WorldSnapshot(_message.Message):
    __slots__ = ("game_time", "speed", "agents", "current_commands", "player_position", "player_yaw")
    GAME_TIME_FIELD_NUMBER: _ClassVar[int]
    SPEED_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_COMMANDS_FIELD_NUMBER: _ClassVar[int]
    PLAYER_POSITION_FIELD_NUMBER: _ClassVar[int]
    PLAYER_YAW_FIELD_NUMBER: _ClassVar[int]
    game_time: int
    speed: float
    agents: _containers.RepeatedCompositeFieldContainer[_agents_pb2.AgentState]
    current_commands: _containers.RepeatedCompositeFieldContainer[_agents_pb2.AgentCommand]
    player_position: _town_pb2.Vec3
    player_yaw: float
    def __init__(self, game_time: _Optional[int] = ..., speed: _Optional[float] = ..., agents: _Optional[_Iterable[_Union[_agents_pb2.AgentState, _Mapping]]] = ..., current_commands: _Optional[_Iterable[_Union[_agents_pb2.AgentCommand, _Mapping]]] = ..., player_position: _Optional[_Union[_town_pb2.Vec3, _Mapping]] = ..., player_yaw: _Optional[float] = ...) -> None: ...

class SaveGameRequest(_message.Message):
    __slots__ = ("name", "world")
    NAME_FIELD_NUMBER: _ClassVar[int]
    WORLD_FIELD_NUMBER: _ClassVar[int]
    name: str
    world: WorldSnapshot
    def __init__(self, name: _Optional[str] = ..., world: _Optional[_Union[WorldSnapshot, _Mapping]] = ...) -> None: ...

class SaveInfo(_message.Message):
    __slots__ = ("name", "game_time", "saved_at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    GAME_TIME_FIELD_NUMBER: _ClassVar[int]
    SAVED_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    game_time: int
    saved_at: int
    def __init__(self, name: _Optional[str] = ..., game_time: _Optional[int] = ..., saved_at: _Optional[int] = ...) -> None: ...

class SaveGameResponse(_message.Message):
    __slots__ = ("save",)
    SAVE_FIELD_NUMBER: _ClassVar[int]
    save: SaveInfo
    def __init__(self, save: _Optional[_Union[SaveInfo, _Mapping]] = ...) -> None: ...

class LoadGameRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class LoadGameResponse(_message.Message):
    __slots__ = ("save", "world")
    SAVE_FIELD_NUMBER: _ClassVar[int]
    WORLD_FIELD_NUMBER: _ClassVar[int]
    save: SaveInfo
    world: WorldSnapshot
    def __init__(self, save: _Optional[_Union[SaveInfo, _Mapping]] = ..., world: _Optional[_Union[WorldSnapshot, _Mapping]] = ...) -> None: ...

class ListSavesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSavesResponse(_message.Message):
    __slots__ = ("saves",)
    SAVES_FIELD_NUMBER: _ClassVar[int]
    saves: _containers.RepeatedCompositeFieldContainer[SaveInfo]
    def __init__(self, saves: _Optional[_Iterable[_Union[SaveInfo, _Mapping]]] = ...) -> None: ...

class DebriefRequest(_message.Message):
    __slots__ = ("agent_ids",)
    AGENT_IDS_FIELD_NUMBER: _ClassVar[int]
    agent_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, agent_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CharacterFeedback(_message.Message):
    __slots__ = ("agent_id", "feedback", "memories_used", "lines_exchanged")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    MEMORIES_USED_FIELD_NUMBER: _ClassVar[int]
    LINES_EXCHANGED_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    feedback: str
    memories_used: _containers.RepeatedCompositeFieldContainer[_agents_pb2.ScoredMemory]
    lines_exchanged: int
    def __init__(self, agent_id: _Optional[str] = ..., feedback: _Optional[str] = ..., memories_used: _Optional[_Iterable[_Union[_agents_pb2.ScoredMemory, _Mapping]]] = ..., lines_exchanged: _Optional[int] = ...) -> None: ...

class DebriefResponse(_message.Message):
    __slots__ = ("player_goal", "feedback")
    PLAYER_GOAL_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    player_goal: str
    feedback: _containers.RepeatedCompositeFieldContainer[CharacterFeedback]
    def __init__(self, player_goal: _Optional[str] = ..., feedback: _Optional[_Iterable[_Union[CharacterFeedback, _Mapping]]] = ...) -> None: ...
