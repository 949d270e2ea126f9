extends Node
## The game clock: seconds since the simulation epoch (day 1, 00:00).
##
## It stands still until start(), then advances `speed` game seconds per real second.
## Time is accumulated frame by frame, so changing `speed` (set_speed) never makes it
## jump, and while paused (set_paused) it holds still; now() and elapsed() read the
## same accumulated time either way. set_now() moves it (a loaded save).

## The clock began to run.
signal started
## The clock was paused or resumed.
signal paused_changed(paused: bool)
## `speed` changed.
signal speed_changed(speed: float)

## 08:00 on day 1: the API has no field for the scenario's start yet.
const DEFAULT_START_TIME: int = 8 * 3600
const DEFAULT_SPEED: float = 60.0
const SECONDS_PER_DAY: int = 24 * 3600

## Game seconds per real second (> 0). Setting it takes effect from the next frame.
@export var speed: float = DEFAULT_SPEED:
	set(value):
		if value <= 0.0 or is_equal_approx(value, speed):
			return
		speed = value
		speed_changed.emit(speed)
## Game time when the clock starts, seconds since the epoch.
@export var start_time: int = DEFAULT_START_TIME

## True once started (and until stop()), paused or not.
var running: bool = false
## True while paused: time holds still until set_paused(false).
var paused: bool = false

var _elapsed: float = 0.0


func _process(delta: float) -> void:
	if running and not paused:
		_elapsed += delta * speed


## Starts the clock at start_time.
func start() -> void:
	if running:
		return
	running = true
	started.emit()


## Stops the clock where it is.
func stop() -> void:
	running = false


## Pauses (true) or resumes (false) the clock; emits paused_changed on a change.
func set_paused(value: bool) -> void:
	if value == paused:
		return
	paused = value
	paused_changed.emit(paused)


func is_paused() -> bool:
	return paused


## Sets game seconds per real second (ignored unless > 0).
func set_speed(value: float) -> void:
	speed = value


## Moves the clock to a game time (seconds since the epoch), e.g. a loaded save's.
## elapsed() counts from start_time, so it changes by the same amount.
func set_now(game_seconds: float) -> void:
	_elapsed = game_seconds - start_time


## The current game time, seconds since the epoch.
func now() -> float:
	return start_time + _elapsed


## Game seconds since the clock started.
func elapsed() -> float:
	return _elapsed


## "Day 1 08:05" for a game time in seconds since the epoch.
static func format_time(game_seconds: float) -> String:
	var total: int = floori(game_seconds)
	var day: int = floori(total / float(SECONDS_PER_DAY)) + 1
	var of_day: int = posmod(total, SECONDS_PER_DAY)
	return "Day %d %02d:%02d" % [day, floori(of_day / 3600.0), floori((of_day % 3600) / 60.0)]
