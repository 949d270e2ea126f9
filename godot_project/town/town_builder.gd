extends NavigationRegion3D
## Builds the 3D town from the server's Town message, then bakes its navmesh.
##
## Everything solid (ground, walls, furniture, obstacles) is a StaticBody3D child
## of this region, and the navmesh is baked from those colliders at run time:
## headless, the renderer holds no mesh data to parse, but colliders are there.
## Floors and labels are visuals only.

const TownData: GDScript = preload("res://town/town_data.gd")
const WALL_THICKNESS: float = 0.3
const DOOR_WIDTH: float = 2.0
const GROUND_DEPTH: float = 1.0
const GROUND_COLOR: Color = Color("#8a9a78")
const SECTOR_FLOOR_Y: float = 0.005
const ARENA_FLOOR_Y: float = 0.012
const FLOOR_THICKNESS: float = 0.01
# A sector's floor is a paler shade of its walls, so its arenas stand out on it.
const SECTOR_FLOOR_LIGHTEN: float = 0.25
const LABEL_HEIGHT_ABOVE_WALLS: float = 1.2
# Must match the navigation map's cell size and height (project defaults 0.25),
# or the server complains when the region joins the map.
const CELL_SIZE: float = 0.25
const CELL_HEIGHT: float = 0.25
# An agent is 0.35 m wide and 1.8 m tall, but Recast works in whole cells and
# rounds both up (to 2 and 8 cells), warning about the lost precision: give it
# the rounded values, which bake the same navmesh without the warnings.
const AGENT_RADIUS: float = 0.5
const AGENT_HEIGHT: float = 2.0
# One cell: the ground is flat, and the lowest furniture (0.4 m) must not be walkable.
const AGENT_MAX_CLIMB: float = 0.25
# Islands smaller than this many cells squared are dropped: the tops of beds and
# tables would otherwise be separate walkable patches.
const REGION_MIN_SIZE: float = 8.0
## A place's position counts as reachable when the navmesh is this close to it.
const REACH_TOLERANCE_M: float = 0.5

var _materials: Dictionary = {}


## Replaces the town's geometry with the one described by town.
func build(town: TownData) -> void:
	for child: Node in get_children():
		remove_child(child)
		child.queue_free()
	_build_ground(town.size)
	for place: Dictionary in town.places:
		match str(place.get("kind", "")):
			TownData.KIND_SECTOR:
				_build_sector(place)
			TownData.KIND_ARENA:
				_build_floor(place, ARENA_FLOOR_Y, 0.0)
			TownData.KIND_OBJECT:
				var center: Vector3 = TownData.vec3(place.get("center", {}))
				var extent: Vector3 = TownData.vec3(place.get("size", {}))
				_add_box(str(place.get("id", "")), center + Vector3(0.0, extent.y / 2.0, 0.0), extent,
					_color(place.get("color", "")))
	for obstacle: Dictionary in town.obstacles:
		var center: Vector3 = TownData.vec3(obstacle.get("position", {}))
		var extent: Vector3 = TownData.vec3(obstacle.get("size", {}))
		_add_box(str(obstacle.get("id", "obstacle")), center + Vector3(0.0, extent.y / 2.0, 0.0), extent,
			_color(obstacle.get("color", "")))


## Bakes the navmesh from the static colliders, synchronously.
func bake() -> void:
	var mesh: NavigationMesh = NavigationMesh.new()
	mesh.geometry_parsed_geometry_type = NavigationMesh.PARSED_GEOMETRY_STATIC_COLLIDERS
	mesh.geometry_source_geometry_mode = NavigationMesh.SOURCE_GEOMETRY_ROOT_NODE_CHILDREN
	mesh.cell_size = CELL_SIZE
	mesh.cell_height = CELL_HEIGHT
	mesh.agent_radius = AGENT_RADIUS
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


func _build_ground(extent: Vector3) -> void:
	var ground_size: Vector3 = Vector3(maxf(extent.x, 1.0), GROUND_DEPTH, maxf(extent.z, 1.0))
	_add_box("ground", Vector3(0.0, -GROUND_DEPTH / 2.0, 0.0), ground_size, GROUND_COLOR)


func _build_sector(sector: Dictionary) -> void:
	var center: Vector3 = TownData.vec3(sector.get("center", {}))
	var extent: Vector3 = TownData.vec3(sector.get("size", {}))
	var color: Color = _color(sector.get("color", ""))
	var sector_id: String = str(sector.get("id", ""))
	_build_floor(sector, SECTOR_FLOOR_Y, SECTOR_FLOOR_LIGHTEN)
	if extent.y > 0.0:
		_build_walls(sector_id, center, extent, TownData.vec3(sector.get("door", {})), color)
	var label: Label3D = Label3D.new()
	label.name = (sector_id + "_label").validate_node_name()
	label.text = str(sector.get("name", sector_id))
	label.billboard = BaseMaterial3D.BILLBOARD_ENABLED
	label.font_size = 96
	label.outline_size = 16
	label.pixel_size = 0.014
	label.position = Vector3(center.x, extent.y + LABEL_HEIGHT_ABOVE_WALLS, center.z)
	add_child(label)


# Four walls on the footprint's edges, with a doorway gap in the wall nearest the door.
func _build_walls(sector_id: String, center: Vector3, extent: Vector3, door: Vector3, color: Color) -> void:
	var half_x: float = extent.x / 2.0
	var half_z: float = extent.z / 2.0
	var height: float = extent.y
	# Each wall: name, the fixed coordinate, whether it runs along x, its half length.
	# Walls along x are longer by a thickness so the corners close.
	var walls: Array[Dictionary] = [
		{"name": "north", "along_x": true, "at": center.z - half_z, "half": half_x + WALL_THICKNESS / 2.0},
		{"name": "south", "along_x": true, "at": center.z + half_z, "half": half_x + WALL_THICKNESS / 2.0},
		{"name": "west", "along_x": false, "at": center.x - half_x, "half": half_z},
		{"name": "east", "along_x": false, "at": center.x + half_x, "half": half_z},
	]
	var door_wall: int = 0
	var door_gap: float = INF
	for i: int in walls.size():
		var wall: Dictionary = walls[i]
		var across: float = door.z if wall["along_x"] else door.x
		if absf(across - float(wall["at"])) < door_gap:
			door_gap = absf(across - float(wall["at"]))
			door_wall = i
	for i: int in walls.size():
		var wall: Dictionary = walls[i]
		var along_x: bool = wall["along_x"]
		var mid: float = center.x if along_x else center.z
		var half: float = wall["half"]
		var spans: Array[Vector2] = [Vector2(mid - half, mid + half)]
		if i == door_wall:
			var door_at: float = door.x if along_x else door.z
			spans = [
				Vector2(mid - half, door_at - DOOR_WIDTH / 2.0),
				Vector2(door_at + DOOR_WIDTH / 2.0, mid + half),
			]
		for j: int in spans.size():
			var span: Vector2 = spans[j]
			var length: float = span.y - span.x
			if length <= 0.01:
				continue
			var middle: float = (span.x + span.y) / 2.0
			var at: float = wall["at"]
			var box_center: Vector3 = Vector3(middle, height / 2.0, at) if along_x \
				else Vector3(at, height / 2.0, middle)
			var box_size: Vector3 = Vector3(length, height, WALL_THICKNESS) if along_x \
				else Vector3(WALL_THICKNESS, height, length)
			_add_box("%s_wall_%s_%d" % [sector_id, wall["name"], j], box_center, box_size, color)


func _build_floor(place: Dictionary, y: float, lighten: float) -> void:
	var center: Vector3 = TownData.vec3(place.get("center", {}))
	var extent: Vector3 = TownData.vec3(place.get("size", {}))
	var floor_mesh: BoxMesh = BoxMesh.new()
	floor_mesh.size = Vector3(extent.x, FLOOR_THICKNESS, extent.z)
	floor_mesh.material = _material(_color(place.get("color", "")).lightened(lighten))
	var visual: MeshInstance3D = MeshInstance3D.new()
	visual.name = (str(place.get("id", "")) + "_floor").validate_node_name()
	visual.mesh = floor_mesh
	visual.position = Vector3(center.x, y, center.z)
	add_child(visual)


# A solid box: a static collider (parsed for the navmesh) with a matching mesh.
func _add_box(box_name: String, center: Vector3, extent: Vector3, color: Color) -> void:
	var body: StaticBody3D = StaticBody3D.new()
	body.name = box_name.validate_node_name()
	body.position = center
	var shape: BoxShape3D = BoxShape3D.new()
	shape.size = extent
	var collider: CollisionShape3D = CollisionShape3D.new()
	collider.shape = shape
	body.add_child(collider)
	var box_mesh: BoxMesh = BoxMesh.new()
	box_mesh.size = extent
	box_mesh.material = _material(color)
	var visual: MeshInstance3D = MeshInstance3D.new()
	visual.mesh = box_mesh
	body.add_child(visual)
	add_child(body)


func _material(color: Color) -> StandardMaterial3D:
	var key: String = color.to_html(false)
	if not _materials.has(key):
		var material: StandardMaterial3D = StandardMaterial3D.new()
		material.albedo_color = color
		_materials[key] = material
	return _materials[key]


static func _color(value: Variant) -> Color:
	var text: String = str(value)
	return Color.from_string(text, Color(0.7, 0.7, 0.7)) if not text.is_empty() else Color(0.7, 0.7, 0.7)
