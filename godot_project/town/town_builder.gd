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
##
## This script keeps the ground, floors, objects, obstacles, labels, the navmesh and
## the public API; its parts, made anew by each build(): town_pieces.gd (boxes,
## colliders, shared box meshes), town_buildings.gd (walls, facades, roofs, interior
## lights) and town_outdoors.gd (streets, paths, trees, bushes, street lamps), all
## laid out beforehand by town_layout.gd.

## Emitted when build() has replaced the town's geometry.
signal built

const TownData: GDScript = preload("res://town/town_data.gd")
const MeshKit: GDScript = preload("res://town/mesh_kit.gd")
const Furniture: GDScript = preload("res://town/furniture.gd")
const TownLayout: GDScript = preload("res://town/town_layout.gd")
const Walking: GDScript = preload("res://town/walking.gd")
const TownPieces: GDScript = preload("res://town/town_pieces.gd")
const TownBuildings: GDScript = preload("res://town/town_buildings.gd")
const TownOutdoors: GDScript = preload("res://town/town_outdoors.gd")

const GROUND_DEPTH: float = 1.0
## How long wait_for_navmesh() waits for the navigation map, in seconds of real time.
const NAVMESH_WAIT_S: float = 30.0
const GRASS_COLOR: Color = Color("#78a055")
const SECTOR_FLOOR_Y: float = 0.005
const ARENA_FLOOR_Y: float = 0.012
const FLOOR_THICKNESS: float = TownPieces.FLOOR_THICKNESS
# A sector's floor is a paler shade of its walls, so its arenas stand out on it.
const SECTOR_FLOOR_LIGHTEN: float = 0.25
const LABEL_HEIGHT_ABOVE_ROOF: float = 0.8
const OPEN_LABEL_HEIGHT: float = 6.0
const TILE_M: float = TownPieces.TILE_M
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
var _furniture: Furniture = null
var _roofs: Node3D = null
var _roofs_visible: bool = true
var _night: bool = false
var _street_lights: Array[OmniLight3D] = []
var _interior_lights: Array[OmniLight3D] = []
var _layout: TownLayout = null
# The parts of a build (remade by build()): boxes and colliders, buildings, outdoors.
var _pieces: TownPieces = null
var _buildings: TownBuildings = null
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
	_pieces = TownPieces.new(self, _materials)
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
	_buildings = TownBuildings.new(self, _pieces, town, _roofs, _roof_by_sector, _interior_lights)
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
		_pieces.add_box(str(obstacle.get("id", "obstacle")), center + Vector3(0.0, extent.y / 2.0, 0.0), extent,
			TownPieces.color(obstacle.get("color", "")))
	TownOutdoors.new(self, _pieces, _layout, _street_lights).build()
	set_night(_night)
	built.emit()


## Waits until the navigation map answers queries from the baked navmesh: the map's
## closest point to the origin belongs to this region. Until then queries see an empty
## or an older map: the map and the region sync on their own threads, and the map may
## change its iteration before the region's new polygons are in it. Gives up after
## NAVMESH_WAIT_S seconds of real time (a busy machine takes longer) and returns
## whether the navmesh was taken up. Call it after bake(); the builder must be in the tree.
func wait_for_navmesh() -> bool:
	var map: RID = get_world_3d().navigation_map
	var deadline: int = Time.get_ticks_msec() + int(NAVMESH_WAIT_S * 1000.0)
	while Time.get_ticks_msec() <= deadline:
		await get_tree().physics_frame
		if NavigationServer3D.map_get_iteration_id(map) > 0 \
				and NavigationServer3D.map_get_closest_point_owner(map, Vector3.ZERO) == get_rid():
			return true
	push_error("town %s: the navigation map did not take up the baked navmesh within %.0f s"
		% [_town.name, NAVMESH_WAIT_S])
	return false


## Bakes the navmesh from the static colliders, synchronously; the navigation map takes
## it up on a later physics frame (wait_for_navmesh).
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
	var lamp_color: Color = TownOutdoors.LAMP_COLOR
	var lamp: StandardMaterial3D = MeshKit.shared_material(_materials, lamp_color, MeshKit.Finish.GLOW)
	lamp.emission_energy_multiplier = 2.5 if night else 0.0
	lamp.albedo_color = lamp_color if night else lamp_color.darkened(0.35)
	var window: StandardMaterial3D = MeshKit.shared_material(_materials, TownBuildings.WINDOW_COLOR,
		MeshKit.Finish.GLASS)
	window.emission_enabled = true
	window.emission = TownBuildings.WINDOW_NIGHT_GLOW
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
	var tile_mesh: ArrayMesh = _pieces.box_mesh(tile, GRASS_COLOR)
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
	var color: Color = TownPieces.color(sector.get("color", ""))
	var sector_id: String = str(sector.get("id", ""))
	var title: String = str(sector.get("name", sector_id))
	# A park's ground keeps its own colour; a building's floor is paler than its walls.
	_build_floor(sector, SECTOR_FLOOR_Y, SECTOR_FLOOR_LIGHTEN if extent.y > 0.0 else 0.0)
	# An open sector's name floats over its trees.
	var label_y: float = extent.y + LABEL_HEIGHT_ABOVE_ROOF if extent.y > 0.0 else OPEN_LABEL_HEIGHT
	if extent.y > 0.0:
		var building: Dictionary = _layout.building(sector_id)
		label_y += _buildings.build(sector_id, center, extent, building, color, title,
			_layout.lit_buildings.has(sector_id))
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


func _build_floor(place: Dictionary, y: float, lighten: float) -> void:
	var center: Vector3 = TownData.vec3(place.get("center", {}))
	var extent: Vector3 = TownData.vec3(place.get("size", {}))
	var visual: MeshInstance3D = MeshInstance3D.new()
	visual.name = (str(place.get("id", "")) + "_floor").validate_node_name()
	visual.mesh = _pieces.box_mesh(Vector3(extent.x, FLOOR_THICKNESS, extent.z),
		TownPieces.color(place.get("color", "")).lightened(lighten))
	visual.position = Vector3(center.x, y, center.z)
	add_child(visual)


# An object: its box as the collider, and a model that looks like what it is.
func _build_object(place: Dictionary) -> void:
	var center: Vector3 = TownData.vec3(place.get("center", {}))
	var extent: Vector3 = TownData.vec3(place.get("size", {}))
	var stand: Vector3 = TownData.vec3(place.get("position", {}))
	var body: StaticBody3D = _pieces.add_collider(str(place.get("id", "")), center + Vector3(0.0, extent.y / 2.0, 0.0),
		extent)
	var front: Vector3 = Vector3(stand.x - center.x, 0.0, stand.z - center.z)
	if front.length() < 0.05:
		front = Vector3.BACK
	var visual: MeshInstance3D = MeshInstance3D.new()
	visual.mesh = _furniture.mesh(str(place.get("name", place.get("id", ""))), extent,
		TownPieces.color(place.get("color", "")), front)
	visual.position = Vector3(0.0, -extent.y / 2.0, 0.0)
	body.add_child(visual)
