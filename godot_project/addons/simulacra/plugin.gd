@tool
extends EditorPlugin
## Registers the AgentClient autoload while the plugin is enabled.

const AUTOLOAD_NAME: String = "AgentClient"
const AUTOLOAD_PATH: String = "res://addons/simulacra/agent_client.gd"


func _enable_plugin() -> void:
	add_autoload_singleton(AUTOLOAD_NAME, AUTOLOAD_PATH)


func _disable_plugin() -> void:
	remove_autoload_singleton(AUTOLOAD_NAME)
