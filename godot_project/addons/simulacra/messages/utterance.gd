extends RefCounted
## An Utterance (protos/simulacra/v1/agents.proto): a line an agent says.

const Self: GDScript = preload("res://addons/simulacra/messages/utterance.gd")

var text: String = ""
## Whom it is said to; empty: no one in particular.
var to_agent_id: String = ""
## Who says it (AgentClient.PLAYER_ID for the player); empty: the command's agent.
var speaker_id: String = ""


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.text = str(data.get("text", ""))
	message.to_agent_id = str(data.get("toAgentId", ""))
	message.speaker_id = str(data.get("speakerId", ""))
	return message
