extends RefCounted
## An Activity (protos/simulacra/v1/agents.proto): what an agent does where it is.

const Self: GDScript = preload("res://addons/simulacra/messages/activity.gd")

## In words: "making coffee".
var description: String = ""
## One emoji for it, or "".
var emoji: String = ""
## How long it lasts, in game minutes.
var duration_minutes: int = 0


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.description = str(data.get("description", ""))
	message.emoji = str(data.get("emoji", ""))
	message.duration_minutes = int(data.get("durationMinutes", 0))
	return message
