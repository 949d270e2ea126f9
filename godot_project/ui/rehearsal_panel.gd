extends PanelContainer
## A rehearsal's panel: the player's goal (the scenario's player_goal, from ListAgents)
## and what the scene is about, in the top-right corner, and, on request, each
## character's feedback on how the player did (Debrief RPC): name, their words, how
## many lines the two exchanged. In a plain town (no player goal) it never shows.
##
## Add it under a CanvasLayer; it places itself at the top right, under the HUD's bar,
## and starts hidden until set_scenario() gives it a goal.
##
##   const RehearsalPanel: GDScript = preload("res://ui/rehearsal_panel.gd")
##   var rehearsal: RehearsalPanel = RehearsalPanel.new()
##   hud_layer.add_child(rehearsal)
##   rehearsal.set_scenario("ask_for_a_raise", description, player_goal)  # ListAgents' fields
##   rehearsal.set_name_of(func(id: String) -> String: return names.get(id, id))
##   rehearsal.input_blocker = chat.has_focus_input   # no hotkeys while typing
##   rehearsal.request_debrief()                      # as the button and F2 do
##
## Public API
##   set_scenario(scenario, description, goal)  shows the panel when goal is not empty.
##   is_rehearsal() -> bool      true when there is a goal to show.
##   set_collapsed(bool), toggle_collapsed(), is_collapsed()  collapsed: the title only.
##   set_covered(bool)           hidden while something else (the inspector, the full
##                               map) has the right of the screen; comes back after.
##   request_debrief()           asks the server for every character's feedback
##                               (Debrief with no ids: whoever the player talked with);
##                               one request at a time. Expands the panel.
##   show_feedback(feedback), show_error(error)  shows a DebriefResponse's feedback
##                               (CharacterFeedback messages) or an error (no fetching).
##   close_feedback(), is_feedback_open()
##   feedback_state() -> String  "" (closed), "waiting", "shown", "empty" (nobody talked
##                               to yet), "error".
##   feedback_message() -> String  the line shown above the feedback (waiting, empty,
##                               error), "" when none.
##   shown_feedback() -> Array[Dictionary]  what the panel shows, one per character:
##                               {"agent_id", "name", "feedback", "lines_exchanged",
##                               "memories_used"}.
##   goal_text() -> String       the goal as the panel shows it.
##   state() -> Dictionary       all of the above, for a run's report, and "rect": where
##                               it is on screen [x, y, width, height].
##   set_name_of(Callable id -> name), set_color_of(Callable id -> Color)
##   input_blocker               Callable returning true while hotkeys must not fire.
##   client                      the AgentClient node to use (default: the autoload).
## Signals: debrief_started() when a request goes out, debrief_finished(feedback,
## error) when it is answered (feedback: CharacterFeedback messages; error empty on
## success), collapsed_changed(collapsed).
## Keys (ignored while a text field has focus or input_blocker says so): the input
## actions toggle_goal and debrief where the project defines them, else G and F2;
## Escape closes the feedback.

signal debrief_started
signal debrief_finished(feedback: Array, error: Dictionary)
signal collapsed_changed(collapsed: bool)

const UiTheme: GDScript = preload("res://ui/theme.gd")
const InputActions: GDScript = preload("res://player/input_actions.gd")
const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const CharacterFeedback: GDScript = preload("res://addons/simulacra/messages/character_feedback.gd")
const DebriefResponse: GDScript = preload("res://addons/simulacra/messages/debrief_response.gd")
const WIDTH: float = 390.0
const TOP: float = 64.0
const MARGIN: float = 16.0
const HINTS_HEIGHT: float = 34.0
## One answer per character from the model: seconds, not milliseconds.
const DEBRIEF_TIMEOUT_S: float = 120.0
const NOTHING_YET: String = "Talk to someone first: feedback comes from the people you have talked with."
const MAX_MEMORY_TIPS: int = 5
const MIN_NAME_LUMINANCE: float = 0.5
const MIN_LIST_HEIGHT: float = 80.0

## Returns true while hotkeys must not fire (e.g. the chat panel's has_focus_input).
var input_blocker: Callable = Callable()
## The AgentClient to ask; null means the "AgentClient" autoload.
var client: AgentClientScript = null

var _scenario: String = ""
var _description: String = ""
var _goal: String = ""
var _collapsed: bool = false
var _covered: bool = false
var _name_of: Callable = Callable()
var _color_of: Callable = Callable()
var _feedback_state: String = ""
var _feedback_message: String = ""
var _feedback: Array[Dictionary] = []
var _request_serial: int = 0
var _waiting_since_ms: int = 0
var _shown_wait_s: int = -1
var _fit_queued: bool = false
var _fitting: bool = false

var _title: Label = null
var _collapse_button: Button = null
var _body: VBoxContainer = null
var _description_label: Label = null
var _goal_label: Label = null
var _debrief_button: Button = null
var _feedback_box: VBoxContainer = null
var _feedback_status: Label = null
var _feedback_scroll: ScrollContainer = null
var _feedback_list: VBoxContainer = null


func _init() -> void:
	name = "RehearsalPanel"
	theme = UiTheme.get_theme()
	visible = false
	anchor_left = 1.0
	anchor_right = 1.0
	anchor_top = 0.0
	offset_left = -WIDTH - MARGIN
	offset_right = -MARGIN
	offset_top = TOP
	offset_bottom = TOP
	mouse_filter = Control.MOUSE_FILTER_STOP
	_build()
	minimum_size_changed.connect(_queue_fit)
	_feedback_list.minimum_size_changed.connect(_queue_fit)
	_apply_layout()


func _ready() -> void:
	get_viewport().size_changed.connect(_queue_fit)


func _process(_delta: float) -> void:
	if _feedback_state != "waiting":
		return
	var waited: int = int((Time.get_ticks_msec() - _waiting_since_ms) / 1000.0)
	if waited != _shown_wait_s:
		_shown_wait_s = waited
		_set_feedback_message(_waiting_text(waited), false)


func _unhandled_input(event: InputEvent) -> void:
	var key: InputEventKey = event as InputEventKey
	if key == null or not key.pressed or key.echo or not is_rehearsal():
		return
	if key.keycode == KEY_ESCAPE:
		if is_visible_in_tree() and is_feedback_open() and not _collapsed:
			close_feedback()
			get_viewport().set_input_as_handled()
		return
	if InputActions.hotkeys_blocked(self, input_blocker):
		return
	if InputActions.is_action_key(key, "toggle_goal", [KEY_G]):
		toggle_collapsed()
		get_viewport().set_input_as_handled()
	elif InputActions.is_action_key(key, "debrief", [KEY_F2]):
		request_debrief()
		get_viewport().set_input_as_handled()


func set_scenario(scenario: String, description: String, goal: String) -> void:
	_scenario = scenario
	_description = description.strip_edges()
	_goal = goal.strip_edges()
	_title.text = "Your goal"
	_title.tooltip_text = "Rehearsal: %s" % scenario.replace("_", " ") if not scenario.is_empty() else ""
	_goal_label.text = _goal
	_description_label.text = _description
	_apply_layout()


func is_rehearsal() -> bool:
	return not _goal.is_empty()


func set_name_of(name_of: Callable) -> void:
	_name_of = name_of


func set_color_of(color_of: Callable) -> void:
	_color_of = color_of


func set_collapsed(collapsed: bool) -> void:
	if collapsed == _collapsed:
		return
	_collapsed = collapsed
	_apply_layout()
	collapsed_changed.emit(collapsed)


func toggle_collapsed() -> void:
	set_collapsed(not _collapsed)


func is_collapsed() -> bool:
	return _collapsed


func set_covered(covered: bool) -> void:
	if covered == _covered:
		return
	_covered = covered
	_apply_layout()


func request_debrief() -> void:
	if not is_rehearsal() or _feedback_state == "waiting":
		return
	set_collapsed(false)
	_request_serial += 1
	var serial: int = _request_serial
	_feedback.clear()
	_feedback_state = "waiting"
	_waiting_since_ms = Time.get_ticks_msec()
	_shown_wait_s = 0
	_set_feedback_message(_waiting_text(0), false)
	_render_feedback()
	debrief_started.emit()
	var reply: Dictionary = await _client().debrief([], DEBRIEF_TIMEOUT_S)
	if serial != _request_serial:
		return  # Closed (or asked again) meanwhile.
	if reply.get("ok", false):
		var debrief: DebriefResponse = reply["message"]
		show_feedback(debrief.feedback)
		debrief_finished.emit(debrief.feedback, {})
	else:
		var error: Dictionary = reply.get("error", {})
		show_error(error)
		debrief_finished.emit([], error)


func show_feedback(feedback: Array) -> void:
	_request_serial += 1
	_feedback.clear()
	for item: CharacterFeedback in feedback:
		_feedback.append({
			"agent_id": item.agent_id,
			"name": _display_name(item.agent_id),
			"feedback": item.feedback.strip_edges(),
			"lines_exchanged": item.lines_exchanged,
			"memories_used": item.memories_used.duplicate(),
		})
	_feedback_state = "shown" if not _feedback.is_empty() else "empty"
	_set_feedback_message("" if not _feedback.is_empty() else NOTHING_YET, false)
	_render_feedback()


func show_error(error: Dictionary) -> void:
	_request_serial += 1
	_feedback.clear()
	_feedback_state = "error"
	var why: String = "%s: %s" % [str(error.get("code", "UNKNOWN")), str(error.get("message", ""))]
	_set_feedback_message("Could not get feedback: %s" % why, true)
	_render_feedback()


func close_feedback() -> void:
	_request_serial += 1  # A reply still on its way is no longer wanted.
	_feedback.clear()
	_feedback_state = ""
	_set_feedback_message("", false)
	_render_feedback()


func is_feedback_open() -> bool:
	return not _feedback_state.is_empty()


func feedback_state() -> String:
	return _feedback_state


func feedback_message() -> String:
	return _feedback_message


func shown_feedback() -> Array[Dictionary]:
	var copy: Array[Dictionary] = []
	for item: Dictionary in _feedback:
		copy.append(item.duplicate(true))
	return copy


func goal_text() -> String:
	return _goal_label.text if is_rehearsal() else ""


func state() -> Dictionary:
	return {
		"scenario": _scenario,
		"player_goal": _goal,
		"shown": is_visible_in_tree(),
		"goal_text": goal_text(),
		"description_text": _description_label.text if is_rehearsal() else "",
		"collapsed": _collapsed,
		"feedback_state": _feedback_state,
		"feedback_message": _feedback_message,
		"feedback": shown_feedback(),
		"rect": [position.x, position.y, size.x, size.y],
	}


func _client() -> AgentClientScript:
	if client != null:
		return client
	return get_tree().root.get_node("AgentClient") as AgentClientScript


func _display_name(agent_id: String) -> String:
	if _name_of.is_valid():
		var display_name: String = str(_name_of.call(agent_id))
		if not display_name.is_empty():
			return display_name
	return agent_id


func _waiting_text(waited_s: int) -> String:
	var text: String = "Asking the people you talked with how it went…"
	return text if waited_s < 2 else "%s %d s" % [text, waited_s]


func _set_feedback_message(text: String, is_error: bool) -> void:
	_feedback_message = text
	_feedback_status.text = text
	_feedback_status.visible = not text.is_empty()
	_feedback_status.add_theme_color_override("font_color", UiTheme.ERROR if is_error else UiTheme.TEXT_MUTED)


# ---- layout ------------------------------------------------------------------

# Shown only in a rehearsal and when not covered; with the feedback open, the
# description makes room for it.
func _apply_layout() -> void:
	visible = is_rehearsal() and not _covered
	_body.visible = not _collapsed
	_collapse_button.text = "▸" if _collapsed else "▾"
	_collapse_button.tooltip_text = "Show the goal (G)" if _collapsed else "Hide the goal (G)"
	var open: bool = is_feedback_open() and not _collapsed
	_feedback_box.visible = open
	_description_label.visible = not _description.is_empty() and not open
	_debrief_button.disabled = _feedback_state == "waiting"
	_queue_fit()


func _queue_fit() -> void:
	if not _fit_queued and not _fitting:
		_fit_queued = true
		_fit.call_deferred()


# The panel is as tall as what it shows, and at most down to the hints: a long list of
# feedback scrolls. A container grows with its content by itself but does not shrink.
func _fit() -> void:
	_fit_queued = false
	if not is_inside_tree():
		return
	_fitting = true
	var list_height: float = 0.0
	if _feedback_scroll.is_visible_in_tree():
		var rest: float = get_combined_minimum_size().y - _feedback_scroll.custom_minimum_size.y
		var room: float = get_viewport_rect().size.y - TOP - MARGIN - HINTS_HEIGHT - rest
		list_height = clampf(_feedback_list.get_combined_minimum_size().y, 0.0, maxf(room, MIN_LIST_HEIGHT))
	if absf(_feedback_scroll.custom_minimum_size.y - list_height) > 0.5:
		_feedback_scroll.custom_minimum_size.y = list_height
	size = Vector2(WIDTH, 0.0)  # Its minimum height: the content.
	_fitting = false


func _build() -> void:
	var box: VBoxContainer = UiTheme.vbox(self, 8)

	var header: HBoxContainer = HBoxContainer.new()
	box.add_child(header)
	_title = UiTheme.label("Your goal", "TitleLabel")
	_title.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	_title.mouse_filter = Control.MOUSE_FILTER_PASS
	header.add_child(_title)
	header.add_child(UiTheme.label("G", "MutedLabel"))
	_collapse_button = UiTheme.button("")
	_collapse_button.custom_minimum_size = Vector2(34, 0)
	_collapse_button.pressed.connect(toggle_collapsed)
	header.add_child(_collapse_button)

	_body = UiTheme.vbox(box, 8)
	_body.size_flags_vertical = Control.SIZE_EXPAND_FILL
	_description_label = UiTheme.label("", "MutedLabel", true)
	_body.add_child(_description_label)
	var goal_card: PanelContainer = UiTheme.card(true)
	_body.add_child(goal_card)
	_goal_label = UiTheme.label("", "", true)
	goal_card.add_child(_goal_label)
	_debrief_button = UiTheme.button("How did I do?  (F2)", "Ask everyone you talked with for their feedback")
	_debrief_button.pressed.connect(request_debrief)
	_body.add_child(_debrief_button)

	_feedback_box = UiTheme.vbox(_body, 8)
	_feedback_box.size_flags_vertical = Control.SIZE_EXPAND_FILL
	_feedback_box.add_child(HSeparator.new())
	var feedback_header: HBoxContainer = HBoxContainer.new()
	_feedback_box.add_child(feedback_header)
	var section: Label = UiTheme.label("HOW YOU DID", "SectionLabel")
	section.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	feedback_header.add_child(section)
	feedback_header.add_child(UiTheme.close_button("Close the feedback (Esc)", close_feedback))
	_feedback_status = UiTheme.label("", "MutedLabel", true)
	_feedback_box.add_child(_feedback_status)
	_feedback_list = UiTheme.scroll_list(_feedback_box, 8)
	_feedback_scroll = _feedback_list.get_parent()


func _render_feedback() -> void:
	UiTheme.free_children(_feedback_list)
	for item: Dictionary in _feedback:
		var card: PanelContainer = UiTheme.card()
		_feedback_list.add_child(card)
		var box: VBoxContainer = UiTheme.vbox(card)
		var row: HBoxContainer = HBoxContainer.new()
		box.add_child(row)
		var who: Label = UiTheme.label(str(item["name"]))
		who.size_flags_horizontal = Control.SIZE_EXPAND_FILL
		who.text_overrun_behavior = TextServer.OVERRUN_TRIM_ELLIPSIS
		var color: Color = UiTheme.ACCENT
		if _color_of.is_valid():
			var picked: Variant = _color_of.call(str(item["agent_id"]))
			if picked is Color:
				color = picked
		if color.get_luminance() < MIN_NAME_LUMINANCE:
			color = color.lightened(0.45)  # A dark shirt colour, readable on the dark panel.
		who.add_theme_color_override("font_color", color)
		row.add_child(who)
		var lines: int = int(item["lines_exchanged"])
		row.add_child(UiTheme.label("%d line%s exchanged" % [lines, "" if lines == 1 else "s"], "MutedLabel"))
		var words: Label = UiTheme.label("“%s”" % str(item["feedback"]), "", true)
		box.add_child(words)
		var memories: Array = item["memories_used"]
		if not memories.is_empty():
			var tips: PackedStringArray = PackedStringArray()
			for memory: Variant in memories.slice(0, MAX_MEMORY_TIPS):
				tips.append("• " + str(memory))
			card.tooltip_text = "What %s remembered:\n%s" % [str(item["name"]).get_slice(" ", 0), "\n".join(tips)]
	_apply_layout()
