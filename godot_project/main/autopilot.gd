extends Node
## A scripted player, for end-to-end tests and demos. It plays through the same
## input path as a person: it walks by pressing the movement actions, starts the
## talk with the "talk" action, types its line key by key into the chat panel and
## presses Enter, leaves with Escape, and clicks the NPC to inspect it. Along the
## way it records what it saw (the NPC pausing and facing it, the reply streaming
## in) and, when it has a directory for them and the town renders, takes
## screenshots: the chat, the inspector, and the town overview by day and by night.
##
## In a rehearsal it notes what the goal panel shows (record "goal_panel"); with
## --debrief it also folds the panel away and back (G), asks "How did I do?" (F2)
## before talking (the panel must say to talk to someone first) and after, waits for
## the feedback, records what the panel showed (record "debrief", screenshot
## debrief.png) and closes it (Escape).
##
## Started by main.gd with --autopilot AGENT_ID (or "nearest") and --say TEXT;
## --screenshots DIR saves PNGs there. The run ends when the script is done.

signal finished(ok: bool)

const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const TALK_DISTANCE_M: float = 1.8
const WALK_TIMEOUT_S: float = 120.0
const OPEN_TIMEOUT_S: float = 10.0
const REPLY_TIMEOUT_S: float = 180.0
const INSPECT_TIMEOUT_S: float = 30.0
const SAVE_TIMEOUT_S: float = 60.0
# The debrief asks the model once per character the player talked with.
const DEBRIEF_TIMEOUT_S: float = 150.0
const SETTLE_FRAMES: int = 12
const DAY_HOUR: float = 12.5
const NIGHT_HOUR: float = 22.0

## The player's side of the town (main/play.gd): its NPCs, player, UI and views.
var play: Node3D = null
var target_id: String = ""
var line: String = "Hello! What are you up to today?"
var screenshot_dir: String = ""
## Ask for the rehearsal's feedback (F2) before and after the conversation.
var debrief: bool = false
## What happened, for the run's report.
var record: Dictionary = {}

var _steps: Array[Dictionary] = []
# Where the player stood when the quick save was asked for.
var _saved_player_at: Vector3 = Vector3.ZERO


func run() -> void:
	record = {"target": target_id, "line": line, "steps": _steps, "screenshots": {}, "ok": false}
	await _settle()  # The UI's first layout: wrapped text takes its height.
	record["goal_panel"] = play.rehearsal_panel.state()
	record["hints"] = play.hud.hints_text()
	var npc: Node3D = _choose_target()
	if npc == null:
		_fail("no NPC '%s' to talk to" % target_id)
		return
	if debrief and not await _debrief_before_talking():
		return
	if not await _walk_to(npc):
		return
	npc = play.npc_by_id(target_id)
	if not await _talk(npc):
		return
	if debrief and not await _debrief():
		return
	await _inspect(npc)
	if not await _save_and_load():
		return
	await _overview_shots()
	record["ok"] = true
	_step("done", {})
	finished.emit(true)


func _choose_target() -> Node3D:
	if target_id.is_empty() or target_id == "nearest":
		var best: Node3D = null
		var best_distance: float = INF
		for npc: Node3D in play.npcs():
			var distance: float = npc.global_position.distance_to(play.player.global_position)
			if distance < best_distance:
				best = npc
				best_distance = distance
		return best
	return play.npc_by_id(target_id)


# Walks with the movement actions along the navmesh path to the NPC, re-planned as
# the NPC moves, until the game offers to talk to it.
func _walk_to(npc: Node3D) -> bool:
	var started_ms: int = Time.get_ticks_msec()
	var walked: float = 0.0
	var last: Vector3 = play.player.global_position
	var map: RID = play.get_world_3d().navigation_map
	var any_npc: bool = target_id.is_empty() or target_id == "nearest"
	while play.talk_candidate() != npc or _flat(npc.global_position - play.player.global_position).length() > TALK_DISTANCE_M:
		if any_npc and play.talk_candidate() != null:
			npc = play.talk_candidate()  # Whoever the game offers to talk to will do.
		if Time.get_ticks_msec() - started_ms > int(WALK_TIMEOUT_S * 1000.0):
			_release_movement()
			_fail("could not reach %s in %d s (%.1f m away)" % [
				target_id, int(WALK_TIMEOUT_S), play.player.global_position.distance_to(npc.global_position)])
			return false
		var path: PackedVector3Array = NavigationServer3D.map_get_path(
			map, play.player.global_position, npc.global_position, true)
		var toward: Vector3 = npc.global_position - play.player.global_position
		for point: Vector3 in path:
			if _flat(point - play.player.global_position).length() > 0.6:
				toward = point - play.player.global_position
				break
		_press_towards(toward)
		_turn_towards(npc.global_position - play.player.global_position)
		await get_tree().physics_frame
		walked += _flat(play.player.global_position - last).length()
		last = play.player.global_position
	_release_movement()
	target_id = npc.agent_id()
	record["target"] = target_id
	_step("walked", {"to": target_id, "metres": snappedf(walked, 0.1),
		"seconds": snappedf((Time.get_ticks_msec() - started_ms) / 1000.0, 0.1)})
	return true


# Presses the movement actions so that, turned by the camera's yaw, they point along
# direction: the same actions a keyboard or a stick would press.
func _press_towards(direction: Vector3) -> void:
	var local: Vector3 = _flat(direction).normalized().rotated(Vector3.UP, -play.player.yaw)
	_set_action("move_right", maxf(local.x, 0.0))
	_set_action("move_left", maxf(-local.x, 0.0))
	_set_action("move_back", maxf(local.z, 0.0))
	_set_action("move_forward", maxf(-local.z, 0.0))


# Close to the NPC, turns the camera (turn actions) to have it in front: the game
# offers to talk to the NPC the player faces.
func _turn_towards(direction: Vector3) -> void:
	var off: float = 0.0
	if _flat(direction).length() < 3.0:
		off = angle_difference(play.player.yaw, atan2(-direction.x, -direction.z))
	_set_action("turn_left", 1.0 if off > 0.15 else 0.0)
	_set_action("turn_right", 1.0 if off < -0.15 else 0.0)


func _release_movement() -> void:
	for action: String in ["move_forward", "move_back", "move_left", "move_right", "turn_left", "turn_right"]:
		Input.action_release(action)


func _set_action(action: String, strength: float) -> void:
	if strength > 0.01:
		Input.action_press(action, strength)
	else:
		Input.action_release(action)


func _talk(npc: Node3D) -> bool:
	await _tap_action("talk")
	var chat: Control = play.chat_panel
	if not await _wait_until(func() -> bool: return chat.is_open(), OPEN_TIMEOUT_S):
		_fail("the talk action did not open the chat panel")
		return false
	await _settle()
	_step("chat_opened", {"npc_paused": npc.controller.in_conversation(),
		"npc_faces_player_deg": snappedf(_facing_error_deg(npc), 0.1)})
	# Type the line key by key into the focused text field, then press Enter.
	for character: String in line:
		var key: InputEventKey = InputEventKey.new()
		key.pressed = true
		key.unicode = character.unicode_at(0)
		Input.parse_input_event(key)
		await get_tree().process_frame
	var sent_ms: int = Time.get_ticks_msec()  # Enter sends: time from the key press
	await _press_key(KEY_ENTER)
	if not await _wait_until(func() -> bool: return _reply_done(chat), REPLY_TIMEOUT_S):
		_fail("no complete reply within %d s" % int(REPLY_TIMEOUT_S))
		return false
	var reply: Dictionary = chat.transcript()[-1]
	_step("reply", {"text": reply.get("text", ""), "chunks": reply.get("chunks", 0),
		"first_chunk_ms": reply.get("first_chunk_ms", -1), "total_ms": Time.get_ticks_msec() - sent_ms,
		"error": reply.get("error", ""), "npc_still_paused": npc.controller.in_conversation(),
		"npc_faces_player_deg": snappedf(_facing_error_deg(npc), 0.1),
		"bubble": npc.bubble_text() if npc.has_method("bubble_text") else ""})
	record["transcript"] = chat.transcript()
	await _shoot("chat")
	await _press_key(KEY_ESCAPE)
	await _wait_until(func() -> bool: return not chat.is_open(), OPEN_TIMEOUT_S)
	await _settle()
	_step("left", {"chat_open": chat.is_open(), "npc_resumed": not npc.controller.in_conversation()})
	return true


func _reply_done(chat: Control) -> bool:
	var lines: Array[Dictionary] = chat.transcript()
	return not lines.is_empty() and str(lines[-1].get("speaker_id", "")) != AgentClientScript.PLAYER_ID \
		and bool(lines[-1].get("done", false)) and not chat.is_replying()


# Before any conversation: G folds the goal panel and unfolds it; F2 must answer
# that there is no one to hear from yet.
func _debrief_before_talking() -> bool:
	var panel: Control = play.rehearsal_panel
	if not panel.is_rehearsal():
		_fail("--debrief needs a rehearsal, and this scenario has no player goal")
		return false
	await _press_key(KEY_G)
	var folded: bool = panel.is_collapsed() and panel.is_visible_in_tree()
	await _press_key(KEY_G)
	var unfolded: bool = not panel.is_collapsed()
	var asked: Dictionary = await _ask_for_feedback()
	if asked.is_empty():
		return false
	_step("debrief_before_talking", {"folded_with_g": folded, "unfolded_with_g": unfolded,
		"state": asked["state"], "message": asked["message"], "waiting_message": asked["waiting_message"]})
	await _press_key(KEY_ESCAPE)
	return true


# After the conversation: F2 asks everyone the player talked with; the panel says it
# waits, then shows each one's feedback. What it showed goes in the record.
func _debrief() -> bool:
	var asked: Dictionary = await _ask_for_feedback()
	if asked.is_empty():
		return false
	var panel: Control = play.rehearsal_panel
	record["debrief"] = panel.state()
	record["debrief"]["waiting_message"] = asked["waiting_message"]
	record["debrief"]["seconds"] = asked["seconds"]
	_step("debrief", {"state": asked["state"], "message": asked["message"], "seconds": asked["seconds"],
		"feedback": panel.shown_feedback()})
	await _shoot("debrief")
	if asked["state"] != "shown":
		_fail("the debrief showed no feedback after a conversation: %s %s" % [asked["state"], asked["message"]])
		return false
	await _press_key(KEY_ESCAPE)
	await _settle()
	_step("debrief_closed", {"feedback_open": panel.is_feedback_open()})
	return true


# Presses F2 and waits for the panel to show the answer: {"state", "message",
# "waiting_message" (what it said while waiting), "seconds"}, or {} after a failure.
func _ask_for_feedback() -> Dictionary:
	var panel: Control = play.rehearsal_panel
	var seen: Dictionary = {"waiting_message": ""}
	var note_waiting: Callable = func() -> void: seen["waiting_message"] = panel.feedback_message()
	panel.debrief_started.connect(note_waiting, CONNECT_ONE_SHOT)
	var asked_ms: int = Time.get_ticks_msec()
	await _press_key(KEY_F2)
	if panel.debrief_started.is_connected(note_waiting):
		panel.debrief_started.disconnect(note_waiting)
		_fail("F2 did not ask for feedback")
		return {}
	if not await _wait_until(func() -> bool: return panel.feedback_state() != "waiting", DEBRIEF_TIMEOUT_S):
		_fail("no feedback within %d s" % int(DEBRIEF_TIMEOUT_S))
		return {}
	await _settle()
	if panel.feedback_state() == "error":
		_fail("the debrief failed: %s" % panel.feedback_message())
		return {}
	return {"state": panel.feedback_state(), "message": panel.feedback_message(),
		"waiting_message": seen["waiting_message"], "seconds": snappedf((Time.get_ticks_msec() - asked_ms) / 1000.0, 0.1)}


# Clicks the NPC where the camera shows it; the game picks it with a ray.
func _inspect(npc: Node3D) -> void:
	var camera: Camera3D = play.get_viewport().get_camera_3d()
	var at: Vector3 = npc.global_position + Vector3(0.0, 1.0, 0.0)
	var clicked: bool = false
	if camera != null and not camera.is_position_behind(at):
		var click: InputEventMouseButton = InputEventMouseButton.new()
		click.button_index = MOUSE_BUTTON_LEFT
		click.pressed = true
		click.position = camera.unproject_position(at)
		click.global_position = click.position
		Input.parse_input_event(click)
		await get_tree().process_frame
		var release: InputEventMouseButton = click.duplicate()
		release.pressed = false
		Input.parse_input_event(release)
		await get_tree().process_frame
		clicked = play.inspector.is_showing() and play.inspector.shown_agent() == target_id
	if not clicked:
		play.inspect(target_id)  # The click missed (no rendering headless): select it directly.
	var loaded: bool = await _wait_until(
		func() -> bool: return play.inspector.inspection() != null, INSPECT_TIMEOUT_S)
	await _settle()
	_step("inspected", {"by_click": clicked, "showing": play.inspector.shown_agent(), "loaded": loaded})
	await _shoot("inspector")
	play.inspector.hide_inspector()


# Quick-saves (F5), walks off, quick-loads (F9): the world must come back as it was
# saved, the player included, with the minds restored on the server. Where the player
# stood is read on the frame the save is asked for (the save records it then) and
# again on the frame the load is done: an NPC walking by may nudge a standing player
# on any later frame, and that is not the load's doing.
func _save_and_load() -> bool:
	_saved_player_at = play.player.global_position
	var on_save: Callable = func(_name: String) -> void: _saved_player_at = play.player.global_position
	play.hud.save_requested.connect(on_save)
	var saved_time: float = play.game_time()
	await _press_key(KEY_F5)
	play.hud.save_requested.disconnect(on_save)
	var saved_at: Vector3 = _saved_player_at
	if not await _wait_until(func() -> bool: return play.hud.status_text().begins_with("Saved"), SAVE_TIMEOUT_S):
		_fail("quick save did not finish: %s" % play.hud.status_text())
		return false
	_set_action("move_forward", 1.0)
	var walk_until: int = Time.get_ticks_msec() + 1500
	while Time.get_ticks_msec() < walk_until:
		await get_tree().physics_frame
	_release_movement()
	var moved: float = _flat(play.player.global_position - saved_at).length()
	await _press_key(KEY_F9)
	if not await _wait_until(func() -> bool: return play.hud.status_text().begins_with("Loaded"), SAVE_TIMEOUT_S):
		_fail("quick load did not finish: %s" % play.hud.status_text())
		return false
	var back_m: float = _flat(play.player.global_position - saved_at).length()
	await _settle()
	_step("saved_and_loaded", {"moved_m": snappedf(moved, 0.01), "player_back_m": snappedf(back_m, 0.01),
		"player_after_settling_m": snappedf(_flat(play.player.global_position - saved_at).length(), 0.01),
		"clock_after_load_s": snappedf(play.game_time() - saved_time, 0.1)})
	return true


func _overview_shots() -> void:
	play.set_view("overview")
	play.preview_hour(DAY_HOUR)
	await _settle()
	await _shoot("overview_day")
	play.preview_hour(NIGHT_HOUR)
	await _settle()
	await _shoot("overview_night")
	play.preview_hour(-1.0)
	play.set_view("follow")
	_step("overview", {})


func _shoot(shot_name: String) -> void:
	if screenshot_dir.is_empty() or DisplayServer.get_name() == "headless":
		return
	await RenderingServer.frame_post_draw
	var image: Image = play.get_viewport().get_texture().get_image()
	DirAccess.make_dir_recursive_absolute(screenshot_dir)
	var path: String = screenshot_dir.path_join(shot_name + ".png")
	var error: Error = image.save_png(path)
	record["screenshots"][shot_name] = path if error == OK else "failed: " + error_string(error)


func _tap_action(action: String) -> void:
	Input.action_press(action)
	await get_tree().process_frame
	await get_tree().process_frame
	Input.action_release(action)


func _press_key(keycode: Key) -> void:
	var key: InputEventKey = InputEventKey.new()
	key.keycode = keycode
	key.physical_keycode = keycode
	key.pressed = true
	Input.parse_input_event(key)
	await get_tree().process_frame
	var release: InputEventKey = key.duplicate()
	release.pressed = false
	Input.parse_input_event(release)
	await get_tree().process_frame


func _wait_until(condition: Callable, timeout_s: float) -> bool:
	var deadline: int = Time.get_ticks_msec() + int(timeout_s * 1000.0)
	while not condition.call():
		if Time.get_ticks_msec() > deadline:
			return false
		await get_tree().process_frame
	return true


func _settle() -> void:
	for _i: int in SETTLE_FRAMES:
		await get_tree().process_frame


# How far (degrees) the NPC's body is turned from facing the player.
func _facing_error_deg(npc: Node3D) -> float:
	var toward: Vector3 = play.player.global_position - npc.global_position
	var want: float = atan2(-toward.x, -toward.z)
	return absf(rad_to_deg(angle_difference(npc.rotation.y, want)))


func _step(step_name: String, data: Dictionary) -> void:
	var entry: Dictionary = data.duplicate()
	entry["step"] = step_name
	entry["at_ms"] = Time.get_ticks_msec()
	_steps.append(entry)
	play.log_line("autopilot: %s %s" % [step_name, JSON.stringify(data)])


func _fail(reason: String) -> void:
	record["error"] = reason
	_step("failed", {"reason": reason})
	finished.emit(false)


static func _flat(v: Vector3) -> Vector3:
	return Vector3(v.x, 0.0, v.z)
