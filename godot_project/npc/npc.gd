extends CharacterBody3D
## A townsperson: a capsule that walks the navmesh, driven by its
## SimulacraAgentController, with a name plate and a bubble saying what it does,
## or, for a few seconds, what it just said.

const AgentController: GDScript = preload("res://addons/simulacra/agent_controller.gd")
const WALKING_EMOJI: String = "🚶"
const TALKING_EMOJI: String = "💬"
# Long enough to read a line at a glance; the speaker's next line replaces it sooner.
const LINE_SHOWN_S: float = 6.0

## The Agent message this NPC embodies.
var agent: Dictionary = {}
## Takes another agent's id and returns its name; without one, ids stand in.
var name_of: Callable = Callable()

# What the agent is doing, shown whenever it is not saying something.
var _status: String = ""
# The line it is saying, shown until _line_until_ms (real time); empty when none.
var _line: String = ""
var _line_until_ms: int = 0

@onready var controller: AgentController = $AgentController
@onready var _name_plate: Label3D = $NamePlate
@onready var _bubble: Label3D = $ActivityBubble
@onready var _body_mesh: MeshInstance3D = $Body


func _ready() -> void:
	controller.command_received.connect(_on_command_received)
	controller.activity_started.connect(_on_activity_started)
	controller.activity_finished.connect(_on_activity_finished)
	controller.conversation_started.connect(_on_conversation_started)
	controller.conversation_ended.connect(_on_conversation_ended)
	controller.utterance_received.connect(_on_utterance_received)


func _process(_delta: float) -> void:
	if not _line.is_empty() and Time.get_ticks_msec() >= _line_until_ms:
		end_line()


## Gives the NPC its agent (an Agent message), the game clock, and the town's
## lookups of other agents by id: find_body returns an agent's body (to face it in
## conversation), name_of_agent its name (for the bubble). Call once it is in the
## scene tree, then controller.start().
func setup(agent_message: Dictionary, clock: Callable, find_body: Callable = Callable(),
		name_of_agent: Callable = Callable()) -> void:
	agent = agent_message
	name = agent_id().validate_node_name()
	controller.agent_id = agent_id()
	controller.clock = clock
	controller.find_body = find_body
	name_of = name_of_agent
	_name_plate.text = display_name()
	var material: StandardMaterial3D = StandardMaterial3D.new()
	material.albedo_color = Color.from_string(str(agent.get("color", "")), Color.WHITE)
	_body_mesh.material_override = material


## The server's id of this NPC's agent.
func agent_id() -> String:
	return str(agent.get("id", ""))


## The agent's name, or its id when it has none.
func display_name() -> String:
	var agent_name: String = str(agent.get("name", ""))
	return agent_name if not agent_name.is_empty() else agent_id()


## Whom the agent is talking with, in words ("John Lin", "John Lin and Mei Lin");
## empty when it is not in a conversation.
func talking_with() -> String:
	var names: PackedStringArray = PackedStringArray()
	for partner_id: String in controller.conversation_partners():
		names.append(str(name_of.call(partner_id)) if name_of.is_valid() else partner_id)
	return names_in_words(names)


## Takes the agent's last line out of its bubble, which shows what it does again.
func end_line() -> void:
	_line = ""
	_line_until_ms = 0
	_update_bubble()


## "A", "A and B", "A, B and C".
static func names_in_words(names: PackedStringArray) -> String:
	if names.size() <= 1:
		return "".join(names)
	return "%s and %s" % [", ".join(names.slice(0, names.size() - 1)), names[names.size() - 1]]


func _show_status(text: String) -> void:
	_status = text
	_update_bubble()


# Reads what the controller is doing now.
func _show_current_status() -> void:
	if controller.in_conversation():
		_show_status("%s talking with %s" % [TALKING_EMOJI, talking_with()])
	elif controller.is_moving():
		var activity: Dictionary = controller.current_command.get("activity", {})
		_show_status("%s %s" % [WALKING_EMOJI, str(activity.get("description", ""))])
	else:
		var activity: Dictionary = controller.current_activity()
		if activity.is_empty():
			_show_status("")
		else:
			_show_status("%s %s" % [str(activity.get("emoji", "")), str(activity.get("description", ""))])


func _update_bubble() -> void:
	_bubble.text = _line if not _line.is_empty() else _status


func _on_command_received(command: Dictionary) -> void:
	var activity: Dictionary = command.get("activity", {})
	if command.get("moveTo", {}).is_empty() and activity.is_empty():
		return
	if controller.in_conversation():
		return  # It is done after the conversation; the bubble says "talking" till then.
	_show_status("%s %s" % [WALKING_EMOJI, str(activity.get("description", ""))])


func _on_activity_started(command: Dictionary) -> void:
	var activity: Dictionary = command.get("activity", {})
	_show_status("%s %s" % [str(activity.get("emoji", "")), str(activity.get("description", ""))])


func _on_activity_finished(_command: Dictionary) -> void:
	_show_status("")


func _on_conversation_started(_conversation: Dictionary) -> void:
	_show_current_status()


func _on_conversation_ended(_conversation: Dictionary, _outcome: String) -> void:
	# Deferred: the command that ended the conversation may still be setting the
	# agent on its way.
	_show_current_status.call_deferred()


func _on_utterance_received(text: String, _to_agent_id: String) -> void:
	_line = "“%s”" % text
	_line_until_ms = Time.get_ticks_msec() + int(LINE_SHOWN_S * 1000.0)
	_update_bubble()
