extends Control
## The heads-up display: a top bar with the game clock, pause/play, the speeds 1×,
## 2×, 4×, 8× (1× = 60 game seconds per real second), a status line, Save and Load,
## and the connection to the server; a line of control hints at the bottom.
##
## A full-screen Control that lets the mouse through except on its own widgets; add
## it under a CanvasLayer.
##
##   const Hud: GDScript = preload("res://ui/hud.gd")
##   var hud: Hud = Hud.new()
##   hud_layer.add_child(hud)
##   hud.set_clock(clock)                        # shows its time; drives pause and speed
##   hud.input_blocker = chat.has_focus_input    # no hotkeys while typing
##   hud.save_requested.connect(_save)           # the game composes the snapshot and
##   hud.load_requested.connect(_load)           # calls SaveGame / LoadGame, then:
##   hud.show_status("Saved 'quicksave' at Day 1 09:12", false)
##
## Public API
##   set_clock(clock)            a town/sim_clock.gd node; pause and speed changes
##                               are applied to it (and still signalled).
##   set_paused(paused), toggle_pause(), choose_speed(multiplier)
##   is_paused() -> bool, speed_multiplier() -> float
##   show_status(text, is_error) a message in the top bar (fades after a while).
##   status_text() -> String
##   open_save_dialog(), open_load_dialog() (this one lists saves with ListSaves)
##   show_saves(saves)           the load dialog with these SaveInfo dicts.
##   close_dialogs(), dialog_open() -> bool
##   set_hints(text), hints_text() -> String   the line of control hints at the bottom
##                               (DEFAULT_HINTS; REHEARSAL_HINTS adds the goal panel's keys).
##   input_blocker               Callable returning true while hotkeys must not fire.
##   client                      the AgentClient node (default: the autoload).
## Signals: pause_toggled(paused), speed_chosen(multiplier), save_requested(name),
## load_requested(name). The HUD never calls SaveGame or LoadGame itself; the
## dialogs are ui/hud_dialogs.gd's, a canvas layer it owns.
## Keys (ignored while a text field has focus or input_blocker says so): the input
## actions pause, speed_1..speed_4, quick_save, quick_load where the project defines
## them, else Space, 1 2 3 4, F5 and F9 (quick save/load use "quicksave"); Escape
## closes a dialog.

signal pause_toggled(paused: bool)
signal speed_chosen(multiplier: float)
signal save_requested(save_name: String)
signal load_requested(save_name: String)

const UiTheme: GDScript = preload("res://ui/theme.gd")
const InputActions: GDScript = preload("res://player/input_actions.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const HudDialogs: GDScript = preload("res://ui/hud_dialogs.gd")
## Game seconds per real second at 1×.
const BASE_SPEED: float = 60.0
const SPEEDS: Array[float] = [1.0, 2.0, 4.0, 8.0]
const QUICKSAVE: String = "quicksave"
const DEFAULT_HINTS: String = "WASD move · Shift run · E talk · Tab map · click an NPC to inspect · Space pause · 1-4 speed · F5 save · F9 load · Esc close"
## The hints in a rehearsal: also the goal panel's keys (ui/rehearsal_panel.gd).
const REHEARSAL_HINTS: String = "WASD move · Shift run · E talk · G goal · F2 how did I do? · Tab map · click an NPC to inspect · Space pause · 1-4 speed · F5 save · F9 load · Esc close"
const STATUS_SECONDS: float = 6.0
const ERROR_STATUS_SECONDS: float = 12.0
## Of the save and load dialogs (ui/hud_dialogs.gd).
const DIALOG_LAYER: int = HudDialogs.LAYER
const LOAD_ROW_HEIGHT: float = HudDialogs.LOAD_ROW_HEIGHT
const LOAD_LIST_MAX_HEIGHT: float = HudDialogs.LOAD_LIST_MAX_HEIGHT
const SAVE_NAME_PATTERN: String = HudDialogs.SAVE_NAME_PATTERN

## Returns true while hotkeys must not fire (e.g. the chat panel's has_focus_input).
var input_blocker: Callable = Callable()
## The AgentClient to ask for ListSaves; null means the "AgentClient" autoload.
var client: AgentClientScript = null

var _clock: SimClock = null
var _paused: bool = false
var _multiplier: float = 1.0
var _status_until_ms: int = 0
var _shown_clock: String = ""
var _was_connected: int = -1

var _clock_label: Label = null
var _pause_button: Button = null
var _speed_buttons: Array[Button] = []
var _status: Label = null
var _connection_dot: Label = null
var _connection_label: Label = null
var _hints: Label = null
# The save and load dialogs, on their own canvas layer above the other panels.
var _dialogs: HudDialogs = null


func _init() -> void:
	name = "Hud"
	theme = UiTheme.get_theme()
	set_anchors_preset(Control.PRESET_FULL_RECT)
	mouse_filter = Control.MOUSE_FILTER_IGNORE
	_build()


func _process(_delta: float) -> void:
	var text: String = "Day – · --:--"
	if _clock != null:
		text = UiTheme.day_clock(_clock.now())
		if _clock.paused != _paused:
			_paused = _clock.paused
			_update_time_controls()
		var multiplier: float = _clock.speed / BASE_SPEED
		if not is_equal_approx(multiplier, _multiplier):
			_multiplier = multiplier
			_update_time_controls()
	if text != _shown_clock:
		_shown_clock = text
		_clock_label.text = text
	if _status_until_ms > 0 and Time.get_ticks_msec() > _status_until_ms:
		_status_until_ms = 0
		_status.text = ""
	_update_connection()


func _notification(what: int) -> void:
	if what == NOTIFICATION_VISIBILITY_CHANGED and _dialogs != null:
		_dialogs.visible = is_visible_in_tree()


func _unhandled_input(event: InputEvent) -> void:
	var key: InputEventKey = event as InputEventKey
	if key == null or not key.pressed or key.echo:
		return
	if dialog_open():
		if key.keycode == KEY_ESCAPE:
			close_dialogs()
			get_viewport().set_input_as_handled()
		return
	if InputActions.hotkeys_blocked(self, input_blocker):
		return
	var handled: bool = true
	if InputActions.is_action_key(key, "pause", [KEY_SPACE]):
		toggle_pause()
	elif InputActions.is_action_key(key, "speed_1", [KEY_1, KEY_KP_1]):
		choose_speed(SPEEDS[0])
	elif InputActions.is_action_key(key, "speed_2", [KEY_2, KEY_KP_2]):
		choose_speed(SPEEDS[1])
	elif InputActions.is_action_key(key, "speed_3", [KEY_3, KEY_KP_3]):
		choose_speed(SPEEDS[2])
	elif InputActions.is_action_key(key, "speed_4", [KEY_4, KEY_KP_4]):
		choose_speed(SPEEDS[3])
	elif InputActions.is_action_key(key, "quick_save", [KEY_F5]):
		save_requested.emit(QUICKSAVE)
	elif InputActions.is_action_key(key, "quick_load", [KEY_F9]):
		load_requested.emit(QUICKSAVE)
	else:
		handled = false
	if handled:
		get_viewport().set_input_as_handled()


func set_clock(clock: SimClock) -> void:
	_clock = clock
	_paused = clock.paused
	_multiplier = clock.speed / BASE_SPEED
	_update_time_controls()


func set_paused(paused: bool) -> void:
	if _clock != null:
		_clock.set_paused(paused)
	if paused == _paused:
		return
	_paused = paused
	_update_time_controls()
	pause_toggled.emit(paused)


func toggle_pause() -> void:
	set_paused(not _paused)


func is_paused() -> bool:
	return _paused


func choose_speed(multiplier: float) -> void:
	if multiplier <= 0.0:
		return
	if _clock != null:
		_clock.set_speed(BASE_SPEED * multiplier)
	_multiplier = multiplier
	_update_time_controls()
	speed_chosen.emit(multiplier)


func speed_multiplier() -> float:
	return _multiplier


func show_status(text: String, is_error: bool) -> void:
	_status.text = ("⚠ " if is_error else "") + text
	_status.add_theme_color_override("font_color", UiTheme.ERROR if is_error else UiTheme.TEXT)
	_status.tooltip_text = text
	_status_until_ms = Time.get_ticks_msec() + int((ERROR_STATUS_SECONDS if is_error else STATUS_SECONDS) * 1000.0)


func status_text() -> String:
	return _status.text


func set_hints(text: String) -> void:
	_hints.text = text
	_hints.get_parent().visible = not text.is_empty()


func hints_text() -> String:
	return _hints.text


func dialog_open() -> bool:
	return _dialogs.is_open()


func close_dialogs() -> void:
	_dialogs.close()


func open_save_dialog() -> void:
	_dialogs.open_save(QUICKSAVE)


## Lists the saves with ListSaves.
func open_load_dialog() -> void:
	await _dialogs.open_load()


## Shows these SaveInfo dicts in the load dialog (it does so itself with ListSaves).
func show_saves(saves: Array) -> void:
	_dialogs.show_saves(saves)


func _client() -> AgentClientScript:
	if client != null:
		return client
	return get_tree().root.get_node("AgentClient") as AgentClientScript


func _update_time_controls() -> void:
	_pause_button.text = "▶" if _paused else "❚❚"
	_pause_button.tooltip_text = "Resume (Space)" if _paused else "Pause (Space)"
	_pause_button.set_pressed_no_signal(_paused)
	for i: int in _speed_buttons.size():
		_speed_buttons[i].set_pressed_no_signal(is_equal_approx(SPEEDS[i], _multiplier))
	_clock_label.add_theme_color_override("font_color", UiTheme.TEXT_MUTED if _paused else Color.WHITE)


func _update_connection() -> void:
	var agent_client: AgentClientScript = client
	if agent_client == null and is_inside_tree():
		agent_client = get_tree().root.get_node_or_null("AgentClient") as AgentClientScript
	var online: bool = agent_client != null and agent_client.is_connected_to_server()
	var state: int = 1 if online else 0
	if state == _was_connected:
		return
	_was_connected = state
	_connection_dot.add_theme_color_override("font_color", UiTheme.GOOD if online else UiTheme.WARN)
	_connection_label.text = "online" if online else "reconnecting…"
	_connection_label.tooltip_text = "Server: %s" % agent_client.server_url if agent_client != null else "No AgentClient"


# ---- layout ------------------------------------------------------------------

func _build() -> void:
	var bar: PanelContainer = UiTheme.top_bar()
	add_child(bar)
	var row: HBoxContainer = HBoxContainer.new()
	row.add_theme_constant_override("separation", 6)
	bar.add_child(row)

	_clock_label = UiTheme.label("", "TitleLabel")
	_clock_label.custom_minimum_size = Vector2(150, 0)
	row.add_child(_clock_label)
	_pause_button = UiTheme.button("❚❚", "Pause (Space)", true)
	_pause_button.custom_minimum_size = Vector2(40, 0)
	_pause_button.pressed.connect(toggle_pause)
	row.add_child(_pause_button)
	var speeds: HBoxContainer = HBoxContainer.new()
	speeds.add_theme_constant_override("separation", 2)
	row.add_child(speeds)
	for i: int in SPEEDS.size():
		var multiplier: float = SPEEDS[i]
		var speed_button: Button = UiTheme.button("%d×" % int(multiplier), "%d game minute%s per second (%d)" % [int(multiplier), "" if multiplier == 1.0 else "s", i + 1], true)
		speed_button.custom_minimum_size = Vector2(40, 0)
		speed_button.pressed.connect(choose_speed.bind(multiplier))
		speeds.add_child(speed_button)
		_speed_buttons.append(speed_button)

	_status = Label.new()
	_status.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	_status.horizontal_alignment = HORIZONTAL_ALIGNMENT_CENTER
	_status.text_overrun_behavior = TextServer.OVERRUN_TRIM_ELLIPSIS
	_status.mouse_filter = Control.MOUSE_FILTER_PASS
	_status.custom_minimum_size = Vector2(80, 0)
	row.add_child(_status)

	var save_button: Button = UiTheme.button("Save", "Save the game (F5 saves as 'quicksave')")
	save_button.pressed.connect(open_save_dialog)
	row.add_child(save_button)
	var load_button: Button = UiTheme.button("Load", "Load a saved game (F9 loads 'quicksave')")
	load_button.pressed.connect(open_load_dialog)
	row.add_child(load_button)
	row.add_child(VSeparator.new())
	_connection_dot = Label.new()
	_connection_dot.text = "●"
	row.add_child(_connection_dot)
	_connection_label = UiTheme.label("", "MutedLabel")
	_connection_label.mouse_filter = Control.MOUSE_FILTER_PASS
	_connection_label.custom_minimum_size = Vector2(96, 0)
	row.add_child(_connection_label)

	var hints_panel: PanelContainer = UiTheme.hints_bar(DEFAULT_HINTS, 8)
	add_child(hints_panel)
	_hints = hints_panel.get_child(0)

	_dialogs = HudDialogs.new(_client)
	_dialogs.save_requested.connect(save_requested.emit)
	_dialogs.load_requested.connect(load_requested.emit)
	add_child(_dialogs)
	_update_time_controls()

