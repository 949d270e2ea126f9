extends Node3D
## The town: fetches it and its people from the Simulacra server, builds it, bakes
## the navmesh, spawns one NPC per agent, runs the clock, and ends the run. The rest
## is in its parts, which it puts together here:
##   main/world_sync.gd    reports the world to the server every second (SyncWorld),
##                         applies the commands that come back, and holds the world
##                         in lockstep
##   main/run_timeline.gd  the timeline on stdout, the errors and the report
##   main/play.gd          the player, talking, inspecting, the views and the UI
##   main/saves.gd         saving and loading the simulation
##
## User arguments (after "--" on the Godot command line):
##   --headless-run     give up (exit 1) when the server cannot be reached in 60 s,
##                      at the start or later (a run whose server died ends too)
##   --minutes N        quit (exit 0) after N game minutes
##   --until T          quit (exit 0) once the clock reaches game time T (seconds)
##   --lockstep         the world stands still (clock, walking) while an agent has
##                      waited WorldSync.LOCKSTEP_GRACE_S for the server to say what it does
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
const AgentNames: GDScript = preload("res://common/agent_names.gd")
const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const ServerStats: GDScript = preload("res://addons/simulacra/messages/server_stats.gd")
const Autopilot: GDScript = preload("res://main/autopilot.gd")
const CliArgs: GDScript = preload("res://common/cli_args.gd")
const Daylight: GDScript = preload("res://town/daylight.gd")
const InputActions: GDScript = preload("res://player/input_actions.gd")
const Npc: GDScript = preload("res://npc/npc.gd")
const OverviewCamera: GDScript = preload("res://common/overview_camera.gd")
const Play: GDScript = preload("res://main/play.gd")
const RunTimeline: GDScript = preload("res://main/run_timeline.gd")
const Saves: GDScript = preload("res://main/saves.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
const TownBuilder: GDScript = preload("res://town/town_builder.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const WorldSync: GDScript = preload("res://main/world_sync.gd")
const NPC_SCENE: PackedScene = preload("res://npc/npc.tscn")
const CONNECT_GIVE_UP_S: float = 60.0
const SETUP_RETRY_S: float = 2.0
const EXIT_BAD_ARGUMENTS: int = 2

var _headless_run: bool = false
var _minutes: float = -1.0
var _until: float = -1.0
var _load_at_start: String = ""
var _lockstep: bool = false
var _disconnected_since_ms: int = -1
var _report_path: String = ""
var _town: TownData = null
var _npcs: Array[Npc] = []
var _unreachable: Array[String] = []
var _polygon_count: int = 0
var _running: bool = false
var _finishing: bool = false
var _started_ms: int = 0
var _player_wanted: bool = true
var _player_name: String = "Alex"
var _player_name_given: bool = false
var _start_time_given: bool = false
var _autopilot: Autopilot = null
var _screenshot_dir: String = ""

# Who is who (the NPCs and the player), the world's sync with the server, the run's
# timeline and report, the player's side with the UI, and saving and loading.
var _names: AgentNames = AgentNames.new()
var _world: WorldSync = null
var _timeline: RunTimeline = null
var _play: Play = null
var _saves: Saves = null

@onready var _clock: SimClock = $SimClock
@onready var _town_builder: TownBuilder = $Town
@onready var _npc_root: Node3D = $Npcs
@onready var _overview_camera: OverviewCamera = $Camera3D
@onready var _daylight: Daylight = $Daylight


func _ready() -> void:
	_started_ms = Time.get_ticks_msec()
	if not _read_options(CliArgs.user_options()):
		get_tree().quit(EXIT_BAD_ARGUMENTS)
		return
	if DisplayServer.get_name() == "headless":
		Engine.max_fps = 60  # Nothing to draw: do not spin the CPU.
	_world = WorldSync.new()
	_world.name = "WorldSync"
	_world.npcs = _npcs
	_world.clock = _clock
	_world.lockstep = _lockstep
	add_child(_world)
	_timeline = RunTimeline.new(_clock, _names, _world)
	_world.unknown_agent_commanded.connect(_timeline.on_unknown_agent_commanded)
	_play = Play.new(_world, _timeline, _names, _clock, _town_builder, _overview_camera, _daylight)
	_play.name = "Play"
	add_child(_play)
	_world.player_activity = _play.player_activity
	_saves = Saves.new(_world, _play, _timeline, _clock)
	if _lockstep:
		# Holding the world pauses the tree: the clock and the bodies stop; this script,
		# the connection and the agents' controllers (which must still ask) go on.
		process_mode = Node.PROCESS_MODE_ALWAYS
		AgentClient.process_mode = Node.PROCESS_MODE_ALWAYS
		_clock.process_mode = Node.PROCESS_MODE_PAUSABLE
		_npc_root.process_mode = Node.PROCESS_MODE_PAUSABLE
	InputActions.ensure()
	_play.build_ui()
	_play.hud.save_requested.connect(_saves.save_game)
	_play.hud.load_requested.connect(_saves.load_game)
	_timeline.watch_connection()
	_timeline.log_line("Simulacra town starting; server %s, %s game seconds per second" % [AgentClient.server_url, _clock.speed])
	_set_up()


func _process(delta: float) -> void:
	if _finishing:
		return
	if not _running:
		if _headless_run and Time.get_ticks_msec() - _started_ms > int(CONNECT_GIVE_UP_S * 1000.0):
			var why: String = "no town from" if AgentClient.is_connected_to_server() else "could not connect to"
			_timeline.error("%s %s within %d s; giving up" % [why, AgentClient.server_url, int(CONNECT_GIVE_UP_S)])
			_finish(1)
		return
	if _headless_run and not AgentClient.is_connected_to_server():
		if _disconnected_since_ms < 0:
			_disconnected_since_ms = Time.get_ticks_msec()
		elif Time.get_ticks_msec() - _disconnected_since_ms > int(CONNECT_GIVE_UP_S * 1000.0):
			_timeline.error("no connection to %s for %d s; giving up" % [AgentClient.server_url, int(CONNECT_GIVE_UP_S)])
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
	_world.step(delta)
	_timeline.sample()
	_play.step(delta)


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
		var stats: ServerStats = (await AgentClient.get_stats()).get("message")  # null: failed
		if stats != null and stats.game_time > 0:
			_clock.start_time = stats.game_time
	_town = TownData.new(town_reply.get("payload", {}))
	_world.town = _town
	_timeline.town = _town
	_town_builder.build(_town)
	_town_builder.bake()
	_polygon_count = _town_builder.polygon_count()
	if not await _town_builder.wait_for_navmesh():
		_timeline.error("the navigation map did not take up the baked navmesh within %.0f s; its places read as unreachable"
			% TownBuilder.NAVMESH_WAIT_S)
	_unreachable = _town_builder.unreachable_places(_town)
	_timeline.log_line("built %s: %d places, %d obstacles, a navmesh of %d polygons" % [
		_town.name, _town.places.size(), _town.obstacles.size(), _polygon_count])
	for place_id: String in _unreachable:
		_timeline.error("place %s (%s) is not reachable on the navmesh" % [place_id, _town.path_name(place_id)])
	# A rehearsal names who the player plays; --player-name still wins.
	var cast_as: String = str(agents_reply.get("payload", {}).get("playerName", "")).strip_edges()
	if not _player_name_given and not cast_as.is_empty():
		_player_name = cast_as
	var agents: Array = agents_reply.get("payload", {}).get("agents", [])
	for agent: Dictionary in agents:
		_spawn(agent)
	if _finishing:
		return
	_overview_camera.frame_town(_town.size)
	if _player_wanted:
		_play.spawn_player(_player_name)
		_world.player = _play.player
		_names.add(AgentClientScript.PLAYER_ID, _play.player.player_name)
	_play.set_up(agents_reply.get("payload", {}))
	# The server hears where everyone is, and who is far from the player, before the
	# first NextAction: its level of detail then applies from the first hour on.
	await _world.sync()
	_clock.start()
	for npc: Npc in _npcs:
		npc.controller.start()
	if not _load_at_start.is_empty() and not await _saves.load_game(_load_at_start):
		_timeline.error("could not load the save '%s' to resume from" % _load_at_start)
		_finish(1)
		return
	_running = true
	_play.running = true
	_timeline.start_sampling()
	_timeline.log_line("clock started; %d agents in town%s" % [_npcs.size(), "" if _play.player == null else ", and the player"])
	_play.watch_readiness()
	if _autopilot != null:
		_run_autopilot()


func _spawn(agent: Dictionary) -> void:
	var home: String = str(agent.get("homePlaceId", ""))
	var npc: Npc = NPC_SCENE.instantiate()
	if _town.has_place(home):
		npc.position = TownData.vec3(_town.place(home).get("position", {}))
	else:
		_timeline.error("agent %s has an unknown home place '%s'; starting at the origin" % [agent.get("id", ""), home])
	_npc_root.add_child(npc)
	if _lockstep:
		npc.controller.process_mode = Node.PROCESS_MODE_ALWAYS
	npc.setup(agent, _clock.now, _body_by_id, _names.name_of)
	_names.add(npc.agent_id(), npc.display_name())
	_npcs.append(npc)
	_timeline.log_line("%s is at %s" % [npc.display_name(), _town.path_name(home)])


# The body of an agent, or the player's: what NPCs turn to face in conversation.
func _body_by_id(agent_id: String) -> Node3D:
	if agent_id == AgentClientScript.PLAYER_ID:
		return _play.player
	return _world.npc_by_id(agent_id)


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


func _run_autopilot() -> void:
	_autopilot.play = _play
	_autopilot.run()
	var ok: bool = await _autopilot.finished
	if not ok:
		_timeline.error("the scripted player failed: %s" % str(_autopilot.record.get("error", "")))
	_finish(0 if ok else 1)


# Ends the run: stops everyone, tells the server the final state, writes the report.
func _finish(exit_code: int) -> void:
	if _finishing:
		return
	_finishing = true
	var states: Array = _world.agent_states() if _running else []
	_clock.stop()
	for npc: Npc in _npcs:
		npc.controller.stop()
	_play.stop()
	await _world.stop(states, _running)
	if not _report_path.is_empty():
		_write_report(exit_code)
	_timeline.log_line("run over after %.1f game minutes (exit code %d)" % [_clock.elapsed() / 60.0, exit_code])
	# A NextAction still in flight (a slow model) would leave its coroutine behind at
	# exit. The run is over: what the cancelled calls failed with is no error of it.
	_timeline.stop_watching_requests()
	AgentClient.cancel_all()
	get_tree().quit(exit_code)


func _write_report(exit_code: int) -> void:
	var game_minutes: float = _minutes if _minutes >= 0.0 and exit_code == 0 and _autopilot == null \
		else _clock.elapsed() / 60.0
	_timeline.write_report(_report_path, {
		"game_minutes": game_minutes,
		"start_time": _clock.start_time,
		"end_time": int(_clock.now()),
		"speed": _clock.speed,
		"server_url": AgentClient.server_url,
		"exit_code": exit_code,
		"town": _town.name if _town != null else "",
		"navmesh": {"polygon_count": _polygon_count, "unreachable_places": _unreachable},
		"errors": _timeline.errors,
		"agents": _timeline.agents_report(),
		"player": _autopilot.record if _autopilot != null else {},
		"rehearsal": _play.rehearsal_panel.state(),
		"performance": _timeline.performance(),
	})
