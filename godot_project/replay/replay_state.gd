extends RefCounted
## The town at game time t as the log has it, agent by agent: where each stands and
## faces, its activity bubble, the line in its speech bubble, whether it is busy with
## an activity, and what the inspector shows of it. A function of the log
## (replay_log.gd) alone, so that playing to t and seeking to it show the same town.

const AgentNames: GDScript = preload("res://common/agent_names.gd")
const Npc: GDScript = preload("res://npc/npc.gd")
const ReplayLog: GDScript = preload("res://replay/replay_log.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const MEMORIES_SHOWN: int = 30
## A line stays in its speaker's bubble as long as the game shows it at its default
## speed: Npc.line_seconds(text) real seconds, of 60 game seconds each.
const LINE_GAME_SECONDS_PER_SECOND: float = 60.0
## A partner this close is not worth turning to.
const FACE_MIN_M: float = 0.3

var _log: ReplayLog = null
var _town: TownData = null
var _names: AgentNames = null
# Agent id -> where it stands before the log places it (its home), for every agent shown.
var _home_by_id: Dictionary = {}


func _init(replay_log: ReplayLog, town: TownData, names: AgentNames) -> void:
	_log = replay_log
	_town = town
	_names = names


## Shows agent_id, standing at home until the log places it.
func add_agent(agent_id: String, home: Vector3) -> void:
	_home_by_id[agent_id] = home


## Where the agent is at t.
func position_at(agent_id: String, t: float) -> Vector3:
	return _log.position_at(agent_id, t, _home_by_id.get(agent_id, Vector3.ZERO))


## Whether the agent is busy with an activity at t (not walking, not talking).
func doing_at(agent_id: String, t: float, state: Dictionary) -> bool:
	return not str(state.get("doing", "")).is_empty() and not bool(state.get("moving", false)) \
		and _log.conversation_at(agent_id, t).is_empty()


## What the inspector shows of agent_id at game time t (see replay_inspector.gd): a
## function of the log alone.
func agent_view(agent_id: String, t: float) -> Dictionary:
	var agent: Dictionary = _log.agent(agent_id)
	var state: Dictionary = _log.step_state_at(agent_id, t)
	var view: Dictionary = {
		"id": agent_id, "name": _names.name_of(agent_id), "color": str(agent.get("color", "")),
		"place": _place_name(str(state.get("place", ""))), "walking": _log.walking_at(agent_id, t),
		"status": status_text(agent_id, t, state), "command": {}, "conversation": {},
		"memories": [], "memory_count": _log.memory_count_at(agent_id, t),
	}
	var command: Dictionary = _log.command_at(agent_id, t)
	if not command.is_empty():
		view["command"] = {
			"place": _place_name(str(command.get("place", ""))), "emoji": str(command.get("emoji", "")),
			"doing": str(command.get("doing", "")), "minutes": int(command.get("minutes", 0)),
			"reason": str(command.get("reason", "")), "since": float(command["t"]),
		}
	view["conversation"] = _conversation_view(agent_id, t)
	var memories: Array[Dictionary] = []
	for memory: Dictionary in _log.memories_at(agent_id, t, MEMORIES_SHOWN):
		memories.append({"kind": str(memory.get("kind", "")), "text": str(memory.get("text", "")),
			"importance": int(memory.get("importance", 0)), "t": float(memory["t"])})
	view["memories"] = memories
	return view


## The line in the agent's speech bubble at t: its latest line, for as long as the
## game shows a line at its default speed (Npc.line_seconds, in game minutes here), and
## until the next line of the conversation; "" when none.
func line_at(agent_id: String, t: float) -> String:
	var utterance: Dictionary = _log.latest_line_at(agent_id, t)
	if utterance.is_empty():
		return ""
	var text: String = str(utterance.get("text", "")).strip_edges()
	return text if t - float(utterance["t"]) < Npc.line_seconds(text) * LINE_GAME_SECONDS_PER_SECOND else ""


## Where the agent faces (yaw): where it walks; talking and standing, towards its
## partners; else where its latest walk took it.
func facing(agent_id: String, t: float, position: Vector3) -> float:
	if not _log.walking_at(agent_id, t):
		var conversation_id: String = _log.conversation_at(agent_id, t)
		if not conversation_id.is_empty():
			var toward: Vector3 = Vector3.ZERO
			var partners: int = 0
			for partner_id: String in _partners(agent_id, conversation_id):
				if _home_by_id.has(partner_id):
					toward += position_at(partner_id, t)
					partners += 1
			if partners > 0:
				toward = toward / partners - position
				if Vector2(toward.x, toward.z).length() > FACE_MIN_M:
					return atan2(-toward.x, -toward.z)
	return _log.yaw_at(agent_id, t)


## The activity bubble: what the log's latest step (state) says the agent is doing.
func status_text(agent_id: String, t: float, state: Dictionary) -> String:
	var doing: String = str(state.get("doing", ""))
	if doing.is_empty():
		var conversation_id: String = _log.conversation_at(agent_id, t)
		if not conversation_id.is_empty():
			return "%s talking with %s" % [Npc.TALKING_EMOJI, _partner_names(agent_id, conversation_id)]
		if bool(state.get("moving", false)):
			return Npc.WALKING_EMOJI
	return ("%s %s" % [str(state.get("emoji", "")), doing]).strip_edges()


func _conversation_view(agent_id: String, t: float) -> Dictionary:
	var conversation_id: String = _log.conversation_at(agent_id, t)
	var going_on: bool = not conversation_id.is_empty()
	if not going_on:
		conversation_id = _log.last_conversation_at(agent_id, t)
	if conversation_id.is_empty():
		return {}
	var info: Dictionary = _log.conversation(conversation_id)
	var lines: Array[Dictionary] = []
	for line: Dictionary in _log.lines_at(conversation_id, t):
		var speaker: String = str(line.get("speaker", ""))
		lines.append({"speaker": _names.name_of(speaker), "mine": speaker == agent_id,
			"text": str(line.get("text", "")), "t": float(line["t"])})
	var ended: float = float(info.get("ended_at", -1.0))
	return {
		"id": conversation_id, "with": _partner_names(agent_id, conversation_id),
		"since": float(info.get("started_at", lines[0]["t"] if not lines.is_empty() else t)),
		"until": ended if not going_on and ended >= 0.0 and ended <= t else -1.0,
		"over": not going_on, "lines": lines,
	}


# The other participants of a conversation: from its records, or else those the
# steps at t put in it.
func _partners(agent_id: String, conversation_id: String) -> PackedStringArray:
	var partners: PackedStringArray = PackedStringArray()
	var participants: Variant = _log.conversation(conversation_id).get("participants", PackedStringArray())
	for participant: String in participants:
		if participant != agent_id:
			partners.append(participant)
	return partners


func _partner_names(agent_id: String, conversation_id: String) -> String:
	var names: String = _names.partner_names(Array(_partners(agent_id, conversation_id)), agent_id)
	return names if not names.is_empty() else "someone"


func _place_name(place_id: String) -> String:
	if place_id.is_empty():
		return ""
	return _town.path_name(place_id) if _town.has_place(place_id) else place_id
