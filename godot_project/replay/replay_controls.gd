extends Control
## The replay's controls, built in code in the look of ui/hud.gd: a top bar with the
## scenario and the log; a bottom bar with play/pause, the clock ("Day 2 17:05"), a seek
## slider over the whole run and the speeds 1×, 10×, 60×, 600× (game seconds per real
## second); the people, listed on the left with what they are doing (click one to
## inspect it); and a line of key hints.
##
## A full-screen Control that lets the mouse through except on its own widgets; add
## it under a CanvasLayer. It only shows and asks: replay.gd keeps the time.
##
##   const ReplayControls: GDScript = preload("res://replay/replay_controls.gd")
##   var controls: ReplayControls = ReplayControls.new()
##   ui_layer.add_child(controls)
##   controls.setup("skeleton", "Three neighbours…", "replay.jsonl", 28800.0, 36000.0,
##       [{"id": "isabella", "name": "Isabella Rodriguez", "color": "#e0607e"}])
##   controls.show_time(t, playing, speed)       # every frame
##   controls.update_people({"isabella": "☕ making coffee"})
##   controls.set_selected("isabella")
##
## Signals: play_toggled(), seek_requested(game_seconds), speed_chosen(speed),
## agent_chosen(agent_id). Its buttons and slider never take the keyboard focus, so
## Space and the arrow keys stay the replay's.

signal play_toggled
signal seek_requested(game_seconds: float)
signal speed_chosen(speed: float)
signal agent_chosen(agent_id: String)

const UiTheme: GDScript = preload("res://ui/theme.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
## Game seconds per real second.
const SPEEDS: Array[float] = [1.0, 10.0, 60.0, 600.0]
const HINTS: String = "Space play/pause · ←/→ 10 game min back/on · WASD pan · wheel zoom · click a person to inspect · F follow · Tab map · Esc close"
const PEOPLE_TOP: float = 294.0
const PEOPLE_WIDTH: float = 250.0
const BAR_HEIGHT: float = 48.0

var _start: float = 0.0
var _end: float = 0.0
var _shown_clock: String = ""
var _playing: bool = true
var _speed: float = 60.0
var _selected: String = ""

var _title: Label = null
var _subtitle: Label = null
var _source: Label = null
var _play_button: Button = null
var _clock_label: Label = null
var _end_label: Label = null
var _slider: HSlider = null
var _speed_buttons: Array[Button] = []
var _people_box: VBoxContainer = null
var _people_panel: PanelContainer = null
# Agent id -> {"button": Button, "name": Label, "status": Label}.
var _rows: Dictionary = {}


func _init() -> void:
	name = "ReplayControls"
	theme = UiTheme.get_theme()
	set_anchors_preset(Control.PRESET_FULL_RECT)
	mouse_filter = Control.MOUSE_FILTER_IGNORE
	_build()


## The run: its name and description, the log's file name, its span in game seconds,
## and its people ({"id", "name", "color"}), in the order to list them.
func setup(title: String, description: String, source: String, start: float, end: float,
		people: Array[Dictionary]) -> void:
	_title.text = "Replay · " + title
	_subtitle.text = description
	_subtitle.visible = not description.is_empty()
	_source.text = source
	_start = start
	_end = maxf(end, start + 1.0)
	_slider.min_value = _start
	_slider.max_value = _end
	_end_label.text = SimClock.format_time(end)
	UiTheme.free_children(_people_box)
	_rows = {}
	for person: Dictionary in people:
		_add_person(person)
	_people_panel.visible = not people.is_empty()


## The replay's time, whether it plays, and its speed (game seconds per real second).
func show_time(game_seconds: float, playing: bool, speed: float) -> void:
	var text: String = SimClock.format_time(game_seconds)
	if text != _shown_clock:
		_shown_clock = text
		_clock_label.text = text
	_slider.set_value_no_signal(game_seconds)
	if playing != _playing or not is_equal_approx(speed, _speed):
		_playing = playing
		_speed = speed
		_update_buttons()


## What each person is doing now: agent id -> text.
func update_people(statuses: Dictionary) -> void:
	for agent_id: String in statuses:
		var row: Dictionary = _rows.get(agent_id, {})
		if row.is_empty():
			continue
		var status: Label = row["status"]
		var text: String = str(statuses[agent_id])
		if status.text != text:
			status.text = text


## Marks the person being inspected in the list ("" for none).
func set_selected(agent_id: String) -> void:
	_selected = agent_id
	for id: String in _rows:
		var row: Dictionary = _rows[id]
		var selected: bool = id == agent_id
		(row["button"] as Button).set_pressed_no_signal(selected)
		# Dark text on the accent of the pressed button.
		for label: Label in [row["name"], row["status"]]:
			if selected:
				label.add_theme_color_override("font_color", Color(0.08, 0.08, 0.1))
			else:
				label.remove_theme_color_override("font_color")


## The clock as shown ("Day 1 09:14").
func clock_text() -> String:
	return _clock_label.text


func _build() -> void:
	var bar: PanelContainer = UiTheme.top_bar()
	add_child(bar)
	var row: HBoxContainer = HBoxContainer.new()
	bar.add_child(row)
	_title = UiTheme.label("", "TitleLabel")
	row.add_child(_title)
	_subtitle = UiTheme.label("", "MutedLabel")
	_subtitle.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	_subtitle.text_overrun_behavior = TextServer.OVERRUN_TRIM_ELLIPSIS
	_subtitle.mouse_filter = Control.MOUSE_FILTER_PASS
	row.add_child(_subtitle)
	_source = UiTheme.label("", "MutedLabel")
	row.add_child(_source)

	_people_panel = PanelContainer.new()
	_people_panel.name = "People"
	_people_panel.set_anchors_preset(Control.PRESET_LEFT_WIDE)
	_people_panel.offset_left = 12
	_people_panel.offset_right = 12 + PEOPLE_WIDTH
	_people_panel.offset_top = PEOPLE_TOP
	_people_panel.offset_bottom = -(BAR_HEIGHT + 56)
	_people_panel.mouse_filter = Control.MOUSE_FILTER_STOP
	_people_panel.add_theme_stylebox_override("panel", UiTheme.panel_style(UiTheme.PANEL_BG, 8))
	add_child(_people_panel)
	var people: VBoxContainer = VBoxContainer.new()
	_people_panel.add_child(people)
	people.add_child(UiTheme.label("People", "SectionLabel"))
	_people_box = UiTheme.scroll_list(people, 2)

	add_child(UiTheme.hints_bar(HINTS, BAR_HEIGHT + 18))

	var bottom: PanelContainer = PanelContainer.new()
	bottom.name = "Timeline"
	bottom.set_anchors_preset(Control.PRESET_BOTTOM_WIDE)
	bottom.offset_left = 12
	bottom.offset_right = -12
	bottom.offset_bottom = -10
	bottom.offset_top = -10 - BAR_HEIGHT
	bottom.mouse_filter = Control.MOUSE_FILTER_STOP
	bottom.add_theme_stylebox_override("panel", UiTheme.panel_style(UiTheme.PANEL_BG, 8))
	add_child(bottom)
	var controls: HBoxContainer = HBoxContainer.new()
	controls.add_theme_constant_override("separation", 8)
	bottom.add_child(controls)
	_play_button = UiTheme.button("❚❚", "Pause (Space)", true)
	_play_button.custom_minimum_size = Vector2(40, 0)
	_play_button.pressed.connect(func() -> void: play_toggled.emit())
	controls.add_child(_play_button)
	_clock_label = UiTheme.label("", "TitleLabel")
	_clock_label.custom_minimum_size = Vector2(150, 0)
	controls.add_child(_clock_label)
	_slider = HSlider.new()
	_slider.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	_slider.size_flags_vertical = Control.SIZE_SHRINK_CENTER
	_slider.step = 1.0
	_slider.focus_mode = Control.FOCUS_NONE
	_slider.tooltip_text = "Drag to go to any time of the run"
	_style_slider(_slider)
	_slider.value_changed.connect(func(value: float) -> void: seek_requested.emit(value))
	controls.add_child(_slider)
	_end_label = UiTheme.label("", "MutedLabel")
	controls.add_child(_end_label)
	var speeds: HBoxContainer = HBoxContainer.new()
	speeds.add_theme_constant_override("separation", 2)
	controls.add_child(speeds)
	for speed: float in SPEEDS:
		var speed_button: Button = UiTheme.button("%d×" % int(speed), "%d game second%s per second" % [int(speed), "" if speed == 1.0 else "s"], true)
		speed_button.custom_minimum_size = Vector2(48, 0)
		speed_button.pressed.connect(func() -> void: speed_chosen.emit(speed))
		speeds.add_child(speed_button)
		_speed_buttons.append(speed_button)
	_update_buttons()


func _add_person(person: Dictionary) -> void:
	var agent_id: String = str(person.get("id", ""))
	var button: Button = UiTheme.button("", "Inspect %s" % str(person.get("name", agent_id)), true)
	button.alignment = HORIZONTAL_ALIGNMENT_LEFT
	button.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	button.pressed.connect(func() -> void: agent_chosen.emit(agent_id))
	_people_box.add_child(button)
	var line: HBoxContainer = HBoxContainer.new()
	line.set_anchors_preset(Control.PRESET_FULL_RECT)
	line.offset_left = 8
	line.offset_right = -6
	line.mouse_filter = Control.MOUSE_FILTER_IGNORE
	line.add_theme_constant_override("separation", 6)
	button.add_child(line)
	var swatch: Label = UiTheme.label("●")
	swatch.add_theme_color_override("font_color", UiTheme.color_from_hex(str(person.get("color", "")), UiTheme.ACCENT))
	line.add_child(swatch)
	var texts: VBoxContainer = UiTheme.vbox(line, 0)
	texts.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	texts.mouse_filter = Control.MOUSE_FILTER_IGNORE
	var person_name: Label = UiTheme.label(str(person.get("name", agent_id)))
	person_name.text_overrun_behavior = TextServer.OVERRUN_TRIM_ELLIPSIS
	texts.add_child(person_name)
	var status: Label = UiTheme.label("", "MutedLabel")
	status.text_overrun_behavior = TextServer.OVERRUN_TRIM_ELLIPSIS
	texts.add_child(status)
	button.custom_minimum_size = Vector2(0, 42)
	_rows[agent_id] = {"button": button, "name": person_name, "status": status}


func _update_buttons() -> void:
	_play_button.text = "❚❚" if _playing else "▶"
	_play_button.tooltip_text = "Pause (Space)" if _playing else "Play (Space)"
	_play_button.set_pressed_no_signal(not _playing)
	for i: int in _speed_buttons.size():
		_speed_buttons[i].set_pressed_no_signal(is_equal_approx(SPEEDS[i], _speed))
	_clock_label.add_theme_color_override("font_color", Color.WHITE if _playing else UiTheme.TEXT_MUTED)


static func _style_slider(slider: HSlider) -> void:
	var track: StyleBoxFlat = UiTheme.panel_style(Color(1, 1, 1, 0.14), 0, 3, Color(0, 0, 0, 0))
	track.content_margin_top = 3
	track.content_margin_bottom = 3
	var filled: StyleBoxFlat = UiTheme.panel_style(Color(UiTheme.ACCENT, 0.85), 0, 3, Color(0, 0, 0, 0))
	filled.content_margin_top = 3
	filled.content_margin_bottom = 3
	slider.add_theme_stylebox_override("slider", track)
	slider.add_theme_stylebox_override("grabber_area", filled)
	slider.add_theme_stylebox_override("grabber_area_highlight", filled)
