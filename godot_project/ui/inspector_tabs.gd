extends RefCounted
## The inspector's six tabs drawn from one AgentInspection: Now (what the agent is
## doing and why, who it is, what it sees), Plan (the day, the hours and this hour's
## steps, the current one marked), Memories (newest first, with importance),
## Decision (the last retrieval's scored memories), Reflections and Talks.
## ui/inspector.gd, which keeps the panel, its tabs and the refreshing, makes one
## per render with what it shows and has it fill the tabs' pages:
##
##     var tabs: InspectorTabs = InspectorTabs.new(inspection, "isabella", town, name_of, clock.now)
##     tabs.render(pages)          # one VBoxContainer per tab, in the order of the tabs
##     tabs.place("hobbs_cafe")    # a place's readable name
##
## Preloaded where it is used, not a class_name (see main/main.gd).

const UiTheme: GDScript = preload("res://ui/theme.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const MemoryKinds: GDScript = preload("res://common/memory_kinds.gd")
const MAX_MEMORIES: int = 30
## Memory kinds' colours, by InspectAgent's kind names (common/memory_kinds.gd).
const KIND_COLORS: Dictionary = MemoryKinds.COLORS

var _inspection: Dictionary = {}
var _agent_id: String = ""
var _town: TownData = null
var _name_of: Callable = Callable()
var _game_time_source: Callable = Callable()


## inspection: the AgentInspection of agent_id; town (or null) names the places,
## name_of (id -> name, or an invalid Callable) the agents, and game_time_source
## (game seconds, or an invalid Callable) tells which plan item is current.
func _init(inspection: Dictionary, agent_id: String, town: TownData, name_of: Callable,
		game_time_source: Callable) -> void:
	_inspection = inspection
	_agent_id = agent_id
	_town = town
	_name_of = name_of
	_game_time_source = game_time_source


## Fills pages, one per tab (Now, Plan, Memories, Decision, Reflections, Talks).
func render(pages: Array[VBoxContainer]) -> void:
	_render_now(pages[0])
	_render_plan(pages[1])
	_render_memories(pages[2])
	_render_decision(pages[3])
	_render_reflections(pages[4])
	_render_conversations(pages[5])


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
			details.append("at " + place(str(move_to.get("placeId", ""))))
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
			suffix += "\nat " + place(place_id)
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


## A place's name as the town reads it ("Hobbs Cafe > counter"), its id when the
## town does not know it, "somewhere" for none.
func place(place_id: String) -> String:
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
