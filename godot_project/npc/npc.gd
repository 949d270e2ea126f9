extends CharacterBody3D
## A townsperson: a little person (npc/body.gd) that walks the navmesh, driven by its
## SimulacraAgentController, with a name plate, a bubble saying what it does, and a
## speech bubble with what it says.
##
## Above the head, bottom to top: "E: talk" (set_talk_hint), the name plate, then
## either the activity bubble ("☕ making coffee") or, for a few seconds, the speech
## bubble with the agent's last line (white panel, dark text, wrapped). The labels grow
## with distance from the camera so that they stay readable from afar.
##
## This script keeps the NPC's API, what its bubbles say as its controller acts, and
## its body (turning, height, the highlight ring); its part npc_labels.gd draws and
## stacks the labels.

const AgentController: GDScript = preload("res://addons/simulacra/agent_controller.gd")
const Body: GDScript = preload("res://npc/body.gd")
const NpcLabels: GDScript = preload("res://npc/npc_labels.gd")
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
const SPEECH_MAX_LINES: int = NpcLabels.SPEECH_MAX_LINES
# The body turns to face where the controller points it at this rate (1/s).
const TURN_RATE: float = 14.0
## The collision layers NPCs are on (npc.tscn's collision_layer): a click picks them.
const PICK_MASK: int = 2

# Shared by all NPCs.
static var _ring_material: StandardMaterial3D = null

## The Agent message this NPC embodies.
var agent: Dictionary = {}
## Takes another agent's id and returns its name; without one, ids stand in.
var name_of: Callable = Callable()

var _highlighted: bool = false
var _visual_yaw: float = 0.0

@onready var controller: AgentController = $AgentController
@onready var body: Body = $Body
@onready var _collision: CollisionShape3D = $CollisionShape3D
@onready var _ring: MeshInstance3D = $HighlightRing
# The labels over the head, what the bubbles say, and when the line goes.
@onready var _labels: NpcLabels = NpcLabels.new($Labels)


func _ready() -> void:
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
	# The controller points the CharacterBody3D; the body turns there smoothly.
	_visual_yaw = lerp_angle(_visual_yaw, rotation.y, 1.0 - exp(-TURN_RATE * delta))
	body.rotation.y = wrapf(_visual_yaw - rotation.y, -PI, PI)
	body.animate(delta)
	# The line goes when its time is up; the labels keep their size on screen.
	_labels.update()


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
	_labels.set_name_text(display_name())
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
	_labels.show_line(line, line_seconds(line))


## Takes the agent's line out of its bubble, which shows what it does again.
func end_line() -> void:
	_labels.end_line()


## The line the speech bubble shows; empty when none.
func current_line() -> String:
	return _labels.line


## What the NPC's bubble shows now: its line while it says one, else its status.
func bubble_text() -> String:
	return _labels.line if not _labels.line.is_empty() else _labels.status


## What the activity bubble says (emoji and activity, trimmed); empty when nothing.
func current_status() -> String:
	return _labels.status


## Marks the NPC as picked (a ring on the ground at its feet), or unmarks it.
func set_highlighted(on: bool) -> void:
	_highlighted = on
	_ring.visible = on


func is_highlighted() -> bool:
	return _highlighted


## Shows "E: talk" above the name plate (the player is near enough to talk), or hides it.
func set_talk_hint(on: bool) -> void:
	_labels.set_talk_hint(on)


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


## The NPC seen at the screen point at through camera (a ray up to length metres long
## against PICK_MASK), or null.
static func under_point(camera: Camera3D, at: Vector2, length: float) -> CharacterBody3D:
	var origin: Vector3 = camera.project_ray_origin(at)
	var query: PhysicsRayQueryParameters3D = PhysicsRayQueryParameters3D.create(
		origin, origin + camera.project_ray_normal(at) * length, PICK_MASK)
	var hit: Dictionary = camera.get_world_3d().direct_space_state.intersect_ray(query)
	return hit.get("collider", null) as CharacterBody3D


## The font of every NPC label: the game's font, with colour emoji (ui/fonts.gd).
static func label_font() -> Font:
	return NpcLabels.label_font()


## Sets what the activity bubble says ("☕ making coffee", trimmed to
## STATUS_MAX_CHARS), until the controller's next event says something else.
func show_status(text: String) -> void:
	_labels.show_status(trim_text(text))


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


# The collision capsule and the labels follow the body's height.
func _fit_height() -> void:
	var height: float = float(body.appearance.get("height", Body.MODEL_HEIGHT))
	# The scene's capsule is local to each NPC (resource_local_to_scene).
	var capsule: CapsuleShape3D = _collision.shape as CapsuleShape3D
	if capsule != null:
		capsule.radius = Walking.BODY_RADIUS
		capsule.height = height
		_collision.position.y = height / 2.0
	_labels.fit_height(height)


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
