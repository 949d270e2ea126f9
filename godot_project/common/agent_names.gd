extends RefCounted
## Who is who, by agent id: the names the town and the replay show and print.
##
##   var names: AgentNames = AgentNames.new()
##   names.add("isabella", "Isabella Rodriguez")
##   names.name_of("isabella")                           # "Isabella Rodriguez"
##   names.name_of("klaus")                              # "klaus": an unknown id is its own name
##   names.partner_names(["isabella", "john_lin", "player"], "isabella")   # "John Lin and Alex"

const Npc: GDScript = preload("res://npc/npc.gd")

var _names: Dictionary = {}


## Names agent_id; an empty name leaves it unnamed.
func add(agent_id: String, agent_name: String) -> void:
	if not agent_name.is_empty():
		_names[agent_id] = agent_name


## The agent's name, or its id when it has none.
func name_of(agent_id: String) -> String:
	return str(_names.get(agent_id, agent_id))


## The names of participant_ids, in their order.
func names_of(participant_ids: Array) -> PackedStringArray:
	var names: PackedStringArray = PackedStringArray()
	for participant: Variant in participant_ids:
		names.append(name_of(str(participant)))
	return names


## The names of the participants other than agent_id, in words ("" when none).
func partner_names(participant_ids: Array, agent_id: String) -> String:
	var names: PackedStringArray = PackedStringArray()
	for participant: Variant in participant_ids:
		if str(participant) != agent_id:
			names.append(name_of(str(participant)))
	return Npc.names_in_words(names)
