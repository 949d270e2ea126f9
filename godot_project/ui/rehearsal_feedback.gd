extends VBoxContainer
## The feedback section of a rehearsal's panel (ui/rehearsal_panel.gd), and what it
## shows: under a rule and a "HOW YOU DID" header with a close button, a line (the
## wait, "talk to someone first", an error) over a scrolling list of one card per
## character: the name in their colour, how many lines you exchanged, their words, and
## a tooltip with the memories they drew on. The panel owns it, asks the server for
## the feedback, shows or hides it and sizes its list (list, scroll); this holds its
## state: "" (closed), "waiting", "shown", "empty" or "error", its message and the
## feedback shown (one Dictionary per character).
##
##   var feedback: RehearsalFeedback = RehearsalFeedback.new(close_feedback)
##   body.add_child(feedback)
##   feedback.show_waiting()                 # then, each frame, feedback.tick()
##   feedback.show_feedback(debrief.feedback)   # CharacterFeedback messages

const UiTheme: GDScript = preload("res://ui/theme.gd")
const CharacterFeedback: GDScript = preload("res://addons/simulacra/messages/character_feedback.gd")
const NOTHING_YET: String = "Talk to someone first: feedback comes from the people you have talked with."
const MAX_MEMORY_TIPS: int = 5
const MIN_NAME_LUMINANCE: float = 0.5

## Agent id -> the name to show (an invalid Callable, or "", shows the id).
var name_of: Callable = Callable()
## Agent id -> the Color of their name (invalid, or not a Color: the accent).
var color_of: Callable = Callable()
## "" (closed), "waiting", "shown", "empty" (nobody talked to yet) or "error".
var state: String = ""
## The line shown above the cards, "" when none.
var message: String = ""
## The cards' list, in scroll, a ScrollContainer.
var list: VBoxContainer = null
var scroll: ScrollContainer = null

var _items: Array[Dictionary] = []
var _waiting_since_ms: int = 0
var _shown_wait_s: int = -1
var _status: Label = null


## on_close: called by the close button.
func _init(on_close: Callable) -> void:
	add_theme_constant_override("separation", 8)
	size_flags_vertical = Control.SIZE_EXPAND_FILL
	add_child(HSeparator.new())
	var header: HBoxContainer = HBoxContainer.new()
	add_child(header)
	var section: Label = UiTheme.label("HOW YOU DID", "SectionLabel")
	section.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	header.add_child(section)
	header.add_child(UiTheme.close_button("Close the feedback (Esc)", on_close))
	_status = UiTheme.label("", "MutedLabel", true)
	add_child(_status)
	list = UiTheme.scroll_list(self, 8)
	scroll = list.get_parent()


func is_open() -> bool:
	return not state.is_empty()


## Waiting for the answers: the message counts the seconds (see tick()).
func show_waiting() -> void:
	_items.clear()
	state = "waiting"
	_waiting_since_ms = Time.get_ticks_msec()
	_shown_wait_s = 0
	set_message(_waiting_text(0), false)
	render()


## While waiting, says how long it has been (once a second).
func tick() -> void:
	if state != "waiting":
		return
	var waited: int = int((Time.get_ticks_msec() - _waiting_since_ms) / 1000.0)
	if waited != _shown_wait_s:
		_shown_wait_s = waited
		set_message(_waiting_text(waited), false)


## These CharacterFeedback messages, or NOTHING_YET when there are none.
func show_feedback(feedback: Array) -> void:
	_items.clear()
	for item: CharacterFeedback in feedback:
		_items.append({
			"agent_id": item.agent_id,
			"name": _display_name(item.agent_id),
			"feedback": item.feedback.strip_edges(),
			"lines_exchanged": item.lines_exchanged,
			"memories_used": item.memories_used.duplicate(),
		})
	state = "shown" if not _items.is_empty() else "empty"
	set_message("" if not _items.is_empty() else NOTHING_YET, false)
	render()


func show_error(error: Dictionary) -> void:
	_items.clear()
	state = "error"
	var why: String = "%s: %s" % [str(error.get("code", "UNKNOWN")), str(error.get("message", ""))]
	set_message("Could not get feedback: %s" % why, true)
	render()


func close() -> void:
	_items.clear()
	state = ""
	set_message("", false)
	render()


## A copy of what it shows, one Dictionary per character: {"agent_id", "name",
## "feedback", "lines_exchanged", "memories_used"}.
func shown() -> Array[Dictionary]:
	var copy: Array[Dictionary] = []
	for item: Dictionary in _items:
		copy.append(item.duplicate(true))
	return copy


func set_message(text: String, is_error: bool) -> void:
	message = text
	_status.text = text
	_status.visible = not text.is_empty()
	_status.add_theme_color_override("font_color", UiTheme.ERROR if is_error else UiTheme.TEXT_MUTED)


## Draws the cards anew.
func render() -> void:
	UiTheme.free_children(list)
	for item: Dictionary in _items:
		var card: PanelContainer = UiTheme.card()
		list.add_child(card)
		var box: VBoxContainer = UiTheme.vbox(card)
		var row: HBoxContainer = HBoxContainer.new()
		box.add_child(row)
		var who: Label = UiTheme.label(str(item["name"]))
		who.size_flags_horizontal = Control.SIZE_EXPAND_FILL
		who.text_overrun_behavior = TextServer.OVERRUN_TRIM_ELLIPSIS
		var color: Color = UiTheme.ACCENT
		if color_of.is_valid():
			var picked: Variant = color_of.call(str(item["agent_id"]))
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


func _display_name(agent_id: String) -> String:
	if name_of.is_valid():
		var display_name: String = str(name_of.call(agent_id))
		if not display_name.is_empty():
			return display_name
	return agent_id


func _waiting_text(waited_s: int) -> String:
	var text: String = "Asking the people you talked with how it went…"
	return text if waited_s < 2 else "%s %d s" % [text, waited_s]
