extends RefCounted
## Saving and loading the whole simulation. The server keeps the minds, and with them
## the world's snapshot that this composes: the clock, where everyone is and what they
## are doing (every NPC's state and current command), the player. Loading restores the
## minds on the server (LoadGame) and puts the world back as saved.

const Npc: GDScript = preload("res://npc/npc.gd")
const Play: GDScript = preload("res://main/play.gd")
const RunTimeline: GDScript = preload("res://main/run_timeline.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const WorldSync: GDScript = preload("res://main/world_sync.gd")

var _world: WorldSync = null
var _play: Play = null
var _timeline: RunTimeline = null
var _clock: SimClock = null


func _init(world: WorldSync, play: Play, timeline: RunTimeline, clock: SimClock) -> void:
	_world = world
	_play = play
	_timeline = timeline
	_clock = clock


## Sends SaveGame with the world's snapshot; the HUD says how it went.
func save_game(save_name: String) -> void:
	var current: Array = []
	for npc: Npc in _world.npcs:
		var command: Dictionary = npc.controller.current_command
		if not command.is_empty():
			current.append(command)
	var states: Array = []
	for state: Dictionary in _world.agent_states():
		state.erase("perceptions")
		states.append(state)
	var world: Dictionary = {"gameTime": int(_clock.now()), "speed": _clock.speed, "agents": states,
		"currentCommands": current}
	if _play.player != null:
		world["playerPosition"] = TownData.vec3_message(_play.player.global_position)
		world["playerYaw"] = _play.player.yaw
	var reply: Dictionary = await AgentClient.save_game(save_name, world)
	if reply.get("ok", false):
		_play.hud.show_status("Saved '%s' at %s" % [save_name, SimClock.format_time(_clock.now())], false)
		_timeline.log_line("saved the simulation as '%s'" % save_name)
	else:
		_play.hud.show_status("Could not save: %s" % RunTimeline.describe_error(reply.get("error", {})), true)


## Loads a save: the server restores the minds and returns the world saved with them.
## False (the HUD and the timeline say why) when it could not.
func load_game(save_name: String) -> bool:
	var reply: Dictionary = await AgentClient.load_game(save_name)
	if not reply.get("ok", false):
		var why: String = RunTimeline.describe_error(reply.get("error", {}))
		_play.hud.show_status("Could not load: %s" % why, true)
		_timeline.log_line("could not load the save '%s': %s" % [save_name, why])
		return false
	var world: Dictionary = reply.get("payload", {}).get("world", {})
	if _play.chat_panel.is_open():
		_play.chat_panel.close()
	_play.inspector.hide_inspector()
	_play.rehearsal_panel.close_feedback()  # It was about talks the loaded minds may not have had.
	_clock.set_now(float(world.get("gameTime", _clock.now())))
	if float(world.get("speed", 0.0)) > 0.0:
		_clock.set_speed(float(world["speed"]))
	var commands: Dictionary = {}
	for command: Dictionary in world.get("currentCommands", []):
		commands[str(command.get("agentId", ""))] = command
	var states: Dictionary = {}
	for state: Dictionary in world.get("agents", []):
		states[str(state.get("agentId", ""))] = state
	for npc: Npc in _world.npcs:
		_play.chat_panel.clear_transcript(npc.agent_id())  # Those talks are not in the loaded minds.
		npc.controller.stop()
		if states.has(npc.agent_id()):
			npc.global_position = TownData.vec3(states[npc.agent_id()].get("position", {}))
		npc.controller.start()
		if commands.has(npc.agent_id()):
			npc.controller.apply_command(commands[npc.agent_id()])
	if _play.player != null and world.has("playerPosition"):
		_play.player.place(TownData.vec3(world["playerPosition"]), float(world.get("playerYaw", 0.0)))
	_play.hud.show_status("Loaded '%s' (%s)" % [save_name, SimClock.format_time(_clock.now())], false)
	_timeline.log_line("loaded the save '%s'" % save_name)
	return true
