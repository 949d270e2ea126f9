class_name SimulacraAgentConversation
extends RefCounted
## The conversation bookkeeping of a SimulacraAgentController, which owns one: the
## conversation in progress (its KIND_START event, its partners, its record in the
## controller's conversations), when it is given up for want of any sign of it, and
## turning the body to face the partners, the lines the agent says, and what it
## takes up again afterwards (resume, which the controller sets and carries out).

## What the agent does when its conversation is over: ask the server anew, carry out
## its current command from the start (walk, then the whole activity), or do the rest
## of an activity it had begun.
enum Resume { ASK, RESTART, CONTINUE }

# Radians per real second: a half turn towards a partner takes half a second.
const TURN_SPEED: float = TAU

## The KIND_START event of the conversation in progress, as received; empty when
## the agent is not talking.
var event: Dictionary = {}
## The other participants' ids; empty when the agent is not talking.
var partners: PackedStringArray = PackedStringArray()
## What the agent takes up when the conversation is over.
var resume: Resume = Resume.ASK
## Game seconds left of the activity the conversation paused (resume CONTINUE).
var paused_activity_s: float = 0.0

# Its entry in the controller's conversations.
var _record: Dictionary = {}
var _deadline_ms: int = 0


## True when conversation (a ConversationEvent) is the one in progress.
func is_current(conversation: Dictionary) -> bool:
	return str(conversation.get("conversationId", "")) == str(event.get("conversationId", ""))


## Takes up conversation (a KIND_START event) for agent_id at game second now, to be
## given up after timeout_s real seconds without a sign of it; returns its record
## ({"id", "with", "started_at", "ended_at", "outcome": "talking"}).
func begin(conversation: Dictionary, agent_id: String, now: int, timeout_s: float) -> Dictionary:
	event = conversation
	partners = PackedStringArray()
	for participant: Variant in conversation.get("participantIds", []):
		if str(participant) != agent_id and not partners.has(str(participant)):
			partners.append(str(participant))
	_record = {
		"id": str(conversation.get("conversationId", "")),
		"with": Array(partners),
		"started_at": now,
		"ended_at": null,
		"outcome": "talking",
	}
	touch(timeout_s)
	return _record


## Closes the conversation in progress with outcome at game second now (ended_at
## stays null for "unfinished") and returns its KIND_START event.
func close(outcome: String, now: int) -> Dictionary:
	var conversation: Dictionary = event
	_record["outcome"] = outcome
	if outcome != "unfinished":
		_record["ended_at"] = now
	event = {}
	_record = {}
	partners = PackedStringArray()
	return conversation


## Puts the give-up time off, timeout_s real seconds from now: the conversation is
## still going on.
func touch(timeout_s: float) -> void:
	_deadline_ms = Time.get_ticks_msec() + int(timeout_s * 1000.0)


## True once the give-up time has passed.
func timed_out() -> bool:
	return Time.get_ticks_msec() >= _deadline_ms


## The line that utterance (an Utterance) makes agent_id say at game second now:
## {"at", "text", "to": the listener's id, empty when speaking to no one in
## particular}; empty when it says nothing, or when it is a line the agent heard (the
## speaker's own command shows it). Any line while talking puts the give-up time off.
func line_of(utterance: Dictionary, agent_id: String, talking: bool, now: int, timeout_s: float) -> Dictionary:
	var text: String = str(utterance.get("text", ""))
	if text.is_empty():
		return {}
	if talking:
		touch(timeout_s)
	var speaker_id: String = str(utterance.get("speakerId", ""))
	if not speaker_id.is_empty() and speaker_id != agent_id:
		return {}
	return {"at": now, "text": text, "to": str(utterance.get("toAgentId", ""))}


## Turns body, at TURN_SPEED, towards the partners (the middle of them, if several),
## whose bodies find_body gives by id; without find_body it does not turn.
func face_partners(body: Node3D, find_body: Callable, delta: float) -> void:
	if not find_body.is_valid():
		return
	var sum: Vector3 = Vector3.ZERO
	var found: int = 0
	for partner_id: String in partners:
		var partner: Node3D = find_body.call(partner_id) as Node3D
		if partner != null and partner != body:
			sum += partner.global_position
			found += 1
	if found == 0:
		return
	var toward: Vector3 = sum / found - body.global_position
	if Vector2(toward.x, toward.z).length() < 0.01:
		return
	body.rotation.y = rotate_toward(body.rotation.y, atan2(-toward.x, -toward.z), TURN_SPEED * delta)
