extends RefCounted
## A MemoryView (protos/simulacra/v1/agents.proto): one of an agent's memories, as the
## inspector shows it.

const Self: GDScript = preload("res://addons/simulacra/messages/memory_view.gd")

var id: String = ""
## "observation", "reflection", "plan" or "dialogue".
var kind: String = ""
var description: String = ""
## Game seconds since day 1 00:00.
var created_at: int = 0
## 1 (mundane) to 10 (poignant); 0: not said.
var importance: int = 0
var last_accessed: int = 0
## A reflection's evidence: the ids of the memories it rests on.
var evidence_ids: PackedStringArray = PackedStringArray()


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.id = str(data.get("id", ""))
	message.kind = str(data.get("kind", ""))
	message.description = str(data.get("description", ""))
	message.created_at = int(data.get("createdAt", 0))
	message.importance = int(data.get("importance", 0))
	message.last_accessed = int(data.get("lastAccessed", 0))
	for evidence: Variant in data.get("evidenceIds", []):
		message.evidence_ids.append(str(evidence))
	return message


## Every item of a repeated MemoryView field (AgentInspection.recent_memories, ...).
static func list_from(items: Array) -> Array[Self]:
	var parsed: Array[Self] = []
	for item: Dictionary in items:
		parsed.append(from_dict(item))
	return parsed
