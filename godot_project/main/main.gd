extends Node3D
## The town: fetches it and its people from the Simulacra server, builds it, bakes
## the navmesh, spawns one NPC per agent, runs the clock, and reports the world to
## the server every second (SyncWorld), applying the commands that come back.
##
## User arguments (after "--" on the Godot command line):
##   --headless-run     give up (exit 1) when the server cannot be reached in 60 s,
##                      at the start or later (a run whose server died ends too)
##   --minutes N        quit (exit 0) after N game minutes
##   --until T          quit (exit 0) once the clock reaches game time T (seconds)
##   --lockstep         the world stands still (clock, walking) while an agent has
##                      waited LOCKSTEP_GRACE_S for the server to say what it does
##                      next: a headless run then behaves the same on any machine
##   --load NAME        once the town is up, load the save NAME (as F9 does): a run
##                      resumed from its checkpoint
##   --report PATH      write a JSON report of the run there when it ends
##   --server URL       the server's WebSocket gateway (read by AgentClient)
##   --speed S          game seconds per real second (default 60)
##   --start-time S     game time the clock starts at, seconds (default: the server's
##                      game time, so a resumed save goes on where it was)
##   --player-name NAME the name NPCs know the player by (default: the scenario's
##                      player_name in a rehearsal, else Alex)
##   --no-player        no player in the town (the default for --headless-run)
##   --player           a player standing in the town even in a headless run (the
##                      town benchmark: agents far from it think in less detail)
##   --autopilot ID     a scripted player walks to agent ID ("nearest": the closest),
##                      talks, inspects it and ends the run (main/autopilot.gd)
##   --say TEXT         what the scripted player says
##   --screenshots DIR  the scripted player saves screenshots there (needs rendering)
##   --debrief          in a rehearsal, the scripted player also asks "How did I do?"
##                      (F2) after its conversation, waits for the feedback and
##                      records what the panel showed (screenshot debrief.png)
## A timeline of what happens is printed to stdout, one line per event.
##
## Playing: WASD walk, Shift run, right mouse (held) or Q/arrows look, E talk to the
## NPC in front, left click an NPC to inspect it, V town overview / follow camera,
## Tab map, Esc close; the HUD has the clock, pause, speed, save and load. In a
## rehearsal (a scenario with a player goal) the goal panel (ui/rehearsal_panel.gd)
## shows the goal at the top right: G folds it, F2 or its button asks the characters
## the player talked with how it went (Debrief).

# Project scripts are preloaded rather than named with class_name: a run straight
# from a fresh clone (no .godot/ class cache yet) must still parse.
const Autopilot: GDScript = preload("res://main/autopilot.gd")
const ChatPanel: GDScript = preload("res://ui/chat_panel.gd")
const CliArgs: GDScript = preload("res://main/cli_args.gd")
const Hud: GDScript = preload("res://ui/hud.gd")
const InputActions: GDScript = preload("res://player/input_actions.gd")
const Inspector: GDScript = preload("res://ui/inspector.gd")
const Npc: GDScript = preload("res://npc/npc.gd")
const OverviewMap: GDScript = preload("res://ui/overview_map.gd")
const RehearsalPanel: GDScript = preload("res://ui/rehearsal_panel.gd")
const Player: GDScript = preload("res://player/player.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
const TownBuilder: GDScript = preload("res://town/town_builder.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const UiTheme: GDScript = preload("res://ui/theme.gd")
const NPC_SCENE: PackedScene = preload("res://npc/npc.tscn")
const SYNC_INTERVAL_S: float = 1.0
const CONNECT_GIVE_UP_S: float = 60.0
const SETUP_RETRY_S: float = 2.0
const FINAL_SYNC_TIMEOUT_S: float = 5.0
const AGENT_VIEW_M: float = 10.0
# Level of detail: an agent further than this from the player, and not on screen
# within SCREEN_DETAIL_M of the camera, is reported distant (AgentState.distant), and
# the server thinks for it in less detail until the player comes near.
const NEAR_PLAYER_M: float = 25.0
const SCREEN_DETAIL_M: float = 60.0
const OBJECT_VIEW_M: float = 4.0
const NAV_SYNC_MAX_FRAMES: int = 30
const EXIT_BAD_ARGUMENTS: int = 2
const PLAYER_ID: String = "player"
# The player can talk to an NPC this close, roughly in front of the camera.
const TALK_RANGE_M: float = 2.6
# Walking this far from the NPC ends the conversation.
const LEAVE_RANGE_M: float = 5.0
const MAP_UPDATE_S: float = 0.25
# A click picks an NPC up to this far from the camera.
const PICK_RAY_M: float = 400.0
const BASE_SPEED: float = 60.0
const READINESS_POLL_S: float = 5.0
const LOCKSTEP_GRACE_S: float = 0.5

var _headless_run: bool = false
var _minutes: float = -1.0
var _until: float = -1.0
var _load_at_start: String = ""
var _lockstep: bool = false
var _disconnected_since_ms: int = -1
# Agent id -> Time.get_ticks_msec() when it began waiting for the server.
var _waiting_since: Dictionary = {}
# Game seconds agents spent waiting for the server while the clock ran (all agents
# together), and real seconds the world stood still for them (lockstep).
var _waiting_game_s: float = 0.0
var _held_s: float = 0.0
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

## The player (null when the town runs without one), and the UI.
var player: Player = null
var chat_panel: ChatPanel = null
var inspector: Inspector = null
var hud: Hud = null
var overview_map: OverviewMap = null
## A rehearsal's goal and feedback (hidden in a plain town: no player goal).
var rehearsal_panel: RehearsalPanel = null
var _player_wanted: bool = true
var _player_name: String = "Alex"
var _player_name_given: bool = false
var _start_time_given: bool = false
var _autopilot: Autopilot = null
var _screenshot_dir: String = ""
var _view: String = "overview"
var _talk_candidate: Npc = null
var _chat_npc: Npc = null
var _chat_serial: int = 0
var _chat_conversation_id: String = ""
var _highlighted: Npc = null
var _since_map_s: float = 0.0
var _run_started_ms: int = 0
var _frames_at_start: int = 0
var _physics_frames_at_start: int = 0
var _process_ms_sum: float = 0.0
var _physics_ms_sum: float = 0.0
var _perf_samples: int = 0

@onready var _clock: SimClock = $SimClock
@onready var _town_builder: TownBuilder = $Town
@onready var _npc_root: Node3D = $Npcs
@onready var _overview_camera: Camera3D = $Camera3D
@onready var _daylight: Node3D = $Daylight


func _ready() -> void:
	_started_ms = Time.get_ticks_msec()
	if not _read_options(CliArgs.user_options()):
		get_tree().quit(EXIT_BAD_ARGUMENTS)
		return
	if DisplayServer.get_name() == "headless":
		Engine.max_fps = 60  # Nothing to draw: do not spin the CPU.
	if _lockstep:
		# Holding the world pauses the tree: the clock and the bodies stop; this script,
		# the connection and the agents' controllers (which must still ask) go on.
		process_mode = Node.PROCESS_MODE_ALWAYS
		AgentClient.process_mode = Node.PROCESS_MODE_ALWAYS
		_clock.process_mode = Node.PROCESS_MODE_PAUSABLE
		_npc_root.process_mode = Node.PROCESS_MODE_PAUSABLE
	InputActions.ensure()
	_build_ui()
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
	if _headless_run and not AgentClient.is_connected_to_server():
		if _disconnected_since_ms < 0:
			_disconnected_since_ms = Time.get_ticks_msec()
		elif Time.get_ticks_msec() - _disconnected_since_ms > int(CONNECT_GIVE_UP_S * 1000.0):
			_error("no connection to %s for %d s; giving up" % [AgentClient.server_url, int(CONNECT_GIVE_UP_S)])
			_finish(1)
			return
	else:
		_disconnected_since_ms = -1
	if _minutes >= 0.0 and _autopilot == null and _clock.elapsed() >= _minutes * 60.0:
		_finish(0)
		return
	if _until >= 0.0 and _clock.now() >= _until:
		_finish(0)
		return
	_track_waiting(delta)
	_since_sync_s += delta
	if _since_sync_s >= SYNC_INTERVAL_S and not _sync_in_flight and AgentClient.is_connected_to_server():
		_since_sync_s = 0.0
		_sync()
	_sample_performance()
	_update_play(delta)


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
	if not _start_time_given:
		# Go on from the server's clock: a resumed save is not back at its start.
		var stats: Dictionary = await AgentClient.call_rpc("GetStats")
		var server_time: int = int(stats.get("payload", {}).get("gameTime", 0))
		if stats.get("ok", false) and server_time > 0:
			_clock.start_time = server_time
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
	# A rehearsal names who the player plays; --player-name still wins.
	var cast_as: String = str(agents_reply.get("payload", {}).get("playerName", "")).strip_edges()
	if not _player_name_given and not cast_as.is_empty():
		_player_name = cast_as
	var agents: Array = agents_reply.get("payload", {}).get("agents", [])
	for agent: Dictionary in agents:
		_spawn(agent)
	if _finishing:
		return
	_frame_overview()
	if _player_wanted:
		_spawn_player()
	_set_up_ui(agents_reply.get("payload", {}))
	# The server hears where everyone is, and who is far from the player, before the
	# first NextAction: its level of detail then applies from the first hour on.
	await _sync()
	_clock.start()
	for npc: Npc in _npcs:
		npc.controller.start()
	if not _load_at_start.is_empty() and not await _load_game(_load_at_start):
		_error("could not load the save '%s' to resume from" % _load_at_start)
		_finish(1)
		return
	_running = true
	_run_started_ms = Time.get_ticks_msec()
	_frames_at_start = Engine.get_process_frames()
	_physics_frames_at_start = Engine.get_physics_frames()
	_log("clock started; %d agents in town%s" % [_npcs.size(), "" if player == null else ", and the player"])
	_watch_readiness()
	if _autopilot != null:
		_run_autopilot()


func _spawn(agent: Dictionary) -> void:
	var home: String = str(agent.get("homePlaceId", ""))
	var npc: Npc = NPC_SCENE.instantiate()
	if _town.has_place(home):
		npc.position = TownData.vec3(_town.place(home).get("position", {}))
	else:
		_error("agent %s has an unknown home place '%s'; starting at the origin" % [agent.get("id", ""), home])
	_npc_root.add_child(npc)
	if _lockstep:
		npc.controller.process_mode = Node.PROCESS_MODE_ALWAYS
	npc.setup(agent, _clock.now, _body_by_id, _name_of)
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
	var payload: Dictionary = {"gameTime": int(_clock.now()), "agents": _agent_states()}
	if player != null:
		payload["playerName"] = player.player_name
	var reply: Dictionary = await AgentClient.call_rpc("SyncWorld", payload)
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
		var to_player: float = INF if player == null else TownData.flat_distance(here, player.global_position)
		if player != null:
			if to_player <= AGENT_VIEW_M:
				perceptions.append({
					"agent": {"agentId": PLAYER_ID, "activity": _player_activity()},
					"distance": to_player,
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
			"distant": _is_distant(here, to_player),
		})
	return states


# Whether the player is far from a point (`to_player` metres away) and it is off
# screen (see NEAR_PLAYER_M); never, without a player.
func _is_distant(here: Vector3, to_player: float) -> bool:
	if player == null or to_player <= NEAR_PLAYER_M:
		return false
	var camera: Camera3D = get_viewport().get_camera_3d()
	if camera != null and camera.is_position_in_frustum(here) \
			and camera.global_position.distance_to(here) <= SCREEN_DETAIL_M:
		return false
	return true


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


# An agent's name, or its id when it is not in town; the player's name for "player".
func _name_of(agent_id: String) -> String:
	if agent_id == PLAYER_ID and player != null:
		return player.player_name
	var npc: Npc = _npc_by_id(agent_id)
	return npc.display_name() if npc != null else agent_id


# The body of an agent, or the player's: what NPCs turn to face in conversation.
func _body_by_id(agent_id: String) -> Node3D:
	if agent_id == PLAYER_ID:
		return player
	return _npc_by_id(agent_id)


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
		var final: Dictionary = {"gameTime": int(_clock.now()), "agents": states}
		if player != null:
			final["playerName"] = player.player_name
		await AgentClient.call_rpc("SyncWorld", final, FINAL_SYNC_TIMEOUT_S)
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
	var game_minutes: float = _minutes if _minutes >= 0.0 and exit_code == 0 and _autopilot == null \
		else _clock.elapsed() / 60.0
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
		"player": _autopilot.record if _autopilot != null else {},
		"rehearsal": rehearsal_panel.state() if rehearsal_panel != null else {},
		"performance": _performance(),
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
	if to_agent_id == PLAYER_ID:
		_log("%s to %s: \"%s\"" % [npc.display_name(), _name_of(PLAYER_ID), text])
		if _chat_npc == npc and chat_panel.is_open():
			chat_panel.add_line(npc.agent_id(), npc.display_name(), text)
		elif hud != null:
			hud.show_status("%s: \"%s\"" % [npc.display_name(), text], false)
		return
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
	if options.has("until"):
		if not str(options["until"]).is_valid_int():
			printerr("--until needs a whole number of game seconds")
			return false
		_until = str(options["until"]).to_float()
	_lockstep = options.has("lockstep")
	if options.has("load"):
		if str(options["load"]).strip_edges().is_empty():
			printerr("--load needs a save name")
			return false
		_load_at_start = str(options["load"]).strip_edges()
	var speed: float = CliArgs.positive_number(options, "speed", _clock.speed)
	if is_nan(speed):
		printerr("--speed needs a positive number of game seconds per real second")
		return false
	_clock.speed = speed
	if options.has("start-time"):
		if not str(options["start-time"]).is_valid_int():
			printerr("--start-time needs a whole number of game seconds")
			return false
		_clock.start_time = str(options["start-time"]).to_int()
		_start_time_given = true
	if options.has("player-name"):
		if str(options["player-name"]).strip_edges().is_empty():
			printerr("--player-name needs a name")
			return false
		_player_name = str(options["player-name"]).strip_edges()
		_player_name_given = true
	_player_wanted = not options.has("no-player") \
			and (not _headless_run or options.has("autopilot") or options.has("player"))
	if options.has("autopilot"):
		_autopilot = Autopilot.new()
		_autopilot.name = "Autopilot"
		_autopilot.target_id = str(options["autopilot"])
		if options.has("say") and not str(options["say"]).strip_edges().is_empty():
			_autopilot.line = str(options["say"]).strip_edges()
		_autopilot.debrief = options.has("debrief")
		add_child(_autopilot)
	if options.has("screenshots"):
		_screenshot_dir = CliArgs.caller_path(str(options["screenshots"]))
	if options.has("report"):
		_report_path = CliArgs.caller_path(str(options["report"]))
	if _autopilot != null:
		_autopilot.screenshot_dir = _screenshot_dir
	return true


func _error(text: String) -> void:
	_errors.append(text)
	_log("! " + text)


func _log(text: String) -> void:
	print("[%s] %s" % [SimClock.format_time(_clock.now()), text])


## A line in the timeline (for the scripted player).
func log_line(text: String) -> void:
	_log(text)


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


# ---- playing: the player, talking, inspecting, views, saving -----------------------

func _build_ui() -> void:
	var layer: CanvasLayer = CanvasLayer.new()
	layer.name = "UI"
	add_child(layer)
	hud = Hud.new()
	hud.name = "Hud"
	layer.add_child(hud)
	overview_map = OverviewMap.new()
	overview_map.name = "OverviewMap"
	layer.add_child(overview_map)
	inspector = Inspector.new()
	inspector.name = "Inspector"
	layer.add_child(inspector)
	rehearsal_panel = RehearsalPanel.new()
	rehearsal_panel.name = "RehearsalPanel"
	layer.add_child(rehearsal_panel)
	chat_panel = ChatPanel.new()
	chat_panel.name = "ChatPanel"
	layer.add_child(chat_panel)
	hud.pause_toggled.connect(_on_pause_toggled)
	hud.speed_chosen.connect(_on_speed_chosen)
	hud.save_requested.connect(_save_game)
	hud.load_requested.connect(_load_game)
	chat_panel.reply_progress.connect(_on_reply_progress)
	chat_panel.reply_finished.connect(_on_reply_finished)
	chat_panel.closed.connect(_on_chat_closed)
	inspector.closed.connect(_on_inspector_closed)
	overview_map.agent_clicked.connect(inspect)
	rehearsal_panel.input_blocker = chat_panel.has_focus_input
	rehearsal_panel.debrief_started.connect(_on_debrief_started)
	rehearsal_panel.debrief_finished.connect(_on_debrief_finished)


# roster: the ListAgents reply, which also says the scenario and, in a rehearsal, the
# player's goal.
func _set_up_ui(roster: Dictionary) -> void:
	hud.set_clock(_clock)
	rehearsal_panel.set_name_of(_name_of)
	rehearsal_panel.set_color_of(_color_of)
	rehearsal_panel.set_scenario(str(roster.get("scenario", "")), str(roster.get("description", "")),
		str(roster.get("playerGoal", "")))
	if rehearsal_panel.is_rehearsal():
		hud.set_hints(Hud.REHEARSAL_HINTS)
		_log("rehearsal %s; the player's goal: %s" % [roster.get("scenario", ""), rehearsal_panel.goal_text()])
	inspector.set_town(_town)
	inspector.set_name_of(_name_of)
	inspector.set_game_time_source(_clock.now)
	overview_map.set_town(_town)
	set_view("follow" if player != null else "overview")


func _spawn_player() -> void:
	player = Player.new()
	player.name = "Player"
	add_child(player)
	player.set_player_name(_player_name)
	_town_builder.roof_focus = player  # The roof of the building the player is in hides.
	# Start in the open, on the navmesh nearest the middle of the town, looking north.
	var map: RID = get_world_3d().navigation_map
	var spawn: Vector3 = NavigationServer3D.map_get_closest_point(map, Vector3.ZERO)
	player.place(spawn + Vector3(0.0, 0.05, 0.0), 0.0)
	var place: String = _town.place_at(spawn)
	_log("the player, %s, is %s" % [player.player_name,
		"at " + _town.path_name(place) if not place.is_empty() else "out in the street"])


## All NPCs in town.
func npcs() -> Array[Npc]:
	return _npcs


## The game clock's time, seconds since day 1 00:00.
func game_time() -> float:
	return _clock.now()


## The NPC of agent_id, or null.
func npc_by_id(agent_id: String) -> Npc:
	return _npc_by_id(agent_id)


## The NPC the player would talk to with the talk action now, or null.
func talk_candidate() -> Npc:
	return _talk_candidate


## Opens the inspector on an agent.
func inspect(agent_id: String) -> void:
	var npc: Npc = _npc_by_id(agent_id)
	if npc == null:
		return
	_highlight(npc)
	inspector.show_agent(agent_id)


## "follow": the camera behind the player; "overview": the whole town from above.
func set_view(view: String) -> void:
	_view = view if player != null else "overview"
	if _view == "follow":
		player.camera.current = true
	else:
		_overview_camera.current = true
	if player != null:
		player.set_name_plate_visible(_view != "follow")


## Shows the town lit as at hour (0-24) whatever the clock says; a negative hour
## goes back to the clock (screenshots of day and night).
func preview_hour(hour: float) -> void:
	if hour >= 0.0:
		_daylight.setup(null, _town_builder)  # Stop following the clock...
		_daylight.set_time(floorf(_clock.now() / 86400.0) * 86400.0 + hour * 3600.0)
	else:
		_daylight.setup(_clock, _town_builder)  # ...and follow it again.


func _update_play(delta: float) -> void:
	_since_map_s += delta
	if _since_map_s >= MAP_UPDATE_S:
		_since_map_s = 0.0
		_update_map()
	# The goal panel and the inspector share the right of the screen; the full map
	# takes all of it.
	rehearsal_panel.set_covered(inspector.is_showing() or overview_map.is_expanded())
	if player == null:
		return
	var typing: bool = chat_panel.is_open() and chat_panel.has_focus_input()
	player.input_enabled = not typing
	_update_talk_candidate()
	if typing:
		return
	if Input.is_action_just_pressed("talk"):
		if chat_panel.is_open():
			chat_panel.close()
		elif _talk_candidate != null:
			_open_chat(_talk_candidate)
	if Input.is_action_just_pressed("toggle_view"):
		set_view("overview" if _view == "follow" else "follow")
	if Input.is_action_just_pressed("toggle_map"):
		overview_map.set_expanded(not overview_map.is_expanded())
	if _chat_npc != null:
		if player.global_position.distance_to(_chat_npc.global_position) > LEAVE_RANGE_M:
			chat_panel.close()  # Walked away: the conversation is over.
		else:
			_keep_chat_alive()


func _unhandled_input(event: InputEvent) -> void:
	var click: InputEventMouseButton = event as InputEventMouseButton
	if click == null or not click.pressed or click.button_index != MOUSE_BUTTON_LEFT or not _running:
		return
	var camera: Camera3D = get_viewport().get_camera_3d()
	if camera == null:
		return
	var npc: Npc = Npc.under_point(camera, click.position, PICK_RAY_M) as Npc
	if npc != null:
		inspect(npc.agent_id())
		get_viewport().set_input_as_handled()


# The nearest NPC within talking range in front of the player's camera.
func _update_talk_candidate() -> void:
	var best: Npc = null
	if not chat_panel.is_open():
		var best_score: float = INF
		var forward: Vector3 = Vector3(0.0, 0.0, -1.0).rotated(Vector3.UP, player.yaw)
		for npc: Npc in _npcs:
			var toward: Vector3 = npc.global_position - player.global_position
			toward.y = 0.0
			var distance: float = toward.length()
			if distance > TALK_RANGE_M:
				continue
			var facing: float = forward.dot(toward / maxf(distance, 0.001))
			if facing < -0.2 and distance > 1.2:
				continue  # Behind the player's back.
			var score: float = distance - facing
			if score < best_score:
				best = npc
				best_score = score
	if best != _talk_candidate:
		if _talk_candidate != null and is_instance_valid(_talk_candidate):
			_talk_candidate.set_talk_hint(false)
		_talk_candidate = best
		if best != null:
			best.set_talk_hint(true)
			# The player may talk to it now: the server gets its side ready meanwhile.
			AgentClient.prepare_chat(best.agent_id(), player.player_name, int(_clock.now()))


# The NPC stops what it is doing and turns to the player: a conversation like any
# other for its controller, one that the player starts and ends.
func _open_chat(npc: Npc) -> void:
	_chat_serial += 1
	_chat_npc = npc
	_chat_conversation_id = "player-%s-%d" % [npc.agent_id(), _chat_serial]
	npc.controller.apply_command(_chat_event(npc, "KIND_START"))
	chat_panel.open(npc.agent_id(), npc.display_name(), player.player_name, _clock.now)


func _keep_chat_alive() -> void:
	# The same START again tells the controller the conversation goes on.
	if _chat_npc.controller.in_conversation():
		_chat_npc.controller.apply_command(_chat_event(_chat_npc, "KIND_START"))


func _chat_event(npc: Npc, kind: String) -> Dictionary:
	return {"agentId": npc.agent_id(), "conversation": {
		"kind": kind, "conversationId": _chat_conversation_id, "participantIds": [npc.agent_id(), PLAYER_ID]}}


func _on_reply_progress(agent_id: String, text_so_far: String) -> void:
	var npc: Npc = _npc_by_id(agent_id)
	if npc != null:
		npc.show_line_text(text_so_far)


func _on_reply_finished(agent_id: String, full_text: String) -> void:
	var npc: Npc = _npc_by_id(agent_id)
	if npc != null and not full_text.is_empty():
		npc.say(full_text)
		_log("%s to %s: \"%s\"" % [npc.display_name(), player.player_name if player != null else PLAYER_ID, full_text])


func _on_chat_closed(agent_id: String) -> void:
	var npc: Npc = _npc_by_id(agent_id)
	if npc != null and npc == _chat_npc:
		npc.controller.apply_command(_chat_event(npc, "KIND_END"))
	_chat_npc = null


func _on_inspector_closed(_agent_id: String) -> void:
	_highlight(null)


# Asking how it went makes room for the feedback: the inspector, on the same side, closes.
func _on_debrief_started() -> void:
	inspector.hide_inspector()
	_log("the player asks how it went (Debrief)")


func _on_debrief_finished(feedback: Array, error: Dictionary) -> void:
	if not error.is_empty():
		hud.show_status("Could not get feedback: %s" % _describe_error(error), true)
		return  # The failed call is in the timeline and the report's errors already.
	if feedback.is_empty():
		_log("debrief: no one has talked with the player yet")
	for item: Dictionary in feedback:
		_log("debrief: %s (%d lines with the player): \"%s\"" % [
			_name_of(str(item.get("agentId", ""))), int(item.get("linesExchanged", 0)), str(item.get("feedback", ""))])


# An agent's colour on the map and in the UI.
func _color_of(agent_id: String) -> Color:
	var npc: Npc = _npc_by_id(agent_id)
	if npc == null:
		return UiTheme.ACCENT
	return Color.from_string(str(npc.agent.get("color", "")), UiTheme.ACCENT)


func _highlight(npc: Npc) -> void:
	if _highlighted != null and is_instance_valid(_highlighted):
		_highlighted.set_highlighted(false)
	_highlighted = npc
	if npc != null:
		npc.set_highlighted(true)


func _player_activity() -> String:
	if _chat_npc != null:
		return "talking with %s" % _chat_npc.display_name()
	if player.velocity.length() > 0.3:
		return "walking around"
	var here: String = _town.place_at(player.global_position)
	return "standing in %s" % _town.path_name(here) if not here.is_empty() else "standing around"


func _update_map() -> void:
	var agents: Array[Dictionary] = []
	for npc: Npc in _npcs:
		var activity: Dictionary = npc.controller.current_activity()
		agents.append({
			"id": npc.agent_id(), "name": npc.display_name(),
			"color": Color.from_string(str(npc.agent.get("color", "")), Color.WHITE),
			"position": npc.global_position, "emoji": str(activity.get("emoji", "")),
			"activity": _activity_of(npc),
		})
	overview_map.update_agents(agents)
	if player != null:
		overview_map.update_player(player.global_position, player.yaw)


# Frames the whole town from above, a little to the south.
func _frame_overview() -> void:
	var extent: float = maxf(_town.size.x, _town.size.z)
	var tilt: float = deg_to_rad(58.0)
	var distance: float = extent * 0.5 / tan(deg_to_rad(_overview_camera.fov) * 0.5) * 0.95
	_overview_camera.position = Vector3(0.0, sin(tilt) * distance, cos(tilt) * distance + _town.size.z * 0.08)
	_overview_camera.rotation = Vector3(-tilt, 0.0, 0.0)
	_overview_camera.far = distance * 3.0


func _on_pause_toggled(paused: bool) -> void:
	_clock.set_paused(paused)
	_log("paused" if paused else "resumed")


func _on_speed_chosen(multiplier: float) -> void:
	_clock.set_speed(BASE_SPEED * multiplier)
	_log("speed %s× (%d game seconds per second)" % [multiplier, int(BASE_SPEED * multiplier)])


# Saves the whole simulation: the server keeps the minds, and with them this world's
# snapshot: the clock, where everyone is and what they are doing, the player.
func _save_game(save_name: String) -> void:
	var current: Array = []
	for npc: Npc in _npcs:
		var command: Dictionary = npc.controller.current_command
		if not command.is_empty():
			current.append(command)
	var states: Array = []
	for state: Dictionary in _agent_states():
		state.erase("perceptions")
		states.append(state)
	var world: Dictionary = {"gameTime": int(_clock.now()), "speed": _clock.speed, "agents": states,
		"currentCommands": current}
	if player != null:
		world["playerPosition"] = TownData.vec3_message(player.global_position)
		world["playerYaw"] = player.yaw
	var reply: Dictionary = await AgentClient.save_game(save_name, world)
	if reply.get("ok", false):
		hud.show_status("Saved '%s' at %s" % [save_name, SimClock.format_time(_clock.now())], false)
		_log("saved the simulation as '%s'" % save_name)
	else:
		hud.show_status("Could not save: %s" % _describe_error(reply.get("error", {})), true)


# Loads a save: the server restores the minds and returns the world saved with them.
func _load_game(save_name: String) -> bool:
	var reply: Dictionary = await AgentClient.load_game(save_name)
	if not reply.get("ok", false):
		hud.show_status("Could not load: %s" % _describe_error(reply.get("error", {})), true)
		_log("could not load the save '%s': %s" % [save_name, _describe_error(reply.get("error", {}))])
		return false
	var world: Dictionary = reply.get("payload", {}).get("world", {})
	if chat_panel.is_open():
		chat_panel.close()
	inspector.hide_inspector()
	rehearsal_panel.close_feedback()  # It was about talks the loaded minds may not have had.
	_clock.set_now(float(world.get("gameTime", _clock.now())))
	if float(world.get("speed", 0.0)) > 0.0:
		_clock.set_speed(float(world["speed"]))
	var commands: Dictionary = {}
	for command: Dictionary in world.get("currentCommands", []):
		commands[str(command.get("agentId", ""))] = command
	var states: Dictionary = {}
	for state: Dictionary in world.get("agents", []):
		states[str(state.get("agentId", ""))] = state
	for npc: Npc in _npcs:
		chat_panel.clear_transcript(npc.agent_id())  # Those talks are not in the loaded minds.
		npc.controller.stop()
		if states.has(npc.agent_id()):
			npc.global_position = TownData.vec3(states[npc.agent_id()].get("position", {}))
		npc.controller.start()
		if commands.has(npc.agent_id()):
			npc.controller.apply_command(commands[npc.agent_id()])
	if player != null and world.has("playerPosition"):
		player.place(TownData.vec3(world["playerPosition"]), float(world.get("playerYaw", 0.0)))
	hud.show_status("Loaded '%s' (%s)" % [save_name, SimClock.format_time(_clock.now())], false)
	_log("loaded the save '%s'" % save_name)
	return true


# Until every agent has planned its day (the server does it as the town opens), the
# HUD says so; agents start moving one by one as their plans come.
func _watch_readiness() -> void:
	var told: bool = false
	while not _finishing:
		var stats: Dictionary = await AgentClient.call_rpc("GetStats")
		if stats.get("ok", false):
			if bool(stats.get("payload", {}).get("ready", false)):
				if told:
					hud.show_status("Everyone has planned their day", false)
				_log("every agent has planned its day")
				return
			if not told:
				hud.show_status("The townspeople are planning their day…", false)
				told = true
		await get_tree().create_timer(READINESS_POLL_S).timeout


func _run_autopilot() -> void:
	_autopilot.main = self
	_autopilot.run()
	var ok: bool = await _autopilot.finished
	if not ok:
		_error("the scripted player failed: %s" % str(_autopilot.record.get("error", "")))
	_finish(0 if ok else 1)


# How long agents wait for the server: game time lost to waiting, and, in lockstep, the
# world held still while any agent has waited LOCKSTEP_GRACE_S.
func _track_waiting(delta: float) -> void:
	var now_ms: int = Time.get_ticks_msec()
	var hold: bool = false
	var clock_runs: bool = not get_tree().paused and not _clock.is_paused()
	for npc: Npc in _npcs:
		if npc.controller.is_waiting_for_server():
			var since: int = int(_waiting_since.get(npc.agent_id(), now_ms))
			_waiting_since[npc.agent_id()] = since
			if clock_runs:
				_waiting_game_s += delta * _clock.speed
			if now_ms - since >= int(LOCKSTEP_GRACE_S * 1000.0):
				hold = true
		else:
			_waiting_since.erase(npc.agent_id())
	if not _lockstep:
		return
	if get_tree().paused:
		_held_s += delta
	if hold != get_tree().paused:
		get_tree().paused = hold


func _sample_performance() -> void:
	_process_ms_sum += Performance.get_monitor(Performance.TIME_PROCESS) * 1000.0
	_physics_ms_sum += Performance.get_monitor(Performance.TIME_PHYSICS_PROCESS) * 1000.0
	_perf_samples += 1


# Frame rates over the run: frames drawn (process frames) and physics frames per real
# second, and the mean time a frame's scripts and physics took.
func _performance() -> Dictionary:
	var seconds: float = maxf((Time.get_ticks_msec() - _run_started_ms) / 1000.0, 0.001)
	var samples: float = maxf(float(_perf_samples), 1.0)
	return {
		"npcs": _npcs.size(),
		"real_seconds": snappedf(seconds, 0.01),
		"frames_per_second": snappedf((Engine.get_process_frames() - _frames_at_start) / seconds, 0.1),
		"physics_frames_per_second": snappedf((Engine.get_physics_frames() - _physics_frames_at_start) / seconds, 0.1),
		"process_ms_mean": snappedf(_process_ms_sum / samples, 0.01),
		"physics_ms_mean": snappedf(_physics_ms_sum / samples, 0.01),
		"renderer": DisplayServer.get_name(),
		"lockstep": _lockstep,
		"held_real_seconds": snappedf(_held_s, 0.01),
		# The share of the agents' game time spent waiting for the server (clock running).
		"waiting_share": snappedf(_waiting_game_s / maxf(_clock.elapsed() * maxf(_npcs.size(), 1.0), 1.0), 0.0001),
	}
