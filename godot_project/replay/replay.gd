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
##                       shows the same town, else 1
##   --screenshot PNG    seek to --at, wait a few frames, save the frame there and quit
##                       (needs a renderer: a display, or xvfb-run)
##   --report PATH       with --screenshot: what the frame shows, as JSON
## Exit code 2: bad arguments, or a log that cannot be played (the message names the
## file and the line).
##
## Playing: Space play/pause, ←/→ 10 game minutes back/on, the slider for any time,
## 1× 10× 60× 600× speeds; WASD (or the right mouse held) pans the camera, the wheel
## zooms; click an NPC (or a name in the list, or a dot on the map) to inspect it, F
## follows it, Esc closes the inspector, Tab the map.

# Project scripts are preloaded rather than named with class_name (see main/main.gd).
const CliArgs: GDScript = preload("res://main/cli_args.gd")
const Npc: GDScript = preload("res://npc/npc.gd")
const OverviewMap: GDScript = preload("res://ui/overview_map.gd")
const ReplayControls: GDScript = preload("res://replay/replay_controls.gd")
const ReplayInspector: GDScript = preload("res://replay/replay_inspector.gd")
const ReplayLog: GDScript = preload("res://replay/replay_log.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
const TownBuilder: GDScript = preload("res://town/town_builder.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const Daylight: GDScript = preload("res://town/daylight.gd")
const NPC_SCENE: PackedScene = preload("res://npc/npc.tscn")
const EXIT_FAILED: int = 1
const EXIT_BAD_INPUT: int = 2
const DEFAULT_SPEED: float = 60.0
## ← and → move the replay this many game seconds.
const STEP_KEY_S: float = 600.0
## --verify passes when every NPC is this close to where the log has it.
const MAX_ERROR_M: float = 0.01
const MISMATCHES_LISTED: int = 50
const SHUFFLE_SEED: int = 20230213
## Playing through (--verify) takes at most this many frames.
const MAX_PLAYED_FRAMES: int = 20000
const MEMORIES_SHOWN: int = 30
## The lists, the map and the inspector follow the replay this often (real seconds).
const UI_UPDATE_S: float = 0.2
const SCREENSHOT_FRAMES: int = 30
## The light changes with the time of day in steps of this many game seconds.
const DAYLIGHT_STEP_S: float = 60.0
const PLAYER_ID: String = "player"
## A line stays in its speaker's bubble as long as the game shows it at its default
## speed: Npc.line_seconds(text) real seconds, of 60 game seconds each.
const LINE_GAME_SECONDS_PER_SECOND: float = 60.0
const CAMERA_PITCH_DEG: float = 58.0
const ZOOM_STEP: float = 1.15
const MIN_CAMERA_DISTANCE_M: float = 6.0
## WASD pans this many camera distances per real second.
const PAN_RATE: float = 0.8
const DRAG_PAN_RATE: float = 0.0016
## A partner this close is not worth turning to.
const FACE_MIN_M: float = 0.3

var _options: Dictionary = {}
var _log: ReplayLog = null
var _town: TownData = null
var _npcs: Array[Npc] = []
var _npc_by_id: Dictionary = {}
var _home_by_id: Dictionary = {}
var _time: float = 0.0
var _playing: bool = true
var _speed: float = DEFAULT_SPEED
var _running: bool = false
var _inspected: String = ""
var _following: bool = false
var _camera_focus: Vector3 = Vector3.ZERO
var _camera_distance: float = 40.0
var _camera_max_distance: float = 80.0
var _dragging: bool = false
var _since_ui_s: float = 0.0
var _daylight_step: float = -INF

var _controls: ReplayControls = null
var _inspector: ReplayInspector = null
var _overview_map: OverviewMap = null

@onready var _town_builder: TownBuilder = $Town
@onready var _npc_root: Node3D = $Npcs
@onready var _camera: Camera3D = $Camera3D
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
		_quit_bad("cannot replay %s" % _log.error)
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
			inspect_id, _log.path, ", ".join(_log.agent_ids() + _log.unlisted_ids())])
		return
	_set_up()
	_log_line("replay of %s (%s): %d agents, %d steps, %d records, %s – %s, read in %.2f s" % [
		str(_log.header.get("scenario", "?")), _town.name, _npcs.size(), _log.steps.size(), _log.record_count,
		SimClock.format_time(_log.start_time), SimClock.format_time(_log.end_time), loaded_in_s])
	for note: String in _log.notes:
		_log_line("note: " + note)
	if _options.has("verify"):
		_verify(CliArgs.caller_path(str(_options["verify"])))
		return
	_playing = not _options.has("paused") and not _options.has("screenshot")
	seek(start)
	if not inspect_id.is_empty():
		inspect(inspect_id)
	_running = true
	if _options.has("screenshot"):
		_screenshot(CliArgs.caller_path(str(_options["screenshot"])), CliArgs.caller_path(str(_options.get("report", ""))) \
			if _options.has("report") else "")


func _process(delta: float) -> void:
	if not _running:
		return
	if _playing:
		advance(delta)
	_apply(_time)
	_move_camera(delta)
	_controls.show_time(_time, _playing, _speed)
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
					_following = not _following and not _inspected.is_empty()
			_:
				handled = false
		if handled:
			get_viewport().set_input_as_handled()
		return
	var button: InputEventMouseButton = event as InputEventMouseButton
	if button != null:
		match button.button_index:
			MOUSE_BUTTON_WHEEL_UP:
				_zoom(1.0 / ZOOM_STEP)
			MOUSE_BUTTON_WHEEL_DOWN:
				_zoom(ZOOM_STEP)
			MOUSE_BUTTON_RIGHT:
				_dragging = button.pressed
			MOUSE_BUTTON_LEFT:
				if button.pressed:
					_click(button.position)
		return
	var motion: InputEventMouseMotion = event as InputEventMouseMotion
	if motion != null and _dragging:
		_following = false
		_camera_focus -= Vector3(motion.relative.x, 0.0, motion.relative.y) * _camera_distance * DRAG_PAN_RATE
		_clamp_focus()


## The replay's game time, seconds since day 1 00:00.
func game_time() -> float:
	return _time


## Shows the town at game time t (held within the run).
func seek(t: float) -> void:
	_jump(t)
	_update_ui()


# The town at t, without the lists, the map and the inspector (they follow on the
# next update).
func _jump(t: float) -> void:
	_time = clampf(t, _log.start_time, _log.end_time)
	_apply(_time)


## Moves the replay on by delta real seconds at its speed, as a frame of play does;
## it pauses at the end of the run.
func advance(delta: float) -> void:
	_time = minf(_time + delta * _speed, _log.end_time)
	if _time >= _log.end_time:
		_playing = false


func toggle_play() -> void:
	if not _playing and _time >= _log.end_time:
		seek(_log.start_time)  # Play again from the start.
	_playing = not _playing


func set_speed(speed: float) -> void:
	if speed > 0.0:
		_speed = speed


## Opens the inspector on an agent at the replay's time.
func inspect(agent_id: String) -> void:
	var npc: Npc = _npc_by_id.get(agent_id, null)
	if npc == null:
		return
	if not _inspected.is_empty() and _npc_by_id.has(_inspected):
		(_npc_by_id[_inspected] as Npc).set_highlighted(false)
	_inspected = agent_id
	npc.set_highlighted(true)
	_town_builder.roof_focus = npc  # Its building's roof hides, so that it shows.
	_controls.set_selected(agent_id)
	_inspector.show_view(agent_view(agent_id, _time))


## The NPCs, in the header's order.
func npcs() -> Array[Npc]:
	return _npcs


## What the inspector shows of agent_id at game time t (see replay_inspector.gd): a
## function of the log alone.
func agent_view(agent_id: String, t: float) -> Dictionary:
	var agent: Dictionary = _log.agent(agent_id)
	var state: Dictionary = _log.step_state_at(agent_id, t)
	var view: Dictionary = {
		"id": agent_id, "name": _name_of(agent_id), "color": str(agent.get("color", "")),
		"place": _place_name(str(state.get("place", ""))), "walking": _log.walking_at(agent_id, t),
		"status": _status_text(agent_id, t, state), "command": {}, "conversation": {},
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


# ---- setting up --------------------------------------------------------------------

func _set_up() -> void:
	_town = TownData.new(_log.town)
	_town_builder.build(_town)
	for agent: Dictionary in _log.agents:
		_spawn(agent)
	# Someone the steps place but the header does not list (the player) is shown too.
	for agent_id: String in _log.unlisted_ids():
		_spawn({"id": agent_id, "name": _name_of(agent_id)})
	_build_ui()
	_daylight.setup(null, _town_builder)
	_frame_overview()


func _spawn(agent: Dictionary) -> void:
	var agent_id: String = str(agent.get("id", ""))
	var home: String = str(agent.get("homePlaceId", ""))
	_home_by_id[agent_id] = TownData.vec3(_town.place(home).get("position", {})) if _town.has_place(home) else Vector3.ZERO
	var npc: Npc = NPC_SCENE.instantiate()
	_npc_root.add_child(npc)
	npc.setup(agent, game_time, Callable(), _name_of)
	# The log moves it: its controller neither asks a server nor walks it.
	npc.controller.set_process(false)
	npc.controller.set_physics_process(false)
	_npcs.append(npc)
	_npc_by_id[agent_id] = npc


func _build_ui() -> void:
	var layer: CanvasLayer = CanvasLayer.new()
	layer.name = "UI"
	add_child(layer)
	_controls = ReplayControls.new()
	layer.add_child(_controls)
	_overview_map = OverviewMap.new()
	layer.add_child(_overview_map)
	_inspector = ReplayInspector.new()
	layer.add_child(_inspector)
	var people: Array[Dictionary] = []
	for npc: Npc in _npcs:
		people.append({"id": npc.agent_id(), "name": npc.display_name(), "color": str(npc.agent.get("color", ""))})
	var description: String = str(_log.header.get("description", ""))
	_controls.setup(str(_log.header.get("scenario", _town.name)), description, _log.path.get_file(),
		_log.start_time, _log.end_time, people)
	_controls.play_toggled.connect(toggle_play)
	_controls.seek_requested.connect(seek)
	_controls.speed_chosen.connect(set_speed)
	_controls.agent_chosen.connect(inspect)
	_overview_map.set_town(_town)
	_overview_map.agent_clicked.connect(inspect)
	_inspector.closed.connect(_on_inspector_closed)


# The AgentClient autoload would try to reach a server; a replay needs none.
func _drop_server_client() -> void:
	var client: Node = get_tree().root.get_node_or_null("AgentClient")
	if client != null:
		client.set_process(false)
		client.queue_free()


# ---- the town at t -----------------------------------------------------------------

# Puts every NPC where, and as, the log has it at t.
func _apply(t: float) -> void:
	for npc: Npc in _npcs:
		var agent_id: String = npc.agent_id()
		var position: Vector3 = _log.position_at(agent_id, t, _home_by_id.get(agent_id, Vector3.ZERO))
		npc.global_position = position
		npc.rotation = Vector3(0.0, _facing(agent_id, t, position), 0.0)
		var state: Dictionary = _log.step_state_at(agent_id, t)
		var status: String = _status_text(agent_id, t, state)
		if npc.current_status() != Npc.trim_text(status):
			npc.show_status(status)
		# The NPC takes a line out of its bubble after some real seconds; here the
		# replay's time says how long it stays (_line_at), so it is put back.
		var line: String = _line_at(agent_id, t)
		if line != npc.current_line():
			if line.is_empty():
				npc.end_line()
			else:
				npc.show_line_text(line)
		npc.body.doing = not str(state.get("doing", "")).is_empty() and not bool(state.get("moving", false)) \
			and _log.conversation_at(agent_id, t).is_empty()
	var daylight_step: float = floorf(t / DAYLIGHT_STEP_S) * DAYLIGHT_STEP_S
	if daylight_step != _daylight_step:
		_daylight_step = daylight_step
		_daylight.set_time(daylight_step)


# The line in the agent's speech bubble at t: its latest line, for as long as the
# game shows a line at its default speed (Npc.line_seconds, in game minutes here), and
# until the next line of the conversation; "" when none.
func _line_at(agent_id: String, t: float) -> String:
	var utterance: Dictionary = _log.latest_line_at(agent_id, t)
	if utterance.is_empty():
		return ""
	var text: String = str(utterance.get("text", "")).strip_edges()
	return text if t - float(utterance["t"]) < Npc.line_seconds(text) * LINE_GAME_SECONDS_PER_SECOND else ""


# Where the agent walks; talking and standing, towards its partners; else where its
# latest walk took it.
func _facing(agent_id: String, t: float, position: Vector3) -> float:
	if not _log.walking_at(agent_id, t):
		var conversation_id: String = _log.conversation_at(agent_id, t)
		if not conversation_id.is_empty():
			var toward: Vector3 = Vector3.ZERO
			var partners: int = 0
			for partner_id: String in _partners(agent_id, conversation_id):
				if _npc_by_id.has(partner_id):
					toward += _log.position_at(partner_id, t, _home_by_id.get(partner_id, Vector3.ZERO))
					partners += 1
			if partners > 0:
				toward = toward / partners - position
				if Vector2(toward.x, toward.z).length() > FACE_MIN_M:
					return atan2(-toward.x, -toward.z)
	return _log.yaw_at(agent_id, t)


# The activity bubble: what the log's latest step says the agent is doing.
func _status_text(agent_id: String, t: float, state: Dictionary) -> String:
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
		lines.append({"speaker": _name_of(speaker), "mine": speaker == agent_id,
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
	var names: PackedStringArray = PackedStringArray()
	for partner_id: String in _partners(agent_id, conversation_id):
		names.append(_name_of(partner_id))
	return Npc.names_in_words(names) if not names.is_empty() else "someone"


func _name_of(agent_id: String) -> String:
	if agent_id == PLAYER_ID:
		return "Player"
	var agent_name: String = str(_log.agent(agent_id).get("name", ""))
	return agent_name if not agent_name.is_empty() else agent_id


func _place_name(place_id: String) -> String:
	if place_id.is_empty():
		return ""
	return _town.path_name(place_id) if _town.has_place(place_id) else place_id


func _update_ui() -> void:
	var statuses: Dictionary = {}
	var dots: Array[Dictionary] = []
	for npc: Npc in _npcs:
		statuses[npc.agent_id()] = npc.current_status()
		var state: Dictionary = _log.step_state_at(npc.agent_id(), _time)
		dots.append({"id": npc.agent_id(), "name": npc.display_name(), "color": str(npc.agent.get("color", "")),
			"position": npc.global_position, "emoji": str(state.get("emoji", "")), "activity": npc.current_status()})
	_controls.update_people(statuses)
	_controls.show_time(_time, _playing, _speed)
	_overview_map.update_agents(dots)
	if not _inspected.is_empty() and _inspector.visible:
		_inspector.show_view(agent_view(_inspected, _time))


func _on_inspector_closed(agent_id: String) -> void:
	if _npc_by_id.has(agent_id):
		(_npc_by_id[agent_id] as Npc).set_highlighted(false)
	_inspected = ""
	_following = false
	_town_builder.roof_focus = null
	_controls.set_selected("")


# ---- the camera --------------------------------------------------------------------

# Frames the whole town from above, a little to the south (as main.gd's overview).
func _frame_overview() -> void:
	var extent: float = maxf(maxf(_town.size.x, _town.size.z), 20.0)
	_camera_distance = extent * 0.5 / tan(deg_to_rad(_camera.fov) * 0.5) * 0.95
	_camera_max_distance = _camera_distance * 2.0
	_camera_focus = Vector3(0.0, 0.0, _town.size.z * 0.08)
	_place_camera()


func _move_camera(delta: float) -> void:
	var pan: Vector3 = Vector3.ZERO
	if Input.is_physical_key_pressed(KEY_W):
		pan.z -= 1.0
	if Input.is_physical_key_pressed(KEY_S):
		pan.z += 1.0
	if Input.is_physical_key_pressed(KEY_A):
		pan.x -= 1.0
	if Input.is_physical_key_pressed(KEY_D):
		pan.x += 1.0
	if pan != Vector3.ZERO:
		_following = false
		_camera_focus += pan.normalized() * PAN_RATE * _camera_distance * delta
		_clamp_focus()
	elif _following and _npc_by_id.has(_inspected):
		var target: Vector3 = (_npc_by_id[_inspected] as Npc).global_position
		_camera_focus = Vector3(target.x, 0.0, target.z)
	_place_camera()


func _zoom(factor: float) -> void:
	_camera_distance = clampf(_camera_distance * factor, MIN_CAMERA_DISTANCE_M, _camera_max_distance)
	_place_camera()


func _clamp_focus() -> void:
	var half: Vector3 = _town.size / 2.0
	_camera_focus = Vector3(clampf(_camera_focus.x, -half.x, half.x), 0.0, clampf(_camera_focus.z, -half.z, half.z))


func _place_camera() -> void:
	var pitch: float = deg_to_rad(CAMERA_PITCH_DEG)
	_camera.position = _camera_focus + Vector3(0.0, sin(pitch), cos(pitch)) * _camera_distance
	_camera.rotation = Vector3(-pitch, 0.0, 0.0)
	_camera.far = _camera_distance * 3.0 + maxf(_town.size.x, _town.size.z)


# A left click on an NPC inspects it.
func _click(at: Vector2) -> void:
	var npc: Npc = Npc.under_point(_camera, at, _camera.far) as Npc
	if npc != null:
		inspect(npc.agent_id())
		get_viewport().set_input_as_handled()


# ---- checking, and screenshots -----------------------------------------------------

# --verify: seeks to every step (the log's order, backwards, shuffled) and plays the
# run through; every NPC must stand where the log has it, and every way must show the
# same town at the same time. Writes the report, then quits.
func _verify(report_path: String) -> void:
	var started: int = Time.get_ticks_usec()
	var steps: Array[Dictionary] = _log.steps
	var count: int = steps.size()
	var reference: Array = []
	var max_error: float = 0.0
	var compared: int = 0
	var mismatches: Array[Dictionary] = []
	var slowest_seek_us: int = 0
	var seeks_us: int = 0
	var seeks: int = 0
	for index: int in count:
		var step: Dictionary = steps[index]
		var seek_started: int = Time.get_ticks_usec()
		_jump(float(step["t"]))
		var seek_us: int = Time.get_ticks_usec() - seek_started
		slowest_seek_us = maxi(slowest_seek_us, seek_us)
		seeks_us += seek_us
		seeks += 1
		reference.append(_fingerprint(true))
		var entries: Variant = step.get("agents", [])
		for entry: Variant in entries if entries is Array else []:
			if not entry is Dictionary:
				continue
			var agent_id: String = str((entry as Dictionary).get("id", ""))
			var npc: Npc = _npc_by_id.get(agent_id, null)
			if npc == null:
				if mismatches.size() < MISMATCHES_LISTED:
					mismatches.append({"line": int(step["_line"]), "t": int(step["t"]), "agent": agent_id,
						"problem": "not one of the header's agents"})
				max_error = INF
				continue
			# In double precision: the log's numbers as written, the NPC's as placed.
			var logged: Dictionary = (entry as Dictionary).get("position", {}) if (entry as Dictionary).get("position") is Dictionary else {}
			var shown: Vector3 = npc.global_position
			var dx: float = float(shown.x) - float(logged.get("x", 0.0))
			var dy: float = float(shown.y) - float(logged.get("y", 0.0))
			var dz: float = float(shown.z) - float(logged.get("z", 0.0))
			var error: float = sqrt(dx * dx + dy * dy + dz * dz)
			compared += 1
			max_error = maxf(max_error, error)
			if error > MAX_ERROR_M and mismatches.size() < MISMATCHES_LISTED:
				mismatches.append({"line": int(step["_line"]), "t": int(step["t"]), "agent": agent_id,
					"logged": logged, "shown": TownData.vec3_message(shown), "error_m": error})
	var orders: Dictionary = {"log": {"seeks": count, "identical": true, "seconds": (Time.get_ticks_usec() - started) / 1e6}}
	var backwards: Array[int] = []
	for index: int in range(count - 1, -1, -1):
		backwards.append(index)
	var shuffled: Array[int] = []
	for index: int in count:
		shuffled.append(index)
	var random: RandomNumberGenerator = RandomNumberGenerator.new()
	random.seed = SHUFFLE_SEED
	for index: int in range(count - 1, 0, -1):  # Fisher-Yates, seeded: the same order every run.
		var other: int = random.randi_range(0, index)
		var swap: int = shuffled[index]
		shuffled[index] = shuffled[other]
		shuffled[other] = swap
	for order: Array in [["backwards", backwards], ["shuffled", shuffled]]:
		var order_started: int = Time.get_ticks_usec()
		var first_difference: Variant = null
		for index: int in order[1]:
			var seek_started: int = Time.get_ticks_usec()
			_jump(float(steps[index]["t"]))
			var seek_us: int = Time.get_ticks_usec() - seek_started
			slowest_seek_us = maxi(slowest_seek_us, seek_us)
			seeks_us += seek_us
			seeks += 1
			if _fingerprint(true) != reference[index] and first_difference == null:
				first_difference = int(steps[index]["t"])
		orders[order[0]] = {"seeks": count, "identical": first_difference == null, "first_difference_t": first_difference,
			"seconds": (Time.get_ticks_usec() - order_started) / 1e6}
	var playing_started: int = Time.get_ticks_usec()
	orders["played"] = _verify_playing(random)
	orders["played"]["seconds"] = (Time.get_ticks_usec() - playing_started) / 1e6
	var identical: bool = true
	for order: String in orders:
		identical = identical and bool(orders[order]["identical"])
	var passed: bool = max_error <= MAX_ERROR_M and identical and mismatches.is_empty()
	var report: Dictionary = {
		"log": _log.path, "version": ReplayLog.VERSION, "steps": count, "agents": _npcs.size(),
		"positions_compared": compared, "max_error_m": max_error if is_finite(max_error) else -1.0,
		"mismatches": mismatches, "seek_orders_identical": identical, "orders": orders,
		"records": _log.record_count, "record_types": _log.counts, "notes": Array(_log.notes),
		"start_time": _log.start_time, "end_time": _log.end_time, "slowest_seek_ms": slowest_seek_us / 1000.0,
		"mean_seek_ms": seeks_us / 1000.0 / maxi(seeks, 1),
		"duration_s": (Time.get_ticks_usec() - started) / 1e6, "passed": passed,
	}
	_write_json(report_path, report)
	print("verify: %d steps, %d positions, max error %.6f m, %d mismatches, seek orders %s, seeks %.3f ms on average (slowest %.2f ms): %s" % [
		count, compared, report["max_error_m"], mismatches.size(), "identical" if identical else "DIFFER",
		report["mean_seek_ms"], slowest_seek_us / 1000.0, "passed" if passed else "FAILED"])
	get_tree().quit(0 if passed else EXIT_FAILED)


# Plays the run through from its start, frame by frame as _process does (at 600×, or
# faster for a long run), then seeks to every frame's time in a shuffled order: each
# must show the town the frame showed.
func _verify_playing(random: RandomNumberGenerator) -> Dictionary:
	var frame_s: float = 1.0 / 60.0
	_speed = maxf(ReplayControls.SPEEDS[ReplayControls.SPEEDS.size() - 1],
		(_log.end_time - _log.start_time) / (MAX_PLAYED_FRAMES * frame_s))
	_jump(_log.start_time)
	_playing = true
	var times: Array[float] = [_time]
	var prints: Array = [_fingerprint(false)]
	while _playing:
		advance(frame_s)
		_apply(_time)
		times.append(_time)
		prints.append(_fingerprint(false))
	var order: Array[int] = []
	for index: int in times.size():
		order.append(index)
	for index: int in range(order.size() - 1, 0, -1):
		var other: int = random.randi_range(0, index)
		var swap: int = order[index]
		order[index] = order[other]
		order[other] = swap
	var first_difference: Variant = null
	for index: int in order:
		_jump(times[index])
		if _fingerprint(false) != prints[index] and first_difference == null:
			first_difference = times[index]
	var speed: float = _speed
	_speed = DEFAULT_SPEED
	return {"frames": times.size(), "speed": speed, "identical": first_difference == null,
		"first_difference_t": first_difference}


# The town as shown: every NPC's place, facing, bubble and pose, the light, and (with
# views) what the inspector would show of each.
func _fingerprint(with_views: bool) -> Array:
	var values: Array = [_time, _daylight.time()]
	for npc: Npc in _npcs:
		values.append_array([npc.global_position, npc.rotation, npc.current_status(), npc.current_line(),
			npc.body.doing])
		if with_views:
			values.append(agent_view(npc.agent_id(), _time))
	return values


# --screenshot: the frame at --at, with the inspector open with --inspect.
func _screenshot(png_path: String, report_path: String) -> void:
	if DisplayServer.get_name() == "headless":
		printerr("replay: --screenshot needs a renderer (a display, or xvfb-run), not --headless")
		get_tree().quit(EXIT_FAILED)
		return
	for _i: int in SCREENSHOT_FRAMES:
		await get_tree().process_frame
	await RenderingServer.frame_post_draw
	var image: Image = get_viewport().get_texture().get_image()
	if image == null or image.is_empty():
		printerr("replay: no frame was rendered; nothing to save")
		get_tree().quit(EXIT_FAILED)
		return
	DirAccess.make_dir_recursive_absolute(png_path.get_base_dir())
	var error: Error = image.save_png(png_path)
	if error != OK:
		printerr("replay: cannot write %s: %s" % [png_path, error_string(error)])
		get_tree().quit(EXIT_FAILED)
		return
	_log_line("screenshot at %s written to %s" % [SimClock.format_time(_time), png_path])
	if not report_path.is_empty():
		var npcs: Array[Dictionary] = []
		for npc: Npc in _npcs:
			npcs.append({"id": npc.agent_id(), "name": npc.display_name(),
				"position": TownData.vec3_message(npc.global_position), "status": npc.current_status(),
				"line": npc.current_line(), "highlighted": npc.is_highlighted()})
		var inspector: Dictionary = {}
		if _inspector.visible:
			inspector = {"agent": _inspector.shown_agent(), "title": _inspector.title_text(),
				"subtitle": _inspector.subtitle_text(), "view": _inspector.view()}
		_write_json(report_path, {"screenshot": png_path, "t": _time, "clock": _controls.clock_text(),
			"size": [image.get_width(), image.get_height()], "renderer": RenderingServer.get_current_rendering_driver_name(),
			"npcs": npcs, "inspector": inspector})
	get_tree().quit(0)


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


func _write_json(path: String, data: Dictionary) -> void:
	DirAccess.make_dir_recursive_absolute(path.get_base_dir())
	var file: FileAccess = FileAccess.open(path, FileAccess.WRITE)
	if file == null:
		printerr("replay: cannot write %s: %s" % [path, error_string(FileAccess.get_open_error())])
		return
	file.store_string(JSON.stringify(data, "  ", false) + "\n")
	file.close()


func _quit_bad(message: String) -> void:
	printerr("replay: " + message)
	get_tree().quit(EXIT_BAD_INPUT)


func _log_line(text: String) -> void:
	print("[%s] %s" % [SimClock.format_time(_time), text])
