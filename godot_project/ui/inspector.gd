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
##   show_inspection(message)    shows an AgentInspection dict as is (no fetching).
##   hide_inspector()            hides it and stops refreshing; emits closed(agent_id).
##   is_showing() -> bool, shown_agent() -> String
##   inspection() -> Dictionary  the AgentInspection shown ({} before the first).
##   refresh_now()               asks InspectAgent now (unless a request is in flight).
##   set_town(town_data), set_name_of(Callable id -> name), set_game_time_source(Callable)
##   select_tab(index)           0 Now, 1 Plan, 2 Memories, 3 Decision, 4 Reflections, 5 Talks.
##   client                      the AgentClient node to use (default: the autoload).
## Signals: refreshed(agent_id), refresh_failed(agent_id, error), closed(agent_id).
## Escape closes it (when nothing else took the key first).

signal refreshed(agent_id: String)
signal refresh_failed(agent_id: String, error: Dictionary)
signal closed(agent_id: String)

const UiTheme: GDScript = preload("res://ui/theme.gd")
const InputActions: GDScript = preload("res://player/input_actions.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const REFRESH_INTERVAL_MS: int = 2000
const REQUEST_TIMEOUT_S: float = 10.0
const WIDTH: float = 450.0
const TOP: float = 64.0
const MARGIN: float = 16.0
const HINTS_HEIGHT: float = 34.0
const MAX_MEMORIES: int = 30
const TAB_NAMES: PackedStringArray = ["Now", "Plan", "Memories", "Decision", "Reflections", "Talks"]
const KIND_COLORS: Dictionary = {
	"observation": Color(0.55, 0.75, 1.0),
	"plan": Color(0.75, 0.6, 1.0),
	"dialogue": Color(0.45, 0.85, 0.6),
	"reflection": Color(1.0, 0.7, 0.4),
}

## The AgentClient to ask; null means the "AgentClient" autoload.
var client: AgentClientScript = null

var _agent_id: String = ""
var _inspection: Dictionary = {}
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
		_inspection = {}
		_agent_id = agent_id
		_render()
		_set_status("Loading…", false)
	visible = true
	_auto_refresh = true
	refresh_now()


func show_inspection(message: Dictionary) -> void:
	_inspection = message
	_agent_id = str(message.get("agent", {}).get("id", _agent_id))
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


func inspection() -> Dictionary:
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
	var payload: Dictionary = reply.get("payload", {})
	_set_status("", false)
	if payload != _inspection:
		_inspection = payload
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
	var agent: Dictionary = _inspection.get("agent", {})
	var display_name: String = str(agent.get("name", _agent_id))
	_title.text = display_name
	_swatch.add_theme_color_override("font_color", UiTheme.color_from_hex(str(agent.get("color", "")), UiTheme.ACCENT))
	var state: Dictionary = _inspection.get("state", {})
	var place_id: String = str(state.get("placeId", ""))
	if _inspection.is_empty():
		_subtitle.text = ""
	else:
		_subtitle.text = ("walking · " if state.get("moving", false) else "") + ("at " + _place(place_id) if not place_id.is_empty() else "outdoors")
	var scroll_positions: Array[int] = []
	for scroll: ScrollContainer in _scrolls:
		scroll_positions.append(scroll.scroll_vertical)
	for page: VBoxContainer in _pages:
		UiTheme.free_children(page)
	if _inspection.is_empty():
		return
	_render_now(_pages[0])
	_render_plan(_pages[1])
	_render_memories(_pages[2])
	_render_decision(_pages[3])
	_render_reflections(_pages[4])
	_render_conversations(_pages[5])
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


# ---- tabs --------------------------------------------------------------------

func _render_now(page: VBoxContainer) -> void:
	var current: Dictionary = _inspection.get("current", {})
	var activity: Dictionary = current.get("activity", {})
	var card: PanelContainer = UiTheme.card(true)
	page.add_child(card)
	var box: VBoxContainer = UiTheme.vbox(card)
	box.add_child(UiTheme.label("Doing now", "SectionLabel"))
	if current.is_empty():
		box.add_child(UiTheme.label("Nothing yet: waiting for a decision.", "MutedLabel"))
	else:
		var emoji: String = str(activity.get("emoji", ""))
		var what: String = str(activity.get("description", "—"))
		var line: Label = UiTheme.label(("%s  %s" % [emoji, what]).strip_edges(), "TitleLabel", true)
		box.add_child(line)
		var move_to: Dictionary = current.get("moveTo", {})
		var details: PackedStringArray = PackedStringArray()
		if not move_to.is_empty():
			details.append("at " + _place(str(move_to.get("placeId", ""))))
		var minutes: int = int(activity.get("durationMinutes", 0))
		var since: String = "since %s" % UiTheme.clock_hhmm(float(current.get("issuedAt", 0)))
		details.append("for %d min, %s" % [minutes, since] if minutes > 0 else since)
		box.add_child(UiTheme.label("\n".join(details), "", true))
		var reason: String = str(current.get("reason", ""))
		if not reason.is_empty():
			box.add_child(UiTheme.label("because " + reason, "MutedLabel", true))

	var summary: String = str(_inspection.get("summary", ""))
	if not summary.is_empty():
		page.add_child(UiTheme.label("Who they are", "SectionLabel"))
		page.add_child(UiTheme.label(summary, "", true))
	var persona: String = str(_inspection.get("agent", {}).get("persona", ""))
	if not persona.is_empty():
		page.add_child(UiTheme.label("Seed persona", "SectionLabel"))
		page.add_child(UiTheme.label(persona, "MutedLabel", true))
	var perceptions: Array = _inspection.get("state", {}).get("perceptions", [])
	if not perceptions.is_empty():
		page.add_child(UiTheme.label("Sees", "SectionLabel"))
		var seen: PackedStringArray = PackedStringArray()
		for perception: Dictionary in perceptions:
			var distance: float = float(perception.get("distance", 0.0))
			if perception.has("agent"):
				var other: Dictionary = perception["agent"]
				var doing: String = str(other.get("activity", ""))
				seen.append("• %s%s (%.0f m)" % [_name(str(other.get("agentId", ""))), ", " + doing if not doing.is_empty() else "", distance])
			elif perception.has("object"):
				var thing: Dictionary = perception["object"]
				var thing_id: String = str(thing.get("placeId", ""))
				var thing_name: String = _town.place_name(thing_id) if _town != null else thing_id
				seen.append("• %s: %s (%.0f m)" % [thing_name, thing.get("state", "idle"), distance])
		page.add_child(UiTheme.label("\n".join(seen), "", true))


func _render_plan(page: VBoxContainer) -> void:
	var now: float = _now()
	page.add_child(UiTheme.label("Today", "SectionLabel"))
	_plan_rows(page, _inspection.get("dayPlan", []), _current_index(_inspection.get("dayPlan", []), now), false)
	page.add_child(UiTheme.label("Hour by hour", "SectionLabel"))
	_plan_rows(page, _inspection.get("hourlyPlan", []), _current_index(_inspection.get("hourlyPlan", []), now), false)
	page.add_child(UiTheme.label("This hour, step by step", "SectionLabel"))
	_plan_rows(page, _inspection.get("actions", []), int(_inspection.get("currentActionIndex", -1)), true)


func _plan_rows(page: VBoxContainer, items: Array, current: int, with_places: bool) -> void:
	if items.is_empty():
		page.add_child(UiTheme.label("(nothing planned)", "MutedLabel"))
		return
	for i: int in items.size():
		var item: Dictionary = items[i]
		var is_current: bool = i == current
		var row: HBoxContainer = HBoxContainer.new()
		var holder: Control = row
		if is_current:
			var highlight: PanelContainer = UiTheme.card(true)
			highlight.add_child(row)
			holder = highlight
		page.add_child(holder)
		var marker: Label = UiTheme.label("▶" if is_current else " ", "")
		marker.custom_minimum_size = Vector2(14, 0)
		marker.add_theme_color_override("font_color", UiTheme.ACCENT)
		row.add_child(marker)
		var time_label: Label = UiTheme.label(UiTheme.clock_hhmm(float(item.get("startTime", 0))), "MutedLabel")
		time_label.custom_minimum_size = Vector2(44, 0)
		time_label.size_flags_vertical = Control.SIZE_SHRINK_BEGIN
		row.add_child(time_label)
		var text: String = str(item.get("description", ""))
		var minutes: int = int(item.get("durationMinutes", 0))
		var suffix: String = " (%d min)" % minutes if minutes > 0 else ""
		var place_id: String = str(item.get("placeId", ""))
		if with_places and not place_id.is_empty():
			suffix += "\nat " + _place(place_id)
		var body: Label = UiTheme.label(text + suffix, "", true)
		body.size_flags_horizontal = Control.SIZE_EXPAND_FILL
		if is_current:
			body.add_theme_color_override("font_color", Color.WHITE)
		row.add_child(body)


func _render_memories(page: VBoxContainer) -> void:
	var memories: Array = _inspection.get("recentMemories", [])
	if memories.is_empty():
		page.add_child(UiTheme.label("(no memories yet)", "MutedLabel"))
		return
	page.add_child(UiTheme.label("Latest memories, newest first · bar = importance (1-10)", "MutedLabel", true))
	for i: int in mini(memories.size(), MAX_MEMORIES):
		page.add_child(_memory_card(memories[i]))


func _render_decision(page: VBoxContainer) -> void:
	var scored: Array = _inspection.get("lastRetrieval", [])
	if scored.is_empty():
		page.add_child(UiTheme.label("(no decision retrieved memories yet)", "MutedLabel"))
		return
	page.add_child(UiTheme.label("The memories the last decision drew on, best first. Each component is normalised to 0-1; the score is their weighted sum.", "MutedLabel", true))
	var top: float = 3.0
	for entry: Dictionary in scored:
		top = maxf(top, float(entry.get("score", 0.0)))
	for entry: Dictionary in scored:
		var memory: Dictionary = entry.get("memory", {})
		var card: PanelContainer = UiTheme.card()
		page.add_child(card)
		var box: VBoxContainer = UiTheme.vbox(card)
		var head: HBoxContainer = HBoxContainer.new()
		box.add_child(head)
		head.add_child(UiTheme.kind_badge(str(memory.get("kind", "")), KIND_COLORS))
		var when: Label = UiTheme.label(_day_time(float(memory.get("createdAt", 0))), "MutedLabel")
		when.size_flags_horizontal = Control.SIZE_EXPAND_FILL
		head.add_child(when)
		var score: Label = UiTheme.label("score %.2f" % float(entry.get("score", 0.0)), "")
		score.add_theme_color_override("font_color", UiTheme.SCORE)
		head.add_child(score)
		box.add_child(UiTheme.label(str(memory.get("description", "")), "", true))
		var grid: GridContainer = GridContainer.new()
		grid.columns = 6
		grid.add_theme_constant_override("h_separation", 6)
		box.add_child(grid)
		for component: Array in [["recency", UiTheme.RECENCY], ["importance", UiTheme.IMPORTANCE], ["relevance", UiTheme.RELEVANCE]]:
			var value: float = float(entry.get(str(component[0]), 0.0))
			grid.add_child(UiTheme.label(str(component[0]), "MutedLabel"))
			grid.add_child(UiTheme.bar(value, 1.0, component[1], 48.0))
			var number: Label = UiTheme.label("%.2f" % value, "MutedLabel")
			number.custom_minimum_size = Vector2(34, 0)
			grid.add_child(number)
		var score_row: HBoxContainer = HBoxContainer.new()
		box.add_child(score_row)
		var score_name: Label = UiTheme.label("score", "MutedLabel")
		score_row.add_child(score_name)
		var score_bar: ProgressBar = UiTheme.bar(float(entry.get("score", 0.0)), top, UiTheme.SCORE, 0.0)
		score_bar.size_flags_horizontal = Control.SIZE_EXPAND_FILL
		score_row.add_child(score_bar)


func _render_reflections(page: VBoxContainer) -> void:
	var reflections: Array = _inspection.get("reflections", [])
	if reflections.is_empty():
		page.add_child(UiTheme.label("(no reflections yet: they come once enough important things have happened)", "MutedLabel", true))
		return
	for memory: Dictionary in reflections:
		page.add_child(_memory_card(memory))


func _render_conversations(page: VBoxContainer) -> void:
	var conversations: Array = _inspection.get("conversations", [])
	if conversations.is_empty():
		page.add_child(UiTheme.label("(no conversations yet)", "MutedLabel"))
		return
	for conversation: Dictionary in conversations:
		var card: PanelContainer = UiTheme.card()
		page.add_child(card)
		var box: VBoxContainer = UiTheme.vbox(card)
		var others: PackedStringArray = PackedStringArray()
		for participant: String in conversation.get("participantIds", []):
			if participant != _agent_id:
				others.append(_name(participant))
		box.add_child(UiTheme.label("with " + (", ".join(others) if not others.is_empty() else "no one"), "SectionLabel", true))
		var started: float = float(conversation.get("startedAt", 0))
		var ended: float = float(conversation.get("endedAt", 0))
		var span: String = _day_time(started) + (" – " + UiTheme.clock_hhmm(ended) if ended > 0.0 else " · going on")
		box.add_child(UiTheme.label(span, "MutedLabel"))
		var summary: String = str(conversation.get("summary", ""))
		if not summary.is_empty():
			var summary_label: Label = UiTheme.label(summary, "MutedLabel", true)
			box.add_child(summary_label)
		var lines: Array = conversation.get("lines", [])
		if lines.is_empty():
			continue
		var shown: Array = []
		for line: Dictionary in lines:
			var speaker: String = str(line.get("speakerId", ""))
			var color: Color = UiTheme.ACCENT if speaker == _agent_id else (UiTheme.PLAYER if speaker == AgentClientScript.PLAYER_ID else UiTheme.RELEVANCE)
			shown.append([_name(speaker), line.get("text", ""), color])
		box.add_child(UiTheme.transcript(shown))


# ---- pieces ------------------------------------------------------------------

func _memory_card(memory: Dictionary) -> PanelContainer:
	var card: PanelContainer = UiTheme.card()
	var box: VBoxContainer = UiTheme.vbox(card)
	box.add_child(UiTheme.memory_head(str(memory.get("kind", "")), KIND_COLORS,
		_day_time(float(memory.get("createdAt", 0))), int(memory.get("importance", 0))))
	box.add_child(UiTheme.label(str(memory.get("description", "")), "", true))
	var evidence: Array = memory.get("evidenceIds", [])
	if not evidence.is_empty():
		box.add_child(UiTheme.label("rests on %d memor%s" % [evidence.size(), "y" if evidence.size() == 1 else "ies"], "MutedLabel"))
	return card


func _place(place_id: String) -> String:
	if place_id.is_empty():
		return "somewhere"
	if _town != null and _town.has_place(place_id):
		return _town.path_name(place_id)
	return place_id


func _name(agent_id: String) -> String:
	if _name_of.is_valid():
		var found: String = str(_name_of.call(agent_id))
		if not found.is_empty():
			return found
	if agent_id == str(_inspection.get("agent", {}).get("id", "")):
		return str(_inspection.get("agent", {}).get("name", agent_id))
	if agent_id == AgentClientScript.PLAYER_ID:
		return "Player"
	return agent_id


# Game time: the clock's when it has one, else the newest time the inspection knows.
func _now() -> float:
	if _game_time_source.is_valid():
		return float(_game_time_source.call())
	var latest: float = float(_inspection.get("current", {}).get("issuedAt", 0))
	for memory: Dictionary in _inspection.get("recentMemories", []):
		latest = maxf(latest, float(memory.get("createdAt", 0)))
	return latest


# The last item that has started by now, or -1.
static func _current_index(items: Array, now: float) -> int:
	var found: int = -1
	for i: int in items.size():
		var item: Dictionary = items[i]
		if float(item.get("startTime", 0)) <= now:
			found = i
	if found >= 0:
		var last: Dictionary = items[found]
		var ends: float = float(last.get("startTime", 0)) + 60.0 * float(last.get("durationMinutes", 0))
		if ends <= now and found == items.size() - 1:
			return -1
	return found


static func _day_time(game_seconds: float) -> String:
	return "Day %d %s" % [floori(game_seconds / UiTheme.SECONDS_PER_DAY) + 1, UiTheme.clock_hhmm(game_seconds)]
