extends RefCounted
## A PlanItem (protos/simulacra/v1/agents.proto): one item of an agent's plan (the day,
## its hours, or this hour's steps).

const Self: GDScript = preload("res://addons/simulacra/messages/plan_item.gd")

## When it starts, game seconds since day 1 00:00.
var start_time: int = 0
var duration_minutes: int = 0
var description: String = ""
## Where it happens, once resolved (this hour's steps); empty: not said.
var place_id: String = ""


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.start_time = int(data.get("startTime", 0))
	message.duration_minutes = int(data.get("durationMinutes", 0))
	message.description = str(data.get("description", ""))
	message.place_id = str(data.get("placeId", ""))
	return message


## Every item of a repeated PlanItem field (AgentInspection.day_plan, ...).
static func list_from(items: Array) -> Array[Self]:
	var parsed: Array[Self] = []
	for item: Dictionary in items:
		parsed.append(from_dict(item))
	return parsed
