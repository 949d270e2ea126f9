extends PanelContainer
## The player's conversation with one NPC: a transcript (names in colour), a line to
## type in, and the NPC's answer streaming in token by token (Chat RPC).
##
## Add it under a CanvasLayer; it places itself at the bottom left and starts hidden.
##
##   const ChatPanel: GDScript = preload("res://ui/chat_panel.gd")
##   var chat: ChatPanel = ChatPanel.new()
##   hud_layer.add_child(chat)
##   chat.open("isabella", "Isabella Rodriguez", "Sam", clock.now)
##
## Public API
##   open(agent_id, agent_name, player_name, game_time_source: Callable)
##       shows the panel for that agent (its earlier lines this session come back) and
##       focuses the text field. game_time_source returns game seconds (float or int).
##   close()                 hides it, releases focus, emits closed(agent_id).
##   is_open() -> bool
##   send(text) -> bool      says text to the agent, as Enter does (the text field's
##                           text_submitted calls it); false when refused: closed, empty
##                           text, or a reply still streaming.
##   has_focus_input() -> bool  true while the text field has keyboard focus: the game
##                           must not read movement keys then.
##   is_replying() -> bool   true while the shown agent's reply streams.
##   add_line(speaker_id, speaker_name, text)  appends a finished line (e.g. history).
##   add_system_line(text)   appends a grey line in parentheses.
## A failed reply shows as "(Isabella can't answer: CODE message)", or, when part of it
## came, that part and "(Isabella's reply was cut short: CODE message)".
##   clear_transcript(agent_id)  forgets the lines with that agent (e.g. after loading
##                           a save); a reply still streaming goes on into a new line.
##   transcript() -> Array[Dictionary]  the shown agent's lines, oldest first, each
##       {"speaker": name, "speaker_id": "player" or agent id ("" for system lines),
##        "text", "chunks": messages received, "first_chunk_ms": real ms from send to
##        the first chunk (-1 if none), "done": bool, "error": "" or "CODE message"}.
##   client                  the AgentClient node to use (default: the autoload).
## Signals: reply_started(agent_id) when a line is sent, reply_progress(agent_id,
## text_so_far) on every chunk, reply_finished(agent_id, full_text) when it ends
## (also after an error, with what came), closed(agent_id).
## Keys: Enter sends, Escape closes.

signal reply_started(agent_id: String)
signal reply_progress(agent_id: String, text_so_far: String)
signal reply_finished(agent_id: String, full_text: String)
signal closed(agent_id: String)

const UiTheme: GDScript = preload("res://ui/theme.gd")
const InputActions: GDScript = preload("res://player/input_actions.gd")
const AgentClientScript: GDScript = preload("res://addons/simulacra/agent_client.gd")
const MAX_LINE_LENGTH: int = 400
const PANEL_SIZE: Vector2 = Vector2(480, 330)
const MARGIN: float = 16.0
const HINTS_HEIGHT: float = 34.0

## The AgentClient to talk through; null means the "AgentClient" autoload.
var client: AgentClientScript = null

var _agent_id: String = ""
var _agent_name: String = ""
var _player_name: String = "Player"
var _game_time_source: Callable = Callable()
# Agent id -> Array[Dictionary] of transcript entries.
var _transcripts: Dictionary = {}
# Request id -> {"agent_id", "entry" (the transcript entry), "sent_ms"}.
var _streams: Dictionary = {}
# Agent id -> request id of its reply still streaming.
var _replying: Dictionary = {}
var _client_connected: bool = false

var _title: Label = null
var _status: Label = null
var _log: RichTextLabel = null
var _field: LineEdit = null
var _send_button: Button = null


func _init() -> void:
	name = "ChatPanel"
	theme = UiTheme.get_theme()
	visible = false
	anchor_left = 0.0
	anchor_right = 0.0
	anchor_top = 1.0
	anchor_bottom = 1.0
	offset_left = MARGIN
	offset_right = MARGIN + PANEL_SIZE.x
	offset_top = -PANEL_SIZE.y - MARGIN - HINTS_HEIGHT
	offset_bottom = -MARGIN - HINTS_HEIGHT
	grow_vertical = Control.GROW_DIRECTION_BEGIN
	mouse_filter = Control.MOUSE_FILTER_STOP
	_build()


func _ready() -> void:
	_connect_client()


func _input(event: InputEvent) -> void:
	if visible and InputActions.is_escape(event):
		close()
		get_viewport().set_input_as_handled()


func _gui_input(event: InputEvent) -> void:
	# A click anywhere on the panel gives the keyboard back to the text field.
	var click: InputEventMouseButton = event as InputEventMouseButton
	if click != null and click.pressed and click.button_index == MOUSE_BUTTON_LEFT:
		_field.grab_focus()


func open(agent_id: String, agent_name: String, player_name: String, game_time_source: Callable) -> void:
	_connect_client()
	_agent_id = agent_id
	_agent_name = agent_name if not agent_name.is_empty() else agent_id
	if not player_name.is_empty():
		_player_name = player_name
	_game_time_source = game_time_source
	if not _transcripts.has(agent_id):
		var entries: Array[Dictionary] = []
		_transcripts[agent_id] = entries
	_title.text = "Talking with %s" % _agent_name
	_field.placeholder_text = "Say something to %s…" % _first_name()
	visible = true
	_refresh()
	_field.grab_focus()


func close() -> void:
	if not visible:
		return
	visible = false
	_field.release_focus()
	closed.emit(_agent_id)


func is_open() -> bool:
	return visible


## The agent the panel shows ("" before the first open()).
func agent_id() -> String:
	return _agent_id


func has_focus_input() -> bool:
	return visible and _field.has_focus()


func is_replying() -> bool:
	return _replying.has(_agent_id)


func send(text: String) -> bool:
	var line: String = text.strip_edges()
	if not visible or _agent_id.is_empty() or line.is_empty() or is_replying():
		return false
	if line.length() > MAX_LINE_LENGTH:
		line = line.substr(0, MAX_LINE_LENGTH)
	_field.clear()
	var entries: Array[Dictionary] = _entries(_agent_id)
	entries.append(_entry(AgentClientScript.PLAYER_ID, _player_name, line, true))
	var reply: Dictionary = _entry(_agent_id, _agent_name, "", false)
	entries.append(reply)
	var game_time: int = 0
	if _game_time_source.is_valid():
		game_time = int(_game_time_source.call())
	var request_id: String = _client().chat(_agent_id, line, _player_name, game_time)
	_streams[request_id] = {"agent_id": _agent_id, "entry": reply, "sent_ms": Time.get_ticks_msec()}
	_replying[_agent_id] = request_id
	reply_started.emit(_agent_id)
	_refresh()
	return true


func add_line(speaker_id: String, speaker_name: String, text: String) -> void:
	if _agent_id.is_empty():
		return
	_entries(_agent_id).append(_entry(speaker_id, speaker_name, text, true))
	_refresh()


func add_system_line(text: String) -> void:
	if _agent_id.is_empty():
		return
	_entries(_agent_id).append(_entry("", "", text, true))
	_refresh()


func clear_transcript(for_agent: String) -> void:
	var entries: Array[Dictionary] = _entries(for_agent)
	entries.clear()
	for stream: Dictionary in _streams.values():
		if str(stream["agent_id"]) == for_agent:
			entries.append(stream["entry"])
	if for_agent == _agent_id:
		_refresh()


func transcript() -> Array[Dictionary]:
	var copy: Array[Dictionary] = []
	for entry: Dictionary in _entries(_agent_id):
		copy.append(entry.duplicate())
	return copy


func _client() -> AgentClientScript:
	if client != null:
		return client
	return get_tree().root.get_node("AgentClient") as AgentClientScript


func _connect_client() -> void:
	if _client_connected or not is_inside_tree():
		return
	var agent_client: AgentClientScript = _client()
	agent_client.stream_message_received.connect(_on_stream_message)
	agent_client.stream_finished.connect(_on_stream_finished)
	_client_connected = true


func _on_stream_message(request_id: String, payload: Dictionary) -> void:
	if not _streams.has(request_id):
		return
	var stream: Dictionary = _streams[request_id]
	var entry: Dictionary = stream["entry"]
	if int(entry["chunks"]) == 0:
		entry["first_chunk_ms"] = Time.get_ticks_msec() - int(stream["sent_ms"])
	entry["chunks"] = int(entry["chunks"]) + 1
	entry["text"] = str(entry["text"]) + str(payload.get("text", ""))
	if payload.get("done", false):
		var full_text: String = str(payload.get("fullText", ""))
		if not full_text.is_empty():
			entry["text"] = full_text
	reply_progress.emit(str(stream["agent_id"]), str(entry["text"]))
	if str(stream["agent_id"]) == _agent_id:
		_refresh()


func _on_stream_finished(request_id: String, error: Dictionary) -> void:
	if not _streams.has(request_id):
		return
	var stream: Dictionary = _streams[request_id]
	_streams.erase(request_id)
	var stream_agent: String = str(stream["agent_id"])
	if _replying.get(stream_agent, "") == request_id:
		_replying.erase(stream_agent)
	var entry: Dictionary = stream["entry"]
	var entries: Array[Dictionary] = _entries(stream_agent)
	if error.is_empty():
		entry["done"] = true
		entry["text"] = str(entry["text"]).strip_edges()
	else:
		var why: String = ("%s %s" % [error.get("code", "UNKNOWN"), error.get("message", "")]).strip_edges()
		entry["error"] = why
		var speaker: String = str(entry["speaker"]).get_slice(" ", 0)
		if str(entry["text"]).is_empty():
			entries.erase(entry)
			entries.append(_entry("", "", "%s can't answer: %s" % [speaker, why], true))
		else:
			entries.append(_entry("", "", "%s's reply was cut short: %s" % [speaker, why], true))
	reply_finished.emit(stream_agent, str(entry["text"]))
	if stream_agent == _agent_id:
		_refresh()


func _entries(for_agent: String) -> Array[Dictionary]:
	if not _transcripts.has(for_agent):
		var entries: Array[Dictionary] = []
		_transcripts[for_agent] = entries
	return _transcripts[for_agent]


static func _entry(speaker_id: String, speaker_name: String, text: String, done: bool) -> Dictionary:
	return {
		"speaker": speaker_name, "speaker_id": speaker_id, "text": text,
		"chunks": 0, "first_chunk_ms": -1, "done": done, "error": "",
	}


func _first_name() -> String:
	return _agent_name.get_slice(" ", 0)


func _build() -> void:
	var box: VBoxContainer = UiTheme.vbox(self, 8)

	var header: HBoxContainer = HBoxContainer.new()
	box.add_child(header)
	_title = UiTheme.label("", "TitleLabel")
	_title.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	_title.text_overrun_behavior = TextServer.OVERRUN_TRIM_ELLIPSIS
	header.add_child(_title)
	_status = UiTheme.label("", "MutedLabel")
	header.add_child(_status)
	header.add_child(UiTheme.close_button("Close (Esc)", close))

	var log_frame: PanelContainer = UiTheme.card()
	log_frame.size_flags_vertical = Control.SIZE_EXPAND_FILL
	box.add_child(log_frame)
	_log = RichTextLabel.new()
	_log.bbcode_enabled = true
	_log.scroll_following = true
	_log.selection_enabled = true
	_log.focus_mode = Control.FOCUS_NONE
	_log.size_flags_vertical = Control.SIZE_EXPAND_FILL
	_log.add_theme_constant_override("paragraph_separation", 8)
	log_frame.add_child(_log)

	var row: HBoxContainer = HBoxContainer.new()
	box.add_child(row)
	_field = LineEdit.new()
	_field.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	_field.max_length = MAX_LINE_LENGTH
	_field.clear_button_enabled = false
	_field.context_menu_enabled = false
	_field.text_submitted.connect(_on_text_submitted)
	_field.text_changed.connect(_on_text_changed)
	row.add_child(_field)
	_send_button = UiTheme.button("Send ⏎")
	_send_button.pressed.connect(func() -> void: _on_text_submitted(_field.text))
	row.add_child(_send_button)


func _on_text_submitted(text: String) -> void:
	send(text)
	if visible:
		_field.grab_focus()  # LineEdit drops focus on submit in some versions; keep typing.


func _on_text_changed(_text: String) -> void:
	_update_controls()


func _update_controls() -> void:
	var replying: bool = is_replying()
	_send_button.disabled = replying or _field.text.strip_edges().is_empty()
	_status.text = "%s is replying…" % _first_name() if replying else ""


func _refresh() -> void:
	_update_controls()
	var parts: PackedStringArray = PackedStringArray()
	var agent_color: String = UiTheme.ACCENT.to_html(false)
	var player_color: String = UiTheme.PLAYER.to_html(false)
	var muted: String = UiTheme.TEXT_MUTED.to_html(false)
	for entry: Dictionary in _entries(_agent_id):
		var speaker_id: String = str(entry["speaker_id"])
		var text: String = UiTheme.escape_bbcode(str(entry["text"]))
		if speaker_id.is_empty():
			parts.append("[color=#%s][i](%s)[/i][/color]" % [muted, text])
			continue
		var color: String = player_color if speaker_id == AgentClientScript.PLAYER_ID else agent_color
		var line: String = "[b][color=#%s]%s[/color][/b]  %s" % [color, UiTheme.escape_bbcode(str(entry["speaker"])), text]
		if not entry["done"] and str(entry["error"]).is_empty():
			line += "[color=#%s]%s[/color]" % [agent_color, " …" if text.is_empty() else "▌"]
		parts.append(line)
	if parts.is_empty():
		parts.append("[color=#%s][i]Say hello to %s. Press Enter to send, Esc to leave.[/i][/color]" % [muted, UiTheme.escape_bbcode(_first_name())])
	_log.text = "\n".join(parts)
