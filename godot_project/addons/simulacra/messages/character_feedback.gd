extends RefCounted
## A CharacterFeedback (protos/simulacra/v1/service.proto): one character's word, in a
## rehearsal's Debrief, on how the player did.

const Self: GDScript = preload("res://addons/simulacra/messages/character_feedback.gd")

var agent_id: String = ""
## In the character's own words.
var feedback: String = ""
## What the memories it drew on say (ScoredMemory.memory.description), in its order.
var memories_used: Array[String] = []
## Lines the player and the character said to each other.
var lines_exchanged: int = 0


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.agent_id = str(data.get("agentId", ""))
	message.feedback = str(data.get("feedback", ""))
	message.lines_exchanged = int(data.get("linesExchanged", 0))
	for scored: Dictionary in data.get("memoriesUsed", []):
		var memory: Dictionary = scored.get("memory", {})
		message.memories_used.append(str(memory.get("description", "")))
	return message


## Every item of a repeated CharacterFeedback field (DebriefResponse.feedback).
static func list_from(items: Array) -> Array[Self]:
	var parsed: Array[Self] = []
	for item: Dictionary in items:
		parsed.append(from_dict(item))
	return parsed
