extends RefCounted
## SyncWorldResponse (protos/simulacra/v1/service.proto): the commands the server
## decided since the last SyncWorld (interruptions: conversations, lines, new plans).

const Self: GDScript = preload("res://addons/simulacra/messages/sync_world_response.gd")
const AgentCommand: GDScript = preload("res://addons/simulacra/messages/agent_command.gd")

var commands: Array[AgentCommand] = []


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.commands = AgentCommand.list_from(data.get("commands", []))
	return message
