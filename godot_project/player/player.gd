extends CharacterBody3D
## The player: a person like the NPCs (same body, same walk), moved with the input
## actions (player/input_actions.gd), and a third-person camera on a spring arm, so
## the camera stops short of walls instead of passing through them.
##
## Movement is relative to where the camera looks: move_forward walks away from the
## camera, move_left/right strafe, run speeds up. Holding "look" (right mouse) turns
## the camera with the mouse; turn_left/right turn it with keys. The body turns to
## where it walks.
##
## `input_enabled` is false while the chat panel has the keyboard.

const Body: GDScript = preload("res://npc/body.gd")
const Walking: GDScript = preload("res://town/walking.gd")
const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const WALK_SPEED: float = 2.2
const RUN_SPEED: float = 5.0
const ACCELERATION: float = 14.0
const GRAVITY: float = 9.8
const TURN_KEY_SPEED: float = 2.2
const MOUSE_SENSITIVITY: float = 0.005
const MIN_PITCH: float = -1.2
const MAX_PITCH: float = -0.08
const CAMERA_DISTANCE: float = 4.5
const CAMERA_PIVOT_HEIGHT: float = 1.6
const BODY_TURN_SPEED: float = 10.0
const WORLD_LAYER: int = 1
const NPC_LAYER: int = 2
const PLAYER_LAYER: int = 4
## How far walking NPCs keep round the player (as agent_walk.gd's agents round each other).
const AVOIDANCE_RADIUS: float = 0.4

## The name NPCs know the player by.
var player_name: String = "Alex"
## False while something else (the chat panel) has the keyboard.
var input_enabled: bool = true
## The camera's heading and tilt, radians.
var yaw: float = 0.0
var pitch: float = -0.35

var camera: Camera3D = null
var _body: Body = null
var _pivot: Node3D = null
var _arm: SpringArm3D = null
var _name_plate: Label3D = null
var _obstacle: NavigationObstacle3D = null


func _ready() -> void:
	collision_layer = PLAYER_LAYER
	collision_mask = WORLD_LAYER | NPC_LAYER
	var shape: CapsuleShape3D = CapsuleShape3D.new()
	shape.radius = Walking.BODY_RADIUS
	shape.height = 1.7
	var collider: CollisionShape3D = CollisionShape3D.new()
	collider.shape = shape
	collider.position = Vector3(0.0, 0.85, 0.0)
	add_child(collider)
	# NPCs do not collide with the player: they steer round it as round each other,
	# by this obstacle that moves with it, instead of walking into it and shoving it.
	_obstacle = NavigationObstacle3D.new()
	_obstacle.radius = AVOIDANCE_RADIUS
	_obstacle.avoidance_enabled = true
	add_child(_obstacle)
	_body = Body.new()
	_body.name = "Body"
	add_child(_body)
	_body.build(Body.resolve_appearance({"id": AgentClientScript.PLAYER_ID, "appearance": {
		"height": 1.76, "shirt": "#f2b134", "trousers": "#2d3a4a", "hair": "#3a281d"}}))
	_name_plate = Label3D.new()
	_name_plate.billboard = BaseMaterial3D.BILLBOARD_ENABLED
	_name_plate.pixel_size = 0.01
	_name_plate.font_size = 64
	_name_plate.outline_size = 10
	_name_plate.modulate = Color("#ffd77a")
	_name_plate.position = Vector3(0.0, 2.15, 0.0)
	_name_plate.text = player_name
	add_child(_name_plate)
	# The camera rig is top level: the body turns to where it walks, the camera does not.
	_pivot = Node3D.new()
	_pivot.name = "CameraPivot"
	_pivot.top_level = true
	add_child(_pivot)
	_arm = SpringArm3D.new()
	_arm.spring_length = CAMERA_DISTANCE
	_arm.collision_mask = WORLD_LAYER
	_arm.margin = 0.2
	var probe: SphereShape3D = SphereShape3D.new()
	probe.radius = 0.25
	_arm.shape = probe
	_arm.add_excluded_object(get_rid())
	_pivot.add_child(_arm)
	camera = Camera3D.new()
	camera.name = "FollowCamera"
	camera.fov = 62.0
	camera.position = Vector3(0.0, 0.0, CAMERA_DISTANCE)
	_arm.add_child(camera)
	_place_camera()


## Names the player (shown above the head, and the name NPCs remember).
func set_player_name(value: String) -> void:
	player_name = value
	if _name_plate != null:
		_name_plate.text = value


## Shows or hides the name above the player (hidden behind the player's own back,
## shown from the overview camera).
func set_name_plate_visible(shown: bool) -> void:
	_name_plate.visible = shown


## Puts the player at position, facing heading (radians about Y), camera behind.
func place(at: Vector3, heading: float) -> void:
	global_position = at
	velocity = Vector3.ZERO
	yaw = heading
	_body.rotation.y = heading
	_place_camera()


## The body's heading, radians about Y (0 faces -Z).
func heading() -> float:
	return _body.rotation.y


## Turns the camera (and so what "forward" means) to look along direction.
func look_towards(direction: Vector3) -> void:
	if Vector2(direction.x, direction.z).length() > 0.001:
		yaw = atan2(-direction.x, -direction.z)


func _unhandled_input(event: InputEvent) -> void:
	if not input_enabled:
		return
	var motion: InputEventMouseMotion = event as InputEventMouseMotion
	if motion != null and Input.is_action_pressed("look"):
		yaw -= motion.relative.x * MOUSE_SENSITIVITY
		pitch = clampf(pitch - motion.relative.y * MOUSE_SENSITIVITY, MIN_PITCH, MAX_PITCH)
		get_viewport().set_input_as_handled()


func _physics_process(delta: float) -> void:
	var wish: Vector3 = Vector3.ZERO
	var running: bool = false
	if input_enabled:
		yaw += (Input.get_action_strength("turn_left") - Input.get_action_strength("turn_right")) \
			* TURN_KEY_SPEED * delta
		var input: Vector2 = Input.get_vector("move_left", "move_right", "move_forward", "move_back")
		wish = Vector3(input.x, 0.0, input.y).rotated(Vector3.UP, yaw)
		running = Input.is_action_pressed("run")
	var target: Vector3 = wish * (RUN_SPEED if running else WALK_SPEED)
	var horizontal: Vector3 = Vector3(velocity.x, 0.0, velocity.z).move_toward(target, ACCELERATION * delta)
	velocity.x = horizontal.x
	velocity.z = horizontal.z
	velocity.y = 0.0 if is_on_floor() else velocity.y - GRAVITY * delta
	move_and_slide()
	_obstacle.velocity = Vector3(velocity.x, 0.0, velocity.z)
	if wish.length() > 0.01:
		_body.rotation.y = rotate_toward(_body.rotation.y, atan2(-wish.x, -wish.z), BODY_TURN_SPEED * delta)
	_body.animate(delta)
	_place_camera()


func _place_camera() -> void:
	if _pivot == null:
		return
	_pivot.global_position = global_position + Vector3(0.0, CAMERA_PIVOT_HEIGHT, 0.0)
	_pivot.rotation = Vector3(pitch, yaw, 0.0)
