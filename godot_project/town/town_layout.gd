extends RefCounted
## Where the town's buildings, streets, paths, street lamps and trees go: the plan
## town_builder.gd turns into geometry, worked out from the Town message alone.
##
## - Buildings are the walled sectors (size.y > 0): four walls on the footprint's
##   edges, a doorway gap (the town's door_width) in the wall nearest the sector's
##   door. Walls are the town's wall_thickness thick.
## - Streets run along x (or z) through every gap between rows of buildings wide
##   enough for one, across the whole built-up area, cut where an obstacle or an
##   object stands; with a single row, one street runs along the side most doors face.
## - A path leads straight out of each door to the nearest street it meets.
## - Street lamps stand along the streets' edges, trees on the open ground that is
##   left (more of them in parks, the open sectors), never near buildings, doors,
##   streets, paths, places or obstacles, and far enough apart to walk between.
## The plan is deterministic: the same town always gets the same trees.
##
## This script plans the buildings, lamps, trees and bushes; street_plan.gd plans the
## streets and paths between the buildings.

const TownData: GDScript = preload("res://town/town_data.gd")
const StreetPlan: GDScript = preload("res://town/street_plan.gd")

const STREET_WIDTH: float = StreetPlan.STREET_WIDTH
## Clear ground kept between a street's edge and the buildings beside it.
const STREET_CLEARANCE: float = StreetPlan.STREET_CLEARANCE
const PATH_WIDTH: float = StreetPlan.PATH_WIDTH
const LAMP_SPACING: float = 14.0
## GL Compatibility draws at most 32 lights at once: the town's lights (street lamps
## and one inside each building) stay within this, the lamps taking what the
## buildings leave, up to MAX_STREET_LAMPS.
const LIGHT_BUDGET: int = 30
const MAX_STREET_LAMPS: int = 24
const MAX_INTERIOR_LIGHTS: int = 15
const TRUNK_RADIUS: float = 0.25
## Trunks are at least this far apart, so there is always room to walk between them.
const TREE_SPACING: float = 3.4
const TREE_GRID: float = 3.0
const TREE_CHANCE_IN_PARKS: float = 0.75
const TREE_CHANCE_ELSEWHERE: float = 0.5
## Clearances around a trunk.
const TREE_FROM_BUILDINGS: float = 2.4
const TREE_FROM_THINGS: float = 2.0
const TREE_FROM_PLACES: float = 2.5
const TREE_FROM_EDGE: float = 2.5
const TREE_FROM_DOORS: float = 4.0
## Bushes hug the walls: small enough to stay out of the walking space.
const BUSH_RADIUS: float = 0.3
const BUSH_SPACING: float = 1.1
const BUSH_CHANCE: float = 0.7

## {"id", "rect" (Rect2 on x, z), "height", "door" (Vector3 on the wall),
## "outward" (Vector3 out of the door), "walls": [{"name", "along_x", "at", "spans"}]}.
var buildings: Array[Dictionary] = []
## {"from": Vector2, "to": Vector2 (x, z), "along_x": bool, "width": float}.
var streets: Array[Dictionary] = []
## {"from": Vector2, "to": Vector2, "width": float}, straight segments.
var paths: Array[Dictionary] = []
## Street lamp positions (x, z).
var lamps: Array[Vector2] = []
## Buildings that get a light inside at night (at most MAX_INTERIOR_LIGHTS, the largest).
var lit_buildings: Dictionary = {}
## {"at": Vector2, "kind": "broadleaf" | "conifer", "scale", "stretch", "yaw",
## "trunk_color", "crown_color"}.
var trees: Array[Dictionary] = []

## Low bushes along the buildings' walls, clear of doors and paths:
## {"at": Vector2, "scale": float, "color": Color}.
var bushes: Array[Dictionary] = []
## The town's wall thickness and doorway width (TownData), which the plan is made with.
var wall_thickness: float = TownData.DEFAULT_WALL_THICKNESS_M
var door_width: float = TownData.DEFAULT_DOOR_WIDTH_M

var _half: Vector2 = Vector2.ZERO
var _by_id: Dictionary = {}
var _parks: Array[Rect2] = []
# Obstacles and objects: what streets are cut around and trees keep away from.
var _things: Array[Rect2] = []
var _positions: Array[Vector2] = []


func _init(town: TownData) -> void:
	wall_thickness = town.wall_thickness
	door_width = town.door_width
	_half = Vector2(town.size.x, town.size.z) / 2.0
	for place: Dictionary in town.places:
		var kind: String = str(place.get("kind", ""))
		var position: Vector3 = TownData.vec3(place.get("position", {}))
		_positions.append(Vector2(position.x, position.z))
		if kind == TownData.KIND_SECTOR:
			var extent: Vector3 = TownData.vec3(place.get("size", {}))
			if extent.y > 0.0:
				var building: Dictionary = _plan_building(place)
				buildings.append(building)
				_by_id[building["id"]] = building
			else:
				_parks.append(_footprint(place))
		elif kind == TownData.KIND_OBJECT:
			_things.append(_footprint(place))
	for obstacle: Dictionary in town.obstacles:
		var center: Vector3 = TownData.vec3(obstacle.get("position", {}))
		var extent: Vector3 = TownData.vec3(obstacle.get("size", {}))
		_things.append(Rect2(center.x - extent.x / 2.0, center.z - extent.z / 2.0, extent.x, extent.z))
	var by_area: Array[Dictionary] = buildings.duplicate()
	by_area.sort_custom(func(a: Dictionary, b: Dictionary) -> bool:
		return (a["rect"] as Rect2).get_area() > (b["rect"] as Rect2).get_area())
	for i: int in mini(by_area.size(), MAX_INTERIOR_LIGHTS):
		lit_buildings[by_area[i]["id"]] = true
	var street_plan: StreetPlan = StreetPlan.new(buildings, _things, _half, wall_thickness)
	streets = street_plan.streets
	paths = street_plan.paths
	_plan_lamps(mini(MAX_STREET_LAMPS, LIGHT_BUDGET - lit_buildings.size()))
	_plan_trees(town.name)
	_plan_bushes(town.name)


## The building planned for the walled sector with this id (empty if none).
func building(sector_id: String) -> Dictionary:
	return _by_id.get(sector_id, {})


# A place's footprint on the ground: centre ± size / 2 on x and z.
static func _footprint(place: Dictionary) -> Rect2:
	var center: Vector3 = TownData.vec3(place.get("center", {}))
	var extent: Vector3 = TownData.vec3(place.get("size", {}))
	return Rect2(center.x - extent.x / 2.0, center.z - extent.z / 2.0, extent.x, extent.z)


func _plan_building(sector: Dictionary) -> Dictionary:
	var center: Vector3 = TownData.vec3(sector.get("center", {}))
	var extent: Vector3 = TownData.vec3(sector.get("size", {}))
	var door: Vector3 = TownData.vec3(sector.get("door", {}))
	var half_x: float = extent.x / 2.0
	var half_z: float = extent.z / 2.0
	# Walls along x are longer by a thickness so the corners close.
	var walls: Array[Dictionary] = [
		{"name": "north", "along_x": true, "at": center.z - half_z, "half": half_x + wall_thickness / 2.0,
			"outward": Vector3.FORWARD},
		{"name": "south", "along_x": true, "at": center.z + half_z, "half": half_x + wall_thickness / 2.0,
			"outward": Vector3.BACK},
		{"name": "west", "along_x": false, "at": center.x - half_x, "half": half_z, "outward": Vector3.LEFT},
		{"name": "east", "along_x": false, "at": center.x + half_x, "half": half_z, "outward": Vector3.RIGHT},
	]
	var door_wall: int = 0
	var door_gap: float = INF
	for i: int in walls.size():
		var wall: Dictionary = walls[i]
		var across: float = door.z if wall["along_x"] else door.x
		if absf(across - float(wall["at"])) < door_gap:
			door_gap = absf(across - float(wall["at"]))
			door_wall = i
	var door_point: Vector3 = door
	for i: int in walls.size():
		var wall: Dictionary = walls[i]
		var along_x: bool = wall["along_x"]
		var mid: float = center.x if along_x else center.z
		var half: float = wall["half"]
		var spans: Array[Vector2] = [Vector2(mid - half, mid + half)]
		if i == door_wall:
			var door_at: float = door.x if along_x else door.z
			spans = [
				Vector2(mid - half, door_at - door_width / 2.0),
				Vector2(door_at + door_width / 2.0, mid + half),
			]
			door_point = Vector3(door_at, 0.0, wall["at"]) if along_x else Vector3(wall["at"], 0.0, door_at)
		wall["spans"] = spans
	return {
		"id": str(sector.get("id", "")),
		"rect": Rect2(center.x - half_x, center.z - half_z, extent.x, extent.z),
		"height": extent.y,
		"door": door_point,
		"outward": walls[door_wall]["outward"],
		"walls": walls,
	}


func _distance_to_paths(point: Vector2) -> float:
	var nearest: float = INF
	for path: Dictionary in paths:
		var closest: Vector2 = Geometry2D.get_closest_point_to_segment(point, path["from"], path["to"])
		nearest = minf(nearest, closest.distance_to(point))
	return nearest


func _near_buildings(point: Vector2, margin: float) -> bool:
	for entry: Dictionary in buildings:
		var rect: Rect2 = entry["rect"]
		if rect.grow(margin).has_point(point):
			return true
	return false


func _near_things(point: Vector2, margin: float) -> bool:
	for thing: Rect2 in _things:
		if thing.grow(margin).has_point(point):
			return true
	return false


func _near_places(point: Vector2, margin: float) -> bool:
	for position: Vector2 in _positions:
		if position.distance_to(point) < margin:
			return true
	return false


func _plan_lamps(max_lamps: int) -> void:
	var candidates: Array[Vector2] = []
	for street: Dictionary in streets:
		var from: Vector2 = street["from"]
		var to: Vector2 = street["to"]
		var length: float = from.distance_to(to)
		var direction: Vector2 = (to - from) / maxf(length, 0.001)
		var side: Vector2 = Vector2(-direction.y, direction.x) * (float(street["width"]) / 2.0 + 0.45)
		var count: int = maxi(1, floori(length / LAMP_SPACING))
		for k: int in count:
			# Alternate sides along the street; the other side, or a little along, when
			# a door's path or a building is in the way.
			var along: Vector2 = from + direction * (length * (k + 0.5) / count)
			var placed: bool = false
			for shift: float in [0.0, 2.5, -2.5]:
				for flip: float in [1.0, -1.0]:
					var point: Vector2 = along + direction * shift + side * (1.0 if k % 2 == 0 else -1.0) * flip
					if not placed and _lamp_fits(point):
						candidates.append(point)
						placed = true
	if candidates.size() <= max_lamps:
		lamps = candidates
		return
	# Evenly spread over the candidates, in street order.
	for i: int in max_lamps:
		lamps.append(candidates[floori(i * candidates.size() / float(max_lamps))])


func _lamp_fits(point: Vector2) -> bool:
	return not (_near_buildings(point, 0.4) or _near_things(point, 1.0) or _near_places(point, 1.5)
		or _distance_to_paths(point) < PATH_WIDTH / 2.0 + 0.8
		or absf(point.x) > _half.x - 0.5 or absf(point.y) > _half.y - 0.5)


func _plan_trees(seed_text: String) -> void:
	var rng: RandomNumberGenerator = RandomNumberGenerator.new()
	rng.seed = hash("trees:" + seed_text)
	var street_rects: Array[Rect2] = []
	for street: Dictionary in streets:
		street_rects.append(StreetPlan.street_rect(street).grow(1.0))
	var doors: Array[Vector2] = []
	for entry: Dictionary in buildings:
		var door: Vector3 = entry["door"]
		doors.append(Vector2(door.x, door.z))
	var nx: int = floori(_half.x * 2.0 / TREE_GRID)
	var nz: int = floori(_half.y * 2.0 / TREE_GRID)
	for ix: int in nx:
		for iz: int in nz:
			var point: Vector2 = Vector2(-_half.x + TREE_GRID * (ix + 0.5) + rng.randf_range(-0.9, 0.9),
				-_half.y + TREE_GRID * (iz + 0.5) + rng.randf_range(-0.9, 0.9))
			var in_park: bool = false
			for park: Rect2 in _parks:
				if park.has_point(point):
					in_park = true
			var roll: float = rng.randf()
			if roll > (TREE_CHANCE_IN_PARKS if in_park else TREE_CHANCE_ELSEWHERE):
				continue
			if not _tree_fits(point, street_rects, doors):
				continue
			var broadleaf: bool = rng.randf() < 0.7
			var crown: Color = Color.from_hsv(rng.randf_range(0.22, 0.33), rng.randf_range(0.45, 0.7),
				rng.randf_range(0.38, 0.6) if broadleaf else rng.randf_range(0.28, 0.42))
			trees.append({
				"at": point,
				"kind": "broadleaf" if broadleaf else "conifer",
				"scale": rng.randf_range(0.8, 1.2),
				"stretch": rng.randf_range(0.9, 1.2),
				"yaw": rng.randf_range(0.0, TAU),
				"trunk_color": Color.from_hsv(rng.randf_range(0.06, 0.09), rng.randf_range(0.45, 0.6),
					rng.randf_range(0.28, 0.4)),
				"crown_color": crown,
			})


func _tree_fits(point: Vector2, street_rects: Array[Rect2], doors: Array[Vector2]) -> bool:
	if absf(point.x) > _half.x - TREE_FROM_EDGE or absf(point.y) > _half.y - TREE_FROM_EDGE:
		return false
	if _near_buildings(point, TREE_FROM_BUILDINGS) or _near_things(point, TREE_FROM_THINGS) \
			or _near_places(point, TREE_FROM_PLACES):
		return false
	for rect: Rect2 in street_rects:
		if rect.has_point(point):
			return false
	if _distance_to_paths(point) < PATH_WIDTH / 2.0 + 1.2:
		return false
	for door: Vector2 in doors:
		if door.distance_to(point) < TREE_FROM_DOORS:
			return false
	for lamp: Vector2 in lamps:
		if lamp.distance_to(point) < 2.0:
			return false
	for tree: Dictionary in trees:
		if (tree["at"] as Vector2).distance_to(point) < TREE_SPACING:
			return false
	return true


func _plan_bushes(seed_text: String) -> void:
	var rng: RandomNumberGenerator = RandomNumberGenerator.new()
	rng.seed = hash("bushes:" + seed_text)
	for entry: Dictionary in buildings:
		var door3: Vector3 = entry["door"]
		var door: Vector2 = Vector2(door3.x, door3.z)
		for wall: Dictionary in entry["walls"]:
			var out3: Vector3 = wall["outward"]
			var out: Vector2 = Vector2(out3.x, out3.z)
			var along_x: bool = wall["along_x"]
			var at: float = wall["at"]
			for span: Vector2 in wall["spans"]:
				var count: int = floori((span.y - span.x - 0.6) / BUSH_SPACING)
				for k: int in count:
					var along: float = span.x + 0.3 + BUSH_SPACING * (k + 0.5)
					var point: Vector2 = (Vector2(along, at) if along_x else Vector2(at, along)) \
						+ out * (wall_thickness / 2.0 + BUSH_RADIUS)
					if rng.randf() > BUSH_CHANCE or point.distance_to(door) < door_width or _bush_blocked(point):
						continue
					bushes.append({
						"at": point,
						"scale": rng.randf_range(0.8, 1.15),
						"color": Color.from_hsv(rng.randf_range(0.24, 0.36), rng.randf_range(0.5, 0.7),
							rng.randf_range(0.3, 0.48)),
					})


func _bush_blocked(point: Vector2) -> bool:
	if _distance_to_paths(point) < PATH_WIDTH / 2.0 + 0.4 or _near_things(point, 0.3) \
			or absf(point.x) > _half.x - 0.3 or absf(point.y) > _half.y - 0.3:
		return true
	for lamp: Vector2 in lamps:
		if lamp.distance_to(point) < 0.8:
			return true
	for street: Dictionary in streets:
		if StreetPlan.street_rect(street).grow(0.3).has_point(point):
			return true
	for entry: Dictionary in buildings:
		var rect: Rect2 = entry["rect"]
		if rect.grow(-0.01).has_point(point):
			return true
	return false
