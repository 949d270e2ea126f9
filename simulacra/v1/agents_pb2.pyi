from simulacra.v1 import town_pb2 as _town_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Agent(_message.Message):
    __slots__ = ("id", "name", "persona", "home_place_id", "color", "appearance", "age", "traits", "occupation", "lifestyle")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERSONA_FIELD_NUMBER: _ClassVar[int]
    HOME_PLACE_ID_FIELD_NUMBER: _ClassVar[int]
    COLOR_FIELD_NUMBER: _ClassVar[int]
    APPEARANCE_FIELD_NUMBER: _ClassVar[int]
    AGE_FIELD_NUMBER: _ClassVar[int]
    TRAITS_FIELD_NUMBER: _ClassVar[int]
    OCCUPATION_FIELD_NUMBER: _ClassVar[int]
    LIFESTYLE_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    persona: str
    home_place_id: str
    color: str
    appearance: Appearance
    age: int
    traits: _containers.RepeatedScalarFieldContainer[str]
    occupation: str
    lifestyle: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., persona: _Optional[str] = ..., home_place_id: _Optional[str] = ..., color: _Optional[str] = ..., appearance: _Optional[_Union[Appearance, _Mapping]] = ..., age: _Optional[int] = ..., traits: _Optional[_Iterable[str]] = ..., occupation: _Optional[str] = ..., lifestyle: _Optional[str] = ...) -> None: ...

class Appearance(_message.Message):
    __slots__ = ("height", "skin", "hair", "shirt", "trousers")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SKIN_FIELD_NUMBER: _ClassVar[int]
    HAIR_FIELD_NUMBER: _ClassVar[int]
    SHIRT_FIELD_NUMBER: _ClassVar[int]
    TROUSERS_FIELD_NUMBER: _ClassVar[int]
    height: float
    skin: str
    hair: str
    shirt: str
    trousers: str
    def __init__(self, height: _Optional[float] = ..., skin: _Optional[str] = ..., hair: _Optional[str] = ..., shirt: _Optional[str] = ..., trousers: _Optional[str] = ...) -> None: ...

class Perception(_message.Message):
    __slots__ = ("agent", "object", "distance")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    agent: PerceivedAgent
    object: PerceivedObject
    distance: float
    def __init__(self, agent: _Optional[_Union[PerceivedAgent, _Mapping]] = ..., object: _Optional[_Union[PerceivedObject, _Mapping]] = ..., distance: _Optional[float] = ...) -> None: ...

class PerceivedAgent(_message.Message):
    __slots__ = ("agent_id", "activity")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    activity: str
    def __init__(self, agent_id: _Optional[str] = ..., activity: _Optional[str] = ...) -> None: ...

class PerceivedObject(_message.Message):
    __slots__ = ("place_id", "state")
    PLACE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    place_id: str
    state: str
    def __init__(self, place_id: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class AgentState(_message.Message):
    __slots__ = ("agent_id", "position", "place_id", "moving", "perceptions", "distant")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    PLACE_ID_FIELD_NUMBER: _ClassVar[int]
    MOVING_FIELD_NUMBER: _ClassVar[int]
    PERCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    DISTANT_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    position: _town_pb2.Vec3
    place_id: str
    moving: bool
    perceptions: _containers.RepeatedCompositeFieldContainer[Perception]
    distant: bool
    def __init__(self, agent_id: _Optional[str] = ..., position: _Optional[_Union[_town_pb2.Vec3, _Mapping]] = ..., place_id: _Optional[str] = ..., moving: _Optional[bool] = ..., perceptions: _Optional[_Iterable[_Union[Perception, _Mapping]]] = ..., distant: _Optional[bool] = ...) -> None: ...

class MoveTo(_message.Message):
    __slots__ = ("place_id", "position")
    PLACE_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    place_id: str
    position: _town_pb2.Vec3
    def __init__(self, place_id: _Optional[str] = ..., position: _Optional[_Union[_town_pb2.Vec3, _Mapping]] = ...) -> None: ...

class Activity(_message.Message):
    __slots__ = ("description", "emoji", "duration_minutes")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EMOJI_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    description: str
    emoji: str
    duration_minutes: int
    def __init__(self, description: _Optional[str] = ..., emoji: _Optional[str] = ..., duration_minutes: _Optional[int] = ...) -> None: ...

class Utterance(_message.Message):
    __slots__ = ("text", "to_agent_id", "speaker_id")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TO_AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_ID_FIELD_NUMBER: _ClassVar[int]
    text: str
    to_agent_id: str
    speaker_id: str
    def __init__(self, text: _Optional[str] = ..., to_agent_id: _Optional[str] = ..., speaker_id: _Optional[str] = ...) -> None: ...

class ConversationEvent(_message.Message):
    __slots__ = ("kind", "conversation_id", "participant_ids")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[ConversationEvent.Kind]
        KIND_START: _ClassVar[ConversationEvent.Kind]
        KIND_END: _ClassVar[ConversationEvent.Kind]
    KIND_UNSPECIFIED: ConversationEvent.Kind
    KIND_START: ConversationEvent.Kind
    KIND_END: ConversationEvent.Kind
    KIND_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDS_FIELD_NUMBER: _ClassVar[int]
    kind: ConversationEvent.Kind
    conversation_id: str
    participant_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, kind: _Optional[_Union[ConversationEvent.Kind, str]] = ..., conversation_id: _Optional[str] = ..., participant_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AgentCommand(_message.Message):
    __slots__ = ("agent_id", "command_id", "issued_at", "move_to", "activity", "utterance", "conversation", "reason")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    MOVE_TO_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    UTTERANCE_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    command_id: str
    issued_at: int
    move_to: MoveTo
    activity: Activity
    utterance: Utterance
    conversation: ConversationEvent
    reason: str
    def __init__(self, agent_id: _Optional[str] = ..., command_id: _Optional[str] = ..., issued_at: _Optional[int] = ..., move_to: _Optional[_Union[MoveTo, _Mapping]] = ..., activity: _Optional[_Union[Activity, _Mapping]] = ..., utterance: _Optional[_Union[Utterance, _Mapping]] = ..., conversation: _Optional[_Union[ConversationEvent, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class MemoryView(_message.Message):
    __slots__ = ("id", "kind", "description", "created_at", "importance", "last_accessed", "evidence_ids")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    LAST_ACCESSED_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_IDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    description: str
    created_at: int
    importance: int
    last_accessed: int
    evidence_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., description: _Optional[str] = ..., created_at: _Optional[int] = ..., importance: _Optional[int] = ..., last_accessed: _Optional[int] = ..., evidence_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ScoredMemory(_message.Message):
    __slots__ = ("memory", "recency", "importance", "relevance", "score")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    RECENCY_FIELD_NUMBER: _ClassVar[int]
    IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    RELEVANCE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    memory: MemoryView
    recency: float
    importance: float
    relevance: float
    score: float
    def __init__(self, memory: _Optional[_Union[MemoryView, _Mapping]] = ..., recency: _Optional[float] = ..., importance: _Optional[float] = ..., relevance: _Optional[float] = ..., score: _Optional[float] = ...) -> None: ...

class PlanItem(_message.Message):
    __slots__ = ("start_time", "duration_minutes", "description", "place_id")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PLACE_ID_FIELD_NUMBER: _ClassVar[int]
    start_time: int
    duration_minutes: int
    description: str
    place_id: str
    def __init__(self, start_time: _Optional[int] = ..., duration_minutes: _Optional[int] = ..., description: _Optional[str] = ..., place_id: _Optional[str] = ...) -> None: ...

class ConversationView(_message.Message):
    __slots__ = ("conversation_id", "participant_ids", "started_at", "ended_at", "lines", "summary")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    participant_ids: _containers.RepeatedScalarFieldContainer[str]
    started_at: int
    ended_at: int
    lines: _containers.RepeatedCompositeFieldContainer[Utterance]
    summary: str
    def __init__(self, conversation_id: _Optional[str] = ..., participant_ids: _Optional[_Iterable[str]] = ..., started_at: _Optional[int] = ..., ended_at: _Optional[int] = ..., lines: _Optional[_Iterable[_Union[Utterance, _Mapping]]] = ..., summary: _Optional[str] = ...) -> None: ...
