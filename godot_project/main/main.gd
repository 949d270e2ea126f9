extends Node3D
## The town: fetches it and its people from the Simulacra server, builds it, bakes
## the navmesh, spawns one NPC per agent, runs the clock, and reports the world to
## the server every second (SyncWorld), applying the commands that come back.
##
## User arguments (after "--" on the Godot command line):
##   --headless-run     give up (exit 1) when the server cannot be reached in 60 s
##   --minutes N        quit (exit 0) after N game minutes
##   --report PATH      write a JSON report of the run there when it ends
##   --server URL       the server's WebSocket gateway (read by AgentClient)
##   --speed S          game seconds per real second (default 60)
##   --start-time S     game time the clock starts at, seconds (default 28800, 08:00)
## A timeline of what happens is printed to stdout, one line per event.

# Project scripts are preloaded rather than named with class_name: a run straight
# from a fresh clone (no .godot/ class cache yet) must still parse.
const Npc: GDScript = preload("res://npc/npc.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
const TownBuilder: GDScript = preload("res://town/town_builder.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const NPC_SCENE: PackedScene = preload("res://npc/npc.tscn")
const SYNC_INTERVAL_S: float = 1.0
const CONNECT_GIVE_UP_S: float = 60.0
const SETUP_RETRY_S: float = 2.0
const FINAL_SYNC_TIMEOUT_S: float = 5.0
const AGENT_VIEW_M: float = 10.0
const OBJECT_VIEW_M: float = 4.0
const NAV_SYNC_MAX_FRAMES: int = 30
const EXIT_BAD_ARGUMENTS: int = 2

var _headless_run: bool = false
var _minutes: float = -1.0
var _report_path: String = ""
var _town: TownData = null
var _npcs: Array[Npc] = []
var _errors: Array[String] = []
var _unreachable: Array[String] = []
var _polygon_count: int = 0
var _running: bool = false
var _finishing: bool = false
var _sync_in_flight: bool = false
var _since_sync_s: float = 0.0
var _applying_sync: bool = false
var _started_ms: int = 0
# Conversation id -> true, once its start (or its end) is in the timeline: every
# participant gets the event, the timeline says it once.
var _conversations_started: Dictionary = {}
var _conversations_ended: Dictionary = {}

@onready var _clock: SimClock = $SimClock
@onready var _town_builder: TownBuilder = $Town
@onready var _npc_root: Node3D = $Npcs


func _ready() -> void:
	_started_ms = Time.get_ticks_msec()
	if not _read_options(_parse_args(OS.get_cmdline_user_args())):
		get_tree().quit(EXIT_BAD_ARGUMENTS)
		return
	if DisplayServer.get_name() == "headless":
		Engine.max_fps = 60  # Nothing to draw: do not spin the CPU.
	AgentClient.connected_to_server.connect(_on_connected)
	AgentClient.disconnected_from_server.connect(_on_disconnected)
	AgentClient.connection_failed.connect(_on_connection_failed)
	AgentClient.request_failed.connect(_on_request_failed)
	_log("Simulacra town starting; server %s, %s game seconds per second" % [AgentClient.server_url, _clock.speed])
	_set_up()


func _process(delta: float) -> void:
	if _finishing:
		return
	if not _running:
		if _headless_run and Time.get_ticks_msec() - _started_ms > int(CONNECT_GIVE_UP_S * 1000.0):
			var why: String = "no town from" if AgentClient.is_connected_to_server() else "could not connect to"
			_error("%s %s within %d s; giving up" % [why, AgentClient.server_url, int(CONNECT_GIVE_UP_S)])
			_finish(1)
		return
	if _minutes >= 0.0 and _clock.elapsed() >= _minutes * 60.0:
		_finish(0)
		return
	_since_sync_s += delta
	if _since_sync_s >= SYNC_INTERVAL_S and not _sync_in_flight and AgentClient.is_connected_to_server():
		_since_sync_s = 0.0
		_sync()


# Fetches the town and the roster (retrying until both come), then builds the world.
func _set_up() -> void:
	var town_reply: Dictionary = {}
	var agents_reply: Dictionary = {}
	while true:
		if not AgentClient.is_connected_to_server():
			await AgentClient.connected_to_server
		town_reply = await AgentClient.get_town()
		if town_reply.get("ok", false):
			agents_reply = await AgentClient.list_agents()
			if agents_reply.get("ok", false):
				break
		await get_tree().create_timer(SETUP_RETRY_S).timeout
	if _finishing:
		return
	_town = TownData.new(town_reply.get("payload", {}))
	_town_builder.build(_town)
	_town_builder.bake()
	_polygon_count = _town_builder.polygon_count()
	await _wait_for_navigation_sync()
	_unreachable = _town_builder.unreachable_places(_town)
	_log("built %s: %d places, %d obstacles, a navmesh of %d polygons" % [
		_town.name, _town.places.size(), _town.obstacles.size(), _polygon_count])
	for place_id: String in _unreachable:
		_error("place %s (%s) is not reachable on the navmesh" % [place_id, _town.path_name(place_id)])
	var agents: Array = agents_reply.get("payload", {}).get("agents", [])
	for agent: Dictionary in agents:
		_spawn(agent)
	if _finishing:
		return
	_clock.start()
	for npc: Npc in _npcs:
		npc.controller.start()
	_running = true
	_log("clock started; %d agents in town" % _npcs.size())


func _spawn(agent: Dictionary) -> void:
	var home: String = str(agent.get("homePlaceId", ""))
	var npc: Npc = NPC_SCENE.instantiate()
	if _town.has_place(home):
		npc.position = TownData.vec3(_town.place(home).get("position", {}))
	else:
		_error("agent %s has an unknown home place '%s'; starting at the origin" % [agent.get("id", ""), home])
	_npc_root.add_child(npc)
	npc.setup(agent, _clock.now, _npc_by_id, _name_of)
	npc.controller.command_received.connect(_on_command_received.bind(npc))
	npc.controller.trip_finished.connect(_on_trip_finished.bind(npc))
	npc.controller.activity_finished.connect(_on_activity_finished.bind(npc))
	npc.controller.action_failed.connect(_on_action_failed.bind(npc))
	npc.controller.conversation_started.connect(_on_conversation_started.bind(npc))
	npc.controller.conversation_ended.connect(_on_conversation_ended.bind(npc))
	npc.controller.utterance_received.connect(_on_utterance_received.bind(npc))
	_npcs.append(npc)
	_log("%s is at %s" % [npc.display_name(), _town.path_name(home)])


# The navigation map takes up a new navmesh on a later physics frame; queries
# before that see an empty map.
func _wait_for_navigation_sync() -> void:
	var map: RID = get_world_3d().navigation_map
	var iteration: int = NavigationServer3D.map_get_iteration_id(map)
	for _i: int in NAV_SYNC_MAX_FRAMES:
		await get_tree().physics_frame
		if NavigationServer3D.map_get_iteration_id(map) != iteration:
			return


func _sync() -> void:
	_sync_in_flight = true
	var reply: Dictionary = await AgentClient.sync_world(int(_clock.now()), _agent_states())
	_sync_in_flight = false
	if _finishing or not reply.get("ok", false):
		return
	var commands: Array = reply.get("payload", {}).get("commands", [])
	for command: Dictionary in commands:
		var npc: Npc = _npc_by_id(str(command.get("agentId", "")))
		if npc == null:
			_error("SyncWorld sent a command for unknown agent '%s'" % command.get("agentId", ""))
			continue
		_applying_sync = true
		npc.controller.apply_command(command)
		_applying_sync = false


# Every agent's AgentState: where it is, what place that is, whether it walks,
# and whom and what it can perceive.
func _agent_states() -> Array:
	var states: Array = []
	for npc: Npc in _npcs:
		var here: Vector3 = npc.global_position
		var perceptions: Array = []
		for other: Npc in _npcs:
			if other == npc:
				continue
			var distance: float = TownData.flat_distance(here, other.global_position)
			if distance <= AGENT_VIEW_M:
				perceptions.append({
					"agent": {"agentId": other.agent_id(), "activity": _activity_of(other)},
					"distance": distance,
				})
		for near: Dictionary in _town.objects_near(here, OBJECT_VIEW_M):
			var object_place: Dictionary = near["place"]
			var state: String = str(object_place.get("state", ""))
			perceptions.append({
				"object": {"placeId": str(object_place.get("id", "")), "state": state if not state.is_empty() else "idle"},
				"distance": near["distance"],
			})
		states.append({
			"agentId": npc.agent_id(),
			"position": TownData.vec3_message(here),
			"placeId": _town.place_at(here),
			"moving": npc.controller.is_moving(),
			"perceptions": perceptions,
		})
	return states


# What others see an agent doing, in words.
func _activity_of(npc: Npc) -> String:
	if npc.controller.in_conversation():
		return "talking with %s" % npc.talking_with()
	if npc.controller.is_moving():
		var move_to: Dictionary = npc.controller.current_command.get("moveTo", {})
		return "walking to %s" % _town.place_name(str(move_to.get("placeId", "")))
	var description: String = str(npc.controller.current_activity().get("description", ""))
	return description if not description.is_empty() else "idle"


func _npc_by_id(agent_id: String) -> Npc:
	for npc: Npc in _npcs:
		if npc.agent_id() == agent_id:
			return npc
	return null


# An agent's name, or its id when it is not in town.
func _name_of(agent_id: String) -> String:
	var npc: Npc = _npc_by_id(agent_id)
	return npc.display_name() if npc != null else agent_id


# The names of a ConversationEvent's participants, in its order; the agent that
# received it stands in for an event that names no one.
func _participant_names(conversation: Dictionary, npc: Npc) -> PackedStringArray:
	var names: PackedStringArray = PackedStringArray()
	for participant: Variant in conversation.get("participantIds", []):
		names.append(_name_of(str(participant)))
	if names.is_empty():
		names.append(npc.display_name())
	return names


# The other participants' names, in words.
func _partner_names(conversation: Dictionary, npc: Npc) -> String:
	var names: PackedStringArray = PackedStringArray()
	for participant: Variant in conversation.get("participantIds", []):
		if str(participant) != npc.agent_id():
			names.append(_name_of(str(participant)))
	return Npc.names_in_words(names)


# Ends the run: stops everyone, tells the server the final state, writes the report.
func _finish(exit_code: int) -> void:
	if _finishing:
		return
	_finishing = true
	var states: Array = _agent_states() if _running else []
	_clock.stop()
	for npc: Npc in _npcs:
		npc.controller.stop()
	if _running and AgentClient.is_connected_to_server():
		await AgentClient.call_rpc("SyncWorld", {"gameTime": int(_clock.now()), "agents": states}, FINAL_SYNC_TIMEOUT_S)
	if not _report_path.is_empty():
		_write_report(exit_code)
	_log("run over after %.1f game minutes (exit code %d)" % [_clock.elapsed() / 60.0, exit_code])
	# A NextAction still in flight (a slow model) would leave its coroutine behind at
	# exit. The run is over: what the cancelled calls failed with is no error of it.
	AgentClient.request_failed.disconnect(_on_request_failed)
	AgentClient.cancel_all()
	get_tree().quit(exit_code)


func _write_report(exit_code: int) -> void:
	var agents: Array = []
	for npc: Npc in _npcs:
		agents.append({
			"id": npc.agent_id(),
			"name": npc.display_name(),
			"commands": npc.controller.commands,
			"trips": npc.controller.trips,
			"utterances": npc.controller.utterances,
			"conversations": npc.controller.conversations,
			"final_position": TownData.vec3_message(npc.global_position),
		})
	var game_minutes: float = _minutes if _minutes >= 0.0 and exit_code == 0 else _clock.elapsed() / 60.0
	var report: Dictionary = {
		"game_minutes": game_minutes,
		"start_time": _clock.start_time,
		"end_time": int(_clock.now()),
		"speed": _clock.speed,
		"server_url": AgentClient.server_url,
		"exit_code": exit_code,
		"town": _town.name if _town != null else "",
		"navmesh": {"polygon_count": _polygon_count, "unreachable_places": _unreachable},
		"errors": _errors,
		"agents": agents,
	}
	DirAccess.make_dir_recursive_absolute(_report_path.get_base_dir())
	var file: FileAccess = FileAccess.open(_report_path, FileAccess.WRITE)
	if file == null:
		_log("could not write the report to %s: %s" % [_report_path, error_string(FileAccess.get_open_error())])
		return
	file.store_string(JSON.stringify(_whole_numbers_as_ints(report), "  ", false) + "\n")
	file.close()
	_log("report written to %s" % _report_path)


func _on_connected() -> void:
	_log("connected to %s" % AgentClient.server_url)


func _on_disconnected() -> void:
	_error("lost the connection to %s; reconnecting" % AgentClient.server_url)


func _on_connection_failed(retry_in_s: float) -> void:
	_log("could not connect to %s; retrying in %.1f s" % [AgentClient.server_url, retry_in_s])


func _on_request_failed(method: String, error: Dictionary) -> void:
	if method == "NextAction":
		return  # The agent's controller reports it, with the agent's name.
	_error("%s failed: %s" % [method if not method.is_empty() else "a request", _describe_error(error)])


func _on_action_failed(error: Dictionary, retry_in_s: float, npc: Npc) -> void:
	_error("NextAction for %s failed: %s; retrying in %d s" % [npc.agent_id(), _describe_error(error), int(retry_in_s)])


func _on_command_received(command: Dictionary, npc: Npc) -> void:
	var move_to: Dictionary = command.get("moveTo", {})
	var activity: Dictionary = command.get("activity", {})
	var reason: String = str(command.get("reason", ""))
	if not move_to.is_empty() or not activity.is_empty():
		var line: String = npc.display_name()
		if not move_to.is_empty():
			line += " -> " + _town.path_name(str(move_to.get("placeId", "")))
		if not activity.is_empty():
			line += ": %s %s (%d min)" % [
				str(activity.get("emoji", "")), str(activity.get("description", "")),
				int(activity.get("durationMinutes", 0))]
		if not reason.is_empty():
			line += " — because " + reason
		if _applying_sync:
			line += " (interruption)"
		if npc.controller.in_conversation():
			line += " (after the conversation)"
		_log(line)


func _on_trip_finished(trip: Dictionary, npc: Npc) -> void:
	var place_id: String = str(trip.get("place_id", ""))
	var place_name: String = _town.place_name(place_id)
	var walked: float = float(trip.get("path_length", 0.0))
	var short_by: float = float(trip.get("distance_to_destination", 0.0))
	match str(trip.get("outcome", "")):
		"arrived":
			_log("%s arrived at %s (walked %.1f m)" % [npc.display_name(), place_name, walked])
		"stuck":
			_error("%s got stuck on the way to %s, %.1f m short (walked %.1f m)" % [
				npc.display_name(), place_id, short_by, walked])
		"unreachable":
			_error("%s could not reach %s: the path ends %.1f m short (walked %.1f m)" % [
				npc.display_name(), place_id, short_by, walked])
		"interrupted":
			_log("%s stops walking to %s (walked %.1f m)" % [npc.display_name(), place_name, walked])
		"unfinished":
			_log("%s is still on the way to %s, %.1f m to go" % [npc.display_name(), place_name, short_by])


func _on_activity_finished(command: Dictionary, npc: Npc) -> void:
	var activity: Dictionary = command.get("activity", {})
	_log("%s finished %s" % [npc.display_name(), str(activity.get("description", ""))])


func _on_conversation_started(conversation: Dictionary, npc: Npc) -> void:
	var conversation_id: String = str(conversation.get("conversationId", ""))
	if _conversations_started.has(conversation_id):
		return
	_conversations_started[conversation_id] = true
	var names: PackedStringArray = _participant_names(conversation, npc)
	_log("%s starts talking with %s" % [names[0], Npc.names_in_words(names.slice(1))])


func _on_conversation_ended(conversation: Dictionary, outcome: String, npc: Npc) -> void:
	var conversation_id: String = str(conversation.get("conversationId", ""))
	match outcome:
		"ended":
			if _conversations_ended.has(conversation_id):
				return
			_conversations_ended[conversation_id] = true
			_log("%s stop talking" % Npc.names_in_words(_participant_names(conversation, npc)))
		"timed_out":
			_error("%s gave up on the conversation %s with %s: no end and no line from the server for %d s" % [
				npc.display_name(), conversation_id, _partner_names(conversation, npc),
				int(npc.controller.conversation_timeout_s)])
		"replaced":
			_log("%s leaves the conversation with %s for another" % [
				npc.display_name(), _partner_names(conversation, npc)])


func _on_utterance_received(text: String, to_agent_id: String, npc: Npc) -> void:
	if to_agent_id.is_empty():
		_log("%s: \"%s\"" % [npc.display_name(), text])
	else:
		_log("%s to %s: \"%s\"" % [npc.display_name(), _name_of(to_agent_id), text])
	# One line at a time: the partners' earlier lines leave their bubbles.
	for partner_id: String in npc.controller.conversation_partners():
		var partner: Npc = _npc_by_id(partner_id)
		if partner != null:
			partner.end_line()


func _read_options(options: Dictionary) -> bool:
	_headless_run = options.has("headless-run")
	if options.has("minutes"):
		if not str(options["minutes"]).is_valid_float():
			printerr("--minutes needs a number of game minutes")
			return false
		_minutes = str(options["minutes"]).to_float()
	if options.has("speed"):
		if not str(options["speed"]).is_valid_float() or str(options["speed"]).to_float() <= 0.0:
			printerr("--speed needs a positive number of game seconds per real second")
			return false
		_clock.speed = str(options["speed"]).to_float()
	if options.has("start-time"):
		if not str(options["start-time"]).is_valid_int():
			printerr("--start-time needs a whole number of game seconds")
			return false
		_clock.start_time = str(options["start-time"]).to_int()
	if options.has("report"):
		_report_path = str(options["report"])
		# Godot runs in the project folder; a relative path means the caller's folder.
		if _report_path.is_relative_path() and not OS.get_environment("PWD").is_empty():
			_report_path = OS.get_environment("PWD").path_join(_report_path)
	return true


func _error(text: String) -> void:
	_errors.append(text)
	_log("! " + text)


func _log(text: String) -> void:
	print("[%s] %s" % [SimClock.format_time(_clock.now()), text])


# "--key value", "--key=value" and bare "--flag" (value "").
static func _parse_args(args: PackedStringArray) -> Dictionary:
	var options: Dictionary = {}
	var i: int = 0
	while i < args.size():
		var arg: String = args[i]
		i += 1
		if not arg.begins_with("--"):
			continue
		var key: String = arg.substr(2)
		var value: String = ""
		var equals: int = key.find("=")
		if equals >= 0:
			value = key.substr(equals + 1)
			key = key.substr(0, equals)
		elif i < args.size() and not args[i].begins_with("--"):
			value = args[i]
			i += 1
		options[key] = value
	return options


static func _describe_error(error: Dictionary) -> String:
	return "%s: %s" % [str(error.get("code", "UNKNOWN")), str(error.get("message", ""))]


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
