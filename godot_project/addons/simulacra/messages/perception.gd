extends RefCounted
## A Perception (protos/simulacra/v1/agents.proto): something an agent perceives near
## it: another agent (agent) or an object (object), exactly one of them not null.

const Self: GDScript = preload("res://addons/simulacra/messages/perception.gd")
const PerceivedAgent: GDScript = preload("res://addons/simulacra/messages/perceived_agent.gd")
const PerceivedObject: GDScript = preload("res://addons/simulacra/messages/perceived_object.gd")

## Another agent in view, and what it is doing; null unless that is what it is.
var agent: PerceivedAgent = null
## An object in view, and its state; null unless that is what it is.
var object: PerceivedObject = null
## From the perceiving agent, metres.
var distance: float = 0.0


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	if data.has("agent"):
		message.agent = PerceivedAgent.from_dict(data["agent"])
	elif data.has("object"):
		message.object = PerceivedObject.from_dict(data["object"])
	message.distance = float(data.get("distance", 0.0))
	return message


## Every item of a repeated Perception field (AgentState.perceptions).
static func list_from(items: Array) -> Array[Self]:
	var parsed: Array[Self] = []
	for item: Dictionary in items:
		parsed.append(from_dict(item))
	return parsed
