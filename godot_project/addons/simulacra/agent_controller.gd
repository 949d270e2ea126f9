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
## Every command is kept in `commands` as received, every walk in `trips` (with what
## it proves: see agent_walk.gd), every conversation in `conversations` and every line
## said in `utterances`.
##
## Each signal is also emitted, right after, on the NpcEvents autoload (npc_events.gd),
## with agent_id first. Its parts: agent_walk.gd, agent_conversation.gd, agent_requests.gd.

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

const AgentWalk: GDScript = preload("res://addons/simulacra/agent_walk.gd")
const AgentConversation: GDScript = preload("res://addons/simulacra/agent_conversation.gd")
const AgentRequests: GDScript = preload("res://addons/simulacra/agent_requests.gd")

# A command that asks for nothing (no walk, no activity) is followed by this wait
# so that the controller does not ask the server again in a tight loop.
const EMPTY_COMMAND_WAIT_MINUTES: float = 1.0

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

var _activity_ends_at: float = 0.0
# The walk (null until _ready finds the navigation agent), the conversation, and
# when to ask the server.
var _walk: AgentWalk = null
var _talk: AgentConversation = AgentConversation.new()
var _requests: AgentRequests = AgentRequests.new()

@onready var _body: CharacterBody3D = get_parent() as CharacterBody3D


func _ready() -> void:
	if _body != null and navigation_agent == null:
		for child: Node in _body.get_children():
			if child is NavigationAgent3D:
				navigation_agent = child
				break
	if _body == null or navigation_agent == null:
		push_warning("SimulacraAgentController must be a child of a CharacterBody3D" if _body == null
			else "SimulacraAgentController needs a NavigationAgent3D sibling")
		set_physics_process(false)
		set_process(false)
		return
	_walk = AgentWalk.new(_body, navigation_agent, avoid_others, walk_speed)


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
			if _requests.retry_due():
				state = State.IDLE
		State.TALKING:
			if _talk.timed_out():
				_end_conversation("timed_out")


func _physics_process(delta: float) -> void:
	if get_tree().paused:
		return
	if state != State.WALKING:
		_walk.stand(avoid_others)
	elif _walk.steer(delta):
		_end_trip("arrived")
	if state == State.TALKING:
		_talk.face_partners(_body, find_body, delta)
	_walk.move(delta)
	if state == State.WALKING and _walk.track(delta):
		_end_trip("stuck")


## True while the agent waits for the server to say what it does next: a NextAction
## in flight, or waiting to ask again after one failed.
func is_waiting_for_server() -> bool:
	return state == State.REQUESTING or (state == State.BACKING_OFF and _requests.awaiting_retry)


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
		_talk.close("unfinished", int(game_time()))
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
	var stopped: bool = state == State.STOPPED
	# Only a command with a walk or an activity replaces what the agent is doing.
	var replaces: bool = not stopped and not (move_to.is_empty() and activity.is_empty())
	if replaces:
		_requests.command_serial += 1
		if state == State.WALKING:
			_end_trip("interrupted")
	command_received.emit(command)
	NpcEvents.command_received.emit(agent_id, command)
	if stopped:
		return
	var kind: String = str(command.get("conversation", {}).get("kind", ""))
	if not replaces:
		_apply_talk(command, kind)
		return
	if kind == "KIND_END":
		# This command's walk and activity come next, not what the conversation paused.
		_talk.resume = AgentConversation.Resume.ASK
	_apply_talk(command, kind)
	current_command = command
	if state == State.TALKING:
		_talk.resume = AgentConversation.Resume.RESTART
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
	return _talk.partners if state == State.TALKING else PackedStringArray()


## The current game time, seconds since the simulation epoch.
func game_time() -> float:
	if clock.is_valid():
		return float(clock.call())
	return Time.get_ticks_msec() / 1000.0


func _request_next_action() -> void:
	state = State.REQUESTING
	var serial: int = _requests.command_serial
	var request: int = _requests.begin_request()
	var result: Dictionary = await AgentClient.next_action(agent_id, int(game_time()))
	var counts: bool = _requests.reply_counts(request, serial)
	# A reply that comes while the agent talks is what it does afterwards.
	if not counts or state not in [State.REQUESTING, State.TALKING]:
		# Superseded by an interruption, or stopped: kept as received, not carried out.
		if result.get("ok", false):
			commands.append(result.get("payload", {}))
		return
	if not result.get("ok", false):
		var retry_in_s: float = _requests.request_failed()
		if state != State.TALKING:
			state = State.BACKING_OFF  # Asks again once the conversation is over, if talking.
		action_failed.emit(result.get("error", {}), retry_in_s)
		NpcEvents.action_failed.emit(agent_id, result.get("error", {}), retry_in_s)
		return
	_requests.request_succeeded()
	apply_command(result.get("payload", {}))
	if state == State.REQUESTING:
		# Nothing to walk to or do: wait a little before asking again.
		current_command = {}
		_activity_ends_at = game_time() + EMPTY_COMMAND_WAIT_MINUTES * 60.0
		state = State.ACTING


func _start_trip(command: Dictionary, move_to: Dictionary) -> void:
	trips.append(_walk.begin(command, move_to, int(game_time()), walk_speed, avoid_others, avoidance_until_m))
	state = State.WALKING


# Closes the current trip. An arrival goes on to the command's activity; a trip
# that failed asks the server again, after a back-off that grows while trips fail.
func _end_trip(outcome: String) -> void:
	var trip: Dictionary = _walk.finish(outcome, int(game_time()), arrival_tolerance)
	outcome = str(trip["outcome"])
	var failed: bool = outcome in ["stuck", "unreachable"]
	state = State.BACKING_OFF if failed else State.IDLE
	if failed or outcome == "arrived":
		_requests.trip_ended(not failed)
	trip_finished.emit(trip)
	NpcEvents.trip_finished.emit(agent_id, trip)
	if failed:
		NpcEvents.got_stuck.emit(agent_id, trip)
	if outcome == "arrived":
		arrived.emit(str(trip["place_id"]))
		NpcEvents.arrived.emit(agent_id, str(trip["place_id"]))
		if not current_command.get("activity", {}).is_empty():
			_start_activity()


func _start_activity() -> void:
	var activity: Dictionary = current_command.get("activity", {})
	_activity_ends_at = game_time() + float(activity.get("durationMinutes", 0)) * 60.0
	state = State.ACTING
	activity_started.emit(current_command)
	NpcEvents.activity_started.emit(agent_id, current_command)


func _finish_activity() -> void:
	state = State.IDLE
	if not current_command.get("activity", {}).is_empty():
		activity_finished.emit(current_command)
		NpcEvents.activity_finished.emit(agent_id, current_command)


# The command's conversation event and utterance, in the order that makes sense of
# a command carrying both: a conversation starts before its line, ends after it.
func _apply_talk(command: Dictionary, kind: String) -> void:
	var conversation: Dictionary = command.get("conversation", {})
	if kind == "KIND_START":
		_start_conversation(conversation)
	_apply_utterance(command.get("utterance", {}))
	if kind == "KIND_END" and state == State.TALKING:
		# An END for another conversation (an old one, given up) changes nothing.
		if _talk.is_current(conversation):
			_end_conversation("ended")


func _start_conversation(conversation: Dictionary) -> void:
	if state == State.TALKING:
		if _talk.is_current(conversation):
			_talk.touch(conversation_timeout_s)  # The same START again.
			return
		# The agent leaves one conversation for another; what they paused stays paused.
		_emit_conversation_ended(_talk.close("replaced", int(game_time())), "replaced")
	else:
		_pause()
	conversations.append(_talk.begin(conversation, agent_id, int(game_time()), conversation_timeout_s))
	state = State.TALKING
	conversation_started.emit(conversation)
	NpcEvents.conversation_started.emit(agent_id, conversation)


# Stops whatever the agent is doing, remembering how to take it up again.
func _pause() -> void:
	match state:
		State.WALKING:
			_end_trip("interrupted")
			_talk.resume = AgentConversation.Resume.RESTART
		State.ACTING:
			if current_command.get("activity", {}).is_empty():
				_talk.resume = AgentConversation.Resume.ASK  # Only the wait after an empty command.
			else:
				_talk.resume = AgentConversation.Resume.CONTINUE
				_talk.paused_activity_s = maxf(_activity_ends_at - game_time(), 0.0)
		_:
			_talk.resume = AgentConversation.Resume.ASK


func _end_conversation(outcome: String) -> void:
	var conversation: Dictionary = _talk.close(outcome, int(game_time()))
	match _talk.resume:
		AgentConversation.Resume.RESTART:
			var move_to: Dictionary = current_command.get("moveTo", {})
			if not move_to.is_empty():
				_start_trip(current_command, move_to)
			else:
				_start_activity()
		AgentConversation.Resume.CONTINUE:
			_activity_ends_at = game_time() + _talk.paused_activity_s
			state = State.ACTING
		_:
			if _requests.awaiting_reply:
				state = State.REQUESTING
			elif not _requests.retry_due():
				state = State.BACKING_OFF
			else:
				state = State.IDLE
	_emit_conversation_ended(conversation, outcome)


func _apply_utterance(utterance: Dictionary) -> void:
	var line: Dictionary = _talk.line_of(utterance, agent_id, state == State.TALKING, int(game_time()),
		conversation_timeout_s)
	if not line.is_empty():
		utterances.append(line)
		utterance_received.emit(str(line["text"]), str(line["to"]))
		NpcEvents.utterance_received.emit(agent_id, str(line["text"]), str(line["to"]))


func _emit_conversation_ended(conversation: Dictionary, outcome: String) -> void:
	conversation_ended.emit(conversation, outcome)
	NpcEvents.conversation_ended.emit(agent_id, conversation, outcome)

