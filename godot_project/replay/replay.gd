extends Node3D
## Plays back a run of the town from its replay log (docs/replay_log.md), with no
## server and no model: the town from the log's header, one NPC per agent, placed,
## turned and labelled from the log alone. The town at game time t is a function of
## the log (replay_log.gd): positions between steps are interpolated, everything else
## is the latest record at or before t; so playing to t, or seeking to it forwards or
## backwards, shows the same town.
##
##   scripts/godot --path godot_project res://replay/replay.tscn -- --log /abs/run/replay.jsonl
##
## User arguments (after "--" on the Godot command line; a relative path is taken from
## the caller's folder):
##   --log PATH          the replay log to play (required)
##   --at T              start at game time T: seconds since day 1 00:00, "Day N HH:MM",
##                       or "HH:MM" (the first such time in the run); default: its start
##   --speed S           game seconds per real second (default 60)
##   --paused            start paused
##   --inspect ID        open the inspector on agent ID
##   --verify REPORT     check the replay against the log, headless: seek to every step
##                       (in the log's order, backwards, shuffled, and playing through),
##                       compare each NPC's position with the logged one, write a JSON
##                       report and quit: 0 when every NPC is within 1 cm and every order
##                       shows the same town, else 1 (replay_checks.gd)
##   --screenshot PNG    seek to --at, wait a few frames, save the frame there and quit
##                       (needs a renderer: a display, or xvfb-run; replay_checks.gd)
##   --report PATH       with --screenshot: what the frame shows, as JSON
## Exit code 2: bad arguments, or a log that cannot be played (the message names the
## file and the line).
##
## Playing: Space play/pause, ←/→ 10 game minutes back/on, the slider for any time,
## 1× 10× 60× 600× speeds; WASD (or the right mouse held) pans the camera, the wheel
## zooms; click an NPC (or a name in the list, or a dot on the map) to inspect it, F
## follows it, Esc closes the inspector, Tab the map.
##
## This script reads the arguments and the log, keeps the time (seeking, playing) and
## the UI; its parts are replay_town.gd (the town and its NPCs, put as the log has them
## at a time) and replay_camera.gd (panning, zooming, following, picking an NPC).

# Project scripts are preloaded rather than named with class_name (see main/main.gd).
const AgentNames: GDScript = preload("res://common/agent_names.gd")
const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const CliArgs: GDScript = preload("res://common/cli_args.gd")
const Npc: GDScript = preload("res://npc/npc.gd")
const OverviewCamera: GDScript = preload("res://common/overview_camera.gd")
const OverviewMap: GDScript = preload("res://ui/overview_map.gd")
const ReplayChecks: GDScript = preload("res://replay/replay_checks.gd")
const ReplayControls: GDScript = preload("res://replay/replay_controls.gd")
const ReplayInspector: GDScript = preload("res://replay/replay_inspector.gd")
const ReplayCamera: GDScript = preload("res://replay/replay_camera.gd")
const ReplayLog: GDScript = preload("res://replay/replay_log.gd")
const ReplayTown: GDScript = preload("res://replay/replay_town.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
const TownBuilder: GDScript = preload("res://town/town_builder.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const Daylight: GDScript = preload("res://town/daylight.gd")
const EXIT_BAD_INPUT: int = 2
const DEFAULT_SPEED: float = 60.0
## ← and → move the replay this many game seconds.
const STEP_KEY_S: float = 600.0
## The lists, the map and the inspector follow the replay this often (real seconds).
const UI_UPDATE_S: float = 0.2
## The light changes with the time of day in steps of this many game seconds.
const DAYLIGHT_STEP_S: float = ReplayTown.DAYLIGHT_STEP_S

var _options: Dictionary = {}
var _log: ReplayLog = null
var _names: AgentNames = AgentNames.new()
var _checks: ReplayChecks = null
var _town: TownData = null
# The town and its people at a time, and the camera's moves.
var _people: ReplayTown = null
var _view: ReplayCamera = null
var _time: float = 0.0
var _playing: bool = true
var _speed: float = DEFAULT_SPEED
var _running: bool = false
var _inspected: String = ""
var _since_ui_s: float = 0.0

## The replay's UI: the controls (time, play, speeds, people) and the inspector.
var controls: ReplayControls = null
var inspector: ReplayInspector = null
var _overview_map: OverviewMap = null

@onready var _town_builder: TownBuilder = $Town
@onready var _npc_root: Node3D = $Npcs
@onready var _camera: OverviewCamera = $Camera3D
@onready var _daylight: Daylight = $Daylight


func _ready() -> void:
	_drop_server_client()
	_options = CliArgs.user_options()
	if DisplayServer.get_name() == "headless":
		Engine.max_fps = 60  # Nothing to draw: do not spin the CPU.
	var log_path: String = str(_options.get("log", ""))
	if log_path.is_empty():
		_quit_bad("--log PATH is required: the replay log of a run (its folder's replay.jsonl)")
		return
	for option: String in ["verify", "screenshot", "report", "inspect", "at"]:
		if _options.has(option) and str(_options[option]).strip_edges().is_empty():
			_quit_bad("--%s needs a value" % option)
			return
	_speed = CliArgs.positive_number(_options, "speed", DEFAULT_SPEED)
	if is_nan(_speed):
		_quit_bad("--speed needs a positive number of game seconds per real second")
		return
	var loading_started: int = Time.get_ticks_usec()
	_log = ReplayLog.new()
	if not _log.read(CliArgs.caller_path(log_path)):
		_quit_bad("cannot replay %s" % _log.reader.error)
		return
	var loaded_in_s: float = (Time.get_ticks_usec() - loading_started) / 1e6
	_time = _log.start_time
	var start: float = _log.start_time
	if _options.has("at"):
		start = _parse_time(str(_options["at"]))
		if is_nan(start):
			_quit_bad("--at wants game seconds, \"Day N HH:MM\" or \"HH:MM\", not '%s'" % _options["at"])
			return
	var inspect_id: String = str(_options.get("inspect", ""))
	if not inspect_id.is_empty() and _log.agent(inspect_id).is_empty() and not inspect_id in _log.unlisted_ids():
		_quit_bad("--inspect %s: no such agent in %s (it has %s)" % [
			inspect_id, _log.reader.path, ", ".join(_log.agent_ids() + _log.unlisted_ids())])
		return
	_set_up()
	log_line("replay of %s (%s): %d agents, %d steps, %d records, %s – %s, read in %.2f s" % [
		str(_log.reader.header.get("scenario", "?")), _town.name, npcs().size(), _log.steps.size(), _log.reader.record_count,
		SimClock.format_time(_log.start_time), SimClock.format_time(_log.end_time), loaded_in_s])
	for note: String in _log.reader.notes:
		log_line("note: " + note)
	if _options.has("verify"):
		_checks = ReplayChecks.new(self, _log)
		_checks.verify(CliArgs.caller_path(str(_options["verify"])))
		return
	_playing = not _options.has("paused") and not _options.has("screenshot")
	seek(start)
	if not inspect_id.is_empty():
		inspect(inspect_id)
	_running = true
	if _options.has("screenshot"):
		_checks = ReplayChecks.new(self, _log)
		_checks.screenshot(CliArgs.caller_path(str(_options["screenshot"])), CliArgs.caller_path(str(_options.get("report", ""))) \
			if _options.has("report") else "")


func _process(delta: float) -> void:
	if not _running:
		return
	if _playing:
		advance(delta)
	_people.apply(_time)
	_view.move(delta, npc_by_id(_inspected))
	controls.show_time(_time, _playing, _speed)
	_since_ui_s += delta
	if _since_ui_s >= UI_UPDATE_S:
		_since_ui_s = 0.0
		_update_ui()


func _unhandled_input(event: InputEvent) -> void:
	if not _running:
		return
	var key: InputEventKey = event as InputEventKey
	if key != null and key.pressed:
		var handled: bool = true
		match key.keycode:
			KEY_SPACE:
				if not key.echo:
					toggle_play()
			KEY_LEFT:
				seek(_time - STEP_KEY_S)
			KEY_RIGHT:
				seek(_time + STEP_KEY_S)
			KEY_F:
				if not key.echo:
					_view.following = not _view.following and not _inspected.is_empty()
			_:
				handled = false
		if handled:
			get_viewport().set_input_as_handled()
		return
	# The mouse moves the camera; a left click on an NPC inspects it.
	var clicked: Npc = _view.on_mouse(event)
	if clicked != null:
		inspect(clicked.agent_id())
		get_viewport().set_input_as_handled()


## The replay's game time, seconds since day 1 00:00.
func game_time() -> float:
	return _time


## Shows the town at game time t (held within the run).
func seek(t: float) -> void:
	jump(t)
	_update_ui()


## The town at t, without the lists, the map and the inspector (they follow on the
## next update).
func jump(t: float) -> void:
	_time = clampf(t, _log.start_time, _log.end_time)
	_people.apply(_time)


## Moves the replay on by delta real seconds at its speed, as a frame of play does;
## it pauses at the end of the run.
func advance(delta: float) -> void:
	_time = minf(_time + delta * _speed, _log.end_time)
	if _time >= _log.end_time:
		_playing = false


func is_playing() -> bool:
	return _playing


func set_playing(playing: bool) -> void:
	_playing = playing


func toggle_play() -> void:
	if not _playing and _time >= _log.end_time:
		seek(_log.start_time)  # Play again from the start.
	_playing = not _playing


func set_speed(speed: float) -> void:
	if speed > 0.0:
		_speed = speed


## Opens the inspector on an agent at the replay's time.
func inspect(agent_id: String) -> void:
	var npc: Npc = npc_by_id(agent_id)
	if npc == null:
		return
	if not _inspected.is_empty() and _people.npc_by_id.has(_inspected):
		(_people.npc_by_id[_inspected] as Npc).set_highlighted(false)
	_inspected = agent_id
	npc.set_highlighted(true)
	_town_builder.roof_focus = npc  # Its building's roof hides, so that it shows.
	controls.set_selected(agent_id)
	inspector.show_view(agent_view(agent_id, _time))


## What the inspector shows of agent_id at game time t (see replay_inspector.gd): a
## function of the log alone.
func agent_view(agent_id: String, t: float) -> Dictionary:
	return _people.state.agent_view(agent_id, t)


## The NPCs, in the header's order.
func npcs() -> Array[Npc]:
	return _people.npcs


## The NPC of agent_id, or null.
func npc_by_id(agent_id: String) -> Npc:
	return _people.npc_by_id.get(agent_id, null)


## The game time the town is lit as (in steps of DAYLIGHT_STEP_S).
func light_time() -> float:
	return _daylight.time()


## A line on stdout, at the replay's time.
func log_line(text: String) -> void:
	print("[%s] %s" % [SimClock.format_time(_time), text])


# ---- setting up --------------------------------------------------------------------

func _set_up() -> void:
	for agent: Dictionary in _log.reader.agents:
		_names.add(str(agent.get("id", "")), str(agent.get("name", "")))
	_names.add(AgentClientScript.PLAYER_ID, "Player")
	_people = ReplayTown.new(_log, _names, _town_builder, _npc_root, _daylight)
	_people.build(game_time)
	_town = _people.town
	_view = ReplayCamera.new(_camera)
	_build_ui()
	_daylight.setup(null, _town_builder)
	_camera.frame_town(_town.size)


func _build_ui() -> void:
	var layer: CanvasLayer = CanvasLayer.new()
	layer.name = "UI"
	add_child(layer)
	controls = ReplayControls.new()
	layer.add_child(controls)
	_overview_map = OverviewMap.new()
	layer.add_child(_overview_map)
	inspector = ReplayInspector.new()
	layer.add_child(inspector)
	var people: Array[Dictionary] = []
	for npc: Npc in npcs():
		people.append({"id": npc.agent_id(), "name": npc.display_name(), "color": str(npc.agent.get("color", ""))})
	var description: String = str(_log.reader.header.get("description", ""))
	controls.setup(str(_log.reader.header.get("scenario", _town.name)), description, _log.reader.path.get_file(),
		_log.start_time, _log.end_time, people)
	controls.play_toggled.connect(toggle_play)
	controls.seek_requested.connect(seek)
	controls.speed_chosen.connect(set_speed)
	controls.agent_chosen.connect(inspect)
	_overview_map.set_town(_town)
	_overview_map.agent_clicked.connect(inspect)
	inspector.closed.connect(_on_inspector_closed)


# The AgentClient autoload would try to reach a server; a replay needs none.
func _drop_server_client() -> void:
	var client: Node = get_tree().root.get_node_or_null("AgentClient")
	if client != null:
		client.set_process(false)
		client.queue_free()


# ---- the lists, the map and the inspector --------------------------------------------

func _update_ui() -> void:
	var statuses: Dictionary = {}
	var dots: Array[Dictionary] = []
	for npc: Npc in npcs():
		statuses[npc.agent_id()] = npc.current_status()
		var state: Dictionary = _log.step_state_at(npc.agent_id(), _time)
		dots.append({"id": npc.agent_id(), "name": npc.display_name(), "color": str(npc.agent.get("color", "")),
			"position": npc.global_position, "emoji": str(state.get("emoji", "")), "activity": npc.current_status()})
	controls.update_people(statuses)
	controls.show_time(_time, _playing, _speed)
	_overview_map.update_agents(dots)
	if not _inspected.is_empty() and inspector.visible:
		inspector.show_view(agent_view(_inspected, _time))


func _on_inspector_closed(agent_id: String) -> void:
	if _people.npc_by_id.has(agent_id):
		(_people.npc_by_id[agent_id] as Npc).set_highlighted(false)
	_inspected = ""
	_view.following = false
	_town_builder.roof_focus = null
	controls.set_selected("")


# ---- arguments and output ----------------------------------------------------------

# Game seconds from "--at": seconds, "Day N HH:MM", or "HH:MM" (the first such time
# from the run's start); NAN when it is none of them.
func _parse_time(text: String) -> float:
	var value: String = text.strip_edges()
	if value.is_valid_float():
		return value.to_float()
	var pattern: RegEx = RegEx.create_from_string("^(?:[Dd]ay\\s*(\\d+)\\s+)?(\\d{1,2}):(\\d{2})$")
	var found: RegExMatch = pattern.search(value)
	if found == null:
		return NAN
	var of_day: float = found.get_string(2).to_int() * 3600.0 + found.get_string(3).to_int() * 60.0
	if not found.get_string(1).is_empty():
		return (found.get_string(1).to_int() - 1) * 86400.0 + of_day
	var day_start: float = floorf(_log.start_time / 86400.0) * 86400.0
	var at: float = day_start + of_day
	return at if at >= _log.start_time else at + 86400.0


func _quit_bad(message: String) -> void:
	printerr("replay: " + message)
	get_tree().quit(EXIT_BAD_INPUT)
