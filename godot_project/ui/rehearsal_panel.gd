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
## The feedback's section (its state, its line, the cards) is ui/rehearsal_feedback.gd,
## which this panel owns; the panel asks the server, folds, hides and sizes it.

signal debrief_started
signal debrief_finished(feedback: Array, error: Dictionary)
signal collapsed_changed(collapsed: bool)

const UiTheme: GDScript = preload("res://ui/theme.gd")
const InputActions: GDScript = preload("res://player/input_actions.gd")
const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const CharacterFeedback: GDScript = preload("res://addons/simulacra/messages/character_feedback.gd")
const DebriefResponse: GDScript = preload("res://addons/simulacra/messages/debrief_response.gd")
const RehearsalFeedback: GDScript = preload("res://ui/rehearsal_feedback.gd")
const WIDTH: float = 390.0
const TOP: float = 64.0
const MARGIN: float = 16.0
const HINTS_HEIGHT: float = 34.0
## One answer per character from the model: seconds, not milliseconds.
const DEBRIEF_TIMEOUT_S: float = 120.0
const NOTHING_YET: String = RehearsalFeedback.NOTHING_YET
const MAX_MEMORY_TIPS: int = RehearsalFeedback.MAX_MEMORY_TIPS
const MIN_NAME_LUMINANCE: float = RehearsalFeedback.MIN_NAME_LUMINANCE
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
var _request_serial: int = 0
var _fit_queued: bool = false
var _fitting: bool = false

var _title: Label = null
var _collapse_button: Button = null
var _body: VBoxContainer = null
var _description_label: Label = null
var _goal_label: Label = null
var _debrief_button: Button = null
# The feedback: its state, its line and its cards.
var _feedback: RehearsalFeedback = null


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
	_feedback.list.minimum_size_changed.connect(_queue_fit)
	_apply_layout()


func _ready() -> void:
	get_viewport().size_changed.connect(_queue_fit)


func _process(_delta: float) -> void:
	_feedback.tick()


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
	_feedback.name_of = name_of


func set_color_of(color_of: Callable) -> void:
	_feedback.color_of = color_of


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
	if not is_rehearsal() or _feedback.state == "waiting":
		return
	set_collapsed(false)
	_request_serial += 1
	var serial: int = _request_serial
	_feedback.show_waiting()
	_apply_layout()
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
	_feedback.show_feedback(feedback)
	_apply_layout()


func show_error(error: Dictionary) -> void:
	_request_serial += 1
	_feedback.show_error(error)
	_apply_layout()


func close_feedback() -> void:
	_request_serial += 1  # A reply still on its way is no longer wanted.
	_feedback.close()
	_apply_layout()


func is_feedback_open() -> bool:
	return _feedback.is_open()


func feedback_state() -> String:
	return _feedback.state


func feedback_message() -> String:
	return _feedback.message


func shown_feedback() -> Array[Dictionary]:
	return _feedback.shown()


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
		"feedback_state": _feedback.state,
		"feedback_message": _feedback.message,
		"feedback": shown_feedback(),
		"rect": [position.x, position.y, size.x, size.y],
	}


func _client() -> AgentClientScript:
	if client != null:
		return client
	return get_tree().root.get_node("AgentClient") as AgentClientScript


# ---- layout ------------------------------------------------------------------

# Shown only in a rehearsal and when not covered; with the feedback open, the
# description makes room for it.
func _apply_layout() -> void:
	visible = is_rehearsal() and not _covered
	_body.visible = not _collapsed
	_collapse_button.text = "▸" if _collapsed else "▾"
	_collapse_button.tooltip_text = "Show the goal (G)" if _collapsed else "Hide the goal (G)"
	var open: bool = is_feedback_open() and not _collapsed
	_feedback.visible = open
	_description_label.visible = not _description.is_empty() and not open
	_debrief_button.disabled = _feedback.state == "waiting"
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
	var scroll: ScrollContainer = _feedback.scroll
	if scroll.is_visible_in_tree():
		var rest: float = get_combined_minimum_size().y - scroll.custom_minimum_size.y
		var room: float = get_viewport_rect().size.y - TOP - MARGIN - HINTS_HEIGHT - rest
		list_height = clampf(_feedback.list.get_combined_minimum_size().y, 0.0, maxf(room, MIN_LIST_HEIGHT))
	if absf(scroll.custom_minimum_size.y - list_height) > 0.5:
		scroll.custom_minimum_size.y = list_height
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

	_feedback = RehearsalFeedback.new(close_feedback)
	_body.add_child(_feedback)
