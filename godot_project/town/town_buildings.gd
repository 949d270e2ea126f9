extends RefCounted
## The town's buildings (walled sectors), as town_layout.gd planned them: walls as
## colliders in the building's colour; the facade (framed windows, the wall over the
## doorway, a door frame with two leaves swung open inwards, a doorstep and a sign
## with the name), visual only, one mesh per building; a gabled roof in a darker
## shade with a chimney, under the builder's "Roofs" node; and a dim light inside,
## off until night. town_builder.gd makes one per build() and calls build() for
## each walled sector; the roofs and lights it records go into the builder's own
## roof_by_sector and interior_lights, which auto_roofs and set_night() use.
##
## Preloaded where it is used, not a class_name (see main/main.gd).

const TownData: GDScript = preload("res://town/town_data.gd")
const MeshKit: GDScript = preload("res://town/mesh_kit.gd")
const Furniture: GDScript = preload("res://town/furniture.gd")
const TownPieces: GDScript = preload("res://town/town_pieces.gd")

const WINDOW_COLOR: Color = Color("#9cc6dc")
const WINDOW_FRAME_COLOR: Color = Color("#f4f1e8")
## Windows glow this colour at night (town_builder.gd's set_night()).
const WINDOW_NIGHT_GLOW: Color = Color("#f6c35a")
const DOOR_COLOR: Color = Color("#6b4526")
const SIGN_COLOR: Color = Color("#3b2a1c")
const SIGN_FONT_SIZE: int = 64
const SIGN_MAX_WIDTH: float = 7.0
const INTERIOR_LIGHT_COLOR: Color = Color("#ffd7a0")
const INTERIOR_LIGHT_ENERGY: float = 0.9

var _root: Node3D = null
var _pieces: TownPieces = null
# The town whose wall thickness and door width the walls and doorways are made with.
var _town: TownData = null
var _roofs: Node3D = null
# Sector id -> {"node": its roof's MeshInstance3D, "rect": Rect2 of its walls on x, z}.
var _roof_by_sector: Dictionary = {}
var _interior_lights: Array[OmniLight3D] = []


## Adds what it builds under root (roofs under roofs), recording each roof in
## roof_by_sector and each interior light in interior_lights.
func _init(root: Node3D, pieces: TownPieces, town: TownData, roofs: Node3D, roof_by_sector: Dictionary,
		interior_lights: Array[OmniLight3D]) -> void:
	_root = root
	_pieces = pieces
	_town = town
	_roofs = roofs
	_roof_by_sector = roof_by_sector
	_interior_lights = interior_lights


## Builds the walled sector sector_id (its walls as town_layout.gd planned them in
## building), with a light inside when lit; returns how high its roof rises above
## its walls.
func build(sector_id: String, center: Vector3, extent: Vector3, building: Dictionary, color: Color, title: String,
		lit: bool) -> float:
	_build_walls(sector_id, extent.y, building, color)
	_build_facade(sector_id, extent, building, color, title)
	var rise: float = _build_roof(sector_id, center, extent, color)
	if lit:
		_build_interior_light(sector_id, center, extent)
	return rise


# The walls town_layout.gd planned: colliders in the building's colour.
func _build_walls(sector_id: String, height: float, building: Dictionary, color: Color) -> void:
	var thickness: float = _town.wall_thickness
	for wall: Dictionary in building["walls"]:
		var along_x: bool = wall["along_x"]
		var at: float = wall["at"]
		var spans: Array[Vector2] = wall["spans"]
		for j: int in spans.size():
			var span: Vector2 = spans[j]
			var length: float = span.y - span.x
			if length <= 0.01:
				continue
			var middle: float = (span.x + span.y) / 2.0
			var box_center: Vector3 = Vector3(middle, height / 2.0, at) if along_x \
				else Vector3(at, height / 2.0, middle)
			var box_size: Vector3 = Vector3(length, height, thickness) if along_x \
				else Vector3(thickness, height, length)
			_pieces.add_box("%s_wall_%s_%d" % [sector_id, wall["name"], j], box_center, box_size, color)


# Windows, the door's frame and leaves, the wall over the doorway and the sign:
# visual only, one mesh per building.
func _build_facade(sector_id: String, extent: Vector3, building: Dictionary, color: Color,
		title: String) -> void:
	var kit: MeshKit = MeshKit.new(_pieces.materials)
	var thickness: float = _town.wall_thickness
	var door_width: float = _town.door_width
	var height: float = extent.y
	var door_height: float = minf(2.3, height * 0.8)
	var sill: float = clampf(height * 0.32, 0.8, 1.1)
	var window_top: float = minf(height - 0.45, sill + 1.2)
	var window_h: float = window_top - sill
	for wall: Dictionary in building["walls"]:
		var along_x: bool = wall["along_x"]
		var at: float = wall["at"]
		var basis: Basis = Basis() if along_x else Basis(Vector3.UP, PI / 2.0)
		for span: Vector2 in wall["spans"]:
			# Windows about every 3 m, kept off the corners and the doorway.
			var usable: float = span.y - span.x - 1.4
			if usable < 1.0 or window_h < 0.5:
				continue
			var count: int = maxi(1, floori(usable / 3.0))
			var width: float = minf(1.3, usable / count - 0.4)
			for k: int in count:
				var along: float = span.x + 0.7 + usable * (k + 0.5) / count
				var mid: Vector3 = Vector3(along, sill + window_h / 2.0, at) if along_x \
					else Vector3(at, sill + window_h / 2.0, along)
				var xf: Transform3D = Transform3D(basis, mid)
				kit.box(Vector3(width + 0.16, window_h + 0.16, thickness + 0.04), xf, WINDOW_FRAME_COLOR)
				kit.box(Vector3(width, window_h, thickness + 0.07), xf, WINDOW_COLOR, MeshKit.Finish.GLASS)
				kit.box(Vector3(0.06, window_h, thickness + 0.09), xf, WINDOW_FRAME_COLOR)
				kit.box(Vector3(width, 0.06, thickness + 0.09), xf, WINDOW_FRAME_COLOR)
				kit.box(Vector3(width + 0.3, 0.06, thickness + 0.2),
					Transform3D(basis, mid - Vector3(0.0, window_h / 2.0 + 0.08, 0.0)), WINDOW_FRAME_COLOR)
	# The doorway: the wall above it, a frame, and two leaves swung open inwards.
	var door: Vector3 = building["door"]
	var outward: Vector3 = building["outward"]
	var yaw: float = atan2(outward.x, outward.z)
	var face: Basis = Basis(Vector3.UP, yaw)
	var door_xf: Transform3D = Transform3D(face, Vector3(door.x, 0.0, door.z))
	var frame_color: Color = color.darkened(0.45)
	if height > door_height:
		kit.box(Vector3(door_width, height - door_height, thickness),
			door_xf * Transform3D(Basis(), Vector3(0.0, (height + door_height) / 2.0, 0.0)), color)
	for side: float in [-1.0, 1.0]:
		kit.box(Vector3(0.12, door_height + 0.06, thickness + 0.08),
			door_xf * Transform3D(Basis(), Vector3(side * (door_width / 2.0 + 0.02), (door_height + 0.06) / 2.0, 0.0)),
			frame_color)
		# A leaf hinged at the doorway's edge on the inside, swung almost flat to the room.
		var hinge: Vector3 = Vector3(side * (door_width / 2.0 - 0.03), 0.02, -thickness / 2.0)
		var leaf_basis: Basis = Basis(Vector3.UP, -side * deg_to_rad(80.0))
		var leaf_w: float = door_width / 2.0 - 0.04
		var leaf: Transform3D = door_xf * Transform3D(leaf_basis, hinge) \
			* Transform3D(Basis(), Vector3(-side * leaf_w / 2.0, (door_height - 0.06) / 2.0, -0.03))
		kit.box(Vector3(leaf_w, door_height - 0.06, 0.05), leaf, DOOR_COLOR)
		kit.box(Vector3(0.04, 0.04, 0.16), leaf * Transform3D(Basis(), Vector3(-side * (leaf_w / 2.0 - 0.1), 0.0, 0.0)),
			Furniture.METAL)
	kit.box(Vector3(door_width + 0.36, 0.12, thickness + 0.1),
		door_xf * Transform3D(Basis(), Vector3(0.0, door_height + 0.06, 0.0)), frame_color)
	# A doorstep.
	kit.box(Vector3(door_width + 0.4, 0.04, 0.7), door_xf * Transform3D(Basis(), Vector3(0.0, 0.02,
		thickness / 2.0 + 0.35)), TownPieces.KERB_COLOR)
	# The sign: a board over the door with the name on it, as wide as the name needs.
	var sign_h: float = clampf(height - door_height - 0.25, 0.3, 0.6)
	var sign_y: float = door_height + 0.14 + sign_h / 2.0
	var text_px: Vector2 = ThemeDB.fallback_font.get_string_size(title, HORIZONTAL_ALIGNMENT_LEFT, -1, SIGN_FONT_SIZE)
	var pixel_size: float = minf(sign_h * 0.75 / maxf(text_px.y, 1.0), (SIGN_MAX_WIDTH - 0.4) / maxf(text_px.x, 1.0))
	var sign_w: float = clampf(text_px.x * pixel_size + 0.4, door_width + 0.4, SIGN_MAX_WIDTH)
	kit.box(Vector3(sign_w, sign_h, 0.06),
		door_xf * Transform3D(Basis(), Vector3(0.0, sign_y, thickness / 2.0 + 0.05)), SIGN_COLOR)
	var visual: MeshInstance3D = MeshInstance3D.new()
	visual.name = (sector_id + "_facade").validate_node_name()
	visual.mesh = kit.commit()
	_root.add_child(visual)
	var sign_label: Label3D = Label3D.new()
	sign_label.name = (sector_id + "_sign").validate_node_name()
	sign_label.text = title
	sign_label.font_size = SIGN_FONT_SIZE
	sign_label.pixel_size = pixel_size
	sign_label.outline_size = 0
	sign_label.modulate = Color("#f7e7c4")
	sign_label.double_sided = false
	sign_label.transform = door_xf * Transform3D(Basis(), Vector3(0.0, sign_y, thickness / 2.0 + 0.09))
	_root.add_child(sign_label)


# A gabled roof over the walls, its ridge along the longer side, in a darker shade
# of the walls, with a chimney; returns how high it rises above the walls.
func _build_roof(sector_id: String, center: Vector3, extent: Vector3, color: Color) -> float:
	var kit: MeshKit = MeshKit.new(_pieces.materials)
	var overhang: float = 0.4
	var long_x: bool = extent.x >= extent.z
	var half_long: float = (extent.x if long_x else extent.z) / 2.0 + overhang
	var half_short: float = (extent.z if long_x else extent.x) / 2.0 + overhang
	var rise: float = clampf(half_short * 0.6, 1.0, 3.5)
	var xf: Transform3D = Transform3D(Basis() if long_x else Basis(Vector3.UP, PI / 2.0),
		Vector3(center.x, extent.y, center.z))
	var roof_color: Color = _roof_color(color)
	var under: Color = roof_color.darkened(0.35)
	var eave: float = -0.05
	for side: float in [-1.0, 1.0]:
		var a: Vector3 = Vector3(-half_long, eave, side * half_short)
		var b: Vector3 = Vector3(half_long, eave, side * half_short)
		var c: Vector3 = Vector3(half_long, rise, 0.0)
		var d: Vector3 = Vector3(-half_long, rise, 0.0)
		var up: Vector3 = Vector3(0.0, half_short, side * rise).normalized()
		kit.quad(a, b, c, d, up, xf, roof_color)
		kit.quad(a, b, c, d, -up, xf, under)
		# The gable ends, in the walls' colour, from the wall tops to the ridge.
		var inner: float = half_long - overhang
		var gable_half: float = half_short - overhang
		var gable_rise: float = rise * gable_half / half_short
		kit.triangle(Vector3(side * inner, 0.0, -gable_half), Vector3(side * inner, 0.0, gable_half),
			Vector3(side * inner, gable_rise, 0.0), Vector3(side, 0.0, 0.0), xf, color)
		kit.triangle(Vector3(side * inner, 0.0, -gable_half), Vector3(side * inner, 0.0, gable_half),
			Vector3(side * inner, gable_rise, 0.0), Vector3(-side, 0.0, 0.0), xf, color.darkened(0.2))
	kit.box(Vector3(half_long * 2.0 + 0.05, 0.12, 0.25), xf * Transform3D(Basis(), Vector3(0.0, rise, 0.0)),
		roof_color.darkened(0.25))
	# A chimney on one slope, on the side and end the name picks.
	var pick: int = hash(sector_id)
	var cx: float = (0.55 if pick & 1 else -0.55) * (half_long - overhang)
	var cz: float = (0.45 if pick & 2 else -0.45) * half_short
	var chimney_base: float = rise * (1.0 - absf(cz) / half_short) - 0.3
	kit.box(Vector3(0.6, rise * 0.5 + 0.6, 0.6),
		xf * Transform3D(Basis(), Vector3(cx, chimney_base + (rise * 0.5 + 0.6) / 2.0, cz)), Color("#8c4a3a"))
	var visual: MeshInstance3D = MeshInstance3D.new()
	visual.name = (sector_id + "_roof").validate_node_name()
	visual.mesh = kit.commit()
	_roofs.add_child(visual)
	_roof_by_sector[sector_id] = {"node": visual, "rect": Rect2(center.x - extent.x / 2.0, center.z - extent.z / 2.0,
		extent.x, extent.z)}
	return rise


func _build_interior_light(sector_id: String, center: Vector3, extent: Vector3) -> void:
	var light: OmniLight3D = OmniLight3D.new()
	light.name = (sector_id + "_light").validate_node_name()
	light.position = Vector3(center.x, extent.y - 0.4, center.z)
	light.light_color = INTERIOR_LIGHT_COLOR
	light.light_energy = INTERIOR_LIGHT_ENERGY
	light.omni_range = clampf(maxf(extent.x, extent.z) * 0.75, 4.0, 14.0)
	light.omni_attenuation = 0.8
	light.shadow_enabled = false
	light.visible = false
	_root.add_child(light)
	_interior_lights.append(light)


# Roofs are a darker, slightly warmer shade of the walls.
static func _roof_color(wall: Color) -> Color:
	return wall.darkened(0.45).lerp(Color("#7a3b2a"), 0.3)
