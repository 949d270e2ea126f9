class_name SimulacraAgentWalk
extends RefCounted
## The walking part of a SimulacraAgentController, which owns one: steers the body
## along the navmesh path to a destination (round other walking agents, then
## straight onto the stand point), tells when the body got stuck, and keeps the
## trip's record with what it proves: the distance actually walked frame by frame,
## the largest single step (no teleporting), and how close the body got.
##
## Every physics frame the controller calls steer() while walking, else stand(), then
## move() (gravity and move_and_slide()), then track() while walking; begin() sets
## off and finish() closes the trip, whatever ended it. The controller decides what
## comes next.

# A body that has not moved this far in STUCK_TIMEOUT_S seconds of walking (physics
# time, so that a loaded machine's slow frames do not count as standing still) is
# stuck. Avoidance that has made no such progress for AVOIDANCE_PATIENCE_S gives way:
# the body walks straight on (NPCs do not collide, they only steer round each other),
# so that a crowd standing at a place never keeps a newcomer out.
const STUCK_TIMEOUT_S: float = 5.0
const STUCK_PROGRESS_M: float = 0.25
const AVOIDANCE_PATIENCE_S: float = 2.0
# A body that avoidance pushed farther than this from its path plans its path anew from
# where it stands (NavigationAgent3D.path_max_distance), and so does one that gives way
# or has stalled for half the timeout: the old path's next point may lie behind a
# table or a corner from there, and walking straight at it would only slide.
const OFF_PATH_REPLAN_M: float = 1.0
# After the navmesh path, the body walks straight on until this close to the
# destination, if the path ended no farther than target_desired_distance plus
# FINAL_APPROACH_SLACK_M from it.
const EXACT_ARRIVAL_M: float = 0.05
const FINAL_APPROACH_SLACK_M: float = 0.2
# How far the navmesh may lie from the body's feet and still be the floor it stands on.
const NAVMESH_SNAP_M: float = 1.0
const GRAVITY: float = 9.8

## The trip in progress, as recorded in the controller's trips; empty between trips.
var trip: Dictionary = {}

var _body: CharacterBody3D = null
var _agent: NavigationAgent3D = null
var _destination: Vector3 = Vector3.ZERO
var _walk_speed: float = 1.6
var _avoid_others: bool = true
var _avoidance_until_m: float = 2.0
var _last_position: Vector3 = Vector3.ZERO
var _stuck_anchor: Vector3 = Vector3.ZERO
# Seconds of walking since the body was last at least STUCK_PROGRESS_M from the anchor.
var _stalled_s: float = 0.0
# Whether this trip still steers round others: it stops for good once within
# avoidance_until_m of the destination, or when avoidance made no progress.
var _trip_avoids: bool = false
# Whether the path was planned anew in this stall (since the body last made progress).
var _replanned_in_stall: bool = false
# The velocity avoidance last computed (NavigationAgent3D.velocity_computed).
var _safe_velocity: Vector3 = Vector3.ZERO
var _has_safe_velocity: bool = false


## body walks, steered by agent; with avoid_others, agent's RVO avoidance is set up
## for a walking person at walk_speed.
func _init(body: CharacterBody3D, agent: NavigationAgent3D, avoid_others: bool, walk_speed: float) -> void:
	_body = body
	_agent = agent
	_agent.path_max_distance = OFF_PATH_REPLAN_M
	if avoid_others:
		_agent.avoidance_enabled = true
		_agent.radius = 0.4
		_agent.neighbor_distance = 4.0
		_agent.max_neighbors = 8
		_agent.time_horizon_agents = 1.5
		_agent.max_speed = walk_speed
		_agent.velocity_computed.connect(_on_velocity_computed)


## Sets off for command's move_to (its moveTo) from where the body stands, at game
## second now; returns the new trip's record.
func begin(command: Dictionary, move_to: Dictionary, now: int, walk_speed: float,
		avoid_others: bool, avoidance_until_m: float) -> Dictionary:
	var position: Dictionary = move_to.get("position", {})
	_destination = Vector3(
		float(position.get("x", 0.0)), float(position.get("y", 0.0)), float(position.get("z", 0.0)))
	_walk_speed = walk_speed
	_avoid_others = avoid_others
	_avoidance_until_m = avoidance_until_m
	var origin: Vector3 = _body.global_position
	trip = {
		"command_id": str(command.get("commandId", "")),
		"place_id": str(move_to.get("placeId", "")),
		"destination": vec_dict(_destination),
		"start": vec_dict(origin),
		"arrival": null,
		"end": null,
		"arrived": false,
		"outcome": "walking",
		"distance_to_destination": flat_distance(origin, _destination),
		"path_length": 0.0,
		"straight_distance": flat_distance(origin, _destination),
		"nav_path_length": 0.0,
		"max_step": 0.0,
		"gave_way": false,
		"replans": 0,
		"started_at": now,
		"arrived_at": null,
	}
	_last_position = origin
	_stuck_anchor = origin
	_stalled_s = 0.0
	_replanned_in_stall = false
	_trip_avoids = avoid_others
	_has_safe_velocity = false
	_match_navmesh_height()
	_agent.target_position = _destination
	# Plans the path now, so that its length is known even for a zero-length trip.
	_agent.get_next_path_position()
	trip["nav_path_length"] = path_length(_agent.get_current_navigation_path())
	return trip


## Sets the body's horizontal velocity for this physics frame. Returns true when the
## walk is over (the body stands on the destination, or the path ended too far from
## it: finish() tells which), the body then standing still.
func steer(delta: float) -> bool:
	var position: Vector3 = _body.global_position
	var remaining: float = flat_distance(position, _destination)
	var next: Vector3 = Vector3.ZERO
	var final_approach: bool = false
	if _agent.is_navigation_finished() or remaining <= _agent.target_desired_distance:
		# The navmesh path is done. Step the last few centimetres straight onto the
		# stand point, which is clear floor, so that the agent stands where the
		# server said; a path that ended farther away ends the trip.
		if remaining <= EXACT_ARRIVAL_M or remaining > _agent.target_desired_distance + FINAL_APPROACH_SLACK_M:
			_body.velocity.x = 0.0
			_body.velocity.z = 0.0
			return true
		next = _destination
		final_approach = true
	else:
		next = _agent.get_next_path_position()
	var direction: Vector3 = Vector3(next.x - position.x, 0.0, next.z - position.z)
	var distance: float = direction.length()
	if distance < 0.001:
		_body.velocity.x = 0.0
		_body.velocity.z = 0.0
		return false
	direction /= distance
	var speed: float = _walk_speed
	if final_approach and delta > 0.0:
		speed = minf(_walk_speed, remaining / delta)  # Never overshoot the stand point.
	var wanted: Vector3 = direction * speed
	if final_approach or remaining <= _avoidance_until_m:
		_trip_avoids = false  # For good: no dithering at the boundary.
	if _avoid_others:
		# Others steer round this body by the velocity it reports. Avoidance answers
		# a frame later: walk with its last answer, ask anew.
		_agent.velocity = wanted
		if _trip_avoids and _has_safe_velocity and _safe_velocity.length() > 0.05:
			wanted = _safe_velocity.limit_length(_walk_speed)
	_body.velocity.x = wanted.x
	_body.velocity.z = wanted.z
	if Vector2(wanted.x, wanted.z).length() > 0.05:
		_body.rotation.y = atan2(-wanted.x, -wanted.z)
	return false


## Stops the body's horizontal movement (it is not walking); with avoid_others, tells
## the avoidance it stands, so that others walk round it.
func stand(avoid_others: bool) -> void:
	_body.velocity.x = 0.0
	_body.velocity.z = 0.0
	if avoid_others and _agent.velocity != Vector3.ZERO:
		_agent.velocity = Vector3.ZERO


## Moves the body by its velocity, falling while it is off the floor.
func move(delta: float) -> void:
	if _body.is_on_floor():
		_body.velocity.y = 0.0
	else:
		_body.velocity.y -= GRAVITY * delta
	_body.move_and_slide()


## Records the frame's move (after move()). Returns true when the body is
## stuck: no STUCK_PROGRESS_M of progress in STUCK_TIMEOUT_S seconds of walking.
func track(delta: float) -> bool:
	var position: Vector3 = _body.global_position
	var step: float = flat_distance(_last_position, position)
	_last_position = position
	trip["path_length"] = float(trip["path_length"]) + step
	trip["max_step"] = maxf(float(trip["max_step"]), step)
	if flat_distance(_stuck_anchor, position) >= STUCK_PROGRESS_M:
		_stuck_anchor = position
		_stalled_s = 0.0
		_replanned_in_stall = false
		return false
	_stalled_s += delta
	if _trip_avoids and _stalled_s > AVOIDANCE_PATIENCE_S:
		# Steering round others leads nowhere (a crowd at the place, a jam in a
		# doorway): walk straight on, along a path planned from here, with the whole
		# timeout to get going.
		_trip_avoids = false
		trip["gave_way"] = true
		_stalled_s = 0.0
		_replan()
		return false
	if not _replanned_in_stall and _stalled_s > STUCK_TIMEOUT_S / 2.0:
		_replan()
	return _stalled_s > STUCK_TIMEOUT_S


# Plans the path to the destination anew from where the body stands.
func _replan() -> void:
	_replanned_in_stall = true
	trip["replans"] = int(trip["replans"]) + 1
	_agent.target_position = _destination


## Closes the trip at game second now with outcome, where the body stands, and
## returns its record. "arrived" farther than arrival_tolerance from the destination
## becomes "unreachable" (the navmesh path ended short of it).
func finish(outcome: String, now: int, arrival_tolerance: float) -> Dictionary:
	var position: Vector3 = _body.global_position
	var distance: float = flat_distance(position, _destination)
	if outcome == "arrived" and distance > arrival_tolerance:
		outcome = "unreachable"
	var finished: Dictionary = trip
	finished["outcome"] = outcome
	finished["arrived"] = outcome == "arrived"
	finished["distance_to_destination"] = distance
	finished["end"] = vec_dict(position)
	if outcome == "arrived":
		finished["arrival"] = vec_dict(position)
		finished["arrived_at"] = now
	trip = {}
	return finished


# A baked navmesh floats a little above the floor it was baked from (here, a few
# cells). NavigationAgent3D compares the body's origin with path points in 3D, so
# without this offset it never counts a waypoint as reached and the body stalls.
func _match_navmesh_height() -> void:
	var here: Vector3 = _body.global_position
	var on_mesh: Vector3 = NavigationServer3D.map_get_closest_point(_agent.get_navigation_map(), here)
	if flat_distance(here, on_mesh) <= NAVMESH_SNAP_M:
		_agent.path_height_offset = clampf(on_mesh.y - here.y, -NAVMESH_SNAP_M, NAVMESH_SNAP_M)


func _on_velocity_computed(safe_velocity: Vector3) -> void:
	_safe_velocity = Vector3(safe_velocity.x, 0.0, safe_velocity.z)
	_has_safe_velocity = true


## The horizontal length of path.
static func path_length(path: PackedVector3Array) -> float:
	var length: float = 0.0
	for i: int in range(1, path.size()):
		length += flat_distance(path[i - 1], path[i])
	return length


## The horizontal distance between a and b.
static func flat_distance(a: Vector3, b: Vector3) -> float:
	return Vector2(a.x - b.x, a.z - b.z).length()


static func vec_dict(v: Vector3) -> Dictionary:
	return {"x": v.x, "y": v.y, "z": v.z}
