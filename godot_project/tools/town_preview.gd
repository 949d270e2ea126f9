extends SceneTree
## Renders a town data file to a PNG, with no server: for town designers, and for
## checking how the town looks by day and by night.
##
##   xvfb-run -a -s "-screen 0 1280x720x24" scripts/godot --rendering-driver opengl3 \
##       --path godot_project -s res://tools/town_preview.gd -- \
##       --town ../towns/smallville.json --time 12:00 --out /tmp/town_noon.png
##
## Options (after --):
##   --town PATH      the town file (simulacra.v1.Town as canonical JSON); relative
##                    paths are taken from the project folder
##   --time HH:MM     time of day (default 12:00)
##   --out PATH       the PNG to write (default town_preview.png in the working folder)
##   --roofs on|off   draw the roofs (default on)
##   --labels on|off  draw the sectors' floating name labels (default on)
##   --focus ID       frame this place (a sector, say) closely instead of the whole town
##   --angle DEG      how far the camera looks down, 90 = straight down (default 60)
##   --zoom F         move the camera F times closer (default 1)
##   --frames N       frames rendered before the capture (default 8)
## Also prints how long building and baking took, the node count, the navmesh's
## polygon count and any place the navmesh does not reach. Exit code 1 on bad input.

const CliArgs: GDScript = preload("res://common/cli_args.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const TownBuilder: GDScript = preload("res://town/town_builder.gd")
const Daylight: GDScript = preload("res://town/daylight.gd")

var _options: Dictionary = {}


func _initialize() -> void:
	_options = CliArgs.user_options()
	_run.call_deferred()


func _run() -> void:
	var town_path: String = str(_options.get("town", ""))
	if town_path.is_empty():
		_fail("--town PATH is required")
		return
	var text: String = FileAccess.get_file_as_string(CliArgs.project_path(town_path))
	var parsed: Variant = JSON.parse_string(text)
	if not parsed is Dictionary:
		_fail("cannot read a town from %s" % town_path)
		return
	var seconds: float = _parse_time(str(_options.get("time", "12:00")))
	if seconds < 0.0:
		_fail("--time wants HH:MM")
		return
	var town: TownData = TownData.new(parsed)
	var scene: Node3D = Node3D.new()
	root.add_child(scene)
	var builder: TownBuilder = TownBuilder.new()
	builder.name = "Town"
	scene.add_child(builder)
	var started: int = Time.get_ticks_usec()
	builder.build(town)
	var built_at: int = Time.get_ticks_usec()
	builder.bake()
	var baked_at: int = Time.get_ticks_usec()
	builder.set_roofs_visible(str(_options.get("roofs", "on")) != "off")
	builder.set_labels_visible(str(_options.get("labels", "on")) != "off")
	var daylight: Daylight = Daylight.new()
	daylight.name = "Daylight"
	scene.add_child(daylight)
	daylight.setup(null, builder)
	daylight.set_time(seconds)
	var camera: Camera3D = Camera3D.new()
	scene.add_child(camera)
	_frame(camera, town)
	camera.current = true
	await builder.wait_for_navmesh()
	var unreachable: Array[String] = builder.unreachable_places(town)
	print("town %s: build %.0f ms, bake %.0f ms, %d nodes, %d navmesh polygons, %d trees, %d street lamps, %d interior lights" % [
		town.name, (built_at - started) / 1000.0, (baked_at - built_at) / 1000.0, builder.node_count(),
		builder.polygon_count(), builder.tree_count(), builder.street_light_count(), builder.interior_light_count()])
	print("unreachable places: %s" % (", ".join(unreachable) if not unreachable.is_empty() else "none"))
	for _i: int in int(_options.get("frames", "8")):
		await process_frame
	await RenderingServer.frame_post_draw
	var image: Image = root.get_texture().get_image()
	var out: String = str(_options.get("out", "town_preview.png"))
	if image == null or image.is_empty():
		_fail("no frame was rendered (run it with a display, e.g. under xvfb-run, not --headless)")
		return
	var error: Error = image.save_png(CliArgs.caller_path(out))
	if error != OK:
		_fail("cannot write %s: %s" % [out, error_string(error)])
		return
	print("wrote %s (%s, %s)" % [out, _options.get("time", "12:00"), "night" if daylight.is_night() else "day"])
	quit(0)


# Looks down at the whole town, or at one place, so that all of it is in view.
func _frame(camera: Camera3D, town: TownData) -> void:
	var center: Vector3 = Vector3.ZERO
	var extent: Vector2 = Vector2(town.size.x, town.size.z)
	var focus: String = str(_options.get("focus", ""))
	if not focus.is_empty():
		var place: Dictionary = town.place(focus)
		if place.is_empty():
			push_warning("no place %s; framing the whole town" % focus)
		else:
			center = TownData.vec3(place.get("center", {}))
			var size: Vector3 = TownData.vec3(place.get("size", {}))
			extent = Vector2(maxf(size.x, 4.0) + 3.0, maxf(size.z, 4.0) + 3.0)
	camera.fov = 50.0
	var pitch: float = deg_to_rad(clampf(str(_options.get("angle", "60")).to_float(), 20.0, 90.0))
	var aspect: float = 16.0 / 9.0
	var half_v: float = deg_to_rad(camera.fov / 2.0)
	# Far enough that the footprint's depth (foreshortened) and width both fit.
	var depth_needed: float = (extent.y * sin(pitch) / 2.0 + 1.0) / tan(half_v)
	var width_needed: float = (extent.x / 2.0 + 1.0) / (tan(half_v) * aspect)
	var distance: float = maxf(depth_needed, width_needed) * 1.05 / maxf(str(_options.get("zoom", "1")).to_float(), 0.05)
	var direction: Vector3 = Vector3(0.0, sin(pitch), cos(pitch))
	camera.position = center + direction * distance
	camera.far = distance * 3.0
	if pitch > deg_to_rad(89.0):
		camera.look_at(center, Vector3.FORWARD)
	else:
		camera.look_at(center, Vector3.UP)


func _fail(message: String) -> void:
	printerr("town_preview: " + message)
	quit(1)


# "18:30" -> game seconds on day 1; -1 when malformed.
static func _parse_time(text: String) -> float:
	var parts: PackedStringArray = text.split(":")
	if parts.size() != 2 or not parts[0].is_valid_int() or not parts[1].is_valid_int():
		return -1.0
	var hours: int = parts[0].to_int()
	var minutes: int = parts[1].to_int()
	if hours < 0 or hours > 23 or minutes < 0 or minutes > 59:
		return -1.0
	return hours * 3600.0 + minutes * 60.0
