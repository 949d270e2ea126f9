extends RefCounted
## The replay's town and its people, which replay.gd owns one of: builds the town from
## the log's header (town/town_builder.gd), spawns one NPC per agent (npc/npc.tscn,
## its controller stopped: the log moves it), and puts every NPC where, and as, the log
## has it at a game time (position, facing, activity and speech bubbles, whether it is
## busy), with the light of that time of day. What each agent shows at t comes from
## replay_state.gd, a function of the log alone.

const AgentNames: GDScript = preload("res://common/agent_names.gd")
const Daylight: GDScript = preload("res://town/daylight.gd")
const Npc: GDScript = preload("res://npc/npc.gd")
const ReplayLog: GDScript = preload("res://replay/replay_log.gd")
const ReplayState: GDScript = preload("res://replay/replay_state.gd")
const TownBuilder: GDScript = preload("res://town/town_builder.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const NPC_SCENE: PackedScene = preload("res://npc/npc.tscn")
## The light changes with the time of day in steps of this many game seconds.
const DAYLIGHT_STEP_S: float = 60.0

## The town of the log's header.
var town: TownData = null
## What each agent shows at a time (see replay_state.gd).
var state: ReplayState = null
## The NPCs, in the header's order (then those only the steps place), and by agent id.
var npcs: Array[Npc] = []
var npc_by_id: Dictionary = {}

var _log: ReplayLog = null
var _names: AgentNames = null
var _town_builder: TownBuilder = null
var _npc_root: Node3D = null
var _daylight: Daylight = null
var _daylight_step: float = -INF


func _init(replay_log: ReplayLog, names: AgentNames, town_builder: TownBuilder, npc_root: Node3D,
		daylight: Daylight) -> void:
	_log = replay_log
	_names = names
	_town_builder = town_builder
	_npc_root = npc_root
	_daylight = daylight


## Builds the town and spawns its people; game_time is the replay's clock (a Callable
## returning game seconds), for the NPCs.
func build(game_time: Callable) -> void:
	town = TownData.new(_log.reader.town)
	state = ReplayState.new(_log, town, _names)
	_town_builder.build(town)
	for agent: Dictionary in _log.reader.agents:
		_spawn(agent, game_time)
	# Someone the steps place but the header does not list (the player) is shown too.
	for agent_id: String in _log.unlisted_ids():
		_spawn({"id": agent_id, "name": _names.name_of(agent_id)}, game_time)


## Puts every NPC where, and as, the log has it at t, and lights the town as at t.
func apply(t: float) -> void:
	for npc: Npc in npcs:
		var agent_id: String = npc.agent_id()
		var at: Vector3 = state.position_at(agent_id, t)
		npc.global_position = at
		npc.rotation = Vector3(0.0, state.facing(agent_id, t, at), 0.0)
		var step: Dictionary = _log.step_state_at(agent_id, t)
		var status: String = state.status_text(agent_id, t, step)
		if npc.current_status() != Npc.trim_text(status):
			npc.show_status(status)
		# The NPC takes a line out of its bubble after some real seconds; here the
		# replay's time says how long it stays (ReplayState.line_at), so it is put back.
		var line: String = state.line_at(agent_id, t)
		if line != npc.current_line():
			if line.is_empty():
				npc.end_line()
			else:
				npc.show_line_text(line)
		npc.body.doing = state.doing_at(agent_id, t, step)
	var daylight_step: float = floorf(t / DAYLIGHT_STEP_S) * DAYLIGHT_STEP_S
	if daylight_step != _daylight_step:
		_daylight_step = daylight_step
		_daylight.set_time(daylight_step)


func _spawn(agent: Dictionary, game_time: Callable) -> void:
	var agent_id: String = str(agent.get("id", ""))
	var home: String = str(agent.get("homePlaceId", ""))
	state.add_agent(agent_id, TownData.vec3(town.place(home).get("position", {})) if town.has_place(home) else Vector3.ZERO)
	var npc: Npc = NPC_SCENE.instantiate()
	_npc_root.add_child(npc)
	npc.setup(agent, game_time, Callable(), _names.name_of)
	# The log moves it: its controller neither asks a server nor walks it.
	npc.controller.set_process(false)
	npc.controller.set_physics_process(false)
	npcs.append(npc)
	npc_by_id[agent_id] = npc
