extends RefCounted
## Where one agent was at each step of a replay log that reports it, and what follows
## from that at any game time t: where it is (linearly between the steps around t),
## which way it faces, whether it walks, and its latest step's entry. replay_log.gd
## keeps one per agent, filled in time order by add() and finished by fill_yaws(),
## and answers its position_at(), yaw_at(), walking_at() and step_state_at() with it.
##
## Preloaded where it is used, not a class_name (see main/main.gd).

## Moving less than this (horizontally) between two steps is standing still.
const STILL_M: float = 0.05

var times: PackedFloat64Array = PackedFloat64Array()
var positions: PackedVector3Array = PackedVector3Array()
## Facing (radians about Y, 0 faces -Z) at each step: that of the latest walk.
var yaws: PackedFloat32Array = PackedFloat32Array()
## The step's entry for the agent: place, moving, doing, emoji, conversation.
var states: Array[Dictionary] = []


## Records the step at game time t (not before the last one added): where the agent
## is, and its entry.
func add(t: float, position: Vector3, state: Dictionary) -> void:
	times.append(t)
	positions.append(position)
	states.append(state)


func is_empty() -> bool:
	return times.is_empty()


## Where the agent is at t: linearly between the steps around t, held at the first
## before it and at the last after it; fallback when there is no step.
func position_at(t: float, fallback: Vector3) -> Vector3:
	if times.is_empty():
		return fallback
	var last: int = times.size() - 1
	var index: int = times.bsearch(t, false) - 1
	if index < 0:
		return positions[0]
	if index >= last:
		return positions[last]
	var span: float = times[index + 1] - times[index]
	return positions[index].lerp(positions[index + 1], (t - times[index]) / span)


## Which way the agent faces at t (radians about Y, 0 faces -Z): where it walks
## between the steps around t, else where its latest walk took it.
func yaw_at(t: float) -> float:
	if times.is_empty():
		return 0.0
	var last: int = times.size() - 1
	var index: int = clampi(times.bsearch(t, false) - 1, 0, last)
	if index < last and t >= times[index]:
		var walk: Vector3 = positions[index + 1] - positions[index]
		if Vector2(walk.x, walk.z).length() > STILL_M:
			return atan2(-walk.x, -walk.z)
	return yaws[index]


## True when the agent walks between the steps around t.
func walking_at(t: float) -> bool:
	if times.is_empty():
		return false
	var index: int = times.bsearch(t, false) - 1
	if index < 0 or index >= times.size() - 1:
		return false
	var walk: Vector3 = positions[index + 1] - positions[index]
	return Vector2(walk.x, walk.z).length() > STILL_M


## The latest step's entry at or before t; {} before the first step.
func state_at(t: float) -> Dictionary:
	var index: int = times.bsearch(t, false) - 1
	return states[index] if index >= 0 else {}


## Each step's facing, once every step is in: the direction of the latest walk that
## ended there or before (before the first walk, that walk's direction; never
## walked: 0).
func fill_yaws() -> void:
	var count: int = times.size()
	yaws.resize(count)
	var yaw: float = NAN
	var first_known: int = -1
	for index: int in count:
		if index > 0:
			var walk: Vector3 = positions[index] - positions[index - 1]
			if Vector2(walk.x, walk.z).length() > STILL_M:
				yaw = atan2(-walk.x, -walk.z)
				if first_known < 0:
					first_known = index
		yaws[index] = yaw
	for index: int in count:
		if is_nan(yaws[index]):
			yaws[index] = yaws[first_known] if first_known >= 0 else 0.0
