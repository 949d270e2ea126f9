extends RefCounted
## A MoveTo (protos/simulacra/v1/agents.proto): where an agent walks.

const Self: GDScript = preload("res://addons/simulacra/messages/move_to.gd")

## The place walked to ("hobbs_cafe.counter.coffee_machine").
var place_id: String = ""
## The point to stand on, in metres: the place's position.
var position: Vector3 = Vector3.ZERO


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.place_id = str(data.get("placeId", ""))
	var at: Dictionary = data.get("position", {})
	message.position = Vector3(float(at.get("x", 0.0)), float(at.get("y", 0.0)), float(at.get("z", 0.0)))
	return message
