extends Node
## The connection to the Simulacra server (autoload "AgentClient").
##
## Speaks the WebSocket gateway's envelope (protos/README.md): every request is
## {"id", "method", "payload"} and every reply carries the request's id back, so
## requests may overlap. Messages are the canonical proto3 JSON mapping: field names
## in lowerCamelCase, and fields at their default value left out, so read them with
## Dictionary.get(key, default); the typed methods parse what they can once, into the
## classes of messages/ (the result's "message").
##
## The client connects on ready to the server that connection_settings.gd names (the
## user argument "--server ws://HOST:PORT", the project setting "simulacra/server_url",
## or ws://127.0.0.1:8765), and reconnects whenever the connection drops, waiting
## 0.5 s, then twice as long each failed attempt, up to 8 s. A server that asks for a
## token (one listening off this machine must) gets it in the handshake's Authorization
## header (SIMULACRA_AUTH_TOKEN); a wss:// server with a self-signed certificate is
## verified against the PEM file in SIMULACRA_TLS_CA.

## The connection opened.
signal connected_to_server
## An open connection closed; requests still waiting were failed with UNAVAILABLE.
signal disconnected_from_server
## A connection attempt failed; the next one starts in retry_in_s seconds.
signal connection_failed(retry_in_s: float)
## A call failed: an error reply, a timeout, or no connection. error has "code" and "message".
signal request_failed(method: String, error: Dictionary)
## One message of a server-streaming call started with stream_rpc().
signal stream_message_received(request_id: String, payload: Dictionary)
## A server-streaming call ended; error is empty when it ended normally.
signal stream_finished(request_id: String, error: Dictionary)

const ConnectionSettings: GDScript = preload("res://addons/simulacra/connection_settings.gd")
const AgentCommand: GDScript = preload("res://addons/simulacra/messages/agent_command.gd")
const AgentInspection: GDScript = preload("res://addons/simulacra/messages/agent_inspection.gd")
const DebriefResponse: GDScript = preload("res://addons/simulacra/messages/debrief_response.gd")
const ServerStats: GDScript = preload("res://addons/simulacra/messages/server_stats.gd")
const SyncWorldResponse: GDScript = preload("res://addons/simulacra/messages/sync_world_response.gd")
# The town and long chat histories can exceed Godot's 64 KiB default buffers.
const BUFFER_SIZE: int = 4 * 1024 * 1024
const MIN_RECONNECT_DELAY_S: float = 0.5
const MAX_RECONNECT_DELAY_S: float = 8.0
# An attempt stuck in CONNECTING (a silently dropping firewall) counts as failed.
const CONNECT_TIMEOUT_S: float = 10.0
# A stream fails when no message arrives for this long.
const STREAM_IDLE_TIMEOUT_S: float = 120.0
## How long a call waits for its reply unless told otherwise.
const REQUEST_TIMEOUT_S: float = 30.0
const NEXT_ACTION_TIMEOUT_S: float = 180.0
# Debrief asks the model once per character the player talked with.
const DEBRIEF_TIMEOUT_S: float = 120.0
## The agent id of the player, wherever the server or the world names agents.
const PLAYER_ID: String = "player"

## The URL this client connects to.
var server_url: String = ConnectionSettings.DEFAULT_SERVER_URL
## The token the server asks for; empty: none is sent.
var auth_token: String = ""
## A PEM certificate that a wss:// server's certificate is verified against; empty:
## Godot's own bundle.
var tls_ca_path: String = ""

var _socket: WebSocketPeer = null
var _open: bool = false
var _attempt_started_ms: int = 0
var _reconnect_delay_s: float = MIN_RECONNECT_DELAY_S
var _reconnect_at_ms: int = 0
var _next_id: int = 1
# Request id -> _PendingCall, for unary calls.
var _pending: Dictionary = {}
# Request id -> _PendingStream, for server-streaming calls.
var _streams: Dictionary = {}


func _ready() -> void:
	# Keep talking to the server while the game is paused (a menu, a dialogue).
	process_mode = Node.PROCESS_MODE_ALWAYS
	server_url = ConnectionSettings.server_url()
	auth_token = ConnectionSettings.auth_token()
	tls_ca_path = ConnectionSettings.tls_ca_path()
	_open_socket()


func _process(_delta: float) -> void:
	var now_ms: int = Time.get_ticks_msec()
	if _socket == null:
		if now_ms >= _reconnect_at_ms:
			_open_socket()
	else:
		_poll_socket(now_ms)
	_expire_requests(now_ms)


func _notification(what: int) -> void:
	if what == NOTIFICATION_PREDELETE and _socket != null:
		_socket.close()


## True while the connection is open.
func is_connected_to_server() -> bool:
	return _open


## Calls a unary RPC and returns, once awaited, {"ok": true, "payload": {...}} or
## {"ok": false, "error": {"code": ..., "message": ...}}; the typed methods below add
## the payload parsed, "message", where messages/ has its class. Never waits longer than
## timeout_s, and fails at once when there is no connection.
func call_rpc(method: String, payload: Dictionary = {}, timeout_s: float = REQUEST_TIMEOUT_S) -> Dictionary:
	if not _open:
		return _fail(method, "UNAVAILABLE", "not connected to %s" % server_url)
	var request_id: String = _new_request_id()
	var pending: _PendingCall = _PendingCall.new()
	pending.method = method
	pending.deadline_ms = Time.get_ticks_msec() + int(timeout_s * 1000.0)
	var err: Error = _send(request_id, method, payload)
	if err != OK:
		return _fail(method, "UNAVAILABLE", "could not send to %s: %s" % [server_url, error_string(err)])
	_pending[request_id] = pending
	var result: Dictionary = await pending.completed
	if not result.get("ok", false):
		request_failed.emit(method, result.get("error", {}))
	return result


## Starts a server-streaming RPC (Chat) and returns its request id. Its messages
## arrive as stream_message_received, and its end as stream_finished. Without a
## connection the call fails: stream_finished comes, deferred, with the error.
func stream_rpc(method: String, payload: Dictionary) -> String:
	var request_id: String = _new_request_id()
	if not _open:
		_finish_stream_deferred(request_id, method, "UNAVAILABLE", "not connected to %s" % server_url)
		return request_id
	var err: Error = _send(request_id, method, payload)
	if err != OK:
		_finish_stream_deferred(request_id, method, "UNAVAILABLE", "could not send: %s" % error_string(err))
		return request_id
	var stream: _PendingStream = _PendingStream.new()
	stream.method = method
	stream.deadline_ms = Time.get_ticks_msec() + int(STREAM_IDLE_TIMEOUT_S * 1000.0)
	_streams[request_id] = stream
	return request_id


## Fails every call still waiting for a reply, and every stream, with CANCELLED, so
## that the code awaiting them goes on. Call it before quitting: a coroutine still
## awaiting a reply at exit is reported as a leaked object.
func cancel_all() -> void:
	_fail_all("CANCELLED", "cancelled by the client")


## GetTown: the town the server's scenario runs in (a simulacra.v1.Town).
func get_town() -> Dictionary:
	return await call_rpc("GetTown")


## ListAgents: {"agents": [Agent, ...]}.
func list_agents() -> Dictionary:
	return await call_rpc("ListAgents")


## NextAction: the next AgentCommand for an agent that has finished what it was doing
## ("message": an AgentCommand). The server may have to plan first, behind other agents'
## thinking on a shared model, so this waits longer than other calls: an answer given
## up on is a decision wasted.
func next_action(agent_id: String, game_time: int, timeout_s: float = NEXT_ACTION_TIMEOUT_S) -> Dictionary:
	var payload: Dictionary = {"agentId": agent_id, "gameTime": game_time}
	return _parsed(await call_rpc("NextAction", payload, timeout_s), AgentCommand.from_dict)


## SyncWorld: reports every agent's state (AgentState dicts) and the name agents know
## the player by (empty: no player); the reply ("message": a SyncWorldResponse) holds
## the server's interruptions since the last sync.
func sync_world(game_time: int, agents: Array, player_name: String = "", timeout_s: float = REQUEST_TIMEOUT_S) -> Dictionary:
	var payload: Dictionary = {"gameTime": game_time, "agents": agents}
	if not player_name.is_empty():
		payload["playerName"] = player_name
	return _parsed(await call_rpc("SyncWorld", payload, timeout_s), SyncWorldResponse.from_dict)


## InspectAgent: what an agent is doing, intends and remembers ("message": an
## AgentInspection).
func inspect_agent(agent_id: String, timeout_s: float = REQUEST_TIMEOUT_S) -> Dictionary:
	return _parsed(await call_rpc("InspectAgent", {"agentId": agent_id}, timeout_s), AgentInspection.from_dict)


## GetStats: the server's clock, readiness and usage ("message": a ServerStats).
func get_stats(timeout_s: float = REQUEST_TIMEOUT_S) -> Dictionary:
	return _parsed(await call_rpc("GetStats", {}, timeout_s), ServerStats.from_dict)


## Debrief: a rehearsal's feedback from the characters agent_ids (empty: everyone the
## player talked with) ("message": a DebriefResponse).
func debrief(agent_ids: Array[String] = [], timeout_s: float = DEBRIEF_TIMEOUT_S) -> Dictionary:
	var payload: Dictionary = {"agentIds": agent_ids} if not agent_ids.is_empty() else {}
	return _parsed(await call_rpc("Debrief", payload, timeout_s), DebriefResponse.from_dict)


## SaveGame: stores the minds with the world's snapshot (a WorldSnapshot dict) under
## name ([A-Za-z0-9_.-], 1-64 characters); the payload is {"save": SaveInfo}.
func save_game(save_name: String, world: Dictionary, timeout_s: float = 60.0) -> Dictionary:
	return await call_rpc("SaveGame", {"name": save_name, "world": world}, timeout_s)


## LoadGame: restores a named save; the payload is {"save": SaveInfo, "world": WorldSnapshot}.
func load_game(save_name: String, timeout_s: float = 60.0) -> Dictionary:
	return await call_rpc("LoadGame", {"name": save_name}, timeout_s)


## ListSaves: {"saves": [SaveInfo, ...]}, newest first (SaveInfo: name, gameTime, savedAt).
func list_saves() -> Dictionary:
	return await call_rpc("ListSaves")


## PrepareChat: the player is about to talk to an agent (it stands in front of it); the
## server gets the agent's side of the conversation ready, so that the answer to the
## player's line starts sooner. Optional; the reply is empty.
func prepare_chat(agent_id: String, player_name: String, game_time: int) -> Dictionary:
	return await call_rpc("PrepareChat", {"agentId": agent_id, "playerName": player_name, "gameTime": game_time})


## Chat: starts streaming an agent's answer to the player; returns the request id.
func chat(agent_id: String, text: String, player_name: String, game_time: int) -> String:
	return stream_rpc("Chat", {
		"agentId": agent_id,
		"text": text,
		"playerName": player_name,
		"gameTime": game_time,
	})


func _open_socket() -> void:
	_socket = WebSocketPeer.new()
	_socket.inbound_buffer_size = BUFFER_SIZE
	_socket.outbound_buffer_size = BUFFER_SIZE
	if not auth_token.is_empty():
		_socket.handshake_headers = PackedStringArray(["Authorization: Bearer " + auth_token])
	_attempt_started_ms = Time.get_ticks_msec()
	var err: Error = _socket.connect_to_url(server_url, ConnectionSettings.tls_options(server_url, tls_ca_path))
	if err != OK:
		_on_socket_closed()


func _poll_socket(now_ms: int) -> void:
	_socket.poll()
	match _socket.get_ready_state():
		WebSocketPeer.STATE_OPEN:
			if not _open:
				_open = true
				_reconnect_delay_s = MIN_RECONNECT_DELAY_S
				connected_to_server.emit()
			# A handler may close the socket (and drop it) while we read.
			while _socket != null and _socket.get_available_packet_count() > 0:
				var packet: PackedByteArray = _socket.get_packet()
				_handle_frame(packet.get_string_from_utf8())
		WebSocketPeer.STATE_CONNECTING:
			if now_ms - _attempt_started_ms > int(CONNECT_TIMEOUT_S * 1000.0):
				_socket.close()
				_on_socket_closed()
		WebSocketPeer.STATE_CLOSED:
			_on_socket_closed()


func _on_socket_closed() -> void:
	var was_open: bool = _open
	_open = false
	_socket = null
	var retry_in_s: float = _reconnect_delay_s
	_reconnect_at_ms = Time.get_ticks_msec() + int(retry_in_s * 1000.0)
	_reconnect_delay_s = minf(_reconnect_delay_s * 2.0, MAX_RECONNECT_DELAY_S)
	_fail_all("UNAVAILABLE", "connection to %s lost" % server_url)
	if was_open:
		disconnected_from_server.emit()
	else:
		connection_failed.emit(retry_in_s)


func _handle_frame(text: String) -> void:
	var parsed: Variant = JSON.parse_string(text)
	if not parsed is Dictionary:
		request_failed.emit("", {"code": "INTERNAL", "message": "server sent a frame that is not a JSON object"})
		return
	var frame: Dictionary = parsed
	var request_id: String = str(frame.get("id", ""))
	var done: bool = frame.get("done", false)
	var error: Dictionary = frame.get("error", {})
	var payload: Dictionary = frame.get("payload", {})
	if _pending.has(request_id):
		var pending: _PendingCall = _pending[request_id]
		_pending.erase(request_id)
		if error.is_empty():
			pending.completed.emit({"ok": true, "payload": payload})
		else:
			pending.completed.emit({"ok": false, "error": error})
	elif _streams.has(request_id):
		var stream: _PendingStream = _streams[request_id]
		if not error.is_empty():
			_streams.erase(request_id)
			request_failed.emit(stream.method, error)
			stream_finished.emit(request_id, error)
			return
		if not payload.is_empty():
			stream.deadline_ms = Time.get_ticks_msec() + int(STREAM_IDLE_TIMEOUT_S * 1000.0)
			stream_message_received.emit(request_id, payload)
		if done:
			_streams.erase(request_id)
			stream_finished.emit(request_id, {})
	elif not error.is_empty():
		# A reply to no request of ours: the server could not read a frame (id "").
		request_failed.emit("", error)


func _expire_requests(now_ms: int) -> void:
	for request_id: String in _pending.keys():
		var pending: _PendingCall = _pending[request_id]
		if now_ms >= pending.deadline_ms:
			_pending.erase(request_id)
			pending.completed.emit(_error_result("DEADLINE_EXCEEDED", "%s got no reply in time" % pending.method))
	for request_id: String in _streams.keys():
		var stream: _PendingStream = _streams[request_id]
		if now_ms >= stream.deadline_ms:
			_streams.erase(request_id)
			var error: Dictionary = {"code": "DEADLINE_EXCEEDED", "message": "%s stream went silent" % stream.method}
			request_failed.emit(stream.method, error)
			stream_finished.emit(request_id, error)


func _fail_all(code: String, message: String) -> void:
	var pending_calls: Dictionary = _pending
	var streams: Dictionary = _streams
	_pending = {}
	_streams = {}
	for request_id: String in pending_calls:
		var pending: _PendingCall = pending_calls[request_id]
		pending.completed.emit(_error_result(code, message))
	for request_id: String in streams:
		var stream: _PendingStream = streams[request_id]
		var error: Dictionary = {"code": code, "message": message}
		request_failed.emit(stream.method, error)
		stream_finished.emit(request_id, error)


func _send(request_id: String, method: String, payload: Dictionary) -> Error:
	var frame: Dictionary = {"id": request_id, "method": method}
	if not payload.is_empty():
		frame["payload"] = payload
	return _socket.send_text(JSON.stringify(frame))


func _new_request_id() -> String:
	var request_id: String = str(_next_id)
	_next_id += 1
	return request_id


func _fail(method: String, code: String, message: String) -> Dictionary:
	var result: Dictionary = _error_result(code, message)
	request_failed.emit(method, result["error"])
	return result


func _finish_stream_deferred(request_id: String, method: String, code: String, message: String) -> void:
	var error: Dictionary = {"code": code, "message": message}
	request_failed.emit(method, error)
	stream_finished.emit.call_deferred(request_id, error)


# A successful result gets its payload parsed by parse (a message's from_dict) as "message".
static func _parsed(result: Dictionary, parse: Callable) -> Dictionary:
	if result.get("ok", false):
		result["message"] = parse.call(result.get("payload", {}))
	return result


static func _error_result(code: String, message: String) -> Dictionary:
	return {"ok": false, "error": {"code": code, "message": message}}


# A unary call waiting for its reply.
class _PendingCall:
	extends RefCounted
	signal completed(result: Dictionary)
	var method: String = ""
	var deadline_ms: int = 0


# A server-streaming call still receiving messages.
class _PendingStream:
	extends RefCounted
	var method: String = ""
	var deadline_ms: int = 0
