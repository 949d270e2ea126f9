extends RefCounted
## The replay's headless check and its screenshot, the two ways a replay ends by
## itself (replay.gd's --verify and --screenshot):
## - verify(report_path): seeks to every step (in the log's order, backwards,
##   shuffled) and plays the run through; every NPC must be within MAX_ERROR_M of
##   its logged position and every way must show the same town. Writes the report
##   and quits with 0, or EXIT_FAILED when it fails.
## - screenshot(png_path, report_path): lets a few frames draw, saves the frame and,
##   with a report path, what it shows (NPC positions, bubbles, the inspector's
##   view), and quits.

const Npc: GDScript = preload("res://npc/npc.gd")
const Replay: GDScript = preload("res://replay/replay.gd")
const ReplayControls: GDScript = preload("res://replay/replay_controls.gd")
const ReplayLog: GDScript = preload("res://replay/replay_log.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const EXIT_FAILED: int = 1
## verify() passes when every NPC is this close to where the log has it.
const MAX_ERROR_M: float = 0.01
const MISMATCHES_LISTED: int = 50
const SHUFFLE_SEED: int = 20230213
## Playing through takes at most this many frames.
const MAX_PLAYED_FRAMES: int = 20000
const SCREENSHOT_FRAMES: int = 30

var _replay: Replay = null
var _log: ReplayLog = null


func _init(replay: Replay, replay_log: ReplayLog) -> void:
	_replay = replay
	_log = replay_log


# --verify: seeks to every step (the log's order, backwards, shuffled) and plays the
# run through; every NPC must stand where the log has it, and every way must show the
# same town at the same time. Writes the report, then quits.
func verify(report_path: String) -> void:
	var started: int = Time.get_ticks_usec()
	var steps: Array[Dictionary] = _log.steps
	var count: int = steps.size()
	var step_prints: Array = []
	var max_error: float = 0.0
	var compared: int = 0
	var mismatches: Array[Dictionary] = []
	var slowest_seek_us: int = 0
	var seeks_us: int = 0
	var seeks: int = 0
	for index: int in count:
		var step: Dictionary = steps[index]
		var seek_started: int = Time.get_ticks_usec()
		_replay.jump(float(step["t"]))
		var seek_us: int = Time.get_ticks_usec() - seek_started
		slowest_seek_us = maxi(slowest_seek_us, seek_us)
		seeks_us += seek_us
		seeks += 1
		step_prints.append(_fingerprint(true))
		var entries: Variant = step.get("agents", [])
		for entry: Variant in entries if entries is Array else []:
			if not entry is Dictionary:
				continue
			var agent_id: String = str((entry as Dictionary).get("id", ""))
			var npc: Npc = _replay.npc_by_id(agent_id)
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
			_replay.jump(float(steps[index]["t"]))
			var seek_us: int = Time.get_ticks_usec() - seek_started
			slowest_seek_us = maxi(slowest_seek_us, seek_us)
			seeks_us += seek_us
			seeks += 1
			if _fingerprint(true) != step_prints[index] and first_difference == null:
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
		"log": _log.reader.path, "version": ReplayLog.VERSION, "steps": count, "agents": _replay.npcs().size(),
		"positions_compared": compared, "max_error_m": max_error if is_finite(max_error) else -1.0,
		"mismatches": mismatches, "seek_orders_identical": identical, "orders": orders,
		"records": _log.reader.record_count, "record_types": _log.counts, "notes": Array(_log.reader.notes),
		"start_time": _log.start_time, "end_time": _log.end_time, "slowest_seek_ms": slowest_seek_us / 1000.0,
		"mean_seek_ms": seeks_us / 1000.0 / maxi(seeks, 1),
		"duration_s": (Time.get_ticks_usec() - started) / 1e6, "passed": passed,
	}
	_write_json(report_path, report)
	print("verify: %d steps, %d positions, max error %.6f m, %d mismatches, seek orders %s, seeks %.3f ms on average (slowest %.2f ms): %s" % [
		count, compared, report["max_error_m"], mismatches.size(), "identical" if identical else "DIFFER",
		report["mean_seek_ms"], slowest_seek_us / 1000.0, "passed" if passed else "FAILED"])
	_replay.get_tree().quit(0 if passed else EXIT_FAILED)


# Plays the run through from its start, frame by frame as _process does (at 600×, or
# faster for a long run), then seeks to every frame's time in a shuffled order: each
# must show the town the frame showed.
func _verify_playing(random: RandomNumberGenerator) -> Dictionary:
	var frame_s: float = 1.0 / 60.0
	var speed: float = maxf(ReplayControls.SPEEDS[ReplayControls.SPEEDS.size() - 1],
		(_log.end_time - _log.start_time) / (MAX_PLAYED_FRAMES * frame_s))
	_replay.set_speed(speed)
	_replay.jump(_log.start_time)
	_replay.set_playing(true)
	var times: Array[float] = [_replay.game_time()]
	var frame_prints: Array = [_fingerprint(false)]
	while _replay.is_playing():
		_replay.advance(frame_s)
		_replay.jump(_replay.game_time())
		times.append(_replay.game_time())
		frame_prints.append(_fingerprint(false))
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
		_replay.jump(times[index])
		if _fingerprint(false) != frame_prints[index] and first_difference == null:
			first_difference = times[index]
	_replay.set_speed(Replay.DEFAULT_SPEED)
	return {"frames": times.size(), "speed": speed, "identical": first_difference == null,
		"first_difference_t": first_difference}


# The town as shown: every NPC's place, facing, bubble and pose, the light, and (with
# views) what the inspector would show of each.
func _fingerprint(with_views: bool) -> Array:
	var values: Array = [_replay.game_time(), _replay.light_time()]
	for npc: Npc in _replay.npcs():
		values.append_array([npc.global_position, npc.rotation, npc.current_status(), npc.current_line(),
			npc.body.doing])
		if with_views:
			values.append(_replay.agent_view(npc.agent_id(), _replay.game_time()))
	return values


# --screenshot: the frame at --at, with the inspector open with --inspect.
func screenshot(png_path: String, report_path: String) -> void:
	if DisplayServer.get_name() == "headless":
		printerr("replay: --screenshot needs a renderer (a display, or xvfb-run), not --headless")
		_replay.get_tree().quit(EXIT_FAILED)
		return
	for _i: int in SCREENSHOT_FRAMES:
		await _replay.get_tree().process_frame
	await RenderingServer.frame_post_draw
	var image: Image = _replay.get_viewport().get_texture().get_image()
	if image == null or image.is_empty():
		printerr("replay: no frame was rendered; nothing to save")
		_replay.get_tree().quit(EXIT_FAILED)
		return
	DirAccess.make_dir_recursive_absolute(png_path.get_base_dir())
	var error: Error = image.save_png(png_path)
	if error != OK:
		printerr("replay: cannot write %s: %s" % [png_path, error_string(error)])
		_replay.get_tree().quit(EXIT_FAILED)
		return
	_replay.log_line("screenshot at %s written to %s" % [SimClock.format_time(_replay.game_time()), png_path])
	if not report_path.is_empty():
		var npcs: Array[Dictionary] = []
		for npc: Npc in _replay.npcs():
			npcs.append({"id": npc.agent_id(), "name": npc.display_name(),
				"position": TownData.vec3_message(npc.global_position), "status": npc.current_status(),
				"line": npc.current_line(), "highlighted": npc.is_highlighted()})
		var inspector: Dictionary = {}
		if _replay.inspector.visible:
			inspector = {"agent": _replay.inspector.shown_agent(), "title": _replay.inspector.title_text(),
				"subtitle": _replay.inspector.subtitle_text(), "view": _replay.inspector.view()}
		_write_json(report_path, {"screenshot": png_path, "t": _replay.game_time(), "clock": _replay.controls.clock_text(),
			"size": [image.get_width(), image.get_height()], "renderer": RenderingServer.get_current_rendering_driver_name(),
			"npcs": npcs, "inspector": inspector})
	_replay.get_tree().quit(0)


func _write_json(path: String, data: Dictionary) -> void:
	DirAccess.make_dir_recursive_absolute(path.get_base_dir())
	var file: FileAccess = FileAccess.open(path, FileAccess.WRITE)
	if file == null:
		printerr("replay: cannot write %s: %s" % [path, error_string(FileAccess.get_open_error())])
		return
	file.store_string(JSON.stringify(data, "  ", false) + "\n")
	file.close()
