extends SceneTree
## Renders a group of NPCs to a PNG, without a server: people of different looks,
## some walking in a circle, some doing an activity, one saying a line, one streaming
## a line word by word, one highlighted with the talk hint shown.
##
##   xvfb-run -a -s "-screen 0 1280x720x24" scripts/godot --rendering-driver opengl3 \
##       --path godot_project -s res://tools/npc_preview.gd -- --out /tmp/npcs.png
##
## User arguments: --out PATH (PNG, default /tmp/npcs.png), --distance M (camera
## distance from the group, default 10), --frames N (frames rendered before the
## shot, default 120). Before the shot it checks what it shows: every look distinct
## (also among 25 more agents known by id only), the walkers walking and the others
## standing, both lines in their speech bubbles, the labels stacked without overlap.
## Exits with 1 if a check fails or the shot could not be saved.

# Loaded at run time, not preloaded (nor its script used as a type): the NPC's
# controller refers to the AgentClient autoload, which a script run with -s only
# has once the tree is set up.
const NPC_SCENE_PATH: String = "res://npc/npc.tscn"
const CliArgs: GDScript = preload("res://common/cli_args.gd")
const BodyScript: GDScript = preload("res://npc/body.gd")

const AGENTS: Array[Dictionary] = [
	{"id": "isabella", "name": "Isabella Rodriguez", "color": "#e0607e"},
	{"id": "john_lin", "name": "John Lin",
		"appearance": {"height": 1.82, "skin": "#c08560", "hair": "#1c1816", "shirt": "#2980b9", "trousers": "#3d3d3d"}},
	{"id": "mei_lin", "name": "Mei Lin", "appearance": {"height": 1.6}},
	{"id": "klaus", "name": "Klaus Mueller"},
	{"id": "maria", "name": "Maria Lopez", "appearance": {"shirt": "#27ae60"}},
	{"id": "tom", "name": "Tom Moreno"},
	{"id": "ayesha", "name": "Ayesha Khan"},
	{"id": "sam", "name": "Sam Moore", "appearance": {"height": 1.95}},
]
const SAID_LINE: String = "Morning! The usual, please. Did you hear about the election?"
const STREAMED_LINE: String = "Hello there! I was just about to close up, but I can make you one last coffee if you like."
const WALK_RADIUS_M: float = 2.2
const WALK_SPEED: float = 1.4

var _out: String = "/tmp/npcs.png"
var _distance: float = 10.0
var _frames: int = 120
var _frame: int = 0
var _walkers: Array[CharacterBody3D] = []
var _streamer: CharacterBody3D = null
var _speaker: CharacterBody3D = null
var _npcs: Array[CharacterBody3D] = []
var _time: float = 0.0


func _initialize() -> void:
	_parse_arguments()


# The first frame: the tree is up, so the NPCs get their _ready before setup.
func _build() -> void:
	var world: Node3D = Node3D.new()
	world.name = "Preview"
	root.add_child(world)
	_add_stage(world)
	var npcs: Array[CharacterBody3D] = []
	for agent: Dictionary in AGENTS:
		var npc: CharacterBody3D = (load(NPC_SCENE_PATH) as PackedScene).instantiate()
		world.add_child(npc)
		npc.call("setup", agent, _game_time)
		npcs.append(npc)
	_npcs = npcs
	# Front row: standing, doing, talking; back: two walking in a circle.
	var row: Array[CharacterBody3D] = npcs.slice(0, 6)
	for i: int in row.size():
		row[i].position = Vector3((i - (row.size() - 1) / 2.0) * 2.3, 0.0, 0.0)
		row[i].rotation.y = PI  # Facing the camera.
	row[0].call("show_status", "☕ making coffee for the morning customers at the counter")
	row[0].get_node("Body").set("doing", true)
	_speaker = row[1]
	_speaker.rotation.y = PI * 0.8
	row[2].call("show_status", "🎨 painting")
	row[2].get_node("Body").set("doing", true)
	row[3].call("set_highlighted", true)
	row[3].call("set_talk_hint", true)
	row[3].call("show_status", "📚 reading")
	_streamer = row[4]
	row[5].call("show_status", "💬 talking with John Lin and Mei Lin")
	row[5].rotation.y = PI * 1.3
	_walkers = [npcs[6], npcs[7]]
	_place_walkers()


func _process(delta: float) -> bool:
	if _frame == 0:
		_build()
	_time += delta
	_frame += 1
	_place_walkers()
	# Said again every frame: rendering here may be much slower than real time, and
	# the line would go before the shot.
	_speaker.call("say", SAID_LINE)
	# The line grows by a word every few frames.
	var words: PackedStringArray = STREAMED_LINE.split(" ")
	_streamer.call("show_line_text", " ".join(words.slice(0, mini(words.size(), 1 + (_frame >> 2)))))
	if _frame == _frames:
		_shoot.call_deferred()
	return false


func _shoot() -> void:
	var failures: PackedStringArray = _check()
	for failure: String in failures:
		printerr("check failed: %s" % failure)
	await RenderingServer.frame_post_draw
	var image: Image = root.get_texture().get_image()
	var error: Error = image.save_png(_out)
	if error != OK:
		printerr("could not save %s: %s" % [_out, error_string(error)])
		quit(1)
		return
	print("saved %s (%dx%d)" % [_out, image.get_width(), image.get_height()])
	quit(1 if not failures.is_empty() else 0)


func _check() -> PackedStringArray:
	var failures: PackedStringArray = PackedStringArray()
	var looks: Dictionary = {}
	var agents: Array[Dictionary] = AGENTS.duplicate()
	for i: int in 25:
		agents.append({"id": "agent_%02d" % i})
	for agent: Dictionary in agents:
		var look: Dictionary = BodyScript.resolve_appearance(agent)
		var key: String = JSON.stringify(look)
		if looks.has(key):
			failures.append("%s looks like %s" % [agent["id"], looks[key]])
		looks[key] = agent["id"]
	for npc: CharacterBody3D in _npcs:
		var walking: bool = _walkers.has(npc)
		var blend: float = npc.get_node("Body").call("walk_blend")
		if walking != (blend > 0.5):
			failures.append("%s: walk blend %.2f while %s" % [npc.name, blend, "walking" if walking else "standing"])
		var plate: Node3D = npc.get_node("Labels/NamePlate") as Node3D
		var bubble: Node3D = npc.get_node("Labels/ActivityBubble") as Node3D
		var speech: Node3D = npc.get_node("Labels/SpeechBubble") as Node3D
		if plate.position.y <= 0.0 or bubble.position.y <= plate.position.y + 0.1 or speech.position.y <= plate.position.y + 0.1:
			failures.append("%s: labels overlap" % npc.name)
	for npc: CharacterBody3D in [_speaker, _streamer]:
		if not (npc.get_node("Labels/SpeechBubble") as Node3D).visible or str(npc.call("current_line")).is_empty():
			failures.append("%s: no line in its speech bubble" % npc.name)
	return failures


func _game_time() -> float:
	return 8.0 * 3600.0 + _time * 60.0


# The walkers go round a circle behind the row, facing where they go (-Z forward).
func _place_walkers() -> void:
	for i: int in _walkers.size():
		var angle: float = _time * WALK_SPEED / WALK_RADIUS_M + i * PI
		var walker: CharacterBody3D = _walkers[i]
		walker.position = Vector3(cos(angle) * WALK_RADIUS_M, 0.0, -3.5 + sin(angle) * WALK_RADIUS_M)
		var heading: Vector3 = Vector3(-sin(angle), 0.0, cos(angle))
		walker.rotation.y = atan2(-heading.x, -heading.z)


func _add_stage(world: Node3D) -> void:
	var environment: Environment = Environment.new()
	environment.background_mode = Environment.BG_COLOR
	environment.background_color = Color(0.55, 0.7, 0.85)
	environment.ambient_light_source = Environment.AMBIENT_SOURCE_COLOR
	environment.ambient_light_color = Color(0.75, 0.78, 0.85)
	environment.ambient_light_energy = 0.6
	var world_environment: WorldEnvironment = WorldEnvironment.new()
	world_environment.environment = environment
	world.add_child(world_environment)

	var sun: DirectionalLight3D = DirectionalLight3D.new()
	sun.rotation = Vector3(deg_to_rad(-50.0), deg_to_rad(30.0), 0.0)
	sun.light_energy = 1.1
	sun.shadow_enabled = true
	world.add_child(sun)

	var ground_mesh: PlaneMesh = PlaneMesh.new()
	ground_mesh.size = Vector2(60.0, 60.0)
	var ground_material: StandardMaterial3D = StandardMaterial3D.new()
	ground_material.albedo_color = Color(0.45, 0.55, 0.38)
	ground_mesh.material = ground_material
	var ground: MeshInstance3D = MeshInstance3D.new()
	ground.mesh = ground_mesh
	world.add_child(ground)
	# The NPCs' controllers apply gravity: they need a floor to stand on.
	var floor_body: StaticBody3D = StaticBody3D.new()
	var floor_shape: CollisionShape3D = CollisionShape3D.new()
	var box: BoxShape3D = BoxShape3D.new()
	box.size = Vector3(60.0, 1.0, 60.0)
	floor_shape.shape = box
	floor_shape.position.y = -0.5
	floor_body.add_child(floor_shape)
	world.add_child(floor_body)

	var camera: Camera3D = Camera3D.new()
	camera.fov = 60.0
	world.add_child(camera)
	var target: Vector3 = Vector3(0.0, 1.6, -1.0)
	var eye: Vector3 = target + Vector3(0.0, 0.25 + _distance * 0.22, _distance)
	camera.transform = Transform3D(Basis.looking_at(target - eye), eye)
	camera.current = true


func _parse_arguments() -> void:
	var options: Dictionary = CliArgs.user_options()
	if options.has("out"):
		_out = CliArgs.caller_path(str(options["out"]))
	if options.has("distance"):
		_distance = str(options["distance"]).to_float()
	if options.has("frames"):
		_frames = maxi(str(options["frames"]).to_int(), 1)
