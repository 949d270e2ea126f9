@tool
extends EditorPlugin
## Registers the addon's autoloads while the plugin is enabled: AgentClient (the
## connection to the server) and NpcEvents (the NPCs' event bus).

const AUTOLOAD_NAME: String = "AgentClient"
const AUTOLOAD_PATH: String = "res://addons/simulacra/agent_client.gd"
const EVENTS_NAME: String = "NpcEvents"
const EVENTS_PATH: String = "res://addons/simulacra/npc_events.gd"


func _enable_plugin() -> void:
	add_autoload_singleton(AUTOLOAD_NAME, AUTOLOAD_PATH)
	add_autoload_singleton(EVENTS_NAME, EVENTS_PATH)


func _disable_plugin() -> void:
	remove_autoload_singleton(EVENTS_NAME)
	remove_autoload_singleton(AUTOLOAD_NAME)
