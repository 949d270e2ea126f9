extends CanvasLayer
## The HUD's save and load dialogs, on their own canvas layer above the other panels
## of the UI, over a dim backdrop that closes them when clicked: Save asks for a name
## (1-64 letters, digits, _ . -), Load lists the saves (from ListSaves, or as given)
## with their game time and when they were saved. ui/hud.gd owns one, named
## "Dialogs", passes its dialog calls on to it and emits what the player picks as its
## own save_requested / load_requested. It never saves or loads anything itself.
##
##   var dialogs: HudDialogs = HudDialogs.new(_client)   # a Callable -> AgentClient
##   add_child(dialogs)
##   dialogs.save_requested.connect(save_requested.emit)
##   dialogs.open_save("quicksave")      # the name offered
##   dialogs.open_load()                 # lists the saves with ListSaves

signal save_requested(save_name: String)
signal load_requested(save_name: String)

const UiTheme: GDScript = preload("res://ui/theme.gd")
const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const LAYER: int = 100
const LOAD_ROW_HEIGHT: float = 38.0
const LOAD_LIST_MAX_HEIGHT: float = 320.0
const SAVE_NAME_PATTERN: String = "^[A-Za-z0-9_.-]{1,64}$"

var _client: Callable = Callable()
var _save_name_regex: RegEx = RegEx.create_from_string(SAVE_NAME_PATTERN)

var _dim: ColorRect = null
var _save_dialog: PanelContainer = null
var _save_name: LineEdit = null
var _save_error: Label = null
var _load_dialog: PanelContainer = null
var _load_list: VBoxContainer = null
var _load_message: Label = null
var _load_scroll: ScrollContainer = null


## client: returns the AgentClient to ask for ListSaves.
func _init(client: Callable) -> void:
	_client = client
	name = "Dialogs"
	layer = LAYER
	var dialog_root: Control = Control.new()
	dialog_root.theme = UiTheme.get_theme()
	dialog_root.set_anchors_preset(Control.PRESET_FULL_RECT)
	dialog_root.mouse_filter = Control.MOUSE_FILTER_IGNORE
	add_child(dialog_root)
	_dim = ColorRect.new()
	_dim.color = Color(0, 0, 0, 0.45)
	_dim.set_anchors_preset(Control.PRESET_FULL_RECT)
	_dim.mouse_filter = Control.MOUSE_FILTER_STOP
	_dim.visible = false
	_dim.gui_input.connect(_on_dim_input)
	dialog_root.add_child(_dim)
	_build_save_dialog()
	_build_load_dialog()


func is_open() -> bool:
	return _save_dialog.visible or _load_dialog.visible


func close() -> void:
	_save_dialog.visible = false
	_load_dialog.visible = false
	_dim.visible = false
	_save_name.release_focus()


## The save dialog, offering default_name.
func open_save(default_name: String) -> void:
	close()
	_dim.visible = true
	_save_dialog.visible = true
	_save_name.text = default_name
	_save_error.text = ""
	_save_error.visible = false
	_save_name.grab_focus()
	_save_name.select_all()


## The load dialog, listing the saves that ListSaves returns.
func open_load() -> void:
	close()
	_dim.visible = true
	_load_dialog.visible = true
	_fill_load_list([], "Looking for saves…", false)
	var client: AgentClientScript = _client.call()
	var reply: Dictionary = await client.list_saves()
	if not _load_dialog.visible:
		return
	if not reply.get("ok", false):
		var error: Dictionary = reply.get("error", {})
		_fill_load_list([], "Could not list the saves: %s %s" % [error.get("code", ""), error.get("message", "")], true)
		return
	var saves: Array = reply.get("payload", {}).get("saves", [])
	_fill_load_list(saves, "No saves yet. Save with F5 or the Save button." if saves.is_empty() else "", false)


## The load dialog with these SaveInfo dicts.
func show_saves(saves: Array) -> void:
	_dim.visible = true
	_save_dialog.visible = false
	_load_dialog.visible = true
	_fill_load_list(saves, "" if not saves.is_empty() else "No saves yet.", false)


func _build_save_dialog() -> void:
	_save_dialog = _dialog("Save the game")
	var box: VBoxContainer = _save_dialog.get_child(0)
	box.add_child(UiTheme.label("Name (letters, digits, _ . -)", "MutedLabel"))
	_save_name = LineEdit.new()
	_save_name.max_length = 64
	_save_name.text_submitted.connect(func(_text: String) -> void: _confirm_save())
	box.add_child(_save_name)
	_save_error = UiTheme.label("", "MutedLabel")
	_save_error.add_theme_color_override("font_color", UiTheme.ERROR)
	box.add_child(_save_error)
	var buttons: HBoxContainer = HBoxContainer.new()
	buttons.alignment = BoxContainer.ALIGNMENT_END
	box.add_child(buttons)
	var cancel: Button = UiTheme.button("Cancel")
	cancel.pressed.connect(close)
	buttons.add_child(cancel)
	var confirm: Button = UiTheme.button("Save")
	confirm.pressed.connect(_confirm_save)
	buttons.add_child(confirm)


func _build_load_dialog() -> void:
	_load_dialog = _dialog("Load a saved game")
	var box: VBoxContainer = _load_dialog.get_child(0)
	_load_message = UiTheme.label("", "MutedLabel")
	_load_message.autowrap_mode = TextServer.AUTOWRAP_WORD_SMART
	box.add_child(_load_message)
	_load_scroll = ScrollContainer.new()
	_load_scroll.horizontal_scroll_mode = ScrollContainer.SCROLL_MODE_DISABLED
	_load_scroll.focus_mode = Control.FOCUS_NONE
	box.add_child(_load_scroll)
	_load_list = VBoxContainer.new()
	_load_list.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	_load_scroll.add_child(_load_list)
	var buttons: HBoxContainer = HBoxContainer.new()
	buttons.alignment = BoxContainer.ALIGNMENT_END
	box.add_child(buttons)
	var cancel: Button = UiTheme.button("Cancel")
	cancel.pressed.connect(close)
	buttons.add_child(cancel)


func _dialog(title: String) -> PanelContainer:
	var dialog: PanelContainer = PanelContainer.new()
	dialog.set_anchors_preset(Control.PRESET_CENTER)
	dialog.grow_horizontal = Control.GROW_DIRECTION_BOTH
	dialog.grow_vertical = Control.GROW_DIRECTION_BOTH
	dialog.custom_minimum_size = Vector2(460, 0)
	dialog.add_theme_stylebox_override("panel", UiTheme.panel_style(UiTheme.PANEL_BG_SOLID, 18))
	dialog.visible = false
	_dim.get_parent().add_child(dialog)
	var box: VBoxContainer = UiTheme.vbox(dialog, 10)
	box.add_child(UiTheme.label(title, "TitleLabel"))
	return dialog


func _fill_load_list(saves: Array, message: String, is_error: bool) -> void:
	UiTheme.free_children(_load_list)
	_load_message.text = message
	_load_message.visible = not message.is_empty()
	_load_message.add_theme_color_override("font_color", UiTheme.ERROR if is_error else UiTheme.TEXT_MUTED)
	for save: Dictionary in saves:
		var save_name: String = str(save.get("name", ""))
		var entry: Button = UiTheme.button("", "Load '%s'" % save_name)
		entry.alignment = HORIZONTAL_ALIGNMENT_LEFT
		entry.size_flags_horizontal = Control.SIZE_EXPAND_FILL
		var saved_at: int = str(save.get("savedAt", "0")).to_int()
		var when: String = ""
		if saved_at > 0:
			var local: int = saved_at + int(Time.get_time_zone_from_system().get("bias", 0)) * 60
			when = "  ·  saved " + Time.get_datetime_string_from_unix_time(local, true).substr(0, 16)
		entry.text = "%s   —   %s%s" % [save_name, UiTheme.day_clock(float(save.get("gameTime", 0))), when]
		entry.pressed.connect(_choose_load.bind(save_name))
		_load_list.add_child(entry)
	_load_scroll.custom_minimum_size = Vector2(0, minf(LOAD_ROW_HEIGHT * saves.size(), LOAD_LIST_MAX_HEIGHT))
	_load_scroll.visible = not saves.is_empty()


func _confirm_save() -> void:
	var save_name: String = _save_name.text.strip_edges()
	if _save_name_regex.search(save_name) == null:
		_save_error.text = "Use 1-64 letters, digits, '_', '.' or '-'."
		_save_error.visible = true
		return
	close()
	save_requested.emit(save_name)


func _choose_load(save_name: String) -> void:
	close()
	load_requested.emit(save_name)


func _on_dim_input(event: InputEvent) -> void:
	var click: InputEventMouseButton = event as InputEventMouseButton
	if click != null and click.pressed:
		close()
