extends Node3D
## The player's side of the town: the player, talking, inspecting, the views and the
## UI (HUD, chat panel, inspector, overview map, rehearsal panel). The NPC in front of
## the player within talking range gets "E: talk" (and the server is told, PrepareChat);
## E starts a conversation that the NPC's controller treats like any other, and Esc, E
## again or walking away ends it (play_talk.gd, the part that does the talking). A
## left click on an NPC inspects it.
##
## main.gd calls build_ui() at once, set_up(roster) when the town is built (after
## spawn_player() for a town with a player; from then on it follows every NPC's lines
## through the NpcEvents bus), step(delta) every frame of the run and stop() when it
## ends. The scripted player
## (main/autopilot.gd) plays through this node: npcs(), npc_by_id(), talk_candidate(),
## inspect(), set_view(), preview_hour(), game_time(), log_line() and the UI below.

const AgentNames: GDScript = preload("res://common/agent_names.gd")
const CharacterFeedback: GDScript = preload("res://addons/simulacra/messages/character_feedback.gd")
const ServerStats: GDScript = preload("res://addons/simulacra/messages/server_stats.gd")
const ChatPanel: GDScript = preload("res://ui/chat_panel.gd")
const Daylight: GDScript = preload("res://town/daylight.gd")
const Hud: GDScript = preload("res://ui/hud.gd")
const Inspector: GDScript = preload("res://ui/inspector.gd")
const Npc: GDScript = preload("res://npc/npc.gd")
const OverviewCamera: GDScript = preload("res://common/overview_camera.gd")
const OverviewMap: GDScript = preload("res://ui/overview_map.gd")
const PlayTalk: GDScript = preload("res://main/play_talk.gd")
const Player: GDScript = preload("res://player/player.gd")
const RehearsalPanel: GDScript = preload("res://ui/rehearsal_panel.gd")
const RunTimeline: GDScript = preload("res://main/run_timeline.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
const TownBuilder: GDScript = preload("res://town/town_builder.gd")
const UiTheme: GDScript = preload("res://ui/theme.gd")
const WorldSync: GDScript = preload("res://main/world_sync.gd")
const MAP_UPDATE_S: float = 0.25
# A click picks an NPC up to this far from the camera.
const PICK_RAY_M: float = 400.0
const BASE_SPEED: float = 60.0
const READINESS_POLL_S: float = 5.0

## The player (null when the town runs without one), and the UI.
var player: Player = null
var chat_panel: ChatPanel = null
var inspector: Inspector = null
var hud: Hud = null
var overview_map: OverviewMap = null
## A rehearsal's goal and feedback (hidden in a plain town: no player goal).
var rehearsal_panel: RehearsalPanel = null
## Clicks inspect NPCs once the run is going.
var running: bool = false

var _world: WorldSync = null
var _timeline: RunTimeline = null
var _names: AgentNames = null
var _clock: SimClock = null
var _town_builder: TownBuilder = null
var _overview_camera: OverviewCamera = null
var _daylight: Daylight = null
var _stopped: bool = false
var _view: String = "overview"
# The talk candidate, the conversation with the player, and where lines go.
var _talk: PlayTalk = null
var _highlighted: Npc = null
var _since_map_s: float = 0.0


func _init(world: WorldSync, timeline: RunTimeline, names: AgentNames, clock: SimClock,
		town_builder: TownBuilder, overview_camera: OverviewCamera, daylight: Daylight) -> void:
	_world = world
	_timeline = timeline
	_names = names
	_clock = clock
	_town_builder = town_builder
	_overview_camera = overview_camera
	_daylight = daylight
	_talk = PlayTalk.new(world, timeline, clock)


func build_ui() -> void:
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
	_talk.chat_panel = chat_panel
	_talk.hud = hud
	hud.pause_toggled.connect(_on_pause_toggled)
	hud.speed_chosen.connect(_on_speed_chosen)
	chat_panel.reply_progress.connect(_talk.on_reply_progress)
	chat_panel.reply_finished.connect(_talk.on_reply_finished)
	chat_panel.closed.connect(_talk.on_chat_closed)
	inspector.closed.connect(_on_inspector_closed)
	overview_map.agent_clicked.connect(inspect)
	rehearsal_panel.input_blocker = chat_panel.has_focus_input
	rehearsal_panel.debrief_started.connect(_on_debrief_started)
	rehearsal_panel.debrief_finished.connect(_on_debrief_finished)


## The player, named player_name, in the open on the navmesh nearest the middle of
## the town, looking north.
func spawn_player(player_name: String) -> void:
	player = Player.new()
	player.name = "Player"
	add_child(player)
	player.set_player_name(player_name)
	_talk.player = player
	_town_builder.roof_focus = player  # The roof of the building the player is in hides.
	var map: RID = get_world_3d().navigation_map
	var spawn: Vector3 = NavigationServer3D.map_get_closest_point(map, Vector3.ZERO)
	player.place(spawn + Vector3(0.0, 0.05, 0.0), 0.0)
	var place: String = _world.town.place_at(spawn)
	_timeline.log_line("the player, %s, is %s" % [player.player_name,
		"at " + _world.town.path_name(place) if not place.is_empty() else "out in the street"])


## roster: the ListAgents reply, which also says the scenario and, in a rehearsal, the
## player's goal.
func set_up(roster: Dictionary) -> void:
	hud.set_clock(_clock)
	rehearsal_panel.set_name_of(_names.name_of)
	rehearsal_panel.set_color_of(_color_of)
	rehearsal_panel.set_scenario(str(roster.get("scenario", "")), str(roster.get("description", "")),
		str(roster.get("playerGoal", "")))
	if rehearsal_panel.is_rehearsal():
		hud.set_hints(Hud.REHEARSAL_HINTS)
		_timeline.log_line("rehearsal %s; the player's goal: %s" % [roster.get("scenario", ""), rehearsal_panel.goal_text()])
	inspector.set_town(_world.town)
	inspector.set_name_of(_names.name_of)
	inspector.set_game_time_source(_clock.now)
	overview_map.set_town(_world.town)
	set_view("follow" if player != null else "overview")
	# Every NPC's lines: to the player, into the chat panel (or the HUD); to others,
	# the partners' earlier lines leave their bubbles.
	NpcEvents.utterance_received.connect(_talk.on_utterance_received)


## The run is over.
func stop() -> void:
	_stopped = true


## All NPCs in town.
func npcs() -> Array[Npc]:
	return _world.npcs


## The game clock's time, seconds since day 1 00:00.
func game_time() -> float:
	return _clock.now()


## The NPC of agent_id, or null.
func npc_by_id(agent_id: String) -> Npc:
	return _world.npc_by_id(agent_id)


## The NPC the player would talk to with the talk action now, or null.
func talk_candidate() -> Npc:
	return _talk.candidate


## A line in the timeline.
func log_line(text: String) -> void:
	_timeline.log_line(text)


## Opens the inspector on an agent.
func inspect(agent_id: String) -> void:
	var npc: Npc = _world.npc_by_id(agent_id)
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


## What the player is doing, in words (for the NPCs that see it).
func player_activity() -> String:
	if _talk.chat_npc != null:
		return "talking with %s" % _talk.chat_npc.display_name()
	if player.velocity.length() > 0.3:
		return "walking around"
	var here: String = _world.town.place_at(player.global_position)
	return "standing in %s" % _world.town.path_name(here) if not here.is_empty() else "standing around"


## Until every agent has planned its day (the server does it as the town opens), the
## HUD says so; agents start moving one by one as their plans come.
func watch_readiness() -> void:
	var told: bool = false
	while not _stopped:
		var stats: ServerStats = (await AgentClient.get_stats()).get("message")  # null: failed
		if stats != null and stats.ready:
			if told:
				hud.show_status("Everyone has planned their day", false)
			_timeline.log_line("every agent has planned its day")
			return
		if stats != null and not told:
			hud.show_status("The townspeople are planning their day…", false)
			told = true
		await get_tree().create_timer(READINESS_POLL_S).timeout


## A frame of the run: the map, the panels, and the player's keys.
func step(delta: float) -> void:
	_since_map_s += delta
	if _since_map_s >= MAP_UPDATE_S:
		_since_map_s = 0.0
		_update_map()
	# The goal panel and the inspector share the right of the screen; the full map
	# takes all of it.
	rehearsal_panel.set_covered(inspector.is_showing() or overview_map.is_expanded())
	if player == null:
		return
	var typing: bool = _talk.update()
	if typing:
		return
	_talk.talk_key()
	if Input.is_action_just_pressed("toggle_view"):
		set_view("overview" if _view == "follow" else "follow")
	if Input.is_action_just_pressed("toggle_map"):
		overview_map.set_expanded(not overview_map.is_expanded())
	_talk.keep_up()


func _unhandled_input(event: InputEvent) -> void:
	var click: InputEventMouseButton = event as InputEventMouseButton
	if click == null or not click.pressed or click.button_index != MOUSE_BUTTON_LEFT or not running:
		return
	var camera: Camera3D = get_viewport().get_camera_3d()
	if camera == null:
		return
	var npc: Npc = Npc.under_point(camera, click.position, PICK_RAY_M) as Npc
	if npc != null:
		inspect(npc.agent_id())
		get_viewport().set_input_as_handled()


func _on_inspector_closed(_agent_id: String) -> void:
	_highlight(null)


# Asking how it went makes room for the feedback: the inspector, on the same side, closes.
func _on_debrief_started() -> void:
	inspector.hide_inspector()
	_timeline.log_line("the player asks how it went (Debrief)")


func _on_debrief_finished(feedback: Array, failure: Dictionary) -> void:
	if not failure.is_empty():
		hud.show_status("Could not get feedback: %s" % RunTimeline.describe_error(failure), true)
		return  # The failed call is in the timeline and the report's errors already.
	if feedback.is_empty():
		_timeline.log_line("debrief: no one has talked with the player yet")
	for item: CharacterFeedback in feedback:
		_timeline.log_line("debrief: %s (%d lines with the player): \"%s\"" % [_names.name_of(item.agent_id), item.lines_exchanged, item.feedback])


func _on_pause_toggled(paused: bool) -> void:
	_clock.set_paused(paused)
	_timeline.log_line("paused" if paused else "resumed")


func _on_speed_chosen(multiplier: float) -> void:
	_clock.set_speed(BASE_SPEED * multiplier)
	_timeline.log_line("speed %s× (%d game seconds per second)" % [multiplier, int(BASE_SPEED * multiplier)])


# An agent's colour on the map and in the UI.
func _color_of(agent_id: String) -> Color:
	var npc: Npc = _world.npc_by_id(agent_id)
	if npc == null:
		return UiTheme.ACCENT
	return Color.from_string(str(npc.agent.get("color", "")), UiTheme.ACCENT)


func _highlight(npc: Npc) -> void:
	if _highlighted != null and is_instance_valid(_highlighted):
		_highlighted.set_highlighted(false)
	_highlighted = npc
	if npc != null:
		npc.set_highlighted(true)


func _update_map() -> void:
	var agents: Array[Dictionary] = []
	for npc: Npc in _world.npcs:
		var activity: Dictionary = npc.controller.current_activity()
		agents.append({
			"id": npc.agent_id(), "name": npc.display_name(),
			"color": Color.from_string(str(npc.agent.get("color", "")), Color.WHITE),
			"position": npc.global_position, "emoji": str(activity.get("emoji", "")),
			"activity": _world.activity_of(npc),
		})
	overview_map.update_agents(agents)
	if player != null:
		overview_map.update_player(player.global_position, player.yaw)
