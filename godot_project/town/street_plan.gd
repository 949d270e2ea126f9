extends RefCounted
## Where the town's streets and the paths from the doors go: the part of
## town_layout.gd's plan that it hands over to this, given the buildings it planned.
##
## - Streets run along x (or z) through every gap between rows of buildings wide
##   enough for one (STREET_WIDTH and STREET_CLEARANCE each side), across the whole
##   built-up area, at the offset in the gap that crosses the fewest obstacles and
##   objects, nearest its middle, and are cut where one stands; with a single row, one
##   street runs along the side most doors face.
## - A path leads straight out of each door to the nearest street it meets without
##   crossing another building; failing that, out of the door and round to the
##   nearest street.
##
##     var plan: StreetPlan = StreetPlan.new(buildings, things, half, wall_thickness)
##     plan.streets   # [{"from": Vector2, "to": Vector2, "along_x": bool, "width": float}]
##     plan.paths     # [{"from": Vector2, "to": Vector2, "width": float}]
##
## Preloaded where it is used, not a class_name (see main/main.gd).

const STREET_WIDTH: float = 4.0
## Clear ground kept between a street's edge and the buildings beside it.
const STREET_CLEARANCE: float = 1.0
const PATH_WIDTH: float = 1.4

## {"from": Vector2, "to": Vector2 (x, z), "along_x": bool, "width": float}.
var streets: Array[Dictionary] = []
## {"from": Vector2, "to": Vector2, "width": float}, straight segments.
var paths: Array[Dictionary] = []

# town_layout.gd's buildings, obstacles and objects (what streets are cut around),
# half the town's size on x and z, and the walls' thickness.
var _buildings: Array[Dictionary] = []
var _things: Array[Rect2] = []
var _half: Vector2 = Vector2.ZERO
var _wall_thickness: float = 0.0


## Plans the streets, then the paths, for these buildings (town_layout.gd's) among
## these obstacles and objects (footprints), in a town half_size across each way.
func _init(planned_buildings: Array[Dictionary], things: Array[Rect2], half_size: Vector2,
		wall_thickness: float) -> void:
	_buildings = planned_buildings
	_things = things
	_half = half_size
	_wall_thickness = wall_thickness
	_plan_streets()
	_plan_paths()


func _plan_streets() -> void:
	if _buildings.is_empty():
		return
	for along_x: bool in [true, false]:
		# A street along x sits at a fixed z in a gap between the buildings' z spans.
		var spans: Array[Vector2] = []
		var run: Vector2 = Vector2(INF, -INF)
		for entry: Dictionary in _buildings:
			var rect: Rect2 = entry["rect"]
			spans.append(Vector2(rect.position.y, rect.end.y) if along_x else Vector2(rect.position.x, rect.end.x))
			var across: Vector2 = Vector2(rect.position.x, rect.end.x) if along_x \
				else Vector2(rect.position.y, rect.end.y)
			run = Vector2(minf(run.x, across.x), maxf(run.y, across.y))
		var limit: float = (_half.x if along_x else _half.y) - 0.5
		run = Vector2(maxf(run.x - STREET_CLEARANCE - STREET_WIDTH, -limit),
			minf(run.y + STREET_CLEARANCE + STREET_WIDTH, limit))
		var merged: Array[Vector2] = _merge(spans)
		for i: int in merged.size() - 1:
			var low: float = merged[i].y + STREET_CLEARANCE + STREET_WIDTH / 2.0
			var high: float = merged[i + 1].x - STREET_CLEARANCE - STREET_WIDTH / 2.0
			if high < low:
				continue
			_add_street(along_x, _best_offset(along_x, low, high, run), run)
	if streets.is_empty():
		_add_front_street()


# Where in [low, high] a street crosses the fewest obstacles and objects, nearest the middle.
func _best_offset(along_x: bool, low: float, high: float, run: Vector2) -> float:
	var middle: float = (low + high) / 2.0
	var best: float = middle
	var best_blocked: float = INF
	var steps: int = int((high - low) / 0.25)
	for k: int in steps + 1:
		# Middle first, then alternately either side of it.
		var offset: float = middle + (0.25 * ceili(k / 2.0)) * (1.0 if k % 2 == 1 else -1.0)
		if offset < low - 0.001 or offset > high + 0.001:
			continue
		var strip: Rect2 = _strip(along_x, offset, run, STREET_WIDTH)
		var blocked: float = 0.0
		for thing: Rect2 in _things:
			var overlap: Rect2 = strip.intersection(thing.grow(0.5))
			blocked += overlap.get_area()
		if blocked < best_blocked - 0.001:
			best_blocked = blocked
			best = offset
	return best


# One street along the side of the only row of buildings that most doors face.
func _add_front_street() -> void:
	var votes: Dictionary = {}
	for entry: Dictionary in _buildings:
		var key: Vector3 = entry["outward"]
		votes[key] = int(votes.get(key, 0)) + 1
	var facing: Vector3 = Vector3.BACK
	for key: Vector3 in votes:
		if int(votes[key]) > int(votes.get(facing, 0)):
			facing = key
	var along_x: bool = absf(facing.z) > 0.5
	var sign_: float = facing.z if along_x else facing.x
	var edge: float = -INF if sign_ > 0.0 else INF
	var run: Vector2 = Vector2(INF, -INF)
	for entry: Dictionary in _buildings:
		var rect: Rect2 = entry["rect"]
		var far: float = (rect.end.y if along_x else rect.end.x) if sign_ > 0.0 \
			else (rect.position.y if along_x else rect.position.x)
		edge = maxf(edge, far) if sign_ > 0.0 else minf(edge, far)
		var across: Vector2 = Vector2(rect.position.x, rect.end.x) if along_x else Vector2(rect.position.y, rect.end.y)
		run = Vector2(minf(run.x, across.x), maxf(run.y, across.y))
	var limit: float = (_half.y if along_x else _half.x) - STREET_WIDTH / 2.0 - 0.5
	var offset: float = clampf(edge + sign_ * (STREET_CLEARANCE + STREET_WIDTH / 2.0), -limit, limit)
	var run_limit: float = (_half.x if along_x else _half.y) - 0.5
	_add_street(along_x, offset, Vector2(maxf(run.x - 3.0, -run_limit), minf(run.y + 3.0, run_limit)))


# A street along x at z = offset (or along z at x = offset) over run, cut into
# pieces where obstacles and objects stand.
func _add_street(along_x: bool, offset: float, run: Vector2) -> void:
	var cuts: Array[Vector2] = []
	var strip: Rect2 = _strip(along_x, offset, run, STREET_WIDTH)
	for thing: Rect2 in _things:
		var grown: Rect2 = thing.grow(0.3)
		if strip.intersects(grown):
			cuts.append(Vector2(grown.position.x, grown.end.x) if along_x else Vector2(grown.position.y, grown.end.y))
	var start: float = run.x
	for cut: Vector2 in _merge(cuts):
		_add_piece(along_x, offset, start, cut.x)
		start = maxf(start, cut.y)
	_add_piece(along_x, offset, start, run.y)


func _add_piece(along_x: bool, offset: float, from: float, to: float) -> void:
	if to - from < 2.0:
		return
	streets.append({
		"from": Vector2(from, offset) if along_x else Vector2(offset, from),
		"to": Vector2(to, offset) if along_x else Vector2(offset, to),
		"along_x": along_x,
		"width": STREET_WIDTH,
	})


static func _strip(along_x: bool, offset: float, run: Vector2, width: float) -> Rect2:
	if along_x:
		return Rect2(run.x, offset - width / 2.0, run.y - run.x, width)
	return Rect2(offset - width / 2.0, run.x, width, run.y - run.x)


## The ground a street covers (x, z).
static func street_rect(street: Dictionary) -> Rect2:
	var from: Vector2 = street["from"]
	var to: Vector2 = street["to"]
	var along_x: bool = street["along_x"]
	return _strip(along_x, from.y if along_x else from.x, Vector2(from.x, to.x) if along_x else Vector2(from.y, to.y),
		street["width"])


# Sorted, overlapping intervals joined.
static func _merge(intervals: Array[Vector2]) -> Array[Vector2]:
	var sorted: Array[Vector2] = intervals.duplicate()
	sorted.sort_custom(func(a: Vector2, b: Vector2) -> bool: return a.x < b.x)
	var merged: Array[Vector2] = []
	for interval: Vector2 in sorted:
		if not merged.is_empty() and interval.x <= merged[merged.size() - 1].y:
			var last: Vector2 = merged[merged.size() - 1]
			merged[merged.size() - 1] = Vector2(last.x, maxf(last.y, interval.y))
		else:
			merged.append(interval)
	return merged


func _plan_paths() -> void:
	if streets.is_empty():
		return
	for entry: Dictionary in _buildings:
		var door3: Vector3 = entry["door"]
		var out3: Vector3 = entry["outward"]
		var out: Vector2 = Vector2(out3.x, out3.z)
		# From the wall's outer face.
		var door: Vector2 = Vector2(door3.x, door3.z) + out * (_wall_thickness / 2.0)
		var best: Vector2 = Vector2.INF
		var best_distance: float = INF
		for street: Dictionary in streets:
			var along_x: bool = street["along_x"]
			if along_x != (absf(out.y) > 0.5):
				continue
			var from: Vector2 = street["from"]
			var to: Vector2 = street["to"]
			var offset: float = from.y if along_x else from.x
			var distance: float = (offset - (door.y if along_x else door.x)) * (out.y if along_x else out.x)
			var along: float = door.x if along_x else door.y
			var run: Vector2 = Vector2(from.x, to.x) if along_x else Vector2(from.y, to.y)
			if distance <= 0.0 or distance >= best_distance or along < run.x + 0.5 or along > run.y - 0.5:
				continue
			var hit: Vector2 = Vector2(door.x, offset) if along_x else Vector2(offset, door.y)
			if _crosses_building(door + out * 0.2, hit, str(entry["id"])):
				continue
			best = hit
			best_distance = distance
		if best_distance < INF:
			paths.append({"from": door, "to": best, "width": PATH_WIDTH})
			continue
		# No street straight ahead: out of the door, then round to the nearest one.
		var step: Vector2 = door + out * 1.5
		var nearest: Vector2 = Vector2.INF
		var nearest_street: Dictionary = {}
		for street: Dictionary in streets:
			var point: Vector2 = Geometry2D.get_closest_point_to_segment(step, street["from"], street["to"])
			if point.distance_to(step) < nearest.distance_to(step):
				nearest = point
				nearest_street = street
		var corner: Vector2 = Vector2(nearest.x, step.y) if nearest_street["along_x"] else Vector2(step.x, nearest.y)
		for segment: Array in [[door, step], [step, corner], [corner, nearest]]:
			if (segment[1] - segment[0]).length() > 0.05:
				paths.append({"from": segment[0], "to": segment[1], "width": PATH_WIDTH})


func _crosses_building(from: Vector2, to: Vector2, own_id: String) -> bool:
	for entry: Dictionary in _buildings:
		if entry["id"] == own_id:
			continue
		var rect: Rect2 = entry["rect"]
		if _segment_hits_rect(from, to, rect.grow(0.2)):
			return true
	return false


static func _segment_hits_rect(from: Vector2, to: Vector2, rect: Rect2) -> bool:
	if rect.has_point(from) or rect.has_point(to):
		return true
	var corners: Array[Vector2] = [rect.position, Vector2(rect.end.x, rect.position.y), rect.end,
		Vector2(rect.position.x, rect.end.y)]
	for i: int in 4:
		if Geometry2D.segment_intersects_segment(from, to, corners[i], corners[(i + 1) % 4]) != null:
			return true
	return false
