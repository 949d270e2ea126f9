extends Node
## The game clock: seconds since the simulation epoch (day 1, 00:00).
##
## It stands still until start(), then advances `speed` game seconds per real second.

## The clock began to run.
signal started

## 08:00 on day 1: the API has no field for the scenario's start yet.
const DEFAULT_START_TIME: int = 8 * 3600
const DEFAULT_SPEED: float = 60.0
const SECONDS_PER_DAY: int = 24 * 3600

## Game seconds per real second.
@export var speed: float = DEFAULT_SPEED
## Game time when the clock starts, seconds since the epoch.
@export var start_time: int = DEFAULT_START_TIME

## True while the clock advances.
var running: bool = false

var _elapsed: float = 0.0


func _process(delta: float) -> void:
	if running:
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
