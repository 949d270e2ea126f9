extends RefCounted
## DebriefResponse (protos/simulacra/v1/service.proto): a rehearsal's feedback, one
## CharacterFeedback per character the player talked with.

const Self: GDScript = preload("res://addons/simulacra/messages/debrief_response.gd")
const CharacterFeedback: GDScript = preload("res://addons/simulacra/messages/character_feedback.gd")

## What the player was trying to do.
var player_goal: String = ""
var feedback: Array[CharacterFeedback] = []


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.player_goal = str(data.get("playerGoal", ""))
	message.feedback = CharacterFeedback.list_from(data.get("feedback", []))
	return message
