extends Camera3D
## The camera that looks at the whole town from above, a little to the south: the
## town's overview (main/main.tscn) and the replay's camera (replay/replay.tscn), which
## also pans and zooms it.
##
##   camera.frame_town(town.size)       # the whole town in view
##   camera.pan(Vector3(1, 0, 0) * metres)
##   camera.zoom(1.15)                  # farther; below 1, nearer
##   camera.look_at_point(npc.global_position)

const PITCH_DEG: float = 58.0
const MIN_DISTANCE_M: float = 6.0
## A town smaller than this is framed as if it were this wide.
const MIN_EXTENT_M: float = 20.0

## The point on the ground the camera looks at, and how far it is from it.
var focus: Vector3 = Vector3.ZERO
var distance: float = 40.0

var _max_distance: float = 80.0
var _town_size: Vector3 = Vector3.ZERO


## Frames the whole town (its size in metres, centred on the origin).
func frame_town(town_size: Vector3) -> void:
	_town_size = town_size
	var extent: float = maxf(maxf(town_size.x, town_size.z), MIN_EXTENT_M)
	distance = extent * 0.5 / tan(deg_to_rad(fov) * 0.5) * 0.95
	_max_distance = distance * 2.0
	focus = Vector3(0.0, 0.0, town_size.z * 0.08)
	_place()


## Moves the point looked at by offset (metres on the ground), within the town.
func pan(offset: Vector3) -> void:
	var half: Vector3 = _town_size / 2.0
	var moved: Vector3 = focus + offset
	focus = Vector3(clampf(moved.x, -half.x, half.x), 0.0, clampf(moved.z, -half.z, half.z))
	_place()


## Moves the camera factor times as far from the point it looks at, from
## MIN_DISTANCE_M to twice the distance that frames the town.
func zoom(factor: float) -> void:
	distance = clampf(distance * factor, MIN_DISTANCE_M, _max_distance)
	_place()


## Looks at the point on the ground below target.
func look_at_point(target: Vector3) -> void:
	focus = Vector3(target.x, 0.0, target.z)
	_place()


func _place() -> void:
	var pitch: float = deg_to_rad(PITCH_DEG)
	position = focus + Vector3(0.0, sin(pitch), cos(pitch)) * distance
	rotation = Vector3(-pitch, 0.0, 0.0)
	far = distance * 3.0 + maxf(_town_size.x, _town_size.z)
