extends RefCounted
## The player's talking, which play.gd owns one of: which NPC the player could talk to
## (the nearest within TALK_RANGE_M in front of the camera gets "E: talk", and the
## server is told, PrepareChat), the conversation with it (a ConversationEvent START
## that its controller treats like any other, repeated while it goes on, and the END
## when the chat panel closes: Esc, E again, or walking LEAVE_RANGE_M away), and where
## the lines go: the NPCs' lines to the player into the chat panel (or the HUD), the
## streamed reply into the NPC's speech bubble and the timeline, and to others, the
## partners' earlier lines out of their bubbles.
##
## play.gd sets player, chat_panel and hud, connects the chat panel's and NpcEvents'
## signals to the on_* methods, and calls update(), talk_key(), keep_up() every frame.

const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const ChatPanel: GDScript = preload("res://ui/chat_panel.gd")
const Hud: GDScript = preload("res://ui/hud.gd")
const Npc: GDScript = preload("res://npc/npc.gd")
const Player: GDScript = preload("res://player/player.gd")
const RunTimeline: GDScript = preload("res://main/run_timeline.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
const WorldSync: GDScript = preload("res://main/world_sync.gd")
# The player can talk to an NPC this close, roughly in front of the camera.
const TALK_RANGE_M: float = 2.6
# Walking this far from the NPC ends the conversation.
const LEAVE_RANGE_M: float = 5.0

## The player (null when the town runs without one), and the panels lines go to.
var player: Player = null
var chat_panel: ChatPanel = null
var hud: Hud = null
## The NPC the player would talk to with the talk action now, or null.
var candidate: Npc = null
## The NPC the player is talking with, or null.
var chat_npc: Npc = null

var _world: WorldSync = null
var _timeline: RunTimeline = null
var _clock: SimClock = null
var _chat_serial: int = 0
var _chat_conversation_id: String = ""


func _init(world: WorldSync, timeline: RunTimeline, clock: SimClock) -> void:
	_world = world
	_timeline = timeline
	_clock = clock


## A frame with a player: its keys are off while it types in the chat panel, and the
## NPC it could talk to is picked again. True while it types.
func update() -> bool:
	var typing: bool = chat_panel.is_open() and chat_panel.has_focus_input()
	player.input_enabled = not typing
	_update_candidate()
	return typing


## The talk action: closes the chat, or opens one with the candidate.
func talk_key() -> void:
	if Input.is_action_just_pressed("talk"):
		if chat_panel.is_open():
			chat_panel.close()
		elif candidate != null:
			_open_chat(candidate)


## A conversation ends when the player walks away; else the NPC is told it goes on.
func keep_up() -> void:
	if chat_npc != null:
		if player.global_position.distance_to(chat_npc.global_position) > LEAVE_RANGE_M:
			chat_panel.close()  # Walked away: the conversation is over.
		else:
			_keep_chat_alive()


# The nearest NPC within talking range in front of the player's camera.
func _update_candidate() -> void:
	var best: Npc = null
	if not chat_panel.is_open():
		var best_score: float = INF
		var forward: Vector3 = Vector3(0.0, 0.0, -1.0).rotated(Vector3.UP, player.yaw)
		for npc: Npc in _world.npcs:
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
	if best != candidate:
		if candidate != null and is_instance_valid(candidate):
			candidate.set_talk_hint(false)
		candidate = best
		if best != null:
			best.set_talk_hint(true)
			# The player may talk to it now: the server gets its side ready meanwhile.
			AgentClient.prepare_chat(best.agent_id(), player.player_name, int(_clock.now()))


# The NPC stops what it is doing and turns to the player: a conversation like any
# other for its controller, one that the player starts and ends.
func _open_chat(npc: Npc) -> void:
	_chat_serial += 1
	chat_npc = npc
	_chat_conversation_id = "player-%s-%d" % [npc.agent_id(), _chat_serial]
	npc.controller.apply_command(_chat_event(npc, "KIND_START"))
	chat_panel.open(npc.agent_id(), npc.display_name(), player.player_name, _clock.now)


func _keep_chat_alive() -> void:
	# The same START again tells the controller the conversation goes on.
	if chat_npc.controller.in_conversation():
		chat_npc.controller.apply_command(_chat_event(chat_npc, "KIND_START"))


func _chat_event(npc: Npc, kind: String) -> Dictionary:
	return {"agentId": npc.agent_id(), "conversation": {
		"kind": kind, "conversationId": _chat_conversation_id, "participantIds": [npc.agent_id(), AgentClientScript.PLAYER_ID]}}


## NpcEvents.utterance_received: every NPC's line.
func on_utterance_received(agent_id: String, text: String, to_agent_id: String) -> void:
	var npc: Npc = _world.npc_by_id(agent_id)
	if npc == null:
		return
	if to_agent_id == AgentClientScript.PLAYER_ID:
		if chat_npc == npc and chat_panel.is_open():
			chat_panel.add_line(npc.agent_id(), npc.display_name(), text)
		elif hud != null:
			hud.show_status("%s: \"%s\"" % [npc.display_name(), text], false)
		return
	# One line at a time: the partners' earlier lines leave their bubbles.
	for partner_id: String in npc.controller.conversation_partners():
		var partner: Npc = _world.npc_by_id(partner_id)
		if partner != null:
			partner.end_line()


## The chat panel's reply_progress: the reply so far, in the NPC's bubble.
func on_reply_progress(agent_id: String, text_so_far: String) -> void:
	var npc: Npc = _world.npc_by_id(agent_id)
	if npc != null:
		npc.show_line_text(text_so_far)


## The chat panel's reply_finished: the whole reply, in the bubble and the timeline.
func on_reply_finished(agent_id: String, full_text: String) -> void:
	var npc: Npc = _world.npc_by_id(agent_id)
	if npc != null and not full_text.is_empty():
		npc.say(full_text)
		_timeline.log_line("%s to %s: \"%s\"" % [npc.display_name(), player.player_name if player != null else AgentClientScript.PLAYER_ID, full_text])


## The chat panel's closed: the conversation ends, and the NPC goes on.
func on_chat_closed(agent_id: String) -> void:
	var npc: Npc = _world.npc_by_id(agent_id)
	if npc != null and npc == chat_npc:
		npc.controller.apply_command(_chat_event(npc, "KIND_END"))
	chat_npc = null
