extends PanelContainer
## The replay's inspector: one person at the replay's time, from the log alone: name,
## where it is, what it is doing (and the command behind it), its conversation with
## the lines said in it so far, and its latest memories, newest first, with importance.
## A panel on the right of the screen, in the look of the game's inspector (ui/inspector.gd,
## which asks the server instead).
##
##   const ReplayInspector: GDScript = preload("res://replay/replay_inspector.gd")
##   var inspector: ReplayInspector = ReplayInspector.new()
##   ui_layer.add_child(inspector)
##   inspector.show_view(view)      # replay.gd composes it: see agent_view() there
##
## The view is a plain Dictionary: {"id", "name", "color", "place", "walking", "status",
## "command": {"place", "emoji", "doing", "minutes", "reason", "since"} or {},
## "conversation": {"with", "since", "until" (-1: going on), "lines": [{"speaker",
## "mine", "text", "t"}]} or {}, "memories": [{"kind", "text", "importance", "t"}],
## "memory_count"}. Showing the same view again draws nothing new.
## Escape closes it (when nothing else took the key first); closed(agent_id) follows.

signal closed(agent_id: String)

const UiTheme: GDScript = preload("res://ui/theme.gd")
const InputActions: GDScript = preload("res://player/input_actions.gd")
const SimClock: GDScript = preload("res://town/sim_clock.gd")
const MemoryKinds: GDScript = preload("res://common/memory_kinds.gd")
const WIDTH: float = 420.0
const TOP: float = 64.0
const MARGIN: float = 16.0
## Room left at the bottom for the replay's controls.
const BOTTOM: float = 104.0
## Memory kinds' colours, as the replay has keyed them (common/memory_kinds.gd).
const KIND_COLORS: Dictionary = MemoryKinds.COLORS

var _view: Dictionary = {}
var _swatch: Label = null
var _title: Label = null
var _subtitle: Label = null
var _page: VBoxContainer = null


func _init() -> void:
	name = "ReplayInspector"
	theme = UiTheme.get_theme()
	visible = false
	UiTheme.dock_right(self, WIDTH, MARGIN, TOP, BOTTOM)
	mouse_filter = Control.MOUSE_FILTER_STOP
	_build()


func _unhandled_input(event: InputEvent) -> void:
	if visible and InputActions.is_escape(event):
		hide_inspector()
		get_viewport().set_input_as_handled()


## Shows the panel with this view (redrawn only when it differs from the one shown).
func show_view(view: Dictionary) -> void:
	visible = true
	if view == _view:
		return
	_view = view
	_render()


func hide_inspector() -> void:
	if not visible:
		return
	visible = false
	closed.emit(shown_agent_id())
	_view = {}


## The agent shown, even while hidden ("" before the first).
func shown_agent_id() -> String:
	return str(_view.get("id", ""))


## The agent shown; "" when hidden.
func shown_agent() -> String:
	return shown_agent_id() if visible else ""


## The view shown.
func view() -> Dictionary:
	return _view


## The texts of the header: the name and, under it, where the agent is.
func title_text() -> String:
	return _title.text


func subtitle_text() -> String:
	return _subtitle.text


func _build() -> void:
	var box: VBoxContainer = UiTheme.vbox(self, 6)
	var header: Array[Label] = UiTheme.person_header(box, hide_inspector)
	_swatch = header[0]
	_title = header[1]
	_subtitle = header[2]
	_page = UiTheme.scroll_list(box, 8)


func _render() -> void:
	_title.text = str(_view.get("name", ""))
	_swatch.add_theme_color_override("font_color", UiTheme.color_from_hex(str(_view.get("color", "")), UiTheme.ACCENT))
	var place: String = str(_view.get("place", ""))
	_subtitle.text = ("walking · " if bool(_view.get("walking", false)) else "") + \
		("at " + place if not place.is_empty() else "out in the street")
	UiTheme.free_children(_page)
	_render_doing()
	_render_conversation()
	_render_memories()


func _render_doing() -> void:
	var card: PanelContainer = UiTheme.card(true)
	_page.add_child(card)
	var box: VBoxContainer = UiTheme.vbox(card)
	box.add_child(UiTheme.label("Doing now", "SectionLabel"))
	var status: String = str(_view.get("status", ""))
	box.add_child(UiTheme.label(status if not status.is_empty() else "Nothing logged yet", "TitleLabel" if not status.is_empty() else "MutedLabel", true))
	var command: Dictionary = _view.get("command", {})
	if command.is_empty():
		return
	var what: String = ("%s %s" % [str(command.get("emoji", "")), str(command.get("doing", ""))]).strip_edges()
	var details: PackedStringArray = PackedStringArray(["Told to: " + what])
	var place: String = str(command.get("place", ""))
	if not place.is_empty():
		details.append("at " + place)
	var minutes: int = int(command.get("minutes", 0))
	var since: String = "since %s" % SimClock.format_time(float(command.get("since", 0)))
	details.append("for %d min, %s" % [minutes, since] if minutes > 0 else since)
	box.add_child(UiTheme.label("\n".join(details), "", true))
	var reason: String = str(command.get("reason", ""))
	if not reason.is_empty():
		box.add_child(UiTheme.label("because " + reason, "MutedLabel", true))


func _render_conversation() -> void:
	var conversation: Dictionary = _view.get("conversation", {})
	_page.add_child(UiTheme.label("Conversation", "SectionLabel"))
	if conversation.is_empty():
		_page.add_child(UiTheme.label("(no conversation yet)", "MutedLabel"))
		return
	var card: PanelContainer = UiTheme.card()
	_page.add_child(card)
	var box: VBoxContainer = UiTheme.vbox(card)
	var until: float = float(conversation.get("until", -1.0))
	box.add_child(UiTheme.label("with " + str(conversation.get("with", "")), "", true))
	var span: String = SimClock.format_time(float(conversation.get("since", 0)))
	span += " · going on" if until < 0.0 else " – %s, over" % UiTheme.clock_hhmm(until)
	box.add_child(UiTheme.label(span, "MutedLabel"))
	var lines: Array = conversation.get("lines", [])
	if lines.is_empty():
		box.add_child(UiTheme.label("(nothing said yet)", "MutedLabel"))
		return
	var shown: Array = []
	for line: Dictionary in lines:
		var color: Color = UiTheme.ACCENT if bool(line.get("mine", false)) else UiTheme.RELEVANCE
		shown.append([line.get("speaker", ""), line.get("text", ""), color])
	box.add_child(UiTheme.transcript(shown))


func _render_memories() -> void:
	var memories: Array = _view.get("memories", [])
	var count: int = int(_view.get("memory_count", memories.size()))
	_page.add_child(UiTheme.label("Memories (%d), newest first · bar = importance (1-10)" % count, "SectionLabel", true))
	if memories.is_empty():
		_page.add_child(UiTheme.label("(no memories yet)", "MutedLabel"))
		return
	for memory: Dictionary in memories:
		var card: PanelContainer = UiTheme.card()
		_page.add_child(card)
		var box: VBoxContainer = UiTheme.vbox(card)
		box.add_child(UiTheme.memory_head(str(memory.get("kind", "")), KIND_COLORS,
			SimClock.format_time(float(memory.get("t", 0))), int(memory.get("importance", 0))))
		box.add_child(UiTheme.label(str(memory.get("text", "")), "", true))

