extends RefCounted
## A PerceivedAgent (protos/simulacra/v1/agents.proto): another agent in view.

const Self: GDScript = preload("res://addons/simulacra/messages/perceived_agent.gd")

## The other agent's id (AgentClient.PLAYER_ID for the player).
var agent_id: String = ""
## What it is doing, in words; empty: not said.
var activity: String = ""


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.agent_id = str(data.get("agentId", ""))
	message.activity = str(data.get("activity", ""))
	return message
