extends RefCounted
## An AgentState (protos/simulacra/v1/agents.proto): an agent's state in the world at
## one moment, as the world last reported it.

const Self: GDScript = preload("res://addons/simulacra/messages/agent_state.gd")
const Perception: GDScript = preload("res://addons/simulacra/messages/perception.gd")

var agent_id: String = ""
## Where it stands, in metres.
var position: Vector3 = Vector3.ZERO
## The deepest place it is in; empty: outdoors, between places.
var place_id: String = ""
## True while it walks towards a destination.
var moving: bool = false
var perceptions: Array[Perception] = []
## True while the player is far away and the agent off screen.
var distant: bool = false


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.agent_id = str(data.get("agentId", ""))
	var at: Dictionary = data.get("position", {})
	message.position = Vector3(float(at.get("x", 0.0)), float(at.get("y", 0.0)), float(at.get("z", 0.0)))
	message.place_id = str(data.get("placeId", ""))
	message.moving = bool(data.get("moving", false))
	message.perceptions = Perception.list_from(data.get("perceptions", []))
	message.distant = bool(data.get("distant", false))
	return message
