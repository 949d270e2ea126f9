extends RefCounted
## ServerStats (protos/simulacra/v1/service.proto), GetStats' reply: the server's clock,
## its readiness and its model's usage.

const Self: GDScript = preload("res://addons/simulacra/messages/server_stats.gd")

## The server's game time, seconds since day 1 00:00 (0: not started).
var game_time: int = 0
## Game time the simulation started at.
var start_time: int = 0
## How many agents, and memories stored, all agents together.
var agents: int = 0
var memories: int = 0
var model: String = ""
## True once every agent has planned ahead at start-up.
var ready: bool = false
## Model usage by cognitive function: UsageStat dicts (purpose, calls, promptTokens,
## completionTokens, modelSeconds).
var usage: Array[Dictionary] = []


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.game_time = int(data.get("gameTime", 0))
	message.start_time = int(data.get("startTime", 0))
	message.agents = int(data.get("agents", 0))
	message.memories = int(data.get("memories", 0))
	message.model = str(data.get("model", ""))
	message.ready = bool(data.get("ready", false))
	for stat: Dictionary in data.get("usage", []):
		message.usage.append(stat)
	return message
