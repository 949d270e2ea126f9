extends RefCounted
## A PerceivedObject (protos/simulacra/v1/agents.proto): an object in view.

const Self: GDScript = preload("res://addons/simulacra/messages/perceived_object.gd")

## The object's place ("hobbs_cafe.counter.coffee_machine").
var place_id: String = ""
## Its state ("brewing coffee"); empty: not said (idle).
var state: String = ""


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.place_id = str(data.get("placeId", ""))
	message.state = str(data.get("state", ""))
	return message
