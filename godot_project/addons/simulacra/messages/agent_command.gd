extends RefCounted
## An AgentCommand (protos/simulacra/v1/agents.proto): one instruction for one agent,
## from NextAction or SyncWorld. Its parts that are set are carried out in order: walk
## (move_to), then do (activity); utterance and conversation apply at once. A part the
## server left out is null.

const Self: GDScript = preload("res://addons/simulacra/messages/agent_command.gd")
const MoveTo: GDScript = preload("res://addons/simulacra/messages/move_to.gd")
const Activity: GDScript = preload("res://addons/simulacra/messages/activity.gd")
const Utterance: GDScript = preload("res://addons/simulacra/messages/utterance.gd")
const ConversationEvent: GDScript = preload("res://addons/simulacra/messages/conversation_event.gd")

var agent_id: String = ""
## Unique per server run; reports echo it.
var command_id: String = ""
## Game time it was issued, seconds since day 1 00:00.
var issued_at: int = 0
var move_to: MoveTo = null
var activity: Activity = null
var utterance: Utterance = null
var conversation: ConversationEvent = null
## Why, in a few words.
var reason: String = ""
## The command as the server sent it: what reports, saves and
## SimulacraAgentController.apply_command() take.
var raw: Dictionary = {}


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.raw = data
	message.agent_id = str(data.get("agentId", ""))
	message.command_id = str(data.get("commandId", ""))
	message.issued_at = int(data.get("issuedAt", 0))
	message.reason = str(data.get("reason", ""))
	if data.has("moveTo"):
		message.move_to = MoveTo.from_dict(data["moveTo"])
	if data.has("activity"):
		message.activity = Activity.from_dict(data["activity"])
	if data.has("utterance"):
		message.utterance = Utterance.from_dict(data["utterance"])
	if data.has("conversation"):
		message.conversation = ConversationEvent.from_dict(data["conversation"])
	return message


## Every command of a repeated AgentCommand field (SyncWorldResponse.commands).
static func list_from(items: Array) -> Array[Self]:
	var parsed: Array[Self] = []
	for item: Dictionary in items:
		parsed.append(from_dict(item))
	return parsed
