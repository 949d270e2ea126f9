extends RefCounted
## A ConversationEvent (protos/simulacra/v1/agents.proto): a conversation starts or ends.

const Self: GDScript = preload("res://addons/simulacra/messages/conversation_event.gd")
const KIND_START: String = "KIND_START"
const KIND_END: String = "KIND_END"

## KIND_START, KIND_END, or "" (unspecified): enums come by name.
var kind: String = ""
var conversation_id: String = ""
## Everyone in it, the agent included (AgentClient.PLAYER_ID for the player).
var participant_ids: PackedStringArray = PackedStringArray()


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.kind = str(data.get("kind", ""))
	message.conversation_id = str(data.get("conversationId", ""))
	for participant: Variant in data.get("participantIds", []):
		message.participant_ids.append(str(participant))
	return message
