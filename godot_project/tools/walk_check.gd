extends Node3D
## Walks real NPC bodies through the real town, headless and with no server, and
## reports every walk that does not arrive: the navmesh may find a path where the
## body, held back by colliders or standing off the navmesh, cannot follow it.
##
##   scripts/godot --headless --fixed-fps 60 --path godot_project res://tools/walk_check.tscn -- \
##       --town ../towns/smallville.json --agents /tmp/agents.json --report /tmp/walks.json
##
## The routes, each a round trip (there, then back from wherever the first walk ended):
## - every agent's home to every public sector (one that is no one's home; every
##   other sector in a town that has none) and back, with that agent's own body (its
##   appearance decides its height);
## - the hub (--hub, default: the public sector nearest the town's centre) to every
##   place of the town and back: every place can be walked into and out of.
## --agents is a JSON list of Agent messages as ListAgents gives them (id, name,
## homePlaceId, appearance); without it only the hub's routes are walked.
## --route FROM:TO (repeatable) walks just those round trips, with a plain body.
## --path-desired-distance D follows paths with another NavigationAgent3D
## path_desired_distance than town/walking.gd's, to see what it would do.
##
## Each body is an npc/npc.tscn driven by its SimulacraAgentController, sent by
## apply_command() exactly as the server's commands are. Bodies collide with the
## town (walls, furniture, trees) but not with each other, and steer with no
## avoidance, so that many walk at once without meeting; the controller's own
## watchdog ends a walk as stuck (no 0.25 m of progress in 5 s of physics time) and
## the check ends one that takes more than twice its path's time plus 20 s.
## With --fixed-fps the engine steps physics as fast as it can, not in real time.
##
## Prints one line per failed walk (where it stopped, how far short, how far it
## walked, what held it, and how a second try from there went) and a summary;
## --report gets {"town", "hub", "routes", "walks", "failures": [...], "seconds",
## "physics_frames"}. Exit code 0 when every walk arrived, 1 when one did not, 2 when
## the options are wrong.

const TownData: GDScript = preload("res://town/town_data.gd")
const TownBuilder: GDScript = preload("res://town/town_builder.gd")
const CliArgs: GDScript = preload("res://common/cli_args.gd")
const Npc: GDScript = preload("res://npc/npc.gd")
const NPC_SCENE: PackedScene = preload("res://npc/npc.tscn")
## Bodies walking at once; more wait their turn (each walks alone in effect).
const MAX_WALKERS: int = 120
## A walk may take this many times its navmesh path's walking time, plus WALK_SLACK_S.
const WALK_TIME_FACTOR: float = 2.0
const WALK_SLACK_S: float = 20.0
const ACTIVITY_MINUTES: int = 600
const SETTLE_FRAMES: int = 3

var _town: TownData = null
var _options: Dictionary = {}
# Routes still to walk: {"agent": Agent message, "from": place id, "to": place id}.
var _queue: Array[Dictionary] = []
# Walkers in progress: {"npc", "route", "leg" (0 there, 1 back), "walking" (false
# until it settles), "deadline" (physics frame), "failure" (while walking again)}.
var _walkers: Array[Dictionary] = []
var _failures: Array[Dictionary] = []
var _walks: int = 0
var _serial: int = 0
# Sector ids of the agents' homes (the other sectors are public).
var _homes: Dictionary = {}


# A scene (not a -s script) so that the controller's autoload, AgentClient, exists;
# it is never asked anything.
func _ready() -> void:
	_run.call_deferred()


func _run() -> void:
	_options = CliArgs.user_options()
	var path: String = CliArgs.project_path(str(_options.get("town", "../towns/smallville.json")))
	var parsed: Variant = JSON.parse_string(FileAccess.get_file_as_string(path))
	if not parsed is Dictionary:
		_fail("cannot read a town from %s" % path)
		return
	_town = TownData.new(parsed)
	var agents: Array[Dictionary] = []
	if _options.has("agents"):
		var agents_path: String = CliArgs.caller_path(str(_options["agents"]))
		var list: Variant = JSON.parse_string(FileAccess.get_file_as_string(agents_path))
		if not list is Array:
			_fail("cannot read a list of agents from %s" % agents_path)
			return
		for agent: Variant in list:
			if agent is Dictionary:
				agents.append(agent)
	var builder: TownBuilder = TownBuilder.new()
	add_child(builder)
	builder.build(_town)
	builder.bake()
	await builder.wait_for_navmesh()
	var routes: Variant = _routes(agents)
	if routes == null:
		return
	_queue = routes
	var total: int = _queue.size()
	var started_ms: int = Time.get_ticks_msec()
	var started_frame: int = Engine.get_physics_frames()
	var hub: String = _hub_id() if CliArgs.all_values("route").is_empty() else ""
	print("walk_check: %s, %d round trips%s" % [_town.name, total, ", hub " + hub if not hub.is_empty() else ""])
	while not _queue.is_empty() or not _walkers.is_empty():
		while not _queue.is_empty() and _walkers.size() < MAX_WALKERS:
			_launch(_queue.pop_front())
		await get_tree().physics_frame
		_watch_deadlines()
	var seconds: float = (Time.get_ticks_msec() - started_ms) / 1000.0
	var frames: int = Engine.get_physics_frames() - started_frame
	for failure: Dictionary in _failures:
		var retry: Dictionary = failure.get("retry", {})
		print(("walk_check: FAILED %s -> %s%s: %s %.2f m short at %s (%s%s), walked %.1f m of a %.1f m path, "
			+ "heading to %s; walked again from there: %s, %.1f m") % [
			failure["from"], failure["to"], " (%s)" % failure["agent"] if not str(failure["agent"]).is_empty() else "",
			failure["outcome"], failure["short_m"], _format(failure["end"]),
			failure["end_place"] if not str(failure["end_place"]).is_empty() else "outdoors",
			", against %s" % ", ".join(failure["held_by"]) if not failure["held_by"].is_empty() else "",
			failure["walked_m"], failure["nav_path_m"], _format(failure["heading_to"]),
			retry.get("outcome", "?"), float(retry.get("walked_m", 0.0))])
	print("walk_check: %d of %d walks arrived (%d round trips) in %.1f s, %d physics frames (%.0f s walked)" % [
		_walks - _failures.size(), _walks, total, seconds, frames,
		frames / float(Engine.physics_ticks_per_second)])
	var report: String = str(_options.get("report", ""))
	if not report.is_empty():
		var file: FileAccess = FileAccess.open(CliArgs.caller_path(report), FileAccess.WRITE)
		file.store_string(JSON.stringify({"town": _town.name, "hub": hub, "routes": total, "walks": _walks,
			"failures": _failures, "seconds": seconds, "physics_frames": frames}, "  "))
		file.close()
	get_tree().quit(0 if _failures.is_empty() else 1)


# The round trips to walk, or null (after saying why) when the options name no such place.
func _routes(agents: Array[Dictionary]) -> Variant:
	var routes: Array[Dictionary] = []
	# --route is the only option that may be given more than once.
	if not CliArgs.all_values("route").is_empty():
		for route: String in CliArgs.all_values("route"):
			var ends: PackedStringArray = route.split(":")
			if ends.size() != 2 or not _town.has_place(ends[0]) or not _town.has_place(ends[1]):
				_fail("--route %s: give FROM:TO, two place ids of the town" % route)
				return null
			routes.append({"agent": {}, "from": ends[0], "to": ends[1]})
		return routes
	for agent: Dictionary in agents:
		var home: String = str(agent.get("homePlaceId", ""))
		if not _town.has_place(home):
			_fail("agent %s has no home in the town (%s)" % [agent.get("id", ""), home])
			return null
		_homes[_sector_of(home)] = true
	var hub: String = _hub_id()
	if not _town.has_place(hub):
		_fail("the town has no place %s to be the hub" % hub)
		return null
	for agent: Dictionary in agents:
		var own: String = _sector_of(str(agent["homePlaceId"]))
		for sector: String in _public_sectors():
			if sector != own:
				routes.append({"agent": agent, "from": str(agent["homePlaceId"]), "to": sector})
	for place: Dictionary in _town.places:
		var id: String = str(place.get("id", ""))
		if id != hub:
			routes.append({"agent": {}, "from": hub, "to": id})
	return routes


# --hub, or the public sector whose position is nearest the middle of the town.
func _hub_id() -> String:
	if _options.has("hub"):
		return str(_options["hub"])
	var best: String = ""
	var best_distance: float = INF
	for sector: String in _public_sectors():
		var place: Dictionary = _town.place(sector)
		var distance: float = TownData.flat_distance(TownData.vec3(place.get("position", {})), Vector3.ZERO)
		if distance < best_distance:
			best_distance = distance
			best = str(place.get("id", ""))
	return best


# The sectors that are no one's home; in a town where every sector is someone's
# home (a shopkeeper living at the shop), every sector.
func _public_sectors() -> Array[String]:
	var sectors: Array[String] = []
	var all: Array[String] = []
	for place: Dictionary in _town.places:
		if place.get("kind", "") == TownData.KIND_SECTOR:
			all.append(str(place.get("id", "")))
			if not _homes.has(str(place.get("id", ""))):
				sectors.append(str(place.get("id", "")))
	return sectors if not sectors.is_empty() else all


func _sector_of(place_id: String) -> String:
	var id: String = place_id
	while true:
		var parent: String = str(_town.place(id).get("parentId", ""))
		if parent.is_empty():
			return id
		id = parent
	return id


func _launch(route: Dictionary) -> void:
	var npc: Npc = NPC_SCENE.instantiate()
	var agent: Dictionary = route["agent"].duplicate(true)
	_serial += 1
	if agent.is_empty():
		agent = {"id": "walker_%d" % _serial, "name": "Walker %d" % _serial}
	else:
		agent["id"] = "%s_%d" % [agent.get("id", ""), _serial]  # unique node names
	npc.position = TownData.vec3(_town.place(route["from"]).get("position", {}))
	# No avoidance: the bodies walk through each other, each as if alone in the town.
	(npc.get_node("AgentController") as Node).set("avoid_others", false)
	add_child(npc)
	npc.setup(agent, func() -> float: return 0.0)
	if _options.has("path-desired-distance"):
		npc.controller.navigation_agent.path_desired_distance = float(_options["path-desired-distance"])
	npc.set_process(false)  # Only the look (walk cycle, labels): nothing that moves the body.
	# Busy where it stands until told to walk: it never asks a server.
	_hold(npc)
	# It walks once its NavigationAgent3D has joined the navigation map (a physics
	# frame or two later), as an NPC of the game is long in town before it walks.
	var walker: Dictionary = {"npc": npc, "route": route, "leg": 0,
		"deadline": Engine.get_physics_frames() + SETTLE_FRAMES, "walking": false}
	npc.controller.trip_finished.connect(_on_trip_finished.bind(walker))
	_walkers.append(walker)


func _walk(walker: Dictionary, place_id: String) -> void:
	var npc: Npc = walker["npc"]
	npc.controller.apply_command({
		"commandId": "%s-%d" % [npc.agent_id(), walker["leg"]],
		"moveTo": {"placeId": place_id, "position": _town.place(place_id).get("position", {})},
		"activity": {"description": "stand there", "durationMinutes": ACTIVITY_MINUTES},
	})
	var trip: Dictionary = npc.controller.trips[-1]
	var seconds: float = float(trip["nav_path_length"]) / npc.controller.walk_speed * WALK_TIME_FACTOR + WALK_SLACK_S
	walker["deadline"] = Engine.get_physics_frames() + int(seconds * Engine.physics_ticks_per_second)
	if not walker.has("failure"):
		_walks += 1


# A walk that fails is walked again once from where it stopped, as the game's
# controller does after its back-off; the failure says whether that one arrived.
func _on_trip_finished(trip: Dictionary, walker: Dictionary) -> void:
	var npc: Npc = walker["npc"]
	var route: Dictionary = walker["route"]
	var leg: int = walker["leg"]
	var there: String = str(route["to"]) if leg == 0 else str(route["from"])
	var from: String = str(route["from"]) if leg == 0 else str(route["to"])
	_hold(npc)
	if walker.has("failure"):
		walker["failure"]["retry"] = {"outcome": str(trip["outcome"]), "short_m": float(trip["distance_to_destination"]),
			"walked_m": float(trip["path_length"])}
		walker.erase("failure")
	elif str(trip["outcome"]) != "arrived":
		var end: Vector3 = TownData.vec3(trip["end"])
		walker["failure"] = {
			"agent": str(route["agent"].get("id", "")), "from": from, "to": there,
			"outcome": str(trip["outcome"]), "short_m": float(trip["distance_to_destination"]),
			"walked_m": float(trip["path_length"]), "nav_path_m": float(trip["nav_path_length"]),
			"start": trip["start"], "end": trip["end"], "end_place": _town.place_at(end),
			"off_navmesh_m": _off_navmesh(end), "held_by": _touching(npc),
			"heading_to": TownData.vec3_message(npc.controller.navigation_agent.get_next_path_position()),
		}
		_failures.append(walker["failure"])
		_walk.call_deferred(walker, there)
		return
	if leg == 0:
		walker["leg"] = 1
		_walk.call_deferred(walker, str(route["from"]))
	else:
		_walkers.erase(walker)
		npc.queue_free()


# Starts the walkers that have settled; a walk that runs past its deadline
# (wandering, never stuck nor arrived) is ended.
func _watch_deadlines() -> void:
	for walker: Dictionary in _walkers.duplicate():
		var npc: Npc = walker["npc"]
		if not walker["walking"]:
			if Engine.get_physics_frames() >= int(walker["deadline"]):
				walker["walking"] = true
				_walk(walker, str(walker["route"]["to"]))
		elif npc.controller.is_moving() and Engine.get_physics_frames() > int(walker["deadline"]):
			npc.controller.call("_end_trip", "too slow")


func _hold(npc: Npc) -> void:
	npc.controller.state = npc.controller.State.ACTING
	npc.controller.set("_activity_ends_at", 1e12)


# What the body touched in its last move, other than the ground.
static func _touching(npc: Npc) -> Array[String]:
	var names: Array[String] = []
	for i: int in npc.get_slide_collision_count():
		var collider: Object = npc.get_slide_collision(i).get_collider()
		var collider_name: String = str((collider as Node).name) if collider is Node else str(collider)
		if collider_name != "ground" and not names.has(collider_name):
			names.append(collider_name)
	return names


# How far the navmesh lies from position, horizontally.
func _off_navmesh(position: Vector3) -> float:
	var closest: Vector3 = NavigationServer3D.map_get_closest_point(get_world_3d().navigation_map, position)
	return TownData.flat_distance(position, closest)


static func _format(v: Variant) -> String:
	var p: Vector3 = TownData.vec3(v)
	return "(%.2f, %.2f)" % [p.x, p.z]


func _fail(message: String) -> void:
	printerr("walk_check: " + message)
	get_tree().quit(2)
