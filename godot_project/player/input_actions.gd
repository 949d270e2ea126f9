extends RefCounted
## The game's input actions, registered in code so that a fresh clone (and the
## scripted player in tests) has exactly the same map as a player at the keyboard.
##
##   move_forward W / Up      move_back S / Down     move_left A     move_right D
##   turn_left Left / Q       turn_right Right       run Shift       talk E
##   look (hold) right mouse  select left mouse      toggle_map Tab  toggle_view V
##   pause Space              speed_1..speed_4  1-4  quick_save F5   quick_load F9
##   toggle_goal G            debrief F2             (a rehearsal's goal panel)
##   ui_cancel Escape (Godot's own)
##
## The UI's panels read their keys with is_action_key(), hotkeys_blocked() and
## is_escape().

const KEYS: Dictionary = {
	"move_forward": [KEY_W, KEY_UP],
	"move_back": [KEY_S, KEY_DOWN],
	"move_left": [KEY_A],
	"move_right": [KEY_D],
	"turn_left": [KEY_LEFT, KEY_Q],
	"turn_right": [KEY_RIGHT],
	"run": [KEY_SHIFT],
	"talk": [KEY_E],
	"toggle_map": [KEY_TAB],
	"toggle_view": [KEY_V],
	"toggle_goal": [KEY_G],
	"debrief": [KEY_F2],
}
const MOUSE_BUTTONS: Dictionary = {
	"look": [MOUSE_BUTTON_RIGHT],
	"select": [MOUSE_BUTTON_LEFT],
}


## Adds every action that is not there yet (a project may bind its own keys first).
static func ensure() -> void:
	for action: String in KEYS:
		if InputMap.has_action(action):
			continue
		InputMap.add_action(action)
		for keycode: int in KEYS[action]:
			var key: InputEventKey = InputEventKey.new()
			key.physical_keycode = keycode as Key
			InputMap.action_add_event(action, key)
	for action: String in MOUSE_BUTTONS:
		if InputMap.has_action(action):
			continue
		InputMap.add_action(action)
		for button: int in MOUSE_BUTTONS[action]:
			var click: InputEventMouseButton = InputEventMouseButton.new()
			click.button_index = button as MouseButton
			InputMap.action_add_event(action, click)


## Whether key is the input action when the project defines it (rebindable), else
## one of the default keys (an untyped Array: a caller through a preloaded constant
## passes its literal [KEY_G] untyped).
static func is_action_key(key: InputEventKey, action: String, default_keys: Array) -> bool:
	if InputMap.has_action(action):
		return key.is_action_pressed(action)
	return key.keycode in default_keys or key.physical_keycode in default_keys


## True while hotkeys must not fire: blocker (when valid) says so, or a text field
## of control's viewport has the keyboard focus.
static func hotkeys_blocked(control: Control, blocker: Callable) -> bool:
	if blocker.is_valid() and bool(blocker.call()):
		return true
	var focused: Control = control.get_viewport().gui_get_focus_owner()
	return focused is LineEdit or focused is TextEdit


## Whether event is Escape just pressed (not a repeat).
static func is_escape(event: InputEvent) -> bool:
	var key: InputEventKey = event as InputEventKey
	return key != null and key.pressed and not key.echo and key.keycode == KEY_ESCAPE
