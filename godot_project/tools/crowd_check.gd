extends Node3D
## Sends a crowd of NPCs to one stand point, headless and with no server, and checks
## that every one of them gets there: the people already standing at the place must
## not keep a newcomer away (avoidance gives way near the destination, and to a
## crowd it cannot get round).
##
##   scripts/godot --headless --path godot_project res://tools/crowd_check.tscn -- \
##       --town ../towns/smallville.json --place oak_hill_apartments.rodriguez_apartment.desk \
##       --count 10 --every 0.6 --report /tmp/crowd.json
##
## The NPCs start at the places nearest the destination (one each; the last one at
## --last-from when given: one who comes from farther to a crowd), leave one every
## --every real seconds, and have --timeout real seconds to arrive. Prints one line
## per NPC; writes the trips to --report; exit code 0 when all arrived.

const CliArgs: GDScript = preload("res://common/cli_args.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const TownBuilder: GDScript = preload("res://town/town_builder.gd")
const Npc: GDScript = preload("res://npc/npc.gd")
const NPC_SCENE: PackedScene = preload("res://npc/npc.tscn")
const ACTIVITY_MINUTES: int = 600

var _options: Dictionary = {
	"town": "../towns/smallville.json", "place": "oak_hill_apartments.rodriguez_apartment.desk",
	"count": "10", "every": "0.6", "timeout": "60", "report": "", "last-from": "",
}


# A scene (not a -s script) so that the controller's autoload, AgentClient, exists.
func _ready() -> void:
	_run.call_deferred()


func _run() -> void:
	_options.merge(CliArgs.user_options(), true)
	var path: String = CliArgs.project_path(str(_options["town"]))
	var parsed: Variant = JSON.parse_string(FileAccess.get_file_as_string(path))
	if not parsed is Dictionary:
		printerr("crowd_check: cannot read a town from %s" % path)
		get_tree().quit(1)
		return
	var town: TownData = TownData.new(parsed)
	var target_id: String = str(_options["place"])
	if not town.has_place(target_id):
		printerr("crowd_check: the town has no place %s" % target_id)
		get_tree().quit(1)
		return
	var builder: TownBuilder = TownBuilder.new()
	add_child(builder)
	builder.build(town)
	builder.bake()
	await builder.wait_for_navmesh()
	var target: Vector3 = TownData.vec3(town.place(target_id).get("position", {}))
	var starts: Array[Dictionary] = _nearest_places(town, target_id, target, int(_options["count"]))
	if town.has_place(str(_options["last-from"])):
		starts[-1] = town.place(str(_options["last-from"]))
	var npcs: Array[Npc] = []
	for start: Dictionary in starts:
		var npc: Npc = NPC_SCENE.instantiate()
		npc.position = TownData.vec3(start.get("position", {}))
		add_child(npc)
		npc.setup({"id": "npc_%d" % npcs.size(), "name": "NPC %d" % npcs.size()}, _game_time)
		# Busy where it stands until told to walk: it never asks a server.
		npc.controller.state = npc.controller.State.ACTING
		npc.controller.set("_activity_ends_at", 1e12)
		npcs.append(npc)
	var command: Dictionary = {
		"moveTo": {"placeId": target_id, "position": town.place(target_id).get("position", {})},
		"activity": {"description": "work at the desk", "durationMinutes": ACTIVITY_MINUTES},
	}
	var started_ms: int = Time.get_ticks_msec()
	var sent: int = 0
	var deadline_ms: int = started_ms + int(float(_options["timeout"]) * 1000.0)
	while Time.get_ticks_msec() < deadline_ms:
		var due: int = int((Time.get_ticks_msec() - started_ms) / (float(_options["every"]) * 1000.0)) + 1
		while sent < mini(due, npcs.size()):
			var order: Dictionary = command.duplicate(true)
			order["commandId"] = "%s-walk" % npcs[sent].agent_id()
			npcs[sent].controller.apply_command(order)
			sent += 1
		if sent == npcs.size() and npcs.all(func(n: Npc) -> bool: return not n.controller.is_moving()):
			break
		await get_tree().physics_frame
	var trips: Array = []
	var ok: bool = true
	for npc: Npc in npcs:
		var trip: Dictionary = npc.controller.trips[-1] if not npc.controller.trips.is_empty() else {}
		trips.append(trip)
		var outcome: String = str(trip.get("outcome", "never left"))
		ok = ok and outcome == "arrived"
		print("%s: %s, %.2f m from the stand point, walked %.1f m of a %.1f m path" % [
			npc.agent_id(), outcome, float(trip.get("distance_to_destination", -1.0)),
			float(trip.get("path_length", 0.0)), float(trip.get("nav_path_length", 0.0))])
	var report: String = str(_options["report"])
	if not report.is_empty():
		var file: FileAccess = FileAccess.open(report, FileAccess.WRITE)
		file.store_string(JSON.stringify({"place": target_id, "trips": trips}, "  "))
		file.close()
	print("crowd_check: %s" % ("all arrived" if ok else "NOT ALL ARRIVED"))
	get_tree().quit(0 if ok else 1)


func _game_time() -> float:
	return Time.get_ticks_msec() / 1000.0


# The count places nearest target (by straight distance; target itself and its
# ancestors excluded), objects and arenas alike: where a crowd would come from.
static func _nearest_places(town: TownData, target_id: String, target: Vector3, count: int) -> Array[Dictionary]:
	var places: Array[Dictionary] = []
	for place: Dictionary in town.places:
		var id: String = str(place.get("id", ""))
		if id == target_id or target_id.begins_with(id + "."):
			continue
		places.append(place)
	places.sort_custom(func(a: Dictionary, b: Dictionary) -> bool:
		return TownData.vec3(a.get("position", {})).distance_to(target) \
			< TownData.vec3(b.get("position", {})).distance_to(target))
	return places.slice(0, count)
