extends CharacterBody3D
## A townsperson: a capsule that walks the navmesh, driven by its
## SimulacraAgentController, with a name plate and a bubble saying what it does.

const AgentController: GDScript = preload("res://addons/simulacra/agent_controller.gd")
const WALKING_EMOJI: String = "🚶"

## The Agent message this NPC embodies.
var agent: Dictionary = {}

@onready var controller: AgentController = $AgentController
@onready var _name_plate: Label3D = $NamePlate
@onready var _bubble: Label3D = $ActivityBubble
@onready var _body_mesh: MeshInstance3D = $Body


func _ready() -> void:
	controller.command_received.connect(_on_command_received)
	controller.activity_started.connect(_on_activity_started)
	controller.activity_finished.connect(_on_activity_finished)


## Gives the NPC its agent (an Agent message) and the game clock. Call once it is
## in the scene tree, then controller.start().
func setup(agent_message: Dictionary, clock: Callable) -> void:
	agent = agent_message
	name = agent_id().validate_node_name()
	controller.agent_id = agent_id()
	controller.clock = clock
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


func _on_command_received(command: Dictionary) -> void:
	var activity: Dictionary = command.get("activity", {})
	if command.get("moveTo", {}).is_empty() and activity.is_empty():
		return
	_bubble.text = "%s %s" % [WALKING_EMOJI, str(activity.get("description", ""))]


func _on_activity_started(command: Dictionary) -> void:
	var activity: Dictionary = command.get("activity", {})
	_bubble.text = "%s %s" % [str(activity.get("emoji", "")), str(activity.get("description", ""))]


func _on_activity_finished(_command: Dictionary) -> void:
	_bubble.text = ""
