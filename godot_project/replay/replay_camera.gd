extends RefCounted
## The replay's camera, which replay.gd owns one of: the town's overview camera
## (common/overview_camera.gd) panned with WASD or by dragging with the right mouse
## button held, zoomed with the wheel, and following the inspected NPC when asked (F);
## a left click picks the NPC under the mouse. replay.gd passes it the mouse events
## and calls move() every frame.

const Npc: GDScript = preload("res://npc/npc.gd")
const OverviewCamera: GDScript = preload("res://common/overview_camera.gd")
const ZOOM_STEP: float = 1.15
## WASD pans this many camera distances per real second.
const PAN_RATE: float = 0.8
const DRAG_PAN_RATE: float = 0.0016

## True while the camera keeps the inspected NPC in the middle; panning stops it.
var following: bool = false

var _camera: OverviewCamera = null
var _dragging: bool = false


func _init(camera: OverviewCamera) -> void:
	_camera = camera


## A mouse event: the wheel zooms, the right button held drags the view. Returns the
## NPC a left click landed on, or null.
func on_mouse(event: InputEvent) -> Npc:
	var button: InputEventMouseButton = event as InputEventMouseButton
	if button != null:
		match button.button_index:
			MOUSE_BUTTON_WHEEL_UP:
				_camera.zoom(1.0 / ZOOM_STEP)
			MOUSE_BUTTON_WHEEL_DOWN:
				_camera.zoom(ZOOM_STEP)
			MOUSE_BUTTON_RIGHT:
				_dragging = button.pressed
			MOUSE_BUTTON_LEFT:
				if button.pressed:
					return Npc.under_point(_camera, button.position, _camera.far) as Npc
		return null
	var motion: InputEventMouseMotion = event as InputEventMouseMotion
	if motion != null and _dragging:
		following = false
		_camera.pan(-Vector3(motion.relative.x, 0.0, motion.relative.y) * _camera.distance * DRAG_PAN_RATE)
	return null


## A frame: WASD pans; else, following, the camera keeps target (the inspected NPC,
## or null) in the middle.
func move(delta: float, target: Node3D) -> void:
	var pan: Vector3 = Vector3.ZERO
	if Input.is_physical_key_pressed(KEY_W):
		pan.z -= 1.0
	if Input.is_physical_key_pressed(KEY_S):
		pan.z += 1.0
	if Input.is_physical_key_pressed(KEY_A):
		pan.x -= 1.0
	if Input.is_physical_key_pressed(KEY_D):
		pan.x += 1.0
	if pan != Vector3.ZERO:
		following = false
		_camera.pan(pan.normalized() * PAN_RATE * _camera.distance * delta)
	elif following and target != null:
		_camera.look_at_point(target.global_position)
