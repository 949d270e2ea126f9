extends RefCounted
## A ConversationView (protos/simulacra/v1/agents.proto): a conversation between
## agents, or between an agent and the player, with its lines.

const Self: GDScript = preload("res://addons/simulacra/messages/conversation_view.gd")
const Utterance: GDScript = preload("res://addons/simulacra/messages/utterance.gd")

var conversation_id: String = ""
## Everyone in it (AgentClient.PLAYER_ID for the player).
var participant_ids: PackedStringArray = PackedStringArray()
## Game seconds since day 1 00:00; ended_at is 0 while it goes on.
var started_at: int = 0
var ended_at: int = 0
## What was said, in order; each line's speaker_id says who said it.
var lines: Array[Utterance] = []
var summary: String = ""


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.conversation_id = str(data.get("conversationId", ""))
	for participant: Variant in data.get("participantIds", []):
		message.participant_ids.append(str(participant))
	message.started_at = int(data.get("startedAt", 0))
	message.ended_at = int(data.get("endedAt", 0))
	for line: Dictionary in data.get("lines", []):
		message.lines.append(Utterance.from_dict(line))
	message.summary = str(data.get("summary", ""))
	return message


## Every item of a repeated ConversationView field (AgentInspection.conversations).
static func list_from(items: Array) -> Array[Self]:
	var parsed: Array[Self] = []
	for item: Dictionary in items:
		parsed.append(from_dict(item))
	return parsed
