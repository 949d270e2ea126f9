extends NavigationRegion3D
## Builds the 3D town from the server's Town message, then bakes its navmesh.
##
## Everything solid (ground, walls, furniture, obstacles, tree trunks) is a
## StaticBody3D child of this region, and the navmesh is baked from those
## colliders at run time: headless, the renderer holds no mesh data to parse, but
## colliders are there. Everything else is visual only and never changes the
## navmesh: floors, streets and paths, roofs, door frames and leaves, windows,
## signs, labels, tree crowns and street lamps.
##
## Buildings (walled sectors) get walls in their colour with windows, a doorway
## with a frame, an open door and a sign with their name, and a roof that
## set_roofs_visible() hides. Streets run along the gaps between rows of buildings,
## a path leads from each door to the nearest street, and trees grow on the open
## ground left over (more of them in parks). Objects look like what they are
## called (see furniture.gd). set_night() switches street lamps, lit windows and
## interior lights; daylight.gd calls it.

## Emitted when build() has replaced the town's geometry.
signal built

const TownData: GDScript = preload("res://town/town_data.gd")
const MeshKit: GDScript = preload("res://town/mesh_kit.gd")
const Furniture: GDScript = preload("res://town/furniture.gd")
const TownLayout: GDScript = preload("res://town/town_layout.gd")
const Walking: GDScript = preload("res://town/walking.gd")

const GROUND_DEPTH: float = 1.0
const GRASS_COLOR: Color = Color("#78a055")
const SECTOR_FLOOR_Y: float = 0.005
const ARENA_FLOOR_Y: float = 0.012
const PATH_Y: float = 0.018
const STREET_Y: float = 0.02
const FLOOR_THICKNESS: float = 0.01
# A sector's floor is a paler shade of its walls, so its arenas stand out on it.
const SECTOR_FLOOR_LIGHTEN: float = 0.25
const LABEL_HEIGHT_ABOVE_ROOF: float = 0.8
const OPEN_LABEL_HEIGHT: float = 6.0
# Ground and streets are cut into tiles about this long so that each lamp lights
# only the tiles near it (GL Compatibility limits the lights per mesh instance).
const TILE_M: float = 12.0
const STREET_COLOR: Color = Color("#55585c")
const KERB_COLOR: Color = Color("#a9a69c")
const PATH_COLOR: Color = Color("#c2b08c")
const MARKING_COLOR: Color = Color("#e8e4d0")
const WINDOW_COLOR: Color = Color("#9cc6dc")
const WINDOW_FRAME_COLOR: Color = Color("#f4f1e8")
const DOOR_COLOR: Color = Color("#6b4526")
const SIGN_COLOR: Color = Color("#3b2a1c")
const SIGN_FONT_SIZE: int = 64
const SIGN_MAX_WIDTH: float = 7.0
const LAMP_COLOR: Color = Color("#ffd89a")
const LAMP_LIGHT_COLOR: Color = Color("#ffc978")
const INTERIOR_LIGHT_COLOR: Color = Color("#ffd7a0")
const WINDOW_NIGHT_GLOW: Color = Color("#f6c35a")
const STREET_LAMP_HEIGHT: float = 3.4
const STREET_LAMP_RANGE: float = 9.0
const STREET_LAMP_ENERGY: float = 1.6
const INTERIOR_LIGHT_ENERGY: float = 0.9
# Must match the navigation map's cell size and height (project defaults 0.25),
# or the server complains when the region joins the map.
const CELL_SIZE: float = 0.25
const CELL_HEIGHT: float = 0.25
# The climb: what the bodies need (town/walking.gd). The room round colliders is the
# town's agent_radius.
# A person is about 1.8 m tall, but Recast works in whole cells and rounds up (to 8
# cells), warning about the lost precision: give it the rounded value.
const AGENT_HEIGHT: float = 2.0
const AGENT_MAX_CLIMB: float = Walking.NAVMESH_MAX_CLIMB
# Islands smaller than this many cells squared are dropped: the tops of beds and
# tables would otherwise be separate walkable patches.
const REGION_MIN_SIZE: float = 8.0
## A place's position counts as reachable when the navmesh is this close to it.
const REACH_TOLERANCE_M: float = 0.5

## When on, roofs hide by themselves: all of them while the current camera is
## higher than roofs_hidden_above_m (an overview), and a building's own roof while
## the camera or roof_focus (the player, say) is inside its walls.
@export var auto_roofs: bool = false
@export var roofs_hidden_above_m: float = 24.0
## A node whose building's roof auto_roofs hides (null: only the camera counts).
var roof_focus: Node3D = null

var _materials: Dictionary = {}
# Sector id -> {"node": its roof's MeshInstance3D, "rect": Rect2 of its walls on x, z}.
var _roof_by_sector: Dictionary = {}
var _labels: Array[Label3D] = []
var _labels_visible: bool = true
var _meshes: Dictionary = {}
var _furniture: Furniture = null
var _roofs: Node3D = null
var _roofs_visible: bool = true
var _night: bool = false
var _street_lights: Array[OmniLight3D] = []
var _interior_lights: Array[OmniLight3D] = []
var _layout: TownLayout = null
# The town last built, whose wall thickness, door width and agent radius the walls,
# doorways and navmesh are made with (before build(), an empty town: the defaults).
var _town: TownData = TownData.new()


## Replaces the town's geometry with the one described by town.
func build(town: TownData) -> void:
	_town = town
	for child: Node in get_children():
		remove_child(child)
		child.queue_free()
	_materials = {}
	_meshes = {}
	_furniture = Furniture.new(_materials)
	_street_lights = []
	_interior_lights = []
	_roof_by_sector = {}
	_labels = []
	_roofs = Node3D.new()
	_roofs.name = "Roofs"
	_roofs.visible = _roofs_visible
	add_child(_roofs)
	_layout = TownLayout.new(town)
	_build_ground(town.size)
	for place: Dictionary in town.places:
		match str(place.get("kind", "")):
			TownData.KIND_SECTOR:
				_build_sector(place)
			TownData.KIND_ARENA:
				_build_floor(place, ARENA_FLOOR_Y, 0.0)
			TownData.KIND_OBJECT:
				_build_object(place)
	for obstacle: Dictionary in town.obstacles:
		var center: Vector3 = TownData.vec3(obstacle.get("position", {}))
		var extent: Vector3 = TownData.vec3(obstacle.get("size", {}))
		_add_box(str(obstacle.get("id", "obstacle")), center + Vector3(0.0, extent.y / 2.0, 0.0), extent,
			_color(obstacle.get("color", "")))
	_build_streets()
	_build_trees()
	_build_bushes()
	_build_street_lamps()
	set_night(_night)
	built.emit()


## Bakes the navmesh from the static colliders, synchronously.
## Waits (up to 300 physics frames) until the navigation map has taken up the baked
## navmesh: queries before that see an empty map. The builder must be in the tree.
func wait_for_navmesh() -> void:
	var map: RID = get_world_3d().navigation_map
	for _i: int in 300:
		await get_tree().physics_frame
		if NavigationServer3D.map_get_iteration_id(map) > 0 \
				and NavigationServer3D.map_get_closest_point_owner(map, Vector3.ZERO) == get_rid():
			return


func bake() -> void:
	var mesh: NavigationMesh = NavigationMesh.new()
	mesh.geometry_parsed_geometry_type = NavigationMesh.PARSED_GEOMETRY_STATIC_COLLIDERS
	mesh.geometry_source_geometry_mode = NavigationMesh.SOURCE_GEOMETRY_ROOT_NODE_CHILDREN
	mesh.cell_size = CELL_SIZE
	mesh.cell_height = CELL_HEIGHT
	mesh.agent_radius = _town.agent_radius
	if _town.agent_radius - Walking.PATH_DESIRED_DISTANCE - Walking.CORNER_MARGIN < Walking.BODY_RADIUS - 0.001:
		push_warning("town %s: an agent radius of %.2f m leaves bodies too little room at corners (walking.gd)"
			% [_town.name, _town.agent_radius])
	mesh.agent_height = AGENT_HEIGHT
	mesh.agent_max_climb = AGENT_MAX_CLIMB
	mesh.region_min_size = REGION_MIN_SIZE
	navigation_mesh = mesh
	bake_navigation_mesh(false)


## How many polygons the baked navmesh has.
func polygon_count() -> int:
	return navigation_mesh.get_polygon_count() if navigation_mesh != null else 0


## Ids of the places whose position is off the navmesh, or cannot be walked to from
## the first place that is on it. Call it once the navigation map has synced.
func unreachable_places(town: TownData) -> Array[String]:
	var unreachable: Array[String] = []
	var map: RID = get_world_3d().navigation_map
	var origin: Variant = null
	for place: Dictionary in town.places:
		var target: Vector3 = TownData.vec3(place.get("position", {}))
		var closest: Vector3 = NavigationServer3D.map_get_closest_point(map, target)
		var reachable: bool = TownData.flat_distance(target, closest) <= REACH_TOLERANCE_M
		if reachable and origin == null:
			origin = closest
		elif reachable:
			var path: PackedVector3Array = NavigationServer3D.map_get_path(map, origin, target, true)
			reachable = not path.is_empty() \
				and TownData.flat_distance(path[path.size() - 1], target) <= REACH_TOLERANCE_M
		if not reachable:
			unreachable.append(str(place.get("id", "")))
	return unreachable


## Shows or hides every roof (hide them to look into the buildings from above,
## or while the player is inside). Roofs are visible by default.
func set_roofs_visible(roofs_visible: bool) -> void:
	_roofs_visible = roofs_visible
	if _roofs != null:
		_roofs.visible = roofs_visible


func are_roofs_visible() -> bool:
	return _roofs_visible


## Shows or hides the floating name labels over the sectors (the signs over the
## doors stay).
func set_labels_visible(labels_visible: bool) -> void:
	_labels_visible = labels_visible
	for label: Label3D in _labels:
		label.visible = labels_visible


func _process(_delta: float) -> void:
	if not auto_roofs or _roof_by_sector.is_empty():
		return
	var camera: Camera3D = get_viewport().get_camera_3d()
	if camera == null:
		return
	var eye: Vector3 = camera.global_position
	var overview: bool = eye.y > roofs_hidden_above_m
	var focus: Vector3 = roof_focus.global_position if is_instance_valid(roof_focus) else Vector3.INF
	for sector_id: String in _roof_by_sector:
		var entry: Dictionary = _roof_by_sector[sector_id]
		var rect: Rect2 = entry["rect"]
		var inside: bool = rect.has_point(Vector2(eye.x, eye.z)) or rect.has_point(Vector2(focus.x, focus.z))
		(entry["node"] as Node3D).visible = not overview and not inside


## Switches the night lighting: street lamps, lit windows and the dim lights inside
## buildings. Kept across build().
func set_night(night: bool) -> void:
	_night = night
	for light: OmniLight3D in _street_lights:
		light.visible = night
	for light: OmniLight3D in _interior_lights:
		light.visible = night
	var lamp: StandardMaterial3D = MeshKit.shared_material(_materials, LAMP_COLOR, MeshKit.Finish.GLOW)
	lamp.emission_energy_multiplier = 2.5 if night else 0.0
	lamp.albedo_color = LAMP_COLOR if night else LAMP_COLOR.darkened(0.35)
	var window: StandardMaterial3D = MeshKit.shared_material(_materials, WINDOW_COLOR, MeshKit.Finish.GLASS)
	window.emission_enabled = true
	window.emission = WINDOW_NIGHT_GLOW
	window.emission_energy_multiplier = 0.9 if night else 0.0


func is_night() -> bool:
	return _night


func street_light_count() -> int:
	return _street_lights.size()


func interior_light_count() -> int:
	return _interior_lights.size()


## How many trees were planted.
func tree_count() -> int:
	return _layout.trees.size() if _layout != null else 0


## Nodes under the town, itself included.
func node_count() -> int:
	return _count_nodes(self)


static func _count_nodes(node: Node) -> int:
	var total: int = 1
	for child: Node in node.get_children():
		total += _count_nodes(child)
	return total


func _build_ground(extent: Vector3) -> void:
	var ground_size: Vector3 = Vector3(maxf(extent.x, 1.0), GROUND_DEPTH, maxf(extent.z, 1.0))
	var body: StaticBody3D = StaticBody3D.new()
	body.name = "ground"
	body.position = Vector3(0.0, -GROUND_DEPTH / 2.0, 0.0)
	var shape: BoxShape3D = BoxShape3D.new()
	shape.size = ground_size
	var collider: CollisionShape3D = CollisionShape3D.new()
	collider.shape = shape
	body.add_child(collider)
	add_child(body)
	# The grass is tiles, so that each street lamp lights only the few near it.
	var nx: int = maxi(1, ceili(ground_size.x / TILE_M))
	var nz: int = maxi(1, ceili(ground_size.z / TILE_M))
	var tile: Vector3 = Vector3(ground_size.x / nx, GROUND_DEPTH, ground_size.z / nz)
	var tile_mesh: ArrayMesh = _box_mesh(tile, GRASS_COLOR)
	var grass: Node3D = Node3D.new()
	grass.name = "Grass"
	add_child(grass)
	for ix: int in nx:
		for iz: int in nz:
			var visual: MeshInstance3D = MeshInstance3D.new()
			visual.mesh = tile_mesh
			visual.position = Vector3(-ground_size.x / 2.0 + tile.x * (ix + 0.5), -GROUND_DEPTH / 2.0,
				-ground_size.z / 2.0 + tile.z * (iz + 0.5))
			grass.add_child(visual)


func _build_sector(sector: Dictionary) -> void:
	var center: Vector3 = TownData.vec3(sector.get("center", {}))
	var extent: Vector3 = TownData.vec3(sector.get("size", {}))
	var color: Color = _color(sector.get("color", ""))
	var sector_id: String = str(sector.get("id", ""))
	var title: String = str(sector.get("name", sector_id))
	# A park's ground keeps its own colour; a building's floor is paler than its walls.
	_build_floor(sector, SECTOR_FLOOR_Y, SECTOR_FLOOR_LIGHTEN if extent.y > 0.0 else 0.0)
	# An open sector's name floats over its trees.
	var label_y: float = extent.y + LABEL_HEIGHT_ABOVE_ROOF if extent.y > 0.0 else OPEN_LABEL_HEIGHT
	if extent.y > 0.0:
		var building: Dictionary = _layout.building(sector_id)
		_build_walls(sector_id, extent.y, building, color)
		_build_facade(sector_id, extent, building, color, title)
		label_y += _build_roof(sector_id, center, extent, color)
		if _layout.lit_buildings.has(sector_id):
			_build_interior_light(sector_id, center, extent)
	var label: Label3D = Label3D.new()
	label.name = (sector_id + "_label").validate_node_name()
	label.text = title
	label.billboard = BaseMaterial3D.BILLBOARD_ENABLED
	label.font_size = 96
	label.outline_size = 16
	label.pixel_size = 0.014
	label.position = Vector3(center.x, label_y, center.z)
	label.visible = _labels_visible
	add_child(label)
	_labels.append(label)


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
			_add_box("%s_wall_%s_%d" % [sector_id, wall["name"], j], box_center, box_size, color)


# Windows, the door's frame and leaves, the wall over the doorway and the sign:
# visual only, one mesh per building.
func _build_facade(sector_id: String, extent: Vector3, building: Dictionary, color: Color,
		title: String) -> void:
	var kit: MeshKit = MeshKit.new(_materials)
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
		thickness / 2.0 + 0.35)), KERB_COLOR)
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
	add_child(visual)
	var sign_label: Label3D = Label3D.new()
	sign_label.name = (sector_id + "_sign").validate_node_name()
	sign_label.text = title
	sign_label.font_size = SIGN_FONT_SIZE
	sign_label.pixel_size = pixel_size
	sign_label.outline_size = 0
	sign_label.modulate = Color("#f7e7c4")
	sign_label.double_sided = false
	sign_label.transform = door_xf * Transform3D(Basis(), Vector3(0.0, sign_y, thickness / 2.0 + 0.09))
	add_child(sign_label)


# A gabled roof over the walls, its ridge along the longer side, in a darker shade
# of the walls, with a chimney; returns how high it rises above the walls.
func _build_roof(sector_id: String, center: Vector3, extent: Vector3, color: Color) -> float:
	var kit: MeshKit = MeshKit.new(_materials)
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
	add_child(light)
	_interior_lights.append(light)


func _build_floor(place: Dictionary, y: float, lighten: float) -> void:
	var center: Vector3 = TownData.vec3(place.get("center", {}))
	var extent: Vector3 = TownData.vec3(place.get("size", {}))
	var visual: MeshInstance3D = MeshInstance3D.new()
	visual.name = (str(place.get("id", "")) + "_floor").validate_node_name()
	visual.mesh = _box_mesh(Vector3(extent.x, FLOOR_THICKNESS, extent.z), _color(place.get("color", "")).lightened(lighten))
	visual.position = Vector3(center.x, y, center.z)
	add_child(visual)


# An object: its box as the collider, and a model that looks like what it is.
func _build_object(place: Dictionary) -> void:
	var center: Vector3 = TownData.vec3(place.get("center", {}))
	var extent: Vector3 = TownData.vec3(place.get("size", {}))
	var stand: Vector3 = TownData.vec3(place.get("position", {}))
	var body: StaticBody3D = _add_collider(str(place.get("id", "")), center + Vector3(0.0, extent.y / 2.0, 0.0), extent)
	var front: Vector3 = Vector3(stand.x - center.x, 0.0, stand.z - center.z)
	if front.length() < 0.05:
		front = Vector3.BACK
	var visual: MeshInstance3D = MeshInstance3D.new()
	visual.mesh = _furniture.mesh(str(place.get("name", place.get("id", ""))), extent,
		_color(place.get("color", "")), front)
	visual.position = Vector3(0.0, -extent.y / 2.0, 0.0)
	body.add_child(visual)


func _build_streets() -> void:
	var streets: Node3D = Node3D.new()
	streets.name = "Streets"
	add_child(streets)
	for street: Dictionary in _layout.streets:
		var from: Vector2 = street["from"]
		var to: Vector2 = street["to"]
		var along_x: bool = street["along_x"]
		var length: float = (to - from).length()
		var pieces: int = maxi(1, ceili(length / TILE_M))
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
		visual.mesh = _box_mesh(Vector3(length + width / 2.0, FLOOR_THICKNESS, width), PATH_COLOR)
		var mid: Vector2 = (from + to) / 2.0 + (to - from) / length * (width / 4.0)
		visual.position = Vector3(mid.x, PATH_Y, mid.y)
		visual.rotation.y = -atan2(to.y - from.y, to.x - from.x)
		streets.add_child(visual)


# A piece of street along x: asphalt, kerbs, and a dashed centre line.
func _street_piece_mesh(length: float, width: float) -> ArrayMesh:
	var key: String = "street/%.3f/%.2f" % [length, width]
	if _meshes.has(key):
		return _meshes[key]
	var kit: MeshKit = MeshKit.new(_materials)
	kit.box(Vector3(length, FLOOR_THICKNESS, width), Transform3D(), STREET_COLOR)
	for side: float in [-1.0, 1.0]:
		kit.box(Vector3(length, 0.05, 0.3), Transform3D(Basis(), Vector3(0.0, 0.02, side * (width / 2.0 - 0.15))),
			KERB_COLOR)
	var dashes: int = maxi(1, floori(length / 3.0))
	for i: int in dashes:
		var x: float = -length / 2.0 + length * (i + 0.5) / dashes
		kit.box(Vector3(1.4, FLOOR_THICKNESS, 0.12), Transform3D(Basis(), Vector3(x, 0.004, 0.0)), MARKING_COLOR)
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
	add_child(body)
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
			add_child(visual)


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
	add_child(visual)


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
	var kit: MeshKit = MeshKit.new(_materials)
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
	add_child(lamps)
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


# A solid box: a static collider (parsed for the navmesh) with a matching mesh.
func _add_box(box_name: String, center: Vector3, extent: Vector3, color: Color) -> void:
	var body: StaticBody3D = _add_collider(box_name, center, extent)
	var visual: MeshInstance3D = MeshInstance3D.new()
	visual.mesh = _box_mesh(extent, color)
	body.add_child(visual)


func _add_collider(body_name: String, center: Vector3, extent: Vector3) -> StaticBody3D:
	var body: StaticBody3D = StaticBody3D.new()
	body.name = body_name.validate_node_name()
	body.position = center
	var shape: BoxShape3D = BoxShape3D.new()
	shape.size = extent
	var collider: CollisionShape3D = CollisionShape3D.new()
	collider.shape = shape
	body.add_child(collider)
	add_child(body)
	return body


# A plain box mesh, shared by every box of the same size and colour.
func _box_mesh(extent: Vector3, color: Color) -> ArrayMesh:
	var key: String = "box/%.3f,%.3f,%.3f/%s" % [extent.x, extent.y, extent.z, color.to_html(false)]
	if not _meshes.has(key):
		var kit: MeshKit = MeshKit.new(_materials)
		kit.box(extent, Transform3D(), color)
		_meshes[key] = kit.commit()
	return _meshes[key]


# Roofs are a darker, slightly warmer shade of the walls.
static func _roof_color(wall: Color) -> Color:
	return wall.darkened(0.45).lerp(Color("#7a3b2a"), 0.3)


static func _color(value: Variant) -> Color:
	var text: String = str(value)
	return Color.from_string(text, Color(0.7, 0.7, 0.7)) if not text.is_empty() else Color(0.7, 0.7, 0.7)
