extends RefCounted
## The town as the server describes it (a simulacra.v1.Town message), indexed for
## the questions the world asks: where is a place, what is it called, where is an
## agent, and what is near it. Create it with new(town_message).
##
## The town's building geometry (wall_thickness, door_width, agent_radius) comes
## from the message too; a town written before those fields gets the defaults
## below, the values every town had then.

const Walking: GDScript = preload("res://town/walking.gd")

const KIND_SECTOR: String = "PLACE_KIND_SECTOR"
const KIND_ARENA: String = "PLACE_KIND_ARENA"
const KIND_OBJECT: String = "PLACE_KIND_OBJECT"
## An agent this close (horizontally) to an object's stand position is at the object.
const OBJECT_REACH_M: float = 1.2
## Town.wall_thickness of a town that leaves it out (0), metres.
const DEFAULT_WALL_THICKNESS_M: float = 0.3
## Town.door_width of a town that leaves it out (0), metres.
const DEFAULT_DOOR_WIDTH_M: float = 2.0

var name: String = ""
## Ground extent, centred on the origin.
var size: Vector3 = Vector3.ZERO
## Place messages, in the server's order.
var places: Array[Dictionary] = []
## Obstacle messages.
var obstacles: Array[Dictionary] = []
## Thickness of the walls of walled sectors, metres.
var wall_thickness: float = DEFAULT_WALL_THICKNESS_M
## Width of a walled sector's doorway, centred on its door, metres.
var door_width: float = DEFAULT_DOOR_WIDTH_M
## The room the navmesh keeps round every collider, metres; by default what the
## bodies are made for (Walking.NAVMESH_AGENT_RADIUS).
var agent_radius: float = Walking.NAVMESH_AGENT_RADIUS

var _by_id: Dictionary = {}


## Indexes a Town message (canonical proto3 JSON, parsed).
func _init(town: Dictionary = {}) -> void:
	name = str(town.get("name", ""))
	size = vec3(town.get("size", {}))
	wall_thickness = _length_or(town.get("wallThickness", 0.0), DEFAULT_WALL_THICKNESS_M)
	door_width = _length_or(town.get("doorWidth", 0.0), DEFAULT_DOOR_WIDTH_M)
	agent_radius = _length_or(town.get("agentRadius", 0.0), Walking.NAVMESH_AGENT_RADIUS)
	for entry: Dictionary in town.get("places", []):
		places.append(entry)
		_by_id[str(entry.get("id", ""))] = entry
	for obstacle: Dictionary in town.get("obstacles", []):
		obstacles.append(obstacle)


# A length field's value, or default_m where it is left out (proto3 JSON leaves a 0 out).
static func _length_or(value: Variant, default_m: float) -> float:
	var length: float = float(value)
	return length if length > 0.0 else default_m


## A Vec3 message as a Vector3 (missing fields are 0, as proto3 JSON leaves them out).
static func vec3(message: Variant) -> Vector3:
	if not message is Dictionary:
		return Vector3.ZERO
	var v: Dictionary = message
	return Vector3(float(v.get("x", 0.0)), float(v.get("y", 0.0)), float(v.get("z", 0.0)))


## A Vector3 as a Vec3 message.
static func vec3_message(v: Vector3) -> Dictionary:
	return {"x": v.x, "y": v.y, "z": v.z}


## Distance on the ground plane, ignoring height.
static func flat_distance(a: Vector3, b: Vector3) -> float:
	return Vector2(a.x - b.x, a.z - b.z).length()


## The place message with this id, or an empty dict.
func place(place_id: String) -> Dictionary:
	return _by_id.get(place_id, {})


func has_place(place_id: String) -> bool:
	return _by_id.has(place_id)


## The place's human-readable name, or its id when it has none.
func place_name(place_id: String) -> String:
	var found: Dictionary = place(place_id)
	var place_name_text: String = str(found.get("name", ""))
	return place_name_text if not place_name_text.is_empty() else place_id


## "Hobbs Cafe > counter > coffee machine": the names from the sector down.
func path_name(place_id: String) -> String:
	var names: PackedStringArray = PackedStringArray()
	var current: String = place_id
	# The depth bound guards against a parent cycle in bad data.
	for _i: int in 16:
		if current.is_empty() or not has_place(current):
			break
		names.insert(0, place_name(current))
		current = str(place(current).get("parentId", ""))
	if names.is_empty():
		return place_id
	return " > ".join(names)


## The id of the deepest place at position: an object whose stand position is
## within OBJECT_REACH_M, else the smallest arena, else the smallest sector whose
## footprint (center ± size / 2 on x and z) contains it; "" when outdoors.
func place_at(position: Vector3) -> String:
	var best_object: String = ""
	var best_object_distance: float = OBJECT_REACH_M
	for candidate: Dictionary in places:
		if candidate.get("kind", "") != KIND_OBJECT:
			continue
		var distance: float = flat_distance(position, vec3(candidate.get("position", {})))
		if distance <= best_object_distance:
			best_object_distance = distance
			best_object = str(candidate.get("id", ""))
	if not best_object.is_empty():
		return best_object
	for kind: String in [KIND_ARENA, KIND_SECTOR]:
		var best: String = ""
		var best_area: float = INF
		for candidate: Dictionary in places:
			if candidate.get("kind", "") != kind or not footprint_contains(candidate, position):
				continue
			var extent: Vector3 = vec3(candidate.get("size", {}))
			if extent.x * extent.z < best_area:
				best_area = extent.x * extent.z
				best = str(candidate.get("id", ""))
		if not best.is_empty():
			return best
	return ""


## True when position lies within the place's footprint on x and z.
func footprint_contains(footprint_place: Dictionary, position: Vector3) -> bool:
	var center: Vector3 = vec3(footprint_place.get("center", {}))
	var extent: Vector3 = vec3(footprint_place.get("size", {}))
	return absf(position.x - center.x) <= extent.x / 2.0 and absf(position.z - center.z) <= extent.z / 2.0


## Object places whose centre is within radius (horizontally) of position, each as
## {"place": Place, "distance": float}, nearest first.
func objects_near(position: Vector3, radius: float) -> Array[Dictionary]:
	var found: Array[Dictionary] = []
	for candidate: Dictionary in places:
		if candidate.get("kind", "") != KIND_OBJECT:
			continue
		var distance: float = flat_distance(position, vec3(candidate.get("center", {})))
		if distance <= radius:
			found.append({"place": candidate, "distance": distance})
	found.sort_custom(func(a: Dictionary, b: Dictionary) -> bool: return a["distance"] < b["distance"])
	return found
