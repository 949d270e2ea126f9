class_name SimulacraAgentRequests
extends RefCounted
## When a SimulacraAgentController, which owns one, asks the server (NextAction)
## again, and which reply still counts: the back-offs after a failed request and
## after failed trips, and the serial numbers that tell a reply overtaken by an
## interruption or by a later request. The controller keeps the state it is in.

const MIN_BACKOFF_S: float = 1.0
const MAX_BACKOFF_S: float = 10.0

## True while the latest NextAction request waits for its reply: a conversation that
## ends meanwhile waits for that reply rather than asking again.
var awaiting_reply: bool = false
## True while backing off to ask again after a NextAction failed (not a trip's backoff).
var awaiting_retry: bool = false
## Bumped by every applied command, so that a NextAction reply that arrives after
## an interruption does not override it.
var command_serial: int = 0

# Bumped by every NextAction request, so that only the latest one's reply counts.
var _request_serial: int = 0
var _backoff_s: float = 0.0
# Separate from _backoff_s, which a good reply resets: a server that keeps sending
# the agent somewhere it cannot reach must not be asked again every frame.
var _trip_backoff_s: float = 0.0
var _retry_at_ms: int = 0


## A NextAction request goes out; returns its number, for reply_counts().
func begin_request() -> int:
	_request_serial += 1
	awaiting_reply = true
	return _request_serial


## The reply to request came (ok or not) while command_serial was serial: true
## when it is still the one to carry out (no later request, no command applied since).
func reply_counts(request: int, serial: int) -> bool:
	if request == _request_serial:
		awaiting_reply = false
	return serial == command_serial and request == _request_serial


## A NextAction failed: the back-off grows (1 s, then twice as long each time, up to
## MAX_BACKOFF_S) and is returned, the real seconds to wait before asking again.
func request_failed() -> float:
	_backoff_s = _next_backoff(_backoff_s)
	wait(_backoff_s, true)
	return _backoff_s


## A NextAction succeeded: the next failure waits MIN_BACKOFF_S again.
func request_succeeded() -> void:
	_backoff_s = 0.0


## A trip arrived (arrived true) or failed: a failure waits, longer while trips fail.
func trip_ended(arrived: bool) -> void:
	if arrived:
		_trip_backoff_s = 0.0
	else:
		_trip_backoff_s = _next_backoff(_trip_backoff_s)
		wait(_trip_backoff_s)


## Asks again no sooner than delay_s real seconds from now.
func wait(delay_s: float, after_failed_request: bool = false) -> void:
	awaiting_retry = after_failed_request
	_retry_at_ms = Time.get_ticks_msec() + int(delay_s * 1000.0)


## True once the latest wait is over.
func retry_due() -> bool:
	return Time.get_ticks_msec() >= _retry_at_ms


static func _next_backoff(previous_s: float) -> float:
	return MIN_BACKOFF_S if previous_s <= 0.0 else minf(previous_s * 2.0, MAX_BACKOFF_S)
