extends RefCounted
## Everything outdoors that town_layout.gd planned, as town_builder.gd adds it after
## the places: streets (asphalt, kerbs, a dashed centre line) and the paths from the
## doors, visual only; trees, whose trunks are colliders so that the navmesh goes
## round them, and their crowns, drawn as MultiMeshes; low bushes along the walls,
## visual only; and the street lamps, whose lights (off until night) go into the
## builder's street_lights, which set_night() switches. town_builder.gd makes one per
## build() and calls build() once.
##
## Preloaded where it is used, not a class_name (see main/main.gd).

const MeshKit: GDScript = preload("res://town/mesh_kit.gd")
const TownLayout: GDScript = preload("res://town/town_layout.gd")
const TownPieces: GDScript = preload("res://town/town_pieces.gd")

const PATH_Y: float = 0.018
const STREET_Y: float = 0.02
const STREET_COLOR: Color = Color("#55585c")
const PATH_COLOR: Color = Color("#c2b08c")
const MARKING_COLOR: Color = Color("#e8e4d0")
## The lamps' glass (lit by town_builder.gd's set_night()).
const LAMP_COLOR: Color = Color("#ffd89a")
const LAMP_LIGHT_COLOR: Color = Color("#ffc978")
const STREET_LAMP_HEIGHT: float = 3.4
const STREET_LAMP_RANGE: float = 9.0
const STREET_LAMP_ENERGY: float = 1.6

var _root: Node3D = null
var _pieces: TownPieces = null
var _layout: TownLayout = null
var _street_lights: Array[OmniLight3D] = []
var _meshes: Dictionary = {}


## Adds what it builds under root, each street lamp's light to street_lights.
func _init(root: Node3D, pieces: TownPieces, layout: TownLayout, street_lights: Array[OmniLight3D]) -> void:
	_root = root
	_pieces = pieces
	_layout = layout
	_street_lights = street_lights


## Streets and paths, trees, bushes and street lamps, in that order.
func build() -> void:
	_build_streets()
	_build_trees()
	_build_bushes()
	_build_street_lamps()


func _build_streets() -> void:
	var streets: Node3D = Node3D.new()
	streets.name = "Streets"
	_root.add_child(streets)
	for street: Dictionary in _layout.streets:
		var from: Vector2 = street["from"]
		var to: Vector2 = street["to"]
		var along_x: bool = street["along_x"]
		var length: float = (to - from).length()
		var pieces: int = maxi(1, ceili(length / TownPieces.TILE_M))
		var piece_len: float = length / pieces
		var width: float = street["width"]
		var piece_mesh: ArrayMesh = _street_piece_mesh(piece_len, width)
		for k: int in pieces:
			var mid: Vector2 = from.lerp(to, (k + 0.5) / pieces)
			var visual: MeshInstance3D = MeshInstance3D.new()
			visual.mesh = piece_mesh
			visual.position = Vector3(mid.x, STREET_Y, mid.y)
			visual.rotation.y = 0.0 if along_x else PI / 2.0
			streets.add_child(visual)
	for path: Dictionary in _layout.paths:
		var from: Vector2 = path["from"]
		var to: Vector2 = path["to"]
		var length: float = (to - from).length()
		if length < 0.05:
			continue
		# Paved on past its end by half its width, so that the corners of bent paths close.
		var width: float = path["width"]
		var visual: MeshInstance3D = MeshInstance3D.new()
		visual.mesh = _pieces.box_mesh(Vector3(length + width / 2.0, TownPieces.FLOOR_THICKNESS, width), PATH_COLOR)
		var mid: Vector2 = (from + to) / 2.0 + (to - from) / length * (width / 4.0)
		visual.position = Vector3(mid.x, PATH_Y, mid.y)
		visual.rotation.y = -atan2(to.y - from.y, to.x - from.x)
		streets.add_child(visual)


# A piece of street along x: asphalt, kerbs, and a dashed centre line.
func _street_piece_mesh(length: float, width: float) -> ArrayMesh:
	var key: String = "street/%.3f/%.2f" % [length, width]
	if _meshes.has(key):
		return _meshes[key]
	var kit: MeshKit = MeshKit.new(_pieces.materials)
	kit.box(Vector3(length, TownPieces.FLOOR_THICKNESS, width), Transform3D(), STREET_COLOR)
	for side: float in [-1.0, 1.0]:
		kit.box(Vector3(length, 0.05, 0.3), Transform3D(Basis(), Vector3(0.0, 0.02, side * (width / 2.0 - 0.15))),
			TownPieces.KERB_COLOR)
	var dashes: int = maxi(1, floori(length / 3.0))
	for i: int in dashes:
		var x: float = -length / 2.0 + length * (i + 0.5) / dashes
		kit.box(Vector3(1.4, TownPieces.FLOOR_THICKNESS, 0.12), Transform3D(Basis(), Vector3(x, 0.004, 0.0)), MARKING_COLOR)
	var mesh: ArrayMesh = kit.commit()
	_meshes[key] = mesh
	return mesh


# Trees: crowns and trunks drawn as MultiMeshes, trunks also colliders so that the
# navmesh goes round them.
func _build_trees() -> void:
	var trees: Array[Dictionary] = _layout.trees
	if trees.is_empty():
		return
	var body: StaticBody3D = StaticBody3D.new()
	body.name = "Trees"
	_root.add_child(body)
	var trunk_shape: CylinderShape3D = CylinderShape3D.new()
	trunk_shape.radius = TownLayout.TRUNK_RADIUS
	trunk_shape.height = 2.0
	var kinds: Dictionary = {}
	for tree: Dictionary in trees:
		var at: Vector2 = tree["at"]
		var collider: CollisionShape3D = CollisionShape3D.new()
		collider.shape = trunk_shape
		collider.position = Vector3(at.x, 1.0, at.y)
		body.add_child(collider)
		var kind: String = tree["kind"]
		if not kinds.has(kind):
			kinds[kind] = []
		kinds[kind].append(tree)
	for kind: String in kinds:
		var group: Array = kinds[kind]
		for part: String in ["trunk", "crown"]:
			var multimesh: MultiMesh = MultiMesh.new()
			multimesh.transform_format = MultiMesh.TRANSFORM_3D
			multimesh.use_colors = true
			multimesh.mesh = _tree_mesh(kind, part)
			multimesh.instance_count = group.size()
			for i: int in group.size():
				var tree: Dictionary = group[i]
				var at: Vector2 = tree["at"]
				var s: float = tree["scale"]
				var xf: Transform3D = Transform3D(Basis(Vector3.UP, tree["yaw"]).scaled(Vector3(s, s * tree["stretch"], s)),
					Vector3(at.x, 0.0, at.y))
				multimesh.set_instance_transform(i, xf)
				multimesh.set_instance_color(i, tree["trunk_color"] if part == "trunk" else tree["crown_color"])
			var visual: MultiMeshInstance3D = MultiMeshInstance3D.new()
			visual.name = "%s_%s" % [kind, part]
			visual.multimesh = multimesh
			_root.add_child(visual)


# Bushes: one MultiMesh of low-poly mounds, tinted per instance; visual only.
func _build_bushes() -> void:
	if _layout.bushes.is_empty():
		return
	var kit: MeshKit = MeshKit.new({})
	var r: float = TownLayout.BUSH_RADIUS
	kit.sphere(1.0, Transform3D(Basis().scaled(Vector3(r, r * 1.3, r)), Vector3(0.0, r * 0.9, 0.0)), Color.WHITE, 7, 4)
	kit.sphere(1.0, Transform3D(Basis().scaled(Vector3(r * 0.7, r, r * 0.7)), Vector3(r * 0.5, r * 1.4, 0.0)),
		Color.WHITE, 6, 4)
	var mesh: ArrayMesh = kit.commit()
	var tint: StandardMaterial3D = StandardMaterial3D.new()
	tint.vertex_color_use_as_albedo = true
	tint.roughness = 0.95
	mesh.surface_set_material(0, tint)
	var multimesh: MultiMesh = MultiMesh.new()
	multimesh.transform_format = MultiMesh.TRANSFORM_3D
	multimesh.use_colors = true
	multimesh.mesh = mesh
	multimesh.instance_count = _layout.bushes.size()
	for i: int in _layout.bushes.size():
		var bush: Dictionary = _layout.bushes[i]
		var at: Vector2 = bush["at"]
		var s: float = bush["scale"]
		multimesh.set_instance_transform(i, Transform3D(Basis(Vector3.UP, float(i) * 2.4).scaled(Vector3(s, s, s)),
			Vector3(at.x, 0.0, at.y)))
		multimesh.set_instance_color(i, bush["color"])
	var visual: MultiMeshInstance3D = MultiMeshInstance3D.new()
	visual.name = "Bushes"
	visual.multimesh = multimesh
	_root.add_child(visual)


# A tree part in white, tinted per instance by the MultiMesh colours.
func _tree_mesh(kind: String, part: String) -> ArrayMesh:
	var kit: MeshKit = MeshKit.new({})
	if part == "trunk":
		kit.cylinder(0.2, 0.14, 2.4 if kind == "broadleaf" else 1.6, Transform3D(), Color.WHITE, 7)
	elif kind == "broadleaf":
		kit.sphere(1.0, Transform3D(Basis().scaled(Vector3(1.6, 1.3, 1.6)), Vector3(0.0, 3.0, 0.0)), Color.WHITE, 8, 5)
		kit.sphere(1.0, Transform3D(Basis().scaled(Vector3(1.1, 1.0, 1.1)), Vector3(0.5, 3.9, 0.3)), Color.WHITE, 7, 4)
	else:
		kit.cylinder(1.5, 0.0, 2.4, Transform3D(Basis(), Vector3(0.0, 1.2, 0.0)), Color.WHITE, 8)
		kit.cylinder(1.1, 0.0, 2.0, Transform3D(Basis(), Vector3(0.0, 2.6, 0.0)), Color.WHITE, 8)
	var mesh: ArrayMesh = kit.commit()
	var tint: StandardMaterial3D = StandardMaterial3D.new()
	tint.vertex_color_use_as_albedo = true
	tint.roughness = 0.95
	mesh.surface_set_material(0, tint)
	return mesh


func _build_street_lamps() -> void:
	if _layout.lamps.is_empty():
		return
	var kit: MeshKit = MeshKit.new(_pieces.materials)
	var post: Color = Color("#2f3336")
	kit.cylinder(0.12, 0.12, 0.3, Transform3D(), post, 8)
	kit.cylinder(0.06, 0.05, STREET_LAMP_HEIGHT, Transform3D(), post, 8)
	kit.cylinder(0.22, 0.12, 0.12, Transform3D(Basis(), Vector3(0.0, STREET_LAMP_HEIGHT + 0.35, 0.0)), post, 8)
	kit.cylinder(0.16, 0.1, 0.38, Transform3D(Basis(), Vector3(0.0, STREET_LAMP_HEIGHT - 0.02, 0.0)), LAMP_COLOR, 8,
		MeshKit.Finish.GLOW)
	kit.cylinder(0.1, 0.16, 0.02, Transform3D(Basis(), Vector3(0.0, STREET_LAMP_HEIGHT - 0.04, 0.0)), post, 8)
	var multimesh: MultiMesh = MultiMesh.new()
	multimesh.transform_format = MultiMesh.TRANSFORM_3D
	multimesh.mesh = kit.commit()
	multimesh.instance_count = _layout.lamps.size()
	var lamps: Node3D = Node3D.new()
	lamps.name = "StreetLamps"
	_root.add_child(lamps)
	for i: int in _layout.lamps.size():
		var at: Vector2 = _layout.lamps[i]
		multimesh.set_instance_transform(i, Transform3D(Basis(), Vector3(at.x, 0.0, at.y)))
		var light: OmniLight3D = OmniLight3D.new()
		light.position = Vector3(at.x, STREET_LAMP_HEIGHT - 0.1, at.y)
		light.light_color = LAMP_LIGHT_COLOR
		light.light_energy = STREET_LAMP_ENERGY
		light.omni_range = STREET_LAMP_RANGE
		light.omni_attenuation = 1.2
		light.shadow_enabled = false
		light.visible = false
		lamps.add_child(light)
		_street_lights.append(light)
	var visual: MultiMeshInstance3D = MultiMeshInstance3D.new()
	visual.name = "LampPosts"
	visual.multimesh = multimesh
	lamps.add_child(visual)
