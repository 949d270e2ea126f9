extends CharacterBody3D
## A townsperson: a little person (npc/body.gd) that walks the navmesh, driven by its
## SimulacraAgentController, with a name plate, a bubble saying what it does, and a
## speech bubble with what it says.
##
## Above the head, bottom to top: "E: talk" (set_talk_hint), the name plate, then
## either the activity bubble ("☕ making coffee") or, for a few seconds, the speech
## bubble with the agent's last line (white panel, dark text, wrapped). The labels grow
## with distance from the camera so that they stay readable from afar.

const AgentController: GDScript = preload("res://addons/simulacra/agent_controller.gd")
const Body: GDScript = preload("res://npc/body.gd")
const Fonts: GDScript = preload("res://ui/fonts.gd")
const Walking: GDScript = preload("res://town/walking.gd")
const WALKING_EMOJI: String = "🚶"
const TALKING_EMOJI: String = "💬"
## The activity bubble's longest text, in characters (emoji included).
const STATUS_MAX_CHARS: int = 32
## A line stays this long at least (real seconds) after its last change; the speaker's
## next line replaces it sooner, and a long line stays longer (see line_seconds()).
const LINE_SHOWN_S: float = 6.0
const LINE_MAX_S: float = 14.0
const READING_CHARS_PER_S: float = 15.0
## The speech bubble shows this many lines at most: of a longer line, the end.
const SPEECH_MAX_LINES: int = 5
# Labels are drawn at their size up to this far from the camera (metres), and grow
# in proportion beyond it, up to LABEL_MAX_SCALE times: a constant size on screen.
const LABEL_NEAR_M: float = 11.0
const LABEL_MAX_SCALE: float = 3.5
# Gaps between the stacked labels and the panel's padding, in metres at scale 1.
const LABEL_GAP_M: float = 0.06
const HEAD_CLEARANCE_M: float = 0.1
const PANEL_PADDING_M: float = 0.07
const PANEL_CORNER_M: float = 0.08
const PANEL_TAIL_M: float = 0.1
# The body turns to face where the controller points it at this rate (1/s).
const TURN_RATE: float = 14.0
## The collision layers NPCs are on (npc.tscn's collision_layer): a click picks them.
const PICK_MASK: int = 2

# Shared by all NPCs.
static var _panel_material: StandardMaterial3D = null
static var _ring_material: StandardMaterial3D = null

## The Agent message this NPC embodies.
var agent: Dictionary = {}
## Takes another agent's id and returns its name; without one, ids stand in.
var name_of: Callable = Callable()

# What the agent is doing, shown whenever it is not saying something.
var _status: String = ""
# The line it is saying, shown until _line_until_ms (real time); empty when none.
var _line: String = ""
var _line_until_ms: int = 0
var _highlighted: bool = false
var _visual_yaw: float = 0.0
var _layout_dirty: bool = true

@onready var controller: AgentController = $AgentController
@onready var body: Body = $Body
@onready var _collision: CollisionShape3D = $CollisionShape3D
@onready var _ring: MeshInstance3D = $HighlightRing
@onready var _labels: Node3D = $Labels
@onready var _name_plate: Label3D = $Labels/NamePlate
@onready var _talk_hint: Label3D = $Labels/TalkHint
@onready var _bubble: Label3D = $Labels/ActivityBubble
@onready var _speech: Node3D = $Labels/SpeechBubble
@onready var _speech_text: Label3D = $Labels/SpeechBubble/Text
@onready var _speech_panel: MeshInstance3D = $Labels/SpeechBubble/Panel


func _ready() -> void:
	var font: Font = label_font()
	for label: Label3D in [_name_plate, _talk_hint, _bubble, _speech_text]:
		label.font = font
	_speech_panel.material_override = _shared_panel_material()
	_ring.material_override = _shared_ring_material()
	_visual_yaw = rotation.y
	# The body's width and how it follows a path come from what the navmesh was
	# baked for (town/walking.gd), so that it never walks into a wall it rounds.
	controller.navigation_agent.path_desired_distance = Walking.PATH_DESIRED_DISTANCE
	controller.command_received.connect(_on_command_received)
	controller.activity_started.connect(_on_activity_started)
	controller.activity_finished.connect(_on_activity_finished)
	controller.conversation_started.connect(_on_conversation_started)
	controller.conversation_ended.connect(_on_conversation_ended)
	controller.utterance_received.connect(_on_utterance_received)
	body.build(Body.resolve_appearance(agent))
	_fit_height()


func _process(delta: float) -> void:
	if not _line.is_empty() and Time.get_ticks_msec() >= _line_until_ms:
		end_line()
	# The controller points the CharacterBody3D; the body turns there smoothly.
	_visual_yaw = lerp_angle(_visual_yaw, rotation.y, 1.0 - exp(-TURN_RATE * delta))
	body.rotation.y = wrapf(_visual_yaw - rotation.y, -PI, PI)
	body.animate(delta)
	_scale_labels()
	if _layout_dirty:
		_layout_labels()


## Gives the NPC its agent (an Agent message), the game clock, and the town's
## lookups of other agents by id: find_body returns an agent's body (to face it in
## conversation), name_of_agent its name (for the bubble). Call once it is in the
## scene tree, then controller.start().
func setup(agent_message: Dictionary, clock: Callable, find_body: Callable = Callable(),
		name_of_agent: Callable = Callable()) -> void:
	agent = agent_message
	name = agent_id().validate_node_name()
	controller.agent_id = agent_id()
	controller.clock = clock
	controller.find_body = find_body
	name_of = name_of_agent
	_name_plate.text = display_name()
	body.build(Body.resolve_appearance(agent))
	_fit_height()


## The server's id of this NPC's agent.
func agent_id() -> String:
	return str(agent.get("id", ""))


## The agent's name, or its id when it has none.
func display_name() -> String:
	var agent_name: String = str(agent.get("name", ""))
	return agent_name if not agent_name.is_empty() else agent_id()


## How the NPC looks: its appearance with every field filled in (see
## body.gd's resolve_appearance): height, skin, hair, shirt, trousers, shoes, hair_style.
func appearance() -> Dictionary:
	return body.appearance


## Whom the agent is talking with, in words ("John Lin", "John Lin and Mei Lin");
## empty when it is not in a conversation.
func talking_with() -> String:
	var names: PackedStringArray = PackedStringArray()
	for partner_id: String in controller.conversation_partners():
		names.append(str(name_of.call(partner_id)) if name_of.is_valid() else partner_id)
	return names_in_words(names)


## Shows text as the line the agent is saying, in its speech bubble, for
## line_seconds(text) real seconds.
func say(text: String) -> void:
	show_line_text(text)


## Shows text as the line the agent is saying so far: call it again with the longer
## text as the line streams in (each call replaces the bubble's text and keeps it up
## for line_seconds(text) from now). Of a line too long for the bubble, the end shows.
func show_line_text(text: String) -> void:
	var line: String = text.strip_edges()
	if line.is_empty():
		end_line()
		return
	_line = line
	_line_until_ms = Time.get_ticks_msec() + int(line_seconds(line) * 1000.0)
	_update_bubble()


## Takes the agent's line out of its bubble, which shows what it does again.
func end_line() -> void:
	_line = ""
	_line_until_ms = 0
	_update_bubble()


## The line the speech bubble shows; empty when none.
func current_line() -> String:
	return _line


## What the NPC's bubble shows now: its line while it says one, else its status.
func bubble_text() -> String:
	return _line if not _line.is_empty() else _status


## What the activity bubble says (emoji and activity, trimmed); empty when nothing.
func current_status() -> String:
	return _status


## Marks the NPC as picked (a ring on the ground at its feet), or unmarks it.
func set_highlighted(on: bool) -> void:
	_highlighted = on
	_ring.visible = on


func is_highlighted() -> bool:
	return _highlighted


## Shows "E: talk" above the name plate (the player is near enough to talk), or hides it.
func set_talk_hint(on: bool) -> void:
	if _talk_hint.visible != on:
		_talk_hint.visible = on
		_layout_dirty = true


## Real seconds a line stays shown: long enough to read it.
static func line_seconds(text: String) -> float:
	return clampf(2.5 + text.length() / READING_CHARS_PER_S, LINE_SHOWN_S, LINE_MAX_S)


## "A", "A and B", "A, B and C".
static func names_in_words(names: PackedStringArray) -> String:
	if names.size() <= 1:
		return "".join(names)
	return "%s and %s" % [", ".join(names.slice(0, names.size() - 1)), names[names.size() - 1]]


## text cut to max_chars characters at most, ending with "…" when cut (at a word
## boundary when there is one in the second half).
static func trim_text(text: String, max_chars: int = STATUS_MAX_CHARS) -> String:
	var clean: String = text.strip_edges()
	if clean.length() <= max_chars:
		return clean
	var cut: String = clean.substr(0, max_chars - 1)
	var space: int = cut.rfind(" ")
	if space * 2 >= max_chars:
		cut = cut.substr(0, space)
	return cut.strip_edges() + "…"


## The font of every NPC label: the game's font, with colour emoji (ui/fonts.gd).
## The NPC seen at the screen point at through camera (a ray up to length metres long
## against PICK_MASK), or null.
static func under_point(camera: Camera3D, at: Vector2, length: float) -> CharacterBody3D:
	var origin: Vector3 = camera.project_ray_origin(at)
	var query: PhysicsRayQueryParameters3D = PhysicsRayQueryParameters3D.create(
		origin, origin + camera.project_ray_normal(at) * length, PICK_MASK)
	var hit: Dictionary = camera.get_world_3d().direct_space_state.intersect_ray(query)
	return hit.get("collider", null) as CharacterBody3D


static func label_font() -> Font:
	return Fonts.with_emoji()


## Sets what the activity bubble says ("☕ making coffee", trimmed to
## STATUS_MAX_CHARS), until the controller's next event says something else.
func show_status(text: String) -> void:
	_status = trim_text(text)
	_update_bubble()


func _activity_status(emoji: String, description: String) -> String:
	return ("%s %s" % [emoji, description]).strip_edges()


# Reads what the controller is doing now.
func _show_current_status() -> void:
	if controller.in_conversation():
		show_status("%s talking with %s" % [TALKING_EMOJI, talking_with()])
	elif controller.is_moving():
		var activity: Dictionary = controller.current_command.get("activity", {})
		show_status(_activity_status(WALKING_EMOJI, str(activity.get("description", ""))))
	else:
		var activity: Dictionary = controller.current_activity()
		if activity.is_empty():
			show_status("")
		else:
			show_status(_activity_status(str(activity.get("emoji", "")), str(activity.get("description", ""))))
	body.doing = not controller.current_activity().is_empty()


func _update_bubble() -> void:
	var speaking: bool = not _line.is_empty()
	_speech.visible = speaking
	_bubble.visible = not speaking and not _status.is_empty()
	_bubble.text = _status
	if speaking:
		_speech_text.text = _fit_speech(_line)
		_build_panel()
	_layout_dirty = true


# Of a line longer than SPEECH_MAX_LINES in the bubble, its end, after "…".
func _fit_speech(line: String) -> String:
	if _speech_lines(line) <= SPEECH_MAX_LINES:
		return line
	var words: PackedStringArray = line.split(" ", false)
	var low: int = 1
	var high: int = words.size() - 1
	# The fewest words to drop from the start: binary search, the text only shrinks.
	while low < high:
		var middle: int = (low + high) >> 1
		if _speech_lines("… " + " ".join(words.slice(middle))) <= SPEECH_MAX_LINES:
			high = middle
		else:
			low = middle + 1
	return "… " + " ".join(words.slice(low))


func _speech_lines(text: String) -> int:
	var size: Vector2 = _speech_text_size(text)
	var line_height: float = _speech_text.font.get_height(_speech_text.font_size)
	return roundi(size.y / line_height) if line_height > 0.0 else 1


# The size of text in the speech bubble, in pixels, wrapped as the label wraps it.
func _speech_text_size(text: String) -> Vector2:
	var flags: int = TextServer.BREAK_MANDATORY | TextServer.BREAK_WORD_BOUND | TextServer.BREAK_ADAPTIVE
	return _speech_text.font.get_multiline_string_size(
		text, HORIZONTAL_ALIGNMENT_CENTER, _speech_text.width, _speech_text.font_size, -1, flags)


# A rounded white panel behind the line's text, with a tail pointing down.
func _build_panel() -> void:
	var size: Vector2 = _speech_text_size(_speech_text.text) * _speech_text.pixel_size
	var half_width: float = size.x / 2.0 + PANEL_PADDING_M
	var bottom: float = -PANEL_PADDING_M
	var top: float = size.y + PANEL_PADDING_M
	var corner: float = minf(PANEL_CORNER_M, minf(half_width, (top - bottom) / 2.0))
	var outline: PackedVector2Array = PackedVector2Array()
	var corners: Array[Vector2] = [
		Vector2(half_width - corner, top - corner), Vector2(-half_width + corner, top - corner),
		Vector2(-half_width + corner, bottom + corner), Vector2(half_width - corner, bottom + corner),
	]
	for i: int in corners.size():
		for step: int in 5:
			var angle: float = (i + step / 4.0) * PI / 2.0
			outline.append(corners[i] + Vector2(cos(angle), sin(angle)) * corner)
		if i == 2:
			# The bottom edge, left to right, with the tail in the middle.
			outline.append(Vector2(-PANEL_TAIL_M * 0.8, bottom))
			outline.append(Vector2(0.0, bottom - PANEL_TAIL_M))
			outline.append(Vector2(PANEL_TAIL_M * 0.8, bottom))
	var centre: Vector3 = Vector3(0.0, (top + bottom) / 2.0, 0.0)
	var surface: SurfaceTool = SurfaceTool.new()
	surface.begin(Mesh.PRIMITIVE_TRIANGLES)
	surface.set_normal(Vector3.BACK)
	for i: int in outline.size():
		var a: Vector2 = outline[i]
		var b: Vector2 = outline[(i + 1) % outline.size()]
		surface.add_vertex(centre)
		surface.add_vertex(Vector3(b.x, b.y, 0.0))
		surface.add_vertex(Vector3(a.x, a.y, 0.0))
	_speech_panel.mesh = surface.commit()


# Stacks the labels over the head: talk hint, name plate, then the bubble.
func _layout_labels() -> void:
	_layout_dirty = false
	var y: float = HEAD_CLEARANCE_M
	if _talk_hint.visible:
		_talk_hint.position.y = y
		y += _label_height(_talk_hint, 1) + LABEL_GAP_M
	_name_plate.position.y = y
	y += _label_height(_name_plate, 1) + LABEL_GAP_M
	_bubble.position.y = y
	_speech.position.y = y + PANEL_TAIL_M + PANEL_PADDING_M


func _label_height(label: Label3D, lines: int) -> float:
	return label.font.get_height(label.font_size) * label.pixel_size * lines


# Keeps the labels about as large on screen beyond LABEL_NEAR_M as at it.
func _scale_labels() -> void:
	var camera: Camera3D = get_viewport().get_camera_3d() if is_inside_tree() else null
	if camera == null:
		return
	var distance: float = camera.global_position.distance_to(_labels.global_position)
	var factor: float = clampf(distance / LABEL_NEAR_M, 1.0, LABEL_MAX_SCALE)
	_labels.scale = Vector3.ONE * factor


# The collision capsule and the labels follow the body's height.
func _fit_height() -> void:
	var height: float = float(body.appearance.get("height", Body.MODEL_HEIGHT))
	# The scene's capsule is local to each NPC (resource_local_to_scene).
	var capsule: CapsuleShape3D = _collision.shape as CapsuleShape3D
	if capsule != null:
		capsule.radius = Walking.BODY_RADIUS
		capsule.height = height
		_collision.position.y = height / 2.0
	_labels.position.y = height
	_layout_dirty = true


static func _shared_panel_material() -> StandardMaterial3D:
	if _panel_material == null:
		var material: StandardMaterial3D = StandardMaterial3D.new()
		material.shading_mode = BaseMaterial3D.SHADING_MODE_UNSHADED
		material.transparency = BaseMaterial3D.TRANSPARENCY_ALPHA
		material.albedo_color = Color(1.0, 1.0, 0.98, 0.94)
		material.billboard_mode = BaseMaterial3D.BILLBOARD_ENABLED
		material.billboard_keep_scale = true
		material.cull_mode = BaseMaterial3D.CULL_DISABLED
		# Drawn before the text (Label3D: 0, its outline -1).
		material.render_priority = -2
		_panel_material = material
	return _panel_material


static func _shared_ring_material() -> StandardMaterial3D:
	if _ring_material == null:
		var material: StandardMaterial3D = StandardMaterial3D.new()
		material.shading_mode = BaseMaterial3D.SHADING_MODE_UNSHADED
		material.albedo_color = Color(1.0, 0.85, 0.25)
		_ring_material = material
	return _ring_material


func _on_command_received(command: Dictionary) -> void:
	var activity: Dictionary = command.get("activity", {})
	if command.get("moveTo", {}).is_empty() and activity.is_empty():
		return
	if controller.in_conversation():
		return  # It is done after the conversation; the bubble says "talking" till then.
	show_status(_activity_status(WALKING_EMOJI, str(activity.get("description", ""))))
	body.doing = false


func _on_activity_started(command: Dictionary) -> void:
	var activity: Dictionary = command.get("activity", {})
	body.doing = true
	show_status(_activity_status(str(activity.get("emoji", "")), str(activity.get("description", ""))))


func _on_activity_finished(_command: Dictionary) -> void:
	body.doing = false
	show_status("")


func _on_conversation_started(_conversation: Dictionary) -> void:
	_show_current_status()


func _on_conversation_ended(_conversation: Dictionary, _outcome: String) -> void:
	# Deferred: the command that ended the conversation may still be setting the
	# agent on its way.
	_show_current_status.call_deferred()


func _on_utterance_received(text: String, _to_agent_id: String) -> void:
	say(text)
