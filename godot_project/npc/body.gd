extends Node3D
## A townsperson's body: a low-poly person built from primitive meshes (head, hair,
## torso, arms with hands, legs, shoes), coloured and sized by the agent's appearance,
## with a procedural walk (legs and arms swing with the distance walked), an idle
## breathing sway, and a "doing" pose (arms forward) while an activity runs.
##
## The body stands on its origin and faces -Z, the way its CharacterBody3D faces.
## Meshes and materials are shared between all bodies: one material per colour.

## The height the body is modelled at; a body of another height is scaled to it.
const MODEL_HEIGHT: float = 1.75
const MIN_HEIGHT: float = 1.5
const MAX_HEIGHT: float = 2.0
const HAIR_STYLES: PackedStringArray = ["short", "long", "bun", "bald"]
## Metres per step: a full walk cycle (left and right step) covers two.
const STRIDE_M: float = 0.7
## The speed (m/s) at which the walk is in full swing; slower blends towards idle.
const FULL_WALK_SPEED: float = 1.4
const LEG_SWING: float = 0.55
const ARM_SWING: float = 0.45
const BOB_M: float = 0.035
# Faster than this (m/s), the body was put somewhere else rather than walked there.
const TELEPORT_SPEED: float = 6.0
const BREATH_HZ: float = 0.25
# Seconds for the walk/idle and doing blends to get most of the way.
const BLEND_S: float = 0.15
const POSE_BLEND_S: float = 0.35

const SKINS: PackedStringArray = [
	"#f7dcc8", "#eec4a2", "#e0ac85", "#d29a70", "#c08560",
	"#a86f4c", "#8d5a3b", "#74482e", "#5c3a25", "#f3cfb0",
]
const HAIRS: PackedStringArray = [
	"#1c1816", "#3a281d", "#5b3b22", "#8a5a30", "#b9894c",
	"#dcc07a", "#a53d1f", "#707070", "#d6d6d2", "#2a2433",
]
const SHIRTS: PackedStringArray = [
	"#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#16a085", "#2980b9",
	"#8e44ad", "#d35400", "#2c3e50", "#e84393", "#00a8a8", "#95a5a6",
	"#f3f1e8", "#6ab04c", "#4834d4", "#b33939", "#f8a5c2", "#786fa6",
]
const TROUSERS: PackedStringArray = [
	"#2c3e50", "#34495e", "#3d3d3d", "#1e3799", "#5d4037",
	"#7b6d5d", "#4a4a6a", "#2f4f4f", "#a0825a", "#151515",
]
const SHOES: PackedStringArray = ["#222222", "#4e342e", "#ecece6", "#6d4c41", "#3b3b58"]

# Shared between all bodies: "#rrggbb" -> StandardMaterial3D, name -> Mesh.
static var _materials: Dictionary = {}
static var _meshes: Dictionary = {}

## The full appearance this body was built with (see resolve_appearance).
var appearance: Dictionary = {}
## True while an activity runs: the arms reach forward.
var doing: bool = false

var _hips: Node3D = null
var _torso: Node3D = null
var _left_leg: Node3D = null
var _right_leg: Node3D = null
var _left_arm: Node3D = null
var _right_arm: Node3D = null
var _phase: float = 0.0
var _walk: float = 0.0
var _pose: float = 0.0
var _breath: float = 0.0
var _last_position: Vector3 = Vector3.ZERO
var _has_last_position: bool = false


## The look of the agent (an Agent message): its appearance's fields where set,
## the rest picked from the id's hash, so every agent looks the same every run and
## different agents differently. Returns {"height": metres, "skin", "hair", "shirt",
## "trousers", "shoes": "#rrggbb", "hair_style": one of HAIR_STYLES}. An unset shirt
## takes the agent's color, if it has one.
static func resolve_appearance(agent: Dictionary) -> Dictionary:
	var id: String = str(agent.get("id", ""))
	var given: Dictionary = {}
	var raw: Variant = agent.get("appearance", {})
	if raw is Dictionary:
		given = raw
	var height: float = float(given.get("height", 0.0))
	if height <= 0.0:
		height = 1.58 + float(_pick(id, "height", 31)) / 100.0
	var shirt_fallback: String = str(agent.get("color", ""))
	if not _is_colour(shirt_fallback):
		shirt_fallback = SHIRTS[_pick(id, "shirt", SHIRTS.size())]
	return {
		"height": clampf(height, MIN_HEIGHT, MAX_HEIGHT),
		"skin": _colour_or(given.get("skin", ""), SKINS[_pick(id, "skin", SKINS.size())]),
		"hair": _colour_or(given.get("hair", ""), HAIRS[_pick(id, "hair", HAIRS.size())]),
		"shirt": _colour_or(given.get("shirt", ""), shirt_fallback),
		"trousers": _colour_or(given.get("trousers", ""), TROUSERS[_pick(id, "trousers", TROUSERS.size())]),
		"shoes": SHOES[_pick(id, "shoes", SHOES.size())],
		"hair_style": HAIR_STYLES[_pick(id, "hair_style", HAIR_STYLES.size())],
	}


## The shared material of a colour ("#rrggbb"); one per colour for all bodies.
static func material_for(colour: String) -> StandardMaterial3D:
	var key: String = colour.to_lower()
	if not _materials.has(key):
		var material: StandardMaterial3D = StandardMaterial3D.new()
		material.albedo_color = Color.from_string(key, Color.MAGENTA)
		material.roughness = 0.85
		_materials[key] = material
	return _materials[key]


## Builds the body for appearance (as resolve_appearance returns it), replacing any
## body built before.
func build(look: Dictionary) -> void:
	for child: Node in get_children():
		remove_child(child)
		child.queue_free()
	appearance = look
	var skin: String = str(look["skin"])
	var shirt: String = str(look["shirt"])
	var trousers: String = str(look["trousers"])
	var shoes: String = str(look["shoes"])
	scale = Vector3.ONE * float(look["height"]) / MODEL_HEIGHT

	# Everything above the feet bobs with the walk; legs hang from the hips.
	_hips = _pivot(self, "Hips", Vector3(0.0, 0.9, 0.0))
	_part(_hips, "Pelvis", _box("pelvis", Vector3(0.31, 0.16, 0.19)), trousers, Vector3(0.0, 0.0, 0.0))
	_left_leg = _leg(_hips, "LeftLeg", 0.085, trousers, shoes)
	_right_leg = _leg(_hips, "RightLeg", -0.085, trousers, shoes)

	_torso = _pivot(_hips, "Torso", Vector3(0.0, 0.06, 0.0))
	var chest: MeshInstance3D = _part(_torso, "Chest", _capsule("torso", 0.17, 0.58), shirt, Vector3(0.0, 0.26, 0.0))
	chest.scale = Vector3(1.12, 1.0, 0.7)
	_part(_torso, "Neck", _cylinder("neck", 0.045, 0.1), skin, Vector3(0.0, 0.56, 0.0))
	# The top of the head at MODEL_HEIGHT.
	var head: Node3D = _pivot(_torso, "Head", Vector3(0.0, MODEL_HEIGHT - 0.96 - 0.125, 0.0))
	_part(head, "Skull", _sphere("head", 0.115, 0.25), skin, Vector3.ZERO)
	_part(head, "Nose", _box("nose", Vector3(0.03, 0.045, 0.04)), skin, Vector3(0.0, -0.01, -0.115))
	_part(head, "LeftEye", _sphere("eye", 0.018, 0.036), "#1b1b1f", Vector3(0.042, 0.025, -0.1))
	_part(head, "RightEye", _sphere("eye", 0.018, 0.036), "#1b1b1f", Vector3(-0.042, 0.025, -0.1))
	_hair(head, str(look["hair_style"]), str(look["hair"]))
	_left_arm = _arm(_torso, "LeftArm", 0.235, shirt, skin)
	_right_arm = _arm(_torso, "RightArm", -0.235, shirt, skin)


## Advances the walk by how far the body's origin moved since the last call
## (horizontally), and the idle sway and the doing pose by delta seconds.
func animate(delta: float) -> void:
	if _hips == null or delta <= 0.0:
		return
	var here: Vector3 = global_position
	var moved: float = 0.0
	if _has_last_position:
		moved = Vector2(here.x - _last_position.x, here.z - _last_position.z).length()
	_last_position = here
	_has_last_position = true
	if moved > maxf(1.0, TELEPORT_SPEED * delta):
		moved = 0.0  # Placed elsewhere, not walked.
	var height_scale: float = scale.y if scale.y > 0.0 else 1.0
	# A full cycle is two strides, longer for taller people.
	_phase = fmod(_phase + moved / (2.0 * STRIDE_M * height_scale) * TAU, TAU)
	var target_walk: float = clampf(moved / delta / FULL_WALK_SPEED, 0.0, 1.0)
	_walk = lerpf(_walk, target_walk, 1.0 - exp(-delta / BLEND_S))
	_pose = lerpf(_pose, 1.0 if doing else 0.0, 1.0 - exp(-delta / POSE_BLEND_S))
	_breath = fmod(_breath + delta * BREATH_HZ * TAU, TAU)
	_apply_pose()


## How much the body walks rather than stands, 0 to 1 (blended over time).
func walk_blend() -> float:
	return _walk


# Sets the joints from the walk phase, the walk/idle blend, breathing and pose.
func _apply_pose() -> void:
	var swing: float = sin(_phase)
	var idle: float = 1.0 - _walk
	var breath: float = sin(_breath)
	_left_leg.rotation.x = swing * LEG_SWING * _walk
	_right_leg.rotation.x = -swing * LEG_SWING * _walk
	# Arms swing against the legs; doing lifts them forward, idle lets them sway a little.
	var arm_walk: float = swing * ARM_SWING * _walk * (1.0 - _pose)
	var reach: float = 0.95 * _pose  # Positive: the hand goes forward, to -Z.
	var sway: float = breath * 0.03 * idle
	_left_arm.rotation.x = -arm_walk + reach + sway
	_right_arm.rotation.x = arm_walk + reach + sway
	_left_arm.rotation.z = 0.06 + 0.02 * breath * idle
	_right_arm.rotation.z = -0.06 - 0.02 * breath * idle
	# Two bobs per cycle (one per step): highest as the legs pass each other, lowest
	# with them apart; breathing swells the chest a little.
	_hips.position.y = 0.9 + absf(cos(_phase)) * BOB_M * _walk - BOB_M * 0.5 * _walk
	_torso.rotation.y = swing * 0.08 * _walk
	_torso.rotation.x = -0.05 * _walk + 0.012 * breath * idle
	_torso.scale = Vector3(1.0 + 0.012 * breath * idle, 1.0, 1.0 + 0.02 * breath * idle)


func _leg(parent: Node3D, node_name: String, x: float, trousers: String, shoes: String) -> Node3D:
	var leg: Node3D = _pivot(parent, node_name, Vector3(x, -0.02, 0.0))
	_part(leg, "Thigh", _capsule("leg", 0.078, 0.86), trousers, Vector3(0.0, -0.41, 0.0))
	_part(leg, "Shoe", _box("shoe", Vector3(0.11, 0.08, 0.24)), shoes, Vector3(0.0, -0.84, -0.04))
	return leg


func _arm(parent: Node3D, node_name: String, x: float, shirt: String, skin: String) -> Node3D:
	var arm: Node3D = _pivot(parent, node_name, Vector3(x, 0.49, 0.0))
	_part(arm, "Sleeve", _capsule("sleeve", 0.058, 0.36), shirt, Vector3(0.0, -0.15, 0.0))
	_part(arm, "Forearm", _capsule("forearm", 0.046, 0.3), skin, Vector3(0.0, -0.4, 0.0))
	_part(arm, "Hand", _sphere("hand", 0.052, 0.1), skin, Vector3(0.0, -0.56, 0.0))
	return arm


func _hair(head: Node3D, style: String, colour: String) -> void:
	if style == "bald":
		# A fringe around the back of the head.
		var fringe: MeshInstance3D = _part(head, "Fringe", _cylinder_ring(), colour, Vector3(0.0, -0.005, 0.012))
		fringe.rotation.x = 0.25
		return
	# A close-fitting dome tilted back: the forehead shows, the back of the head is covered.
	var cap: MeshInstance3D = _part(head, "Hair", _hemisphere("hair_cap", 0.125), colour, Vector3.ZERO)
	cap.rotation.x = 0.5
	cap.scale = Vector3(1.0, 1.1, 1.0)
	match style:
		"long":
			var back: MeshInstance3D = _part(head, "LongHair", _box("long_hair", Vector3(0.24, 0.3, 0.07)), colour, Vector3(0.0, -0.1, 0.085))
			back.rotation.x = 0.08
		"bun":
			_part(head, "Bun", _sphere("bun", 0.06, 0.12), colour, Vector3(0.0, 0.1, 0.09))


func _pivot(parent: Node3D, node_name: String, at: Vector3) -> Node3D:
	var node: Node3D = Node3D.new()
	node.name = node_name
	node.position = at
	parent.add_child(node)
	return node


func _part(parent: Node3D, node_name: String, mesh: Mesh, colour: String, at: Vector3) -> MeshInstance3D:
	var part: MeshInstance3D = MeshInstance3D.new()
	part.name = node_name
	part.mesh = mesh
	part.material_override = material_for(colour)
	part.position = at
	parent.add_child(part)
	return part


static func _capsule(key: String, radius: float, height: float) -> Mesh:
	if not _meshes.has(key):
		var mesh: CapsuleMesh = CapsuleMesh.new()
		mesh.radius = radius
		mesh.height = height
		mesh.radial_segments = 12
		mesh.rings = 4
		_meshes[key] = mesh
	return _meshes[key]


static func _sphere(key: String, radius: float, height: float) -> Mesh:
	if not _meshes.has(key):
		var mesh: SphereMesh = SphereMesh.new()
		mesh.radius = radius
		mesh.height = height
		mesh.radial_segments = 16
		mesh.rings = 8
		_meshes[key] = mesh
	return _meshes[key]


static func _hemisphere(key: String, radius: float) -> Mesh:
	if not _meshes.has(key):
		var mesh: SphereMesh = SphereMesh.new()
		mesh.radius = radius
		mesh.height = radius
		mesh.is_hemisphere = true
		mesh.radial_segments = 16
		mesh.rings = 6
		_meshes[key] = mesh
	return _meshes[key]


static func _box(key: String, size: Vector3) -> Mesh:
	if not _meshes.has(key):
		var mesh: BoxMesh = BoxMesh.new()
		mesh.size = size
		_meshes[key] = mesh
	return _meshes[key]


static func _cylinder(key: String, radius: float, height: float) -> Mesh:
	if not _meshes.has(key):
		var mesh: CylinderMesh = CylinderMesh.new()
		mesh.top_radius = radius
		mesh.bottom_radius = radius
		mesh.height = height
		mesh.radial_segments = 10
		mesh.rings = 1
		_meshes[key] = mesh
	return _meshes[key]


# The fringe of a bald head: a short open tube just outside the skull.
static func _cylinder_ring() -> Mesh:
	if not _meshes.has("fringe"):
		var mesh: CylinderMesh = CylinderMesh.new()
		mesh.top_radius = 0.118
		mesh.bottom_radius = 0.112
		mesh.height = 0.07
		mesh.radial_segments = 16
		mesh.rings = 1
		mesh.cap_top = false
		mesh.cap_bottom = false
		_meshes["fringe"] = mesh
	return _meshes["fringe"]


# A number in [0, count) from the agent id and what it is for: the same every run.
static func _pick(id: String, salt: String, count: int) -> int:
	return posmod(("%s/%s" % [id, salt]).hash(), count)


static func _is_colour(text: String) -> bool:
	return text.length() == 7 and text.begins_with("#") and text.substr(1).is_valid_hex_number()


static func _colour_or(value: Variant, fallback: String) -> String:
	var text: String = str(value)
	return text if _is_colour(text) else fallback
