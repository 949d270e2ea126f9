extends RefCounted
## An Agent (protos/simulacra/v1/agents.proto): who an agent is, as the scenario seeds it.

const Self: GDScript = preload("res://addons/simulacra/messages/agent.gd")

## Stable id: "isabella".
var id: String = ""
var name: String = ""
## The seed description of identity, occupation and relationships.
var persona: String = ""
## The place it starts at.
var home_place_id: String = ""
## Its body's colour, "#rrggbb" (empty: not said).
var color: String = ""
## Its look, as sent (height, skin, hair, shirt, trousers); {} when left out.
var appearance: Dictionary = {}
## Years; 0 when the scenario does not say.
var age: int = 0
## A word or two each: "friendly".
var traits: PackedStringArray = PackedStringArray()
var occupation: String = ""
## Daily habits, in sentences.
var lifestyle: String = ""


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.id = str(data.get("id", ""))
	message.name = str(data.get("name", ""))
	message.persona = str(data.get("persona", ""))
	message.home_place_id = str(data.get("homePlaceId", ""))
	message.color = str(data.get("color", ""))
	message.appearance = data.get("appearance", {})
	message.age = int(data.get("age", 0))
	for agent_trait: Variant in data.get("traits", []):
		message.traits.append(str(agent_trait))
	message.occupation = str(data.get("occupation", ""))
	message.lifestyle = str(data.get("lifestyle", ""))
	return message
