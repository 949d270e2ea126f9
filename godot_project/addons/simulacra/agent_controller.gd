class_name SimulacraAgentController
extends Node
## Turns the Simulacra server's commands into an NPC's walking and doing.
##
## Add it as a child of a CharacterBody3D that also has a NavigationAgent3D child
## (target_desired_distance 0.3 suits a walking person; path_desired_distance must
## be less than the navmesh's agent radius minus the body's radius, since the body
## cuts each corner of its path by that much: 0.1 for a 0.3 m body on a navmesh
## baked for 0.5 m), set agent_id and clock, and call start(). When idle it asks
## the server (NextAction) what to do, walks the navmesh to the command's moveTo.position,
## performs its activity for durationMinutes of game time, then asks again.
## Commands from elsewhere (SyncWorld's interruptions) go to apply_command() and
## replace the current one at once.
##
## Conversations come as commands too: a ConversationEvent KIND_START pauses the
## agent (a walk ends as "interrupted", an activity's timer stops) and turns it to
## face its partners, whose bodies it finds with find_body; it asks nothing of the
## server until KIND_END, then carries on: the rest of the paused activity, or the
## paused walk and its activity from the start, or else a new NextAction. Lines
## (Utterance) in between are announced with utterance_received. An END that never
## comes (a restarted server) is given up conversation_timeout_s real seconds after
## the last sign of the conversation.
##
## Every command is kept in `commands` as received, and every walk in `trips`,
## with what it proves: the distance actually walked frame by frame, the largest
## single step (no teleporting), and how close the body got to the destination.
## Every conversation is kept in `conversations` and every line said in `utterances`.

## A command arrived (from NextAction or apply_command), before it is carried out.
signal command_received(command: Dictionary)
## The body reached the destination of the current command's moveTo.
signal arrived(place_id: String)
## The current command's activity began; command is the whole AgentCommand.
signal activity_started(command: Dictionary)
## The current command's activity lasted its full duration.
signal activity_finished(command: Dictionary)
## A trip ended; trip["outcome"] says how: arrived, stuck, unreachable, interrupted
## or unfinished.
signal trip_finished(trip: Dictionary)
## NextAction failed; the controller retries after retry_in_s real seconds.
signal action_failed(error: Dictionary, retry_in_s: float)
## The agent stopped what it was doing to talk; conversation is the KIND_START
## ConversationEvent (conversationId, participantIds) as received.
signal conversation_started(conversation: Dictionary)
## The agent's conversation is over and it went back to what it was doing.
## conversation is the KIND_START event; outcome is "ended" (the server's KIND_END),
## "timed_out" (no END, nor any line, for conversation_timeout_s real seconds) or
## "replaced" (a KIND_START for another conversation came first).
signal conversation_ended(conversation: Dictionary, outcome: String)
## The agent says text, to the agent to_agent_id (empty: to no one in particular).
signal utterance_received(text: String, to_agent_id: String)

enum State { STOPPED, IDLE, REQUESTING, WALKING, ACTING, BACKING_OFF, TALKING }
# What the agent does when its conversation is over: ask the server anew, carry out
# current_command from its start (walk, then the whole activity), or do the rest of
# an activity it had begun.
enum _Resume { ASK, RESTART, CONTINUE }

const GRAVITY: float = 9.8
const MIN_BACKOFF_S: float = 1.0
const MAX_BACKOFF_S: float = 10.0
# A body that has not moved this far in STUCK_TIMEOUT_S seconds of walking (physics
# time, so that a loaded machine's slow frames do not count as standing still) is
# stuck. Avoidance that has made no such progress for AVOIDANCE_PATIENCE_S gives way:
# the body walks straight on (NPCs do not collide, they only steer round each other),
# so that a crowd standing at a place never keeps a newcomer out.
const STUCK_TIMEOUT_S: float = 5.0
const STUCK_PROGRESS_M: float = 0.25
const AVOIDANCE_PATIENCE_S: float = 2.0
# A command that asks for nothing (no walk, no activity) is followed by this wait
# so that the controller does not ask the server again in a tight loop.
const EMPTY_COMMAND_WAIT_MINUTES: float = 1.0
# After the navmesh path, the body walks straight on until this close to the
# destination, if the path ended no farther than target_desired_distance plus
# FINAL_APPROACH_SLACK_M from it.
const EXACT_ARRIVAL_M: float = 0.05
const FINAL_APPROACH_SLACK_M: float = 0.2
# How far the navmesh may lie from the body's feet and still be the floor it stands on.
const NAVMESH_SNAP_M: float = 1.0
# Radians per real second: a half turn towards a partner takes half a second.
const TURN_SPEED: float = TAU

## The server's id of the agent this NPC embodies.
@export var agent_id: String = ""
## Walking speed, metres per real second.
@export var walk_speed: float = 1.6
## A trip counts as arrived when it ends this close (horizontally) to the destination.
@export var arrival_tolerance: float = 1.0
## The NavigationAgent3D to steer with; the body's first NavigationAgent3D child if empty.
@export var navigation_agent: NavigationAgent3D = null
## Steer around other walking agents (the NavigationAgent3D's RVO avoidance) until
## this close to the destination; the last metres go straight to the stand point.
@export var avoid_others: bool = true
@export var avoidance_until_m: float = 2.0
## A conversation whose KIND_END has not come this many real seconds after its start
## or its latest line is given up (the server may have restarted and forgotten it).
@export var conversation_timeout_s: float = 180.0

## Returns the current game time, seconds since the simulation epoch. Without one,
## real seconds since the engine started stand in.
var clock: Callable = Callable()
## Takes another agent's id and returns its body (a Node3D), or null when there is
## none; the agent turns to face its conversation partners with it. Without one it
## does not turn.
var find_body: Callable = Callable()
## Every command received, as received, in order (one that arrived after an
## interruption had replaced it is kept too, though not carried out).
var commands: Array[Dictionary] = []
## Every trip walked, oldest first; the last one may still be in progress.
var trips: Array[Dictionary] = []
## Every conversation, oldest first: {"id", "with": [the other participants' ids],
## "started_at", "ended_at" (game seconds; null until it ends), "outcome"}; outcome is
## "talking" while it lasts, then "ended", "timed_out", "replaced" or "unfinished"
## (the controller stopped first).
var conversations: Array[Dictionary] = []
## Every line the agent said, oldest first: {"at": game seconds, "text", "to": the
## listener's id, empty when speaking to no one in particular}.
var utterances: Array[Dictionary] = []
## The command being carried out; empty before the first one.
var current_command: Dictionary = {}
## What the controller is doing.
var state: State = State.STOPPED

var _trip: Dictionary = {}
var _destination: Vector3 = Vector3.ZERO
var _last_position: Vector3 = Vector3.ZERO
var _activity_ends_at: float = 0.0
var _backoff_s: float = 0.0
# Separate from _backoff_s, which a good reply resets: a server that keeps sending
# the agent somewhere it cannot reach must not be asked again every frame.
var _trip_backoff_s: float = 0.0
var _retry_at_ms: int = 0
var _stuck_anchor: Vector3 = Vector3.ZERO
# Seconds of walking since the body was last at least STUCK_PROGRESS_M from the anchor.
var _stalled_s: float = 0.0
# Whether this trip still steers round others: it stops for good once within
# avoidance_until_m of the destination, or when avoidance made no progress.
var _trip_avoids: bool = false
# Bumped by every applied command, so that a NextAction reply that arrives after
# an interruption does not override it.
var _command_serial: int = 0
# Bumped by every NextAction request, so that only the latest one's reply counts.
var _request_serial: int = 0
# True while the latest NextAction request waits for its reply: a conversation that
# ends meanwhile waits for that reply rather than asking again.
var _awaiting_reply: bool = false
# True while backing off to ask again after a NextAction failed (not a trip's backoff).
var _awaiting_retry: bool = false
# The KIND_START event of the conversation in progress; empty when not talking.
var _conversation: Dictionary = {}
# Its entry in conversations.
var _conversation_record: Dictionary = {}
var _partners: PackedStringArray = PackedStringArray()
var _conversation_deadline_ms: int = 0
var _resume: _Resume = _Resume.ASK
# Game seconds left of the activity the conversation paused.
var _paused_activity_s: float = 0.0
# The velocity avoidance last computed (NavigationAgent3D.velocity_computed).
var _safe_velocity: Vector3 = Vector3.ZERO
var _has_safe_velocity: bool = false

@onready var _body: CharacterBody3D = get_parent() as CharacterBody3D


func _ready() -> void:
	if _body == null:
		push_warning("SimulacraAgentController must be a child of a CharacterBody3D")
		set_physics_process(false)
		set_process(false)
		return
	if navigation_agent == null:
		for child: Node in _body.get_children():
			if child is NavigationAgent3D:
				navigation_agent = child
				break
	if navigation_agent == null:
		push_warning("SimulacraAgentController needs a NavigationAgent3D sibling")
		set_physics_process(false)
		set_process(false)
		return
	if avoid_others:
		navigation_agent.avoidance_enabled = true
		navigation_agent.radius = 0.4
		navigation_agent.neighbor_distance = 4.0
		navigation_agent.max_neighbors = 8
		navigation_agent.time_horizon_agents = 1.5
		navigation_agent.max_speed = walk_speed
		navigation_agent.velocity_computed.connect(_on_velocity_computed)


func _process(_delta: float) -> void:
	# A paused world (a run in lockstep, waiting for the server) still asks and retries,
	# so that the reply it waits for can come; nothing else moves on.
	if get_tree().paused and state not in [State.IDLE, State.BACKING_OFF]:
		return
	match state:
		State.IDLE:
			_request_next_action()
		State.ACTING:
			if game_time() >= _activity_ends_at:
				_finish_activity()
		State.BACKING_OFF:
			if Time.get_ticks_msec() >= _retry_at_ms:
				state = State.IDLE
		State.TALKING:
			if Time.get_ticks_msec() >= _conversation_deadline_ms:
				_end_conversation("timed_out")


func _physics_process(delta: float) -> void:
	if get_tree().paused:
		return
	if state == State.WALKING:
		_steer(delta)
	else:
		_body.velocity.x = 0.0
		_body.velocity.z = 0.0
		if avoid_others and navigation_agent.velocity != Vector3.ZERO:
			navigation_agent.velocity = Vector3.ZERO  # Standing: others walk round it.
	if state == State.TALKING:
		_face_partners(delta)
	if _body.is_on_floor():
		_body.velocity.y = 0.0
	else:
		_body.velocity.y -= GRAVITY * delta
	_body.move_and_slide()
	if state == State.WALKING:
		_track_walk(delta)


## True while the agent waits for the server to say what it does next: a NextAction
## in flight, or waiting to ask again after one failed.
func is_waiting_for_server() -> bool:
	return state == State.REQUESTING or (state == State.BACKING_OFF and _awaiting_retry)


## Starts asking the server for commands.
func start() -> void:
	if state == State.STOPPED:
		state = State.IDLE


## Stops the body where it is; a trip in progress is recorded as unfinished, and
## so is a conversation.
func stop() -> void:
	if state == State.WALKING:
		_end_trip("unfinished")
	if state == State.TALKING:
		_close_conversation("unfinished")
	state = State.STOPPED
	_body.velocity = Vector3.ZERO


## Carries out command (an AgentCommand dict). Its moveTo and activity replace what
## the agent is doing at once, unless it is talking: then they replace what it
## takes up when the conversation is over. Its conversation event and utterance
## apply at once: KIND_START pauses the agent, KIND_END lets it go on.
func apply_command(command: Dictionary) -> void:
	commands.append(command)
	var move_to: Dictionary = command.get("moveTo", {})
	var activity: Dictionary = command.get("activity", {})
	if state == State.STOPPED:
		command_received.emit(command)
		return
	var conversation: Dictionary = command.get("conversation", {})
	var kind: String = str(conversation.get("kind", ""))
	if move_to.is_empty() and activity.is_empty():
		command_received.emit(command)
		_apply_talk(command, kind)
		return
	_command_serial += 1
	if state == State.WALKING:
		_end_trip("interrupted")
	command_received.emit(command)
	if kind == "KIND_END":
		# This command's walk and activity come next, not what the conversation paused.
		_resume = _Resume.ASK
	_apply_talk(command, kind)
	current_command = command
	if state == State.TALKING:
		_resume = _Resume.RESTART
	elif not move_to.is_empty():
		_start_trip(command, move_to)
	else:
		_start_activity()


## True while the body walks to a destination.
func is_moving() -> bool:
	return state == State.WALKING


## The current command's activity, if the agent is doing it now (not walking to
## it, nor pausing it to talk).
func current_activity() -> Dictionary:
	if state != State.ACTING:
		return {}
	return current_command.get("activity", {})


## True while the agent is in a conversation.
func in_conversation() -> bool:
	return state == State.TALKING


## The ids of the other participants of the conversation in progress; empty when
## the agent is not talking.
func conversation_partners() -> PackedStringArray:
	return _partners if state == State.TALKING else PackedStringArray()


## The current game time, seconds since the simulation epoch.
func game_time() -> float:
	if clock.is_valid():
		return float(clock.call())
	return Time.get_ticks_msec() / 1000.0


func _request_next_action() -> void:
	state = State.REQUESTING
	var serial: int = _command_serial
	_request_serial += 1
	var request: int = _request_serial
	_awaiting_reply = true
	var result: Dictionary = await AgentClient.next_action(agent_id, int(game_time()))
	if request == _request_serial:
		_awaiting_reply = false
	var superseded: bool = serial != _command_serial or request != _request_serial
	# A reply that comes while the agent talks is what it does afterwards.
	if superseded or state not in [State.REQUESTING, State.TALKING]:
		# Superseded by an interruption, or stopped: kept as received, not carried out.
		if result.get("ok", false):
			commands.append(result.get("payload", {}))
		return
	if not result.get("ok", false):
		_backoff_s = _next_backoff(_backoff_s)
		_back_off(_backoff_s, true)
		action_failed.emit(result.get("error", {}), _backoff_s)
		return
	_backoff_s = 0.0
	apply_command(result.get("payload", {}))
	if state == State.REQUESTING:
		# Nothing to walk to or do: wait a little before asking again.
		current_command = {}
		_activity_ends_at = game_time() + EMPTY_COMMAND_WAIT_MINUTES * 60.0
		state = State.ACTING


func _start_trip(command: Dictionary, move_to: Dictionary) -> void:
	var position: Dictionary = move_to.get("position", {})
	_destination = Vector3(
		float(position.get("x", 0.0)), float(position.get("y", 0.0)), float(position.get("z", 0.0)))
	var origin: Vector3 = _body.global_position
	_trip = {
		"command_id": str(command.get("commandId", "")),
		"place_id": str(move_to.get("placeId", "")),
		"destination": _vec_dict(_destination),
		"start": _vec_dict(origin),
		"arrival": null,
		"end": null,
		"arrived": false,
		"outcome": "walking",
		"distance_to_destination": _flat_distance(origin, _destination),
		"path_length": 0.0,
		"straight_distance": _flat_distance(origin, _destination),
		"nav_path_length": 0.0,
		"max_step": 0.0,
		"gave_way": false,
		"started_at": int(game_time()),
		"arrived_at": null,
	}
	trips.append(_trip)
	_last_position = origin
	_stuck_anchor = origin
	_stalled_s = 0.0
	_trip_avoids = avoid_others
	_has_safe_velocity = false
	_match_navmesh_height()
	navigation_agent.target_position = _destination
	# Plans the path now, so that its length is known even for a zero-length trip.
	navigation_agent.get_next_path_position()
	_trip["nav_path_length"] = _path_length(navigation_agent.get_current_navigation_path())
	state = State.WALKING


# A baked navmesh floats a little above the floor it was baked from (here, a few
# cells). NavigationAgent3D compares the body's origin with path points in 3D, so
# without this offset it never counts a waypoint as reached and the body stalls.
func _match_navmesh_height() -> void:
	var here: Vector3 = _body.global_position
	var on_mesh: Vector3 = NavigationServer3D.map_get_closest_point(navigation_agent.get_navigation_map(), here)
	if _flat_distance(here, on_mesh) <= NAVMESH_SNAP_M:
		navigation_agent.path_height_offset = clampf(on_mesh.y - here.y, -NAVMESH_SNAP_M, NAVMESH_SNAP_M)


func _steer(delta: float) -> void:
	var position: Vector3 = _body.global_position
	var remaining: float = _flat_distance(position, _destination)
	var next: Vector3 = Vector3.ZERO
	var final_approach: bool = false
	if navigation_agent.is_navigation_finished() or remaining <= navigation_agent.target_desired_distance:
		# The navmesh path is done. Step the last few centimetres straight onto the
		# stand point, which is clear floor, so that the agent stands where the
		# server said; a path that ended farther away ends the trip.
		if remaining <= EXACT_ARRIVAL_M or remaining > navigation_agent.target_desired_distance + FINAL_APPROACH_SLACK_M:
			_body.velocity.x = 0.0
			_body.velocity.z = 0.0
			_end_trip("arrived")
			return
		next = _destination
		final_approach = true
	else:
		next = navigation_agent.get_next_path_position()
	var direction: Vector3 = Vector3(next.x - position.x, 0.0, next.z - position.z)
	var distance: float = direction.length()
	if distance < 0.001:
		_body.velocity.x = 0.0
		_body.velocity.z = 0.0
		return
	direction /= distance
	var speed: float = walk_speed
	if final_approach and delta > 0.0:
		speed = minf(walk_speed, remaining / delta)  # Never overshoot the stand point.
	var wanted: Vector3 = direction * speed
	if final_approach or remaining <= avoidance_until_m:
		_trip_avoids = false  # For good: no dithering at the boundary.
	if avoid_others:
		# Others steer round this body by the velocity it reports. Avoidance answers
		# a frame later: walk with its last answer, ask anew.
		navigation_agent.velocity = wanted
		if _trip_avoids and _has_safe_velocity and _safe_velocity.length() > 0.05:
			wanted = _safe_velocity.limit_length(walk_speed)
	_body.velocity.x = wanted.x
	_body.velocity.z = wanted.z
	if Vector2(wanted.x, wanted.z).length() > 0.05:
		_body.rotation.y = atan2(-wanted.x, -wanted.z)


func _on_velocity_computed(safe_velocity: Vector3) -> void:
	_safe_velocity = Vector3(safe_velocity.x, 0.0, safe_velocity.z)
	_has_safe_velocity = true


func _track_walk(delta: float) -> void:
	var position: Vector3 = _body.global_position
	var step: float = _flat_distance(_last_position, position)
	_last_position = position
	_trip["path_length"] = float(_trip["path_length"]) + step
	_trip["max_step"] = maxf(float(_trip["max_step"]), step)
	if _flat_distance(_stuck_anchor, position) >= STUCK_PROGRESS_M:
		_stuck_anchor = position
		_stalled_s = 0.0
		return
	_stalled_s += delta
	if _trip_avoids and _stalled_s > AVOIDANCE_PATIENCE_S:
		# Steering round others leads nowhere (a crowd at the place, a jam in a
		# doorway): walk straight on, with the whole timeout to get going.
		_trip_avoids = false
		_trip["gave_way"] = true
		_stalled_s = 0.0
	elif _stalled_s > STUCK_TIMEOUT_S:
		_end_trip("stuck")


# Closes the current trip. An arrival goes on to the command's activity; a trip
# that failed asks the server again, after a back-off that grows while trips fail.
func _end_trip(outcome: String) -> void:
	var position: Vector3 = _body.global_position
	var distance: float = _flat_distance(position, _destination)
	if outcome == "arrived" and distance > arrival_tolerance:
		outcome = "unreachable"  # The navmesh path ended short of the destination.
	var trip: Dictionary = _trip
	trip["outcome"] = outcome
	trip["arrived"] = outcome == "arrived"
	trip["distance_to_destination"] = distance
	trip["end"] = _vec_dict(position)
	if outcome == "arrived":
		trip["arrival"] = _vec_dict(position)
		trip["arrived_at"] = int(game_time())
	_trip = {}
	state = State.IDLE
	if outcome == "arrived":
		_trip_backoff_s = 0.0
	elif outcome in ["stuck", "unreachable"]:
		_trip_backoff_s = _next_backoff(_trip_backoff_s)
		_back_off(_trip_backoff_s)
	trip_finished.emit(trip)
	if outcome == "arrived":
		arrived.emit(str(trip["place_id"]))
		if not current_command.get("activity", {}).is_empty():
			_start_activity()


func _start_activity() -> void:
	var activity: Dictionary = current_command.get("activity", {})
	_activity_ends_at = game_time() + float(activity.get("durationMinutes", 0)) * 60.0
	state = State.ACTING
	activity_started.emit(current_command)


func _finish_activity() -> void:
	state = State.IDLE
	if not current_command.get("activity", {}).is_empty():
		activity_finished.emit(current_command)


# Waits delay_s real seconds before asking the server again (once the conversation
# is over, if the agent is talking).
func _back_off(delay_s: float, after_failed_request: bool = false) -> void:
	_awaiting_retry = after_failed_request
	_retry_at_ms = Time.get_ticks_msec() + int(delay_s * 1000.0)
	if state != State.TALKING:
		state = State.BACKING_OFF


# The command's conversation event and utterance, in the order that makes sense of
# a command carrying both: a conversation starts before its line, ends after it.
func _apply_talk(command: Dictionary, kind: String) -> void:
	var conversation: Dictionary = command.get("conversation", {})
	if kind == "KIND_START":
		_start_conversation(conversation)
	_apply_utterance(command.get("utterance", {}))
	if kind == "KIND_END" and state == State.TALKING:
		# An END for another conversation (an old one, given up) changes nothing.
		if str(conversation.get("conversationId", "")) == str(_conversation.get("conversationId", "")):
			_end_conversation("ended")


func _start_conversation(conversation: Dictionary) -> void:
	if state == State.TALKING:
		if str(conversation.get("conversationId", "")) == str(_conversation.get("conversationId", "")):
			_touch_conversation()  # The same START again.
			return
		# The agent leaves one conversation for another; what they paused stays paused.
		var previous: Dictionary = _conversation
		_close_conversation("replaced")
		conversation_ended.emit(previous, "replaced")
	else:
		_pause()
	_conversation = conversation
	_partners = PackedStringArray()
	for participant: Variant in conversation.get("participantIds", []):
		if str(participant) != agent_id and not _partners.has(str(participant)):
			_partners.append(str(participant))
	_conversation_record = {
		"id": str(conversation.get("conversationId", "")),
		"with": Array(_partners),
		"started_at": int(game_time()),
		"ended_at": null,
		"outcome": "talking",
	}
	conversations.append(_conversation_record)
	_touch_conversation()
	state = State.TALKING
	conversation_started.emit(conversation)


# Stops whatever the agent is doing, remembering how to take it up again.
func _pause() -> void:
	match state:
		State.WALKING:
			_end_trip("interrupted")
			_resume = _Resume.RESTART
		State.ACTING:
			if current_command.get("activity", {}).is_empty():
				_resume = _Resume.ASK  # Only the wait after an empty command.
			else:
				_resume = _Resume.CONTINUE
				_paused_activity_s = maxf(_activity_ends_at - game_time(), 0.0)
		_:
			_resume = _Resume.ASK


func _end_conversation(outcome: String) -> void:
	var conversation: Dictionary = _conversation
	_close_conversation(outcome)
	match _resume:
		_Resume.RESTART:
			var move_to: Dictionary = current_command.get("moveTo", {})
			if not move_to.is_empty():
				_start_trip(current_command, move_to)
			else:
				_start_activity()
		_Resume.CONTINUE:
			_activity_ends_at = game_time() + _paused_activity_s
			state = State.ACTING
		_:
			if _awaiting_reply:
				state = State.REQUESTING
			elif Time.get_ticks_msec() < _retry_at_ms:
				state = State.BACKING_OFF
			else:
				state = State.IDLE
	conversation_ended.emit(conversation, outcome)


func _close_conversation(outcome: String) -> void:
	_conversation_record["outcome"] = outcome
	if outcome != "unfinished":
		_conversation_record["ended_at"] = int(game_time())
	_conversation = {}
	_conversation_record = {}
	_partners = PackedStringArray()


# Puts the give-up time off: the conversation is still going on.
func _touch_conversation() -> void:
	_conversation_deadline_ms = Time.get_ticks_msec() + int(conversation_timeout_s * 1000.0)


func _apply_utterance(utterance: Dictionary) -> void:
	var text: String = str(utterance.get("text", ""))
	if text.is_empty():
		return
	if state == State.TALKING:
		_touch_conversation()
	var speaker_id: String = str(utterance.get("speakerId", ""))
	if not speaker_id.is_empty() and speaker_id != agent_id:
		return  # A line this agent heard: the speaker's own command shows it.
	var to_agent_id: String = str(utterance.get("toAgentId", ""))
	utterances.append({"at": int(game_time()), "text": text, "to": to_agent_id})
	utterance_received.emit(text, to_agent_id)


# Turns the body, at TURN_SPEED, towards the partners (the middle of them, if several).
func _face_partners(delta: float) -> void:
	if not find_body.is_valid():
		return
	var sum: Vector3 = Vector3.ZERO
	var found: int = 0
	for partner_id: String in _partners:
		var partner: Node3D = find_body.call(partner_id) as Node3D
		if partner != null and partner != _body:
			sum += partner.global_position
			found += 1
	if found == 0:
		return
	var toward: Vector3 = sum / found - _body.global_position
	if Vector2(toward.x, toward.z).length() < 0.01:
		return
	_body.rotation.y = rotate_toward(_body.rotation.y, atan2(-toward.x, -toward.z), TURN_SPEED * delta)


func _path_length(path: PackedVector3Array) -> float:
	var length: float = 0.0
	for i: int in range(1, path.size()):
		length += _flat_distance(path[i - 1], path[i])
	return length


# 1 s, then twice as long each time, up to MAX_BACKOFF_S.
static func _next_backoff(previous_s: float) -> float:
	return MIN_BACKOFF_S if previous_s <= 0.0 else minf(previous_s * 2.0, MAX_BACKOFF_S)


static func _flat_distance(a: Vector3, b: Vector3) -> float:
	return Vector2(a.x - b.x, a.z - b.z).length()


static func _vec_dict(v: Vector3) -> Dictionary:
	return {"x": v.x, "y": v.y, "z": v.z}
