extends SceneTree
## Renders the town's UI (HUD, chat panel, inspector, overview map, save and load
## dialogs) filled with realistic data over the 3D skeleton town, and saves PNGs.
##
##   xvfb-run -a -s "-screen 0 1280x720x24" scripts/godot --rendering-driver opengl3 \
##       --path godot_project -s res://tools/ui_preview.gd -- --out /tmp/ui \
##       [--server ws://127.0.0.1:8796]
##
## With --server (read by AgentClient too) it also inspects the real agent
## "isabella" and says one line to her through the real Chat stream, saving
## server_*.png and printing the inspection's sections and the chat transcript; it
## exits 1 if the server cannot be reached, the inspection fails or the reply fails.
## The made-up data it shows comes from tools/ui_preview_data.gd.

const CliArgs: GDScript = preload("res://common/cli_args.gd")
const UiTheme: GDScript = preload("res://ui/theme.gd")
const Hud: GDScript = preload("res://ui/hud.gd")
const ChatPanel: GDScript = preload("res://ui/chat_panel.gd")
const Inspector: GDScript = preload("res://ui/inspector.gd")
const OverviewMap: GDScript = preload("res://ui/overview_map.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const ServerStats: GDScript = preload("res://addons/simulacra/messages/server_stats.gd")
const AgentInspection: GDScript = preload("res://addons/simulacra/messages/agent_inspection.gd")
const PreviewData: GDScript = preload("res://tools/ui_preview_data.gd")
const TOWN_FILE: String = "../towns/skeleton.json"
const CONNECT_TIMEOUT_MS: int = 20000
const REPLY_TIMEOUT_MS: int = 420000
const READY_TIMEOUT_MS: int = 60000
const CHAT_LINE: String = "Hi Isabella! What are you up to today?"

var _out: String = "/tmp/ui"
var _server: String = ""
var _clock: SimClock = null
var _hud: Hud = null
var _chat: ChatPanel = null
var _inspector: Inspector = null
var _map: OverviewMap = null
var _town: TownData = null
var _reply_done: bool = false


func _initialize() -> void:
	var options: Dictionary = CliArgs.user_options()
	_out = str(options.get("out", _out))
	_server = str(options.get("server", _server))
	DirAccess.make_dir_recursive_absolute(_out)
	_run.call_deferred()


func _run() -> void:
	var town_message: Dictionary = _load_town()
	if town_message.is_empty():
		quit(1)
		return
	_town = TownData.new(town_message)
	_build_scene()
	var code: int = await _canned_shots()
	if code == 0 and not _server.is_empty():
		code = await _server_shots()
	# Nothing may be left awaiting a reply at exit.
	_inspector.hide_inspector()
	_chat.close()
	_hud.close_dialogs()
	var client: AgentClientScript = root.get_node("AgentClient") as AgentClientScript
	client.cancel_all()
	await _frames(2)
	print("ui_preview: done, exit code %d, PNGs in %s" % [code, _out])
	quit(code)


func _load_town() -> Dictionary:
	var path: String = CliArgs.project_path(TOWN_FILE)
	var text: String = FileAccess.get_file_as_string(path)
	var parsed: Variant = JSON.parse_string(text)
	if not parsed is Dictionary:
		printerr("ui_preview: cannot read %s" % path)
		return {}
	return parsed


func _build_scene() -> void:
	var world: Node3D = Node3D.new()
	root.add_child(world)
	_build_backdrop(world)
	for agent: Dictionary in PreviewData.agents(_town):
		var body: MeshInstance3D = MeshInstance3D.new()
		var capsule: CapsuleMesh = CapsuleMesh.new()
		capsule.radius = 0.3
		capsule.height = 1.7
		var material: StandardMaterial3D = StandardMaterial3D.new()
		material.albedo_color = UiTheme.color_from_hex(str(agent["color"]))
		capsule.material = material
		body.mesh = capsule
		body.position = agent["position"] + Vector3(0, 0.85, 0)
		world.add_child(body)
	var camera: Camera3D = Camera3D.new()
	camera.transform = Transform3D(Basis(Vector3.RIGHT, deg_to_rad(-50.0)), Vector3(-4, 30, 22))
	camera.fov = 55.0
	world.add_child(camera)
	camera.make_current()
	var light: DirectionalLight3D = DirectionalLight3D.new()
	light.rotation = Vector3(deg_to_rad(-55.0), deg_to_rad(30.0), 0)
	world.add_child(light)
	var environment: Environment = Environment.new()
	environment.background_mode = Environment.BG_COLOR
	environment.background_color = Color(0.62, 0.76, 0.88)
	environment.ambient_light_source = Environment.AMBIENT_SOURCE_COLOR
	environment.ambient_light_color = Color(0.85, 0.87, 0.92)
	environment.ambient_light_energy = 0.35
	var world_environment: WorldEnvironment = WorldEnvironment.new()
	world_environment.environment = environment
	world.add_child(world_environment)

	_clock = SimClock.new()
	_clock.start_time = 9 * 3600 + 12 * 60
	root.add_child(_clock)
	_clock.start()

	var layer: CanvasLayer = CanvasLayer.new()
	root.add_child(layer)
	_hud = Hud.new()
	layer.add_child(_hud)
	_map = OverviewMap.new()
	layer.add_child(_map)
	_inspector = Inspector.new()
	layer.add_child(_inspector)
	_chat = ChatPanel.new()
	layer.add_child(_chat)
	_hud.set_clock(_clock)
	_hud.input_blocker = _chat.has_focus_input
	_map.input_blocker = _chat.has_focus_input
	_map.set_town(_town)
	_map.update_agents(PreviewData.agents(_town))
	_map.update_player(Vector3(-3, 0, 2), deg_to_rad(35.0))
	_inspector.set_town(_town)
	_inspector.set_name_of(func(agent_id: String) -> String: return str(PreviewData.NAMES.get(agent_id, agent_id)))
	_inspector.set_game_time_source(_clock.now)


# A simple 3D model of the town behind the UI: the ground, sector floors and low
# walls, arena floors and object boxes, in their colours.
func _build_backdrop(world: Node3D) -> void:
	_add_box(world, Vector3(0, -0.05, 0), Vector3(_town.size.x, 0.1, _town.size.z), Color(0.42, 0.55, 0.36))
	for place: Dictionary in _town.places:
		var center: Vector3 = TownData.vec3(place.get("center", {}))
		var extent: Vector3 = TownData.vec3(place.get("size", {}))
		var color: Color = UiTheme.color_from_hex(str(place.get("color", "")), Color.GRAY)
		match str(place.get("kind", "")):
			TownData.KIND_SECTOR:
				_add_box(world, center + Vector3(0, 0.02, 0), Vector3(extent.x, 0.04, extent.z), color.lightened(0.35))
				if extent.y > 0.0:
					for side: int in 4:
						var along_x: bool = side < 2
						var sign_v: float = -1.0 if side % 2 == 0 else 1.0
						var wall_center: Vector3 = center + (Vector3(0, 0, sign_v * extent.z / 2.0) if along_x else Vector3(sign_v * extent.x / 2.0, 0, 0))
						var wall_size: Vector3 = Vector3(extent.x, 1.2, 0.25) if along_x else Vector3(0.25, 1.2, extent.z)
						_add_box(world, wall_center + Vector3(0, 0.6, 0), wall_size, color)
			TownData.KIND_ARENA:
				_add_box(world, center + Vector3(0, 0.05, 0), Vector3(extent.x, 0.04, extent.z), color.lightened(0.15))
			TownData.KIND_OBJECT:
				_add_box(world, center + Vector3(0, extent.y / 2.0, 0), extent, color)
	for obstacle: Dictionary in _town.obstacles:
		var extent: Vector3 = TownData.vec3(obstacle.get("size", {}))
		_add_box(world, TownData.vec3(obstacle.get("position", {})) + Vector3(0, extent.y / 2.0, 0), extent, UiTheme.color_from_hex(str(obstacle.get("color", "")), Color.GRAY))


func _add_box(world: Node3D, center: Vector3, extent: Vector3, color: Color) -> void:
	var box: MeshInstance3D = MeshInstance3D.new()
	var mesh: BoxMesh = BoxMesh.new()
	mesh.size = extent
	var material: StandardMaterial3D = StandardMaterial3D.new()
	material.albedo_color = color
	mesh.material = material
	box.mesh = mesh
	box.position = center
	world.add_child(box)


func _canned_shots() -> int:
	_hud.show_status("Saved 'quicksave' at Day 1 · 09:12", false)
	_chat.open("isabella", "Isabella Rodriguez", "Sam", _clock.now)
	for line: Array in PreviewData.CHAT:
		_chat.add_line(str(line[0]), str(line[1]), str(line[2]))
	# Parsed as AgentClient parses InspectAgent's reply, so the preview exercises it too.
	_inspector.show_inspection(AgentInspection.from_dict(PreviewData.inspection()))
	await _shot("overview")
	var tabs: PackedStringArray = ["now", "plan", "memories", "decision", "reflections", "talks"]
	_chat.close()
	for i: int in tabs.size():
		_inspector.select_tab(i)
		await _shot("inspector_%s" % tabs[i])
	_inspector.hide_inspector()
	_map.set_expanded(true)
	await _frames(2)
	_hover(_map.get_global_rect().position + _map.world_to_map(PreviewData.agents(_town)[0]["position"]))
	await _shot("map_expanded")
	_map.set_expanded(false)
	_hud.open_save_dialog()
	await _shot("save_dialog")
	_hud.show_saves(PreviewData.saves())
	await _shot("load_dialog")
	_hud.close_dialogs()
	# With no server behind it, sending shows the failure as a system line.
	if _server.is_empty():
		_chat.open("john_lin", "John Lin", "Sam", _clock.now)
		_chat.send("Hello John")
		await _frames(3)
		await _shot("chat_error")
		print("ui_preview: offline chat transcript: ", JSON.stringify(_chat.transcript()))
		_chat.close()
	return 0


func _server_shots() -> int:
	var client: AgentClientScript = root.get_node("AgentClient") as AgentClientScript
	var started: int = Time.get_ticks_msec()
	while not client.is_connected_to_server():
		if Time.get_ticks_msec() - started > CONNECT_TIMEOUT_MS:
			printerr("ui_preview: could not connect to %s" % client.server_url)
			return 1
		await process_frame
	# The minds plan their day first; their plans show once they are ready.
	while Time.get_ticks_msec() - started < READY_TIMEOUT_MS:
		var stats: ServerStats = (await client.get_stats()).get("message")  # null: failed
		if stats != null and stats.ready:
			break
		await create_timer(2.0).timeout
	print("ui_preview: server ready after %d s" % ((Time.get_ticks_msec() - started) / 1000))
	_inspector.show_agent("isabella")
	var refresh: Array = await _inspector_result()
	if not refresh[0]:
		printerr("ui_preview: InspectAgent failed: %s" % JSON.stringify(refresh[1]))
		return 1
	var inspection: AgentInspection = _inspector.inspection()
	print("ui_preview: inspection.summary: %s" % ("set" if not inspection.summary.is_empty() else "absent"))
	for section: Array in [["day_plan", inspection.day_plan], ["hourly_plan", inspection.hourly_plan],
			["actions", inspection.actions], ["recent_memories", inspection.recent_memories],
			["last_retrieval", inspection.last_retrieval], ["reflections", inspection.reflections],
			["conversations", inspection.conversations]]:
		print("ui_preview: inspection.%s: %d items" % [section[0], (section[1] as Array).size()])
	for i: int in 6:
		_inspector.select_tab(i)
		await _shot("server_inspector_%d" % i)
	var agent_name: String = inspection.agent.name if not inspection.agent.name.is_empty() else "Isabella"
	_chat.open("isabella", agent_name, "Sam", _clock.now)
	_chat.clear_transcript("isabella")
	_chat.reply_finished.connect(func(_agent_id: String, _text: String) -> void: _reply_done = true)
	var progress: Array[String] = []
	_chat.reply_progress.connect(func(_agent_id: String, text: String) -> void: progress.append(text))
	if not _chat.send(CHAT_LINE):
		printerr("ui_preview: the chat panel refused to send")
		return 1
	var sent: int = Time.get_ticks_msec()
	var mid_shot_taken: bool = false
	while not _reply_done and Time.get_ticks_msec() - sent < REPLY_TIMEOUT_MS:
		if not mid_shot_taken and progress.size() >= 4:
			mid_shot_taken = true
			await _shot("server_chat_streaming")
		await process_frame
	await _shot("server_chat")
	var transcript: Array[Dictionary] = _chat.transcript()
	print("ui_preview: chat transcript: ", JSON.stringify(transcript))
	_hud.open_load_dialog()
	await _frames(30)
	await _shot("server_load_dialog")
	_hud.close_dialogs()
	if not _reply_done:
		printerr("ui_preview: no reply within %d s" % (REPLY_TIMEOUT_MS / 1000))
		return 1
	var reply: Dictionary = transcript[transcript.size() - 1]
	if not str(reply.get("error", "")).is_empty() or int(reply.get("chunks", 0)) < 2 or str(reply.get("text", "")).is_empty():
		printerr("ui_preview: the reply did not stream: %s" % JSON.stringify(reply))
		return 1
	print("ui_preview: reply streamed in %d chunks, first after %d ms" % [reply["chunks"], reply["first_chunk_ms"]])
	return 0


# Waits for the inspector's next refresh: [true, {}] or [false, error].
func _inspector_result() -> Array:
	var result: Array = []
	var on_ok: Callable = func(_agent_id: String) -> void: result.assign([true, {}])
	var on_fail: Callable = func(_agent_id: String, error: Dictionary) -> void: result.assign([false, error])
	_inspector.refreshed.connect(on_ok)
	_inspector.refresh_failed.connect(on_fail)
	while result.is_empty():
		await process_frame
	_inspector.refreshed.disconnect(on_ok)
	_inspector.refresh_failed.disconnect(on_fail)
	return result


func _hover(at: Vector2) -> void:
	var motion: InputEventMouseMotion = InputEventMouseMotion.new()
	motion.position = at
	motion.global_position = at
	root.push_input(motion)


func _frames(count: int) -> void:
	for _i: int in count:
		await process_frame


func _shot(shot_name: String) -> void:
	await _frames(3)
	await RenderingServer.frame_post_draw
	var image: Image = root.get_texture().get_image()
	var path: String = _out.path_join(shot_name + ".png")
	var err: Error = image.save_png(path)
	print("ui_preview: %s %s" % [path, "saved" if err == OK else error_string(err)])
