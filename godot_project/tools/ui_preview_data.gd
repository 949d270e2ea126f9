extends RefCounted
## The made-up data tools/ui_preview.gd fills the town's UI with, realistic enough to
## judge the look by: three townspeople (for the map, the inspector's names and the
## backdrop), a chat with Isabella, two saves for the load dialog, and Isabella's
## AgentInspection for the inspector. Constants and static functions only.

const TownData: GDScript = preload("res://town/town_data.gd")
## Agent id -> name, as the game's name lookup gives them.
const NAMES: Dictionary = {
	"isabella": "Isabella Rodriguez", "john_lin": "John Lin", "mei_lin": "Mei Lin", "player": "Sam",
}
## The chat panel's lines: [speaker id, speaker name, text].
const CHAT: Array[Array] = [
	["player", "Sam", "Good morning! Is the cafe open yet?"],
	["isabella", "Isabella Rodriguez", "Morning, Sam! Just about. The coffee is brewing, and there are fresh croissants in ten minutes."],
	["player", "Sam", "Are you doing anything for Valentine's Day?"],
	["isabella", "Isabella Rodriguez", "I'm throwing a party here at Hobbs Cafe on the 14th, from 5 to 7 pm. You should come, and bring a friend!"],
]


## The three townspeople on the map and in the town: id, name, colour, emoji, what
## they are doing and where (at places of town, the skeleton town).
static func agents(town: TownData) -> Array[Dictionary]:
	return [
		{"id": "isabella", "name": "Isabella Rodriguez", "color": "#e0607e", "emoji": "☕",
			"activity": "brewing the first pot of coffee", "position": _place_position(town, "hobbs_cafe.counter.coffee_machine")},
		{"id": "john_lin", "name": "John Lin", "color": "#5f9ea0", "emoji": "💊",
			"activity": "checking the pharmacy's stock", "position": _place_position(town, "willow_market") + Vector3(2, 0, -3)},
		{"id": "mei_lin", "name": "Mei Lin", "color": "#9b7bd4", "emoji": "📖",
			"activity": "reading on a bench", "position": Vector3(2, 0, 12)}]


static func _place_position(town: TownData, place_id: String) -> Vector3:
	return TownData.vec3(town.place(place_id).get("position", {}))


## Two SaveInfo dicts as ListSaves sends them: saved two minutes and a day ago.
static func saves() -> Array:
	return [
		{"name": "quicksave", "gameTime": 33120, "savedAt": str(int(Time.get_unix_time_from_system()) - 120)},
		{"name": "before-the-party", "gameTime": 61200, "savedAt": str(int(Time.get_unix_time_from_system()) - 86400)},
	]


## Isabella's AgentInspection as InspectAgent sends it (canonical proto3 JSON:
## defaults left out), for the inspector's six tabs; ui_preview.gd parses it with
## AgentInspection.from_dict, as AgentClient parses the real reply.
static func inspection() -> Dictionary:
	var day: int = 0
	return {
		"agent": {
			"id": "isabella", "name": "Isabella Rodriguez", "color": "#e0607e",
			"homePlaceId": "rodriguez_apartment.bedroom.bed",
			"persona": "Isabella Rodriguez is the owner of Hobbs Cafe. She is warm, outgoing and loves making people feel welcome. She opens the cafe every morning, bakes pastries and chats with her customers.",
		},
		"state": {
			"agentId": "isabella", "position": {"x": -16.0, "z": -12.6},
			"placeId": "hobbs_cafe.counter.coffee_machine",
			"perceptions": [
				{"agent": {"agentId": "player", "activity": "standing at the counter"}, "distance": 2.4},
				{"object": {"placeId": "hobbs_cafe.counter.coffee_machine", "state": "brewing coffee"}, "distance": 1.4},
			],
		},
		"current": {
			"agentId": "isabella", "commandId": "isabella-14", "issuedAt": day + 33000,
			"moveTo": {"placeId": "hobbs_cafe.counter.coffee_machine", "position": {"x": -16.0, "z": -12.6}},
			"activity": {"description": "brewing the first pot of coffee", "emoji": "☕", "durationMinutes": 15},
			"reason": "part of: open Hobbs Cafe for the morning crowd",
		},
		"summary": "Isabella Rodriguez is a warm, outgoing cafe owner who loves making people feel welcome. She runs Hobbs Cafe and is planning a Valentine's Day party there. Lately she feels excited and a little busy.",
		"dayPlan": [
			{"startTime": day + 25200, "durationMinutes": 60, "description": "wake up and complete her morning routine"},
			{"startTime": day + 28800, "durationMinutes": 240, "description": "open Hobbs Cafe and serve the morning customers"},
			{"startTime": day + 43200, "durationMinutes": 60, "description": "have lunch at the cafe"},
			{"startTime": day + 46800, "durationMinutes": 180, "description": "invite customers to the Valentine's Day party"},
			{"startTime": day + 57600, "durationMinutes": 120, "description": "walk in Oak Park"},
			{"startTime": day + 64800, "durationMinutes": 120, "description": "cook dinner at home"},
			{"startTime": day + 79200, "durationMinutes": 480, "description": "go to bed"},
		],
		"hourlyPlan": [
			{"startTime": day + 28800, "durationMinutes": 60, "description": "open the cafe and prepare the counter"},
			{"startTime": day + 32400, "durationMinutes": 60, "description": "serve coffee and pastries to the first customers"},
			{"startTime": day + 36000, "durationMinutes": 60, "description": "bake a fresh batch of croissants"},
			{"startTime": day + 39600, "durationMinutes": 60, "description": "chat with regulars about the party"},
		],
		"actions": [
			{"startTime": day + 32400, "durationMinutes": 10, "description": "unlock the door and switch on the lights", "placeId": "hobbs_cafe.seating"},
			{"startTime": day + 33000, "durationMinutes": 15, "description": "brew the first pot of coffee", "placeId": "hobbs_cafe.counter.coffee_machine"},
			{"startTime": day + 33900, "durationMinutes": 15, "description": "set out pastries on the counter", "placeId": "hobbs_cafe.counter"},
			{"startTime": day + 34800, "durationMinutes": 20, "description": "greet and serve the first customers", "placeId": "hobbs_cafe.counter"},
		],
		"currentActionIndex": 1,
		"recentMemories": [
			{"id": "41", "kind": "dialogue", "description": "Sam said to Isabella Rodriguez: \"Are you doing anything for Valentine's Day?\"", "createdAt": day + 33100, "importance": 6},
			{"id": "40", "kind": "observation", "description": "coffee machine is brewing coffee", "createdAt": day + 33050, "importance": 2},
			{"id": "39", "kind": "plan", "description": "Isabella Rodriguez plans to brew the first pot of coffee at 09:10", "createdAt": day + 32990, "importance": 3},
			{"id": "37", "kind": "observation", "description": "John Lin is walking to Willow Market and Pharmacy", "createdAt": day + 32100, "importance": 3},
			{"id": "35", "kind": "reflection", "description": "Isabella Rodriguez wants the Valentine's Day party to bring the neighbours together", "createdAt": day + 31000, "importance": 8, "evidenceIds": ["12", "19", "28"]},
		],
		"lastRetrieval": [
			{"memory": {"id": "35", "kind": "reflection", "description": "Isabella Rodriguez wants the Valentine's Day party to bring the neighbours together", "createdAt": day + 31000, "importance": 8}, "recency": 0.82, "importance": 0.86, "relevance": 0.97, "score": 2.65},
			{"memory": {"id": "28", "kind": "plan", "description": "Isabella Rodriguez plans a Valentine's Day party at Hobbs Cafe on February 14th, 5-7 pm", "createdAt": day + 29000, "importance": 7}, "recency": 0.64, "importance": 0.71, "relevance": 1.0, "score": 2.35},
			{"memory": {"id": "41", "kind": "dialogue", "description": "Sam said to Isabella Rodriguez: \"Are you doing anything for Valentine's Day?\"", "createdAt": day + 33100, "importance": 6}, "recency": 1.0, "importance": 0.57, "relevance": 0.74, "score": 2.31},
			{"memory": {"id": "40", "kind": "observation", "description": "coffee machine is brewing coffee", "createdAt": day + 33050, "importance": 2}, "recency": 0.99, "relevance": 0.08, "score": 1.07},
		],
		"reflections": [
			{"id": "35", "kind": "reflection", "description": "Isabella Rodriguez wants the Valentine's Day party to bring the neighbours together", "createdAt": day + 31000, "importance": 8, "evidenceIds": ["12", "19", "28"]},
			{"id": "22", "kind": "reflection", "description": "Isabella Rodriguez enjoys her regulars' company most in the quiet morning hours", "createdAt": day + 27000, "importance": 6, "evidenceIds": ["8", "11"]},
		],
		"conversations": [
			{"conversationId": "player-3", "participantIds": ["player", "isabella"], "startedAt": day + 33060,
				"lines": [
					{"speakerId": "player", "toAgentId": "isabella", "text": "Are you doing anything for Valentine's Day?"},
					{"speakerId": "isabella", "toAgentId": "player", "text": "I'm throwing a party here at Hobbs Cafe on the 14th, from 5 to 7 pm. You should come!"},
				]},
			{"conversationId": "c2-30600", "participantIds": ["john_lin", "isabella"], "startedAt": day + 30600, "endedAt": day + 31200,
				"summary": "Isabella told John about her Valentine's Day party; he promised to tell Mei.",
				"lines": [
					{"speakerId": "isabella", "toAgentId": "john_lin", "text": "Good morning, John! I'm having a Valentine's Day party at the cafe on the 14th."},
					{"speakerId": "john_lin", "toAgentId": "isabella", "text": "That sounds lovely. I'll tell Mei, she'd love to come."},
				]},
		],
	}
