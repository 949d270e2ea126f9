extends Node
## The world's side of the conversation with the server: every SYNC_INTERVAL_S real
## seconds it reports each agent's state (SyncWorld) and applies the commands in the
## reply, and it keeps track of how long agents wait for the server. In lockstep the
## world (the clock, the bodies) stands still while an agent has waited
## LOCKSTEP_GRACE_S for the server to say what it does next.
##
## main.gd sets town, npcs (the same array it fills), clock, player and
## player_activity, calls sync() once before the clock starts and step(delta) every
## frame of the run, and stop() when it ends.

signal unknown_agent_commanded(agent_id: String)

const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const AgentCommand: GDScript = preload("res://addons/simulacra/messages/agent_command.gd")
const SyncWorldResponse: GDScript = preload("res://addons/simulacra/messages/sync_world_response.gd")
const Npc: GDScript = preload("res://npc/npc.gd")
const Player: GDScript = preload("res://player/player.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const SYNC_INTERVAL_S: float = 1.0
const FINAL_SYNC_TIMEOUT_S: float = 5.0
const AGENT_VIEW_M: float = 10.0
const OBJECT_VIEW_M: float = 4.0
# Level of detail: an agent further than this from the player, and not on screen
# within SCREEN_DETAIL_M of the camera, is reported distant (AgentState.distant), and
# the server thinks for it in less detail until the player comes near.
const NEAR_PLAYER_M: float = 25.0
const SCREEN_DETAIL_M: float = 60.0
const LOCKSTEP_GRACE_S: float = 0.5

var town: TownData = null
var npcs: Array[Npc] = []
var clock: SimClock = null
## The player (null when the town runs without one), and what it is doing, in words.
var player: Player = null
var player_activity: Callable = Callable()
var lockstep: bool = false
## True while a command from SyncWorld is being applied (an interruption).
var applying_sync: bool = false

var _stopped: bool = false
var _in_flight: bool = false
var _since_sync_s: float = 0.0
# Agent id -> Time.get_ticks_msec() when it began waiting for the server.
var _waiting_since: Dictionary = {}
# Game seconds agents spent waiting for the server while the clock ran (all agents
# together), and real seconds the world stood still for them (lockstep).
var _waiting_game_s: float = 0.0
var _held_s: float = 0.0


## A frame of the run: the waiting, and a SyncWorld when one is due.
func step(delta: float) -> void:
	_track_waiting(delta)
	_since_sync_s += delta
	if _since_sync_s >= SYNC_INTERVAL_S and not _in_flight and AgentClient.is_connected_to_server():
		_since_sync_s = 0.0
		sync()


## Reports the world (SyncWorld) and applies the commands that come back.
func sync() -> void:
	_in_flight = true
	var reply: Dictionary = await AgentClient.sync_world(int(clock.now()), agent_states(), _player_name())
	_in_flight = false
	if _stopped or not reply.get("ok", false):
		return
	var response: SyncWorldResponse = reply["message"]
	for command: AgentCommand in response.commands:
		var npc: Npc = npc_by_id(command.agent_id)
		if npc == null:
			unknown_agent_commanded.emit(command.agent_id)
			continue
		applying_sync = true
		npc.controller.apply_command(command.raw)
		applying_sync = false


## The run is over: no reply is applied any more. With tell_server, the world's last
## state (states, as agent_states() gave it before the agents stopped) goes to the
## server when it can.
func stop(states: Array, tell_server: bool) -> void:
	_stopped = true
	if tell_server and AgentClient.is_connected_to_server():
		await AgentClient.sync_world(int(clock.now()), states, _player_name(), FINAL_SYNC_TIMEOUT_S)


## Every agent's AgentState: where it is, what place that is, whether it walks,
## and whom and what it can perceive.
func agent_states() -> Array:
	var states: Array = []
	for npc: Npc in npcs:
		var here: Vector3 = npc.global_position
		var perceptions: Array = []
		for other: Npc in npcs:
			if other == npc:
				continue
			var distance: float = TownData.flat_distance(here, other.global_position)
			if distance <= AGENT_VIEW_M:
				perceptions.append({
					"agent": {"agentId": other.agent_id(), "activity": activity_of(other)},
					"distance": distance,
				})
		var to_player: float = INF if player == null else TownData.flat_distance(here, player.global_position)
		if player != null:
			if to_player <= AGENT_VIEW_M:
				perceptions.append({
					"agent": {"agentId": AgentClientScript.PLAYER_ID, "activity": str(player_activity.call())},
					"distance": to_player,
				})
		for near: Dictionary in town.objects_near(here, OBJECT_VIEW_M):
			var object_place: Dictionary = near["place"]
			var state: String = str(object_place.get("state", ""))
			perceptions.append({
				"object": {"placeId": str(object_place.get("id", "")), "state": state if not state.is_empty() else "idle"},
				"distance": near["distance"],
			})
		states.append({
			"agentId": npc.agent_id(),
			"position": TownData.vec3_message(here),
			"placeId": town.place_at(here),
			"moving": npc.controller.is_moving(),
			"perceptions": perceptions,
			"distant": _is_distant(here, to_player),
		})
	return states


## What others see an agent doing, in words.
func activity_of(npc: Npc) -> String:
	if npc.controller.in_conversation():
		return "talking with %s" % npc.talking_with()
	if npc.controller.is_moving():
		var move_to: Dictionary = npc.controller.current_command.get("moveTo", {})
		return "walking to %s" % town.place_name(str(move_to.get("placeId", "")))
	var description: String = str(npc.controller.current_activity().get("description", ""))
	return description if not description.is_empty() else "idle"


## The NPC of agent_id, or null.
func npc_by_id(agent_id: String) -> Npc:
	for npc: Npc in npcs:
		if npc.agent_id() == agent_id:
			return npc
	return null


## The waiting, for the report: the share of the agents' game time (clock running)
## spent waiting for the server, and the real seconds the world was held.
func waiting() -> Dictionary:
	return {
		"lockstep": lockstep,
		"held_real_seconds": snappedf(_held_s, 0.01),
		"waiting_share": snappedf(_waiting_game_s / maxf(clock.elapsed() * maxf(npcs.size(), 1.0), 1.0), 0.0001),
	}


# The name agents know the player by; empty without a player.
func _player_name() -> String:
	return player.player_name if player != null else ""


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


# How long agents wait for the server: game time lost to waiting, and, in lockstep, the
# world held still while any agent has waited LOCKSTEP_GRACE_S.
func _track_waiting(delta: float) -> void:
	var now_ms: int = Time.get_ticks_msec()
	var hold: bool = false
	var clock_runs: bool = not get_tree().paused and not clock.is_paused()
	for npc: Npc in npcs:
		if npc.controller.is_waiting_for_server():
			var since: int = int(_waiting_since.get(npc.agent_id(), now_ms))
			_waiting_since[npc.agent_id()] = since
			if clock_runs:
				_waiting_game_s += delta * clock.speed
			if now_ms - since >= int(LOCKSTEP_GRACE_S * 1000.0):
				hold = true
		else:
			_waiting_since.erase(npc.agent_id())
	if not lockstep:
		return
	if get_tree().paused:
		_held_s += delta
	if hold != get_tree().paused:
		get_tree().paused = hold
