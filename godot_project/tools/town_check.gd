extends SceneTree
## Checks town data files the way the game will use them, headless and with no
## server: builds each town, bakes its navmesh, and fails (exit code 1) when a
## place cannot be walked to, now that trees and everything else stand in the town.
##
##   scripts/godot --headless --path godot_project -s res://tools/town_check.gd -- \
##       --town ../towns/smallville.json --town ../towns/skeleton.json
##
## Prints one line per town: build and bake times, node count, navmesh polygons,
## trees, lights, how many objects got a recognisable model and which names fell
## back to a plain box, and the places the navmesh does not reach.

const CliArgs: GDScript = preload("res://common/cli_args.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const TownBuilder: GDScript = preload("res://town/town_builder.gd")
const Furniture: GDScript = preload("res://town/furniture.gd")


func _initialize() -> void:
	_run.call_deferred()


func _run() -> void:
	var paths: PackedStringArray = CliArgs.all_values("town")
	if paths.is_empty():
		printerr("town_check: give one or more --town PATH")
		quit(1)
		return
	var failed: bool = false
	for path: String in paths:
		if not await _check(path):
			failed = true
	quit(1 if failed else 0)


func _check(path: String) -> bool:
	var parsed: Variant = JSON.parse_string(FileAccess.get_file_as_string(CliArgs.project_path(path)))
	if not parsed is Dictionary:
		printerr("town_check: cannot read a town from %s" % path)
		return false
	var town: TownData = TownData.new(parsed)
	var builder: TownBuilder = TownBuilder.new()
	root.add_child(builder)
	var started: int = Time.get_ticks_usec()
	builder.build(town)
	var built_at: int = Time.get_ticks_usec()
	builder.bake()
	var baked_at: int = Time.get_ticks_usec()
	await builder.wait_for_navmesh()
	var unreachable: Array[String] = builder.unreachable_places(town)
	var objects: int = 0
	var boxes: PackedStringArray = PackedStringArray()
	for place: Dictionary in town.places:
		if place.get("kind", "") == TownData.KIND_OBJECT:
			objects += 1
			var object_name: String = str(place.get("name", ""))
			if Furniture.model_for(object_name) == "box" and not boxes.has(object_name):
				boxes.append(object_name)
	print("%s: build %.0f ms, bake %.0f ms, %d nodes, %d navmesh polygons, %d trees, %d street lamps, %d interior lights, %d objects (plain boxes: %s), unreachable places: %s" % [
		town.name, (built_at - started) / 1000.0, (baked_at - built_at) / 1000.0, builder.node_count(),
		builder.polygon_count(), builder.tree_count(), builder.street_light_count(), builder.interior_light_count(),
		objects, ", ".join(boxes) if not boxes.is_empty() else "none",
		", ".join(unreachable) if not unreachable.is_empty() else "none"])
	root.remove_child(builder)
	builder.free()
	return unreachable.is_empty() and _positions_inside(town)


# Every place has a position on the ground inside the town.
static func _positions_inside(town: TownData) -> bool:
	var ok: bool = true
	for place: Dictionary in town.places:
		var position: Vector3 = TownData.vec3(place.get("position", {}))
		if absf(position.x) > town.size.x / 2.0 or absf(position.z) > town.size.z / 2.0:
			printerr("town_check: %s stands outside the town" % place.get("id", ""))
			ok = false
	return ok
