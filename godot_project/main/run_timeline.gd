extends RefCounted
## The run's timeline and report. Every event is printed to stdout as it happens, one
## line each ("[Day 1 08:29] Isabella Rodriguez arrived at coffee machine (walked
## 46.4 m)"); errors start with "!" and are kept for the report. It follows the
## connection, every NPC (through the NpcEvents bus, from the start) and the frame
## rates over the run, and writes the report's JSON.

const AgentNames: GDScript = preload("res://common/agent_names.gd")
const Npc: GDScript = preload("res://npc/npc.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const WorldSync: GDScript = preload("res://main/world_sync.gd")

## Every error of the run, in order.
var errors: Array[String] = []
## Set once the town is built: place names in the lines.
var town: TownData = null

var _clock: SimClock = null
var _names: AgentNames = null
var _world: WorldSync = null
# Conversation id -> true, once its start (or its end) is in the timeline: every
# participant gets the event, the timeline says it once.
var _conversations_started: Dictionary = {}
var _conversations_ended: Dictionary = {}
var _run_started_ms: int = 0
var _frames_at_start: int = 0
var _physics_frames_at_start: int = 0
var _process_ms_sum: float = 0.0
var _physics_ms_sum: float = 0.0
var _perf_samples: int = 0


func _init(clock: SimClock, names: AgentNames, world: WorldSync) -> void:
	_clock = clock
	_names = names
	_world = world
	_watch_npcs()


## A line of the timeline, at the game clock's time.
func log_line(text: String) -> void:
	print("[%s] %s" % [SimClock.format_time(_clock.now()), text])


## An error: in the timeline, marked "!", and in the report.
func error(text: String) -> void:
	errors.append(text)
	log_line("! " + text)


## "CODE: message" of a failed call's error.
static func describe_error(failure: Dictionary) -> String:
	return "%s: %s" % [str(failure.get("code", "UNKNOWN")), str(failure.get("message", ""))]


## Follows the connection to the server and its failed calls.
func watch_connection() -> void:
	AgentClient.connected_to_server.connect(_on_connected)
	AgentClient.disconnected_from_server.connect(_on_disconnected)
	AgentClient.connection_failed.connect(_on_connection_failed)
	AgentClient.request_failed.connect(_on_request_failed)


## The run is over: what calls still in flight fail with is no error of it.
func stop_watching_requests() -> void:
	AgentClient.request_failed.disconnect(_on_request_failed)


## SyncWorld named an agent that is not in town.
func on_unknown_agent_commanded(agent_id: String) -> void:
	error("SyncWorld sent a command for unknown agent '%s'" % agent_id)


## The run starts: frame rates count from now.
func start_sampling() -> void:
	_run_started_ms = Time.get_ticks_msec()
	_frames_at_start = Engine.get_process_frames()
	_physics_frames_at_start = Engine.get_physics_frames()


## A frame of the run, for performance().
func sample() -> void:
	_process_ms_sum += Performance.get_monitor(Performance.TIME_PROCESS) * 1000.0
	_physics_ms_sum += Performance.get_monitor(Performance.TIME_PHYSICS_PROCESS) * 1000.0
	_perf_samples += 1


## Frame rates over the run: frames drawn (process frames) and physics frames per real
## second, the mean time a frame's scripts and physics took, and the agents' waiting.
func performance() -> Dictionary:
	var seconds: float = maxf((Time.get_ticks_msec() - _run_started_ms) / 1000.0, 0.001)
	var samples: float = maxf(float(_perf_samples), 1.0)
	var figures: Dictionary = {
		"npcs": _world.npcs.size(),
		"real_seconds": snappedf(seconds, 0.01),
		"frames_per_second": snappedf((Engine.get_process_frames() - _frames_at_start) / seconds, 0.1),
		"physics_frames_per_second": snappedf((Engine.get_physics_frames() - _physics_frames_at_start) / seconds, 0.1),
		"process_ms_mean": snappedf(_process_ms_sum / samples, 0.01),
		"physics_ms_mean": snappedf(_physics_ms_sum / samples, 0.01),
		"renderer": DisplayServer.get_name(),
	}
	figures.merge(_world.waiting())
	return figures


## Every NPC's part of the report: its commands, trips, lines, conversations and
## where it ended.
func agents_report() -> Array:
	var agents: Array = []
	for npc: Npc in _world.npcs:
		agents.append({
			"id": npc.agent_id(),
			"name": npc.display_name(),
			"commands": npc.controller.commands,
			"trips": npc.controller.trips,
			"utterances": npc.controller.utterances,
			"conversations": npc.controller.conversations,
			"final_position": TownData.vec3_message(npc.global_position),
		})
	return agents


## Writes the report as JSON to path (its folder made if need be).
func write_report(path: String, report: Dictionary) -> void:
	DirAccess.make_dir_recursive_absolute(path.get_base_dir())
	var file: FileAccess = FileAccess.open(path, FileAccess.WRITE)
	if file == null:
		log_line("could not write the report to %s: %s" % [path, error_string(FileAccess.get_open_error())])
		return
	file.store_string(JSON.stringify(_whole_numbers_as_ints(report), "  ", false) + "\n")
	file.close()
	log_line("report written to %s" % path)


# Godot parses every JSON number as a float; written back, the int32 fields of the
# commands would read 28800.0. Whole floats become ints again, as the server sent them.
static func _whole_numbers_as_ints(value: Variant) -> Variant:
	if value is Dictionary:
		var dict: Dictionary = value
		var converted: Dictionary = {}
		for key: Variant in dict:
			converted[key] = _whole_numbers_as_ints(dict[key])
		return converted
	if value is Array:
		var converted_array: Array = []
		for item: Variant in value:
			converted_array.append(_whole_numbers_as_ints(item))
		return converted_array
	if value is float and is_finite(value) and value == floorf(value) and absf(value) < 1e15:
		return int(value)
	return value


func _on_connected() -> void:
	log_line("connected to %s" % AgentClient.server_url)


func _on_disconnected() -> void:
	error("lost the connection to %s; reconnecting" % AgentClient.server_url)


func _on_connection_failed(retry_in_s: float) -> void:
	log_line("could not connect to %s; retrying in %.1f s" % [AgentClient.server_url, retry_in_s])


func _on_request_failed(method: String, failure: Dictionary) -> void:
	if method == "NextAction":
		return  # The agent's controller reports it, with the agent's name.
	error("%s failed: %s" % [method if not method.is_empty() else "a request", describe_error(failure)])


# Follows every NPC in town (the world's npcs): its commands, walks, activities,
# failures, conversations and lines.
func _watch_npcs() -> void:
	NpcEvents.command_received.connect(_on_command_received)
	NpcEvents.trip_finished.connect(_on_trip_finished)
	NpcEvents.activity_finished.connect(_on_activity_finished)
	NpcEvents.action_failed.connect(_on_action_failed)
	NpcEvents.conversation_started.connect(_on_conversation_started)
	NpcEvents.conversation_ended.connect(_on_conversation_ended)
	NpcEvents.utterance_received.connect(_on_utterance_received)


func _on_action_failed(agent_id: String, failure: Dictionary, retry_in_s: float) -> void:
	var npc: Npc = _world.npc_by_id(agent_id)
	if npc == null:
		return
	error("NextAction for %s failed: %s; retrying in %d s" % [npc.agent_id(), describe_error(failure), int(retry_in_s)])


func _on_command_received(agent_id: String, command: Dictionary) -> void:
	var npc: Npc = _world.npc_by_id(agent_id)
	if npc == null:
		return
	var move_to: Dictionary = command.get("moveTo", {})
	var activity: Dictionary = command.get("activity", {})
	var reason: String = str(command.get("reason", ""))
	if not move_to.is_empty() or not activity.is_empty():
		var line: String = npc.display_name()
		if not move_to.is_empty():
			line += " -> " + town.path_name(str(move_to.get("placeId", "")))
		if not activity.is_empty():
			line += ": %s %s (%d min)" % [
				str(activity.get("emoji", "")), str(activity.get("description", "")),
				int(activity.get("durationMinutes", 0))]
		if not reason.is_empty():
			line += " — because " + reason
		if _world.applying_sync:
			line += " (interruption)"
		if npc.controller.in_conversation():
			line += " (after the conversation)"
		log_line(line)


func _on_trip_finished(agent_id: String, trip: Dictionary) -> void:
	var npc: Npc = _world.npc_by_id(agent_id)
	if npc == null:
		return
	var place_id: String = str(trip.get("place_id", ""))
	var place_name: String = town.place_name(place_id)
	var walked: float = float(trip.get("path_length", 0.0))
	var short_by: float = float(trip.get("distance_to_destination", 0.0))
	match str(trip.get("outcome", "")):
		"arrived":
			log_line("%s arrived at %s (walked %.1f m)" % [npc.display_name(), place_name, walked])
		"stuck":
			error("%s got stuck on the way to %s, %.1f m short (walked %.1f m)" % [
				npc.display_name(), place_id, short_by, walked])
		"unreachable":
			error("%s could not reach %s: the path ends %.1f m short (walked %.1f m)" % [
				npc.display_name(), place_id, short_by, walked])
		"interrupted":
			log_line("%s stops walking to %s (walked %.1f m)" % [npc.display_name(), place_name, walked])
		"unfinished":
			log_line("%s is still on the way to %s, %.1f m to go" % [npc.display_name(), place_name, short_by])


func _on_activity_finished(agent_id: String, command: Dictionary) -> void:
	var npc: Npc = _world.npc_by_id(agent_id)
	if npc == null:
		return
	var activity: Dictionary = command.get("activity", {})
	log_line("%s finished %s" % [npc.display_name(), str(activity.get("description", ""))])


func _on_conversation_started(agent_id: String, conversation: Dictionary) -> void:
	var npc: Npc = _world.npc_by_id(agent_id)
	if npc == null:
		return
	var conversation_id: String = str(conversation.get("conversationId", ""))
	if _conversations_started.has(conversation_id):
		return
	_conversations_started[conversation_id] = true
	var names: PackedStringArray = _participant_names(conversation, npc)
	log_line("%s starts talking with %s" % [names[0], Npc.names_in_words(names.slice(1))])


func _on_conversation_ended(agent_id: String, conversation: Dictionary, outcome: String) -> void:
	var npc: Npc = _world.npc_by_id(agent_id)
	if npc == null:
		return
	var conversation_id: String = str(conversation.get("conversationId", ""))
	var partners: String = _names.partner_names(conversation.get("participantIds", []), npc.agent_id())
	match outcome:
		"ended":
			if _conversations_ended.has(conversation_id):
				return
			_conversations_ended[conversation_id] = true
			log_line("%s stop talking" % Npc.names_in_words(_participant_names(conversation, npc)))
		"timed_out":
			error("%s gave up on the conversation %s with %s: no end and no line from the server for %d s" % [
				npc.display_name(), conversation_id, partners, int(npc.controller.conversation_timeout_s)])
		"replaced":
			log_line("%s leaves the conversation with %s for another" % [npc.display_name(), partners])


func _on_utterance_received(agent_id: String, text: String, to_agent_id: String) -> void:
	var npc: Npc = _world.npc_by_id(agent_id)
	if npc == null:
		return
	if to_agent_id.is_empty():
		log_line("%s: \"%s\"" % [npc.display_name(), text])
	else:
		log_line("%s to %s: \"%s\"" % [npc.display_name(), _names.name_of(to_agent_id), text])


# The names of a ConversationEvent's participants, in its order; the agent that
# received it stands in for an event that names no one.
func _participant_names(conversation: Dictionary, npc: Npc) -> PackedStringArray:
	var names: PackedStringArray = _names.names_of(conversation.get("participantIds", []))
	if names.is_empty():
		names.append(npc.display_name())
	return names
