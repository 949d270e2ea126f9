extends PanelContainer
## The NPC inspector: what an agent is doing, intends, remembers and last decided,
## from InspectAgent, refreshed every 2 real seconds while shown (at most one request
## in flight). A panel on the right of the screen with six tabs: Now, Plan, Memories,
## Decision (the scored memories of the last retrieval), Reflections, Talks.
##
##   const Inspector: GDScript = preload("res://ui/inspector.gd")
##   var inspector: Inspector = Inspector.new()
##   hud_layer.add_child(inspector)
##   inspector.set_town(town_data)                 # readable place names
##   inspector.set_name_of(func(id: String) -> String: return names.get(id, id))
##   inspector.set_game_time_source(clock.now)     # marks the current plan item
##   inspector.show_agent("isabella")
##
## Public API
##   show_agent(agent_id)        shows the panel and starts refreshing it.
##   show_inspection(message)    shows an AgentInspection as is (no fetching).
##   hide_inspector()            hides it and stops refreshing; emits closed(agent_id).
##   is_showing() -> bool, shown_agent() -> String
##   inspection() -> AgentInspection  the one shown (null before the first).
##   refresh_now()               asks InspectAgent now (unless a request is in flight).
##   set_town(town_data), set_name_of(Callable id -> name), set_game_time_source(Callable)
##   select_tab(index)           0 Now, 1 Plan, 2 Memories, 3 Decision, 4 Reflections, 5 Talks.
##   client                      the AgentClient node to use (default: the autoload).
## Signals: refreshed(agent_id), refresh_failed(agent_id, error), closed(agent_id).
## Escape closes it (when nothing else took the key first).
##
## This script keeps the panel, its tabs and the refreshing; inspector_tabs.gd draws
## what each tab shows.

signal refreshed(agent_id: String)
signal refresh_failed(agent_id: String, error: Dictionary)
signal closed(agent_id: String)

const UiTheme: GDScript = preload("res://ui/theme.gd")
const InputActions: GDScript = preload("res://player/input_actions.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const InspectorTabs: GDScript = preload("res://ui/inspector_tabs.gd")
const AgentInspection: GDScript = preload("res://addons/simulacra/messages/agent_inspection.gd")
const REFRESH_INTERVAL_MS: int = 2000
const REQUEST_TIMEOUT_S: float = 10.0
const WIDTH: float = 450.0
const TOP: float = 64.0
const MARGIN: float = 16.0
const HINTS_HEIGHT: float = 34.0
const MAX_MEMORIES: int = InspectorTabs.MAX_MEMORIES
const TAB_NAMES: PackedStringArray = ["Now", "Plan", "Memories", "Decision", "Reflections", "Talks"]
const KIND_COLORS: Dictionary = InspectorTabs.KIND_COLORS

## The AgentClient to ask; null means the "AgentClient" autoload.
var client: AgentClientScript = null

var _agent_id: String = ""
var _inspection: AgentInspection = null
var _town: TownData = null
var _name_of: Callable = Callable()
var _game_time_source: Callable = Callable()
var _fetching: bool = false
var _auto_refresh: bool = false
var _next_refresh_ms: int = 0

var _swatch: Label = null
var _title: Label = null
var _subtitle: Label = null
var _status: Label = null
var _tabs: TabContainer = null
var _pages: Array[VBoxContainer] = []
var _scrolls: Array[ScrollContainer] = []


func _init() -> void:
	name = "Inspector"
	theme = UiTheme.get_theme()
	visible = false
	UiTheme.dock_right(self, WIDTH, MARGIN, TOP, MARGIN + HINTS_HEIGHT)
	mouse_filter = Control.MOUSE_FILTER_STOP
	_build()


func _process(_delta: float) -> void:
	if visible and _auto_refresh and not _fetching and Time.get_ticks_msec() >= _next_refresh_ms:
		refresh_now()


func _unhandled_input(event: InputEvent) -> void:
	if visible and InputActions.is_escape(event):
		hide_inspector()
		get_viewport().set_input_as_handled()


func show_agent(agent_id: String) -> void:
	if agent_id != _agent_id:
		_inspection = null
		_agent_id = agent_id
		_render()
		_set_status("Loading…", false)
	visible = true
	_auto_refresh = true
	refresh_now()


func show_inspection(message: AgentInspection) -> void:
	_inspection = message
	if not message.agent.id.is_empty():
		_agent_id = message.agent.id
	_auto_refresh = false
	visible = true
	_set_status("", false)
	_render()


func hide_inspector() -> void:
	if not visible:
		return
	visible = false
	_auto_refresh = false
	closed.emit(_agent_id)


func is_showing() -> bool:
	return visible


func shown_agent() -> String:
	return _agent_id if visible else ""


func inspection() -> AgentInspection:
	return _inspection


func set_town(town: TownData) -> void:
	_town = town
	_render()


func set_name_of(name_of: Callable) -> void:
	_name_of = name_of
	_render()


func set_game_time_source(source: Callable) -> void:
	_game_time_source = source


func select_tab(index: int) -> void:
	_tabs.current_tab = clampi(index, 0, TAB_NAMES.size() - 1)


func refresh_now() -> void:
	if _fetching or _agent_id.is_empty() or not is_inside_tree():
		return
	_fetching = true
	var asked_for: String = _agent_id
	var reply: Dictionary = await _client().inspect_agent(asked_for, REQUEST_TIMEOUT_S)
	_fetching = false
	_next_refresh_ms = Time.get_ticks_msec() + REFRESH_INTERVAL_MS
	if asked_for != _agent_id or not visible:
		return
	if not reply.get("ok", false):
		var error: Dictionary = reply.get("error", {})
		_set_status("⚠ %s %s" % [error.get("code", ""), error.get("message", "")], true)
		refresh_failed.emit(asked_for, error)
		return
	var message: AgentInspection = reply["message"]
	_set_status("", false)
	if _inspection == null or message.raw != _inspection.raw:
		_inspection = message
		_render()
	refreshed.emit(asked_for)


func _client() -> AgentClientScript:
	if client != null:
		return client
	return get_tree().root.get_node("AgentClient") as AgentClientScript


func _set_status(text: String, is_error: bool) -> void:
	_status.text = text
	_status.visible = not text.is_empty()
	_status.add_theme_color_override("font_color", UiTheme.ERROR if is_error else UiTheme.TEXT_MUTED)


# ---- layout ------------------------------------------------------------------

func _build() -> void:
	var box: VBoxContainer = UiTheme.vbox(self, 6)
	var header: Array[Label] = UiTheme.person_header(box, hide_inspector)
	_swatch = header[0]
	_title = header[1]
	_subtitle = header[2]

	_status = UiTheme.label("", "MutedLabel")
	_status.autowrap_mode = TextServer.AUTOWRAP_WORD_SMART
	_status.visible = false
	box.add_child(_status)

	_tabs = TabContainer.new()
	_tabs.size_flags_vertical = Control.SIZE_EXPAND_FILL
	_tabs.focus_mode = Control.FOCUS_NONE
	_tabs.get_tab_bar().focus_mode = Control.FOCUS_NONE
	box.add_child(_tabs)
	for tab_name: String in TAB_NAMES:
		var page: VBoxContainer = UiTheme.scroll_list(_tabs, 8, false)
		var scroll: ScrollContainer = page.get_parent()
		scroll.name = tab_name  # The tab's title.
		_scrolls.append(scroll)
		_pages.append(page)


func _render() -> void:
	if _tabs == null:
		return
	var agent_name: String = _inspection.agent.name if _inspection != null else ""
	_title.text = agent_name if not agent_name.is_empty() else _agent_id
	var agent_color: String = _inspection.agent.color if _inspection != null else ""
	_swatch.add_theme_color_override("font_color", UiTheme.color_from_hex(agent_color, UiTheme.ACCENT))
	var scroll_positions: Array[int] = []
	for scroll: ScrollContainer in _scrolls:
		scroll_positions.append(scroll.scroll_vertical)
	for page: VBoxContainer in _pages:
		UiTheme.free_children(page)
	if _inspection == null:
		_subtitle.text = ""
		return
	var tabs: InspectorTabs = InspectorTabs.new(_inspection, _agent_id, _town, _name_of, _game_time_source)
	var place_id: String = _inspection.state.place_id
	_subtitle.text = ("walking · " if _inspection.state.moving else "") \
		+ ("at " + tabs.place(place_id) if not place_id.is_empty() else "outdoors")
	tabs.render(_pages)
	_restore_scrolls(scroll_positions)


# The new pages are laid out (and their scroll ranges known) only on a later frame;
# until then a scroll position would be clamped, so restore it once they are.
func _restore_scrolls(positions: Array[int]) -> void:
	for _frame: int in 2:
		if not is_inside_tree():
			return
		await get_tree().process_frame
	for i: int in _scrolls.size():
		_scrolls[i].scroll_vertical = positions[i]
