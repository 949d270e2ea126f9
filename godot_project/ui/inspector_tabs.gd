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
const AgentInspection: GDScript = preload("res://addons/simulacra/messages/agent_inspection.gd")
const AgentCommand: GDScript = preload("res://addons/simulacra/messages/agent_command.gd")
const Activity: GDScript = preload("res://addons/simulacra/messages/activity.gd")
const Perception: GDScript = preload("res://addons/simulacra/messages/perception.gd")
const PlanItem: GDScript = preload("res://addons/simulacra/messages/plan_item.gd")
const MemoryView: GDScript = preload("res://addons/simulacra/messages/memory_view.gd")
const ScoredMemory: GDScript = preload("res://addons/simulacra/messages/scored_memory.gd")
const ConversationView: GDScript = preload("res://addons/simulacra/messages/conversation_view.gd")
const Utterance: GDScript = preload("res://addons/simulacra/messages/utterance.gd")
const MAX_MEMORIES: int = 30
## Memory kinds' colours, by InspectAgent's kind names (common/memory_kinds.gd).
const KIND_COLORS: Dictionary = MemoryKinds.COLORS

var _inspection: AgentInspection = null
var _agent_id: String = ""
var _town: TownData = null
var _name_of: Callable = Callable()
var _game_time_source: Callable = Callable()


## inspection: the AgentInspection of agent_id; town (or null) names the places,
## name_of (id -> name, or an invalid Callable) the agents, and game_time_source
## (game seconds, or an invalid Callable) tells which plan item is current.
func _init(inspection: AgentInspection, agent_id: String, town: TownData, name_of: Callable,
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
	var current: AgentCommand = _inspection.current
	var card: PanelContainer = UiTheme.card(true)
	page.add_child(card)
	var box: VBoxContainer = UiTheme.vbox(card)
	box.add_child(UiTheme.label("Doing now", "SectionLabel"))
	if current == null:
		box.add_child(UiTheme.label("Nothing yet: waiting for a decision.", "MutedLabel"))
	else:
		var activity: Activity = current.activity if current.activity != null else Activity.new()
		var what: String = activity.description if not activity.description.is_empty() else "—"
		var line: Label = UiTheme.label(("%s  %s" % [activity.emoji, what]).strip_edges(), "TitleLabel", true)
		box.add_child(line)
		var details: PackedStringArray = PackedStringArray()
		if current.move_to != null:
			details.append("at " + place(current.move_to.place_id))
		var minutes: int = activity.duration_minutes
		var since: String = "since %s" % UiTheme.clock_hhmm(float(current.issued_at))
		details.append("for %d min, %s" % [minutes, since] if minutes > 0 else since)
		box.add_child(UiTheme.label("\n".join(details), "", true))
		if not current.reason.is_empty():
			box.add_child(UiTheme.label("because " + current.reason, "MutedLabel", true))

	if not _inspection.summary.is_empty():
		page.add_child(UiTheme.label("Who they are", "SectionLabel"))
		page.add_child(UiTheme.label(_inspection.summary, "", true))
	var persona: String = _inspection.agent.persona
	if not persona.is_empty():
		page.add_child(UiTheme.label("Seed persona", "SectionLabel"))
		page.add_child(UiTheme.label(persona, "MutedLabel", true))
	var perceptions: Array[Perception] = _inspection.state.perceptions
	if not perceptions.is_empty():
		page.add_child(UiTheme.label("Sees", "SectionLabel"))
		var seen: PackedStringArray = PackedStringArray()
		for perception: Perception in perceptions:
			var distance: float = perception.distance
			if perception.agent != null:
				var doing: String = perception.agent.activity
				seen.append("• %s%s (%.0f m)" % [_name(perception.agent.agent_id), ", " + doing if not doing.is_empty() else "", distance])
			elif perception.object != null:
				var thing_id: String = perception.object.place_id
				var thing_name: String = _town.place_name(thing_id) if _town != null else thing_id
				var state: String = perception.object.state if not perception.object.state.is_empty() else "idle"
				seen.append("• %s: %s (%.0f m)" % [thing_name, state, distance])
		page.add_child(UiTheme.label("\n".join(seen), "", true))


func _render_plan(page: VBoxContainer) -> void:
	var now: float = _now()
	page.add_child(UiTheme.label("Today", "SectionLabel"))
	_plan_rows(page, _inspection.day_plan, _current_index(_inspection.day_plan, now), false)
	page.add_child(UiTheme.label("Hour by hour", "SectionLabel"))
	_plan_rows(page, _inspection.hourly_plan, _current_index(_inspection.hourly_plan, now), false)
	page.add_child(UiTheme.label("This hour, step by step", "SectionLabel"))
	_plan_rows(page, _inspection.actions, _inspection.current_action_index, true)


func _plan_rows(page: VBoxContainer, items: Array[PlanItem], current: int, with_places: bool) -> void:
	if items.is_empty():
		page.add_child(UiTheme.label("(nothing planned)", "MutedLabel"))
		return
	for i: int in items.size():
		var item: PlanItem = items[i]
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
		var time_label: Label = UiTheme.label(UiTheme.clock_hhmm(float(item.start_time)), "MutedLabel")
		time_label.custom_minimum_size = Vector2(44, 0)
		time_label.size_flags_vertical = Control.SIZE_SHRINK_BEGIN
		row.add_child(time_label)
		var minutes: int = item.duration_minutes
		var suffix: String = " (%d min)" % minutes if minutes > 0 else ""
		if with_places and not item.place_id.is_empty():
			suffix += "\nat " + place(item.place_id)
		var body: Label = UiTheme.label(item.description + suffix, "", true)
		body.size_flags_horizontal = Control.SIZE_EXPAND_FILL
		if is_current:
			body.add_theme_color_override("font_color", Color.WHITE)
		row.add_child(body)


func _render_memories(page: VBoxContainer) -> void:
	var memories: Array[MemoryView] = _inspection.recent_memories
	if memories.is_empty():
		page.add_child(UiTheme.label("(no memories yet)", "MutedLabel"))
		return
	page.add_child(UiTheme.label("Latest memories, newest first · bar = importance (1-10)", "MutedLabel", true))
	for i: int in mini(memories.size(), MAX_MEMORIES):
		page.add_child(_memory_card(memories[i]))


func _render_decision(page: VBoxContainer) -> void:
	var scored: Array[ScoredMemory] = _inspection.last_retrieval
	if scored.is_empty():
		page.add_child(UiTheme.label("(no decision retrieved memories yet)", "MutedLabel"))
		return
	page.add_child(UiTheme.label("The memories the last decision drew on, best first. Each component is normalised to 0-1; the score is their weighted sum.", "MutedLabel", true))
	var top: float = 3.0
	for entry: ScoredMemory in scored:
		top = maxf(top, entry.score)
	for entry: ScoredMemory in scored:
		var memory: MemoryView = entry.memory
		var card: PanelContainer = UiTheme.card()
		page.add_child(card)
		var box: VBoxContainer = UiTheme.vbox(card)
		var head: HBoxContainer = HBoxContainer.new()
		box.add_child(head)
		head.add_child(UiTheme.kind_badge(memory.kind, KIND_COLORS))
		var when: Label = UiTheme.label(_day_time(float(memory.created_at)), "MutedLabel")
		when.size_flags_horizontal = Control.SIZE_EXPAND_FILL
		head.add_child(when)
		var score: Label = UiTheme.label("score %.2f" % entry.score, "")
		score.add_theme_color_override("font_color", UiTheme.SCORE)
		head.add_child(score)
		box.add_child(UiTheme.label(memory.description, "", true))
		var grid: GridContainer = GridContainer.new()
		grid.columns = 6
		grid.add_theme_constant_override("h_separation", 6)
		box.add_child(grid)
		for component: Array in [["recency", UiTheme.RECENCY, entry.recency], ["importance", UiTheme.IMPORTANCE, entry.importance],
				["relevance", UiTheme.RELEVANCE, entry.relevance]]:
			var value: float = component[2]
			grid.add_child(UiTheme.label(str(component[0]), "MutedLabel"))
			grid.add_child(UiTheme.bar(value, 1.0, component[1], 48.0))
			var number: Label = UiTheme.label("%.2f" % value, "MutedLabel")
			number.custom_minimum_size = Vector2(34, 0)
			grid.add_child(number)
		var score_row: HBoxContainer = HBoxContainer.new()
		box.add_child(score_row)
		var score_name: Label = UiTheme.label("score", "MutedLabel")
		score_row.add_child(score_name)
		var score_bar: ProgressBar = UiTheme.bar(entry.score, top, UiTheme.SCORE, 0.0)
		score_bar.size_flags_horizontal = Control.SIZE_EXPAND_FILL
		score_row.add_child(score_bar)


func _render_reflections(page: VBoxContainer) -> void:
	var reflections: Array[MemoryView] = _inspection.reflections
	if reflections.is_empty():
		page.add_child(UiTheme.label("(no reflections yet: they come once enough important things have happened)", "MutedLabel", true))
		return
	for memory: MemoryView in reflections:
		page.add_child(_memory_card(memory))


func _render_conversations(page: VBoxContainer) -> void:
	var conversations: Array[ConversationView] = _inspection.conversations
	if conversations.is_empty():
		page.add_child(UiTheme.label("(no conversations yet)", "MutedLabel"))
		return
	for conversation: ConversationView in conversations:
		var card: PanelContainer = UiTheme.card()
		page.add_child(card)
		var box: VBoxContainer = UiTheme.vbox(card)
		var others: PackedStringArray = PackedStringArray()
		for participant: String in conversation.participant_ids:
			if participant != _agent_id:
				others.append(_name(participant))
		box.add_child(UiTheme.label("with " + (", ".join(others) if not others.is_empty() else "no one"), "SectionLabel", true))
		var started: float = float(conversation.started_at)
		var ended: float = float(conversation.ended_at)
		var span: String = _day_time(started) + (" – " + UiTheme.clock_hhmm(ended) if ended > 0.0 else " · going on")
		box.add_child(UiTheme.label(span, "MutedLabel"))
		if not conversation.summary.is_empty():
			var summary_label: Label = UiTheme.label(conversation.summary, "MutedLabel", true)
			box.add_child(summary_label)
		if conversation.lines.is_empty():
			continue
		var shown: Array = []
		for line: Utterance in conversation.lines:
			var speaker: String = line.speaker_id
			var color: Color = UiTheme.ACCENT if speaker == _agent_id else (UiTheme.PLAYER if speaker == AgentClientScript.PLAYER_ID else UiTheme.RELEVANCE)
			shown.append([_name(speaker), line.text, color])
		box.add_child(UiTheme.transcript(shown))


# ---- pieces ------------------------------------------------------------------

func _memory_card(memory: MemoryView) -> PanelContainer:
	var card: PanelContainer = UiTheme.card()
	var box: VBoxContainer = UiTheme.vbox(card)
	box.add_child(UiTheme.memory_head(memory.kind, KIND_COLORS, _day_time(float(memory.created_at)), memory.importance))
	box.add_child(UiTheme.label(memory.description, "", true))
	var evidence: PackedStringArray = memory.evidence_ids
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
	if agent_id == _inspection.agent.id:
		return _inspection.agent.name if not _inspection.agent.name.is_empty() else agent_id
	if agent_id == AgentClientScript.PLAYER_ID:
		return "Player"
	return agent_id


# Game time: the clock's when it has one, else the newest time the inspection knows.
func _now() -> float:
	if _game_time_source.is_valid():
		return float(_game_time_source.call())
	var latest: float = float(_inspection.current.issued_at) if _inspection.current != null else 0.0
	for memory: MemoryView in _inspection.recent_memories:
		latest = maxf(latest, float(memory.created_at))
	return latest


# The last item that has started by now, or -1.
static func _current_index(items: Array[PlanItem], now: float) -> int:
	var found: int = -1
	for i: int in items.size():
		if float(items[i].start_time) <= now:
			found = i
	if found >= 0:
		var last: PlanItem = items[found]
		var ends: float = float(last.start_time) + 60.0 * float(last.duration_minutes)
		if ends <= now and found == items.size() - 1:
			return -1
	return found


static func _day_time(game_seconds: float) -> String:
	return "Day %d %s" % [floori(game_seconds / UiTheme.SECONDS_PER_DAY) + 1, UiTheme.clock_hhmm(game_seconds)]
