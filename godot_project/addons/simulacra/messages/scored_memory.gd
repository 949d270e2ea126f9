extends RefCounted
## A ScoredMemory (protos/simulacra/v1/agents.proto): a memory as one retrieval scored
## it, each component normalised to [0, 1].

const Self: GDScript = preload("res://addons/simulacra/messages/scored_memory.gd")
const MemoryView: GDScript = preload("res://addons/simulacra/messages/memory_view.gd")

## The memory (empty, never null, when left out).
var memory: MemoryView = MemoryView.new()
var recency: float = 0.0
var importance: float = 0.0
var relevance: float = 0.0
## The weighted sum of the three that the memories were ranked by.
var score: float = 0.0


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.memory = MemoryView.from_dict(data.get("memory", {}))
	message.recency = float(data.get("recency", 0.0))
	message.importance = float(data.get("importance", 0.0))
	message.relevance = float(data.get("relevance", 0.0))
	message.score = float(data.get("score", 0.0))
	return message


## Every item of a repeated ScoredMemory field (AgentInspection.last_retrieval).
static func list_from(items: Array) -> Array[Self]:
	var parsed: Array[Self] = []
	for item: Dictionary in items:
		parsed.append(from_dict(item))
	return parsed
