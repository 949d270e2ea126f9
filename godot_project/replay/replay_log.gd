extends RefCounted
## A replay log (docs/replay_log.md) read whole and indexed by game time, so that the
## state of the town at any time t is a few binary searches away, however long the run.
##
##   const ReplayLog: GDScript = preload("res://replay/replay_log.gd")
##   var replay_log: ReplayLog = ReplayLog.new()
##   if not replay_log.read("/abs/run/replay.jsonl"):
##       printerr(replay_log.error)          # "/abs/run/replay.jsonl:3: not JSON (...)"
##   replay_log.position_at("isabella", 30000.0)
##
## The state at t is a function of the log alone: an agent's position is interpolated
## linearly between the two step records around t (held at the first before the first,
## at the last after the last); everything else is the latest record at or before t
## (records of the same t in the order of the log). Every query below is such a function.
##
## Reading: blank lines are skipped; records of unknown types and unknown fields are
## ignored. A bad log fails read() with `error` naming the file and the line: a missing
## file, a line that is not a JSON object, a first record that is not the header, an
## unknown version, a record without a game time. Only an unfinished last line (the
## file does not end with a newline: the writer was stopped mid-line) is left out with a
## note. Records are put in time order (a log written in order is left as it is); a
## `resume` record drops the records before it that are later than its `from`: the run
## went on from that checkpoint, and what came after it the first time never happened.

const SimClock: GDScript = preload("res://town/sim_clock.gd")
## The version of the format this reader reads.
const VERSION: int = 1
## Moving less than this (horizontally) between two steps is standing still.
const STILL_M: float = 0.05


## Values in time order; the latest at or before t by binary search.
class Series:
	extends RefCounted
	var times: PackedFloat64Array = PackedFloat64Array()
	var items: Array = []

	func add(t: float, item: Variant) -> void:
		times.append(t)
		items.append(item)

	## The index of the latest item at or before t (the last of equal times), or -1.
	func index_at(t: float) -> int:
		return times.bsearch(t, false) - 1

	## The latest item at or before t, or fallback.
	func at(t: float, fallback: Variant = null) -> Variant:
		var index: int = index_at(t)
		return items[index] if index >= 0 else fallback

	func size() -> int:
		return times.size()


## Where one agent was at each step that reports it.
class Track:
	extends RefCounted
	var times: PackedFloat64Array = PackedFloat64Array()
	var positions: PackedVector3Array = PackedVector3Array()
	## Facing (radians about Y, 0 faces -Z) at each step: that of the latest walk.
	var yaws: PackedFloat32Array = PackedFloat32Array()
	## The step's entry for the agent: place, moving, doing, emoji, conversation.
	var states: Array[Dictionary] = []


## The file read.
var path: String = ""
## "path:line: what is wrong" when read() failed; empty otherwise.
var error: String = ""
## Things worth knowing about a log that still reads (an unfinished last line,
## records out of time order, records dropped by a resume).
var notes: PackedStringArray = PackedStringArray()
## The header record, and the parts of it the replay uses.
var header: Dictionary = {}
var town: Dictionary = {}
var agents: Array[Dictionary] = []
## Every step record kept, in the order of the log.
var steps: Array[Dictionary] = []
## Records read (the header included), and how many of each type were kept.
var record_count: int = 0
var counts: Dictionary = {}
## The game time of the earliest and latest record kept (the header's start_time
## when there is none).
var start_time: float = 0.0
var end_time: float = 0.0

var _tracks: Dictionary = {}  # agent id -> Track
var _commands: Dictionary = {}  # agent id -> Series of command records
var _memories: Dictionary = {}  # agent id -> Series of memory records
var _said_by: Dictionary = {}  # agent id -> Series of utterance records
var _lines_of: Dictionary = {}  # conversation id -> Series of utterance records
var _membership: Dictionary = {}  # agent id -> Series of conversation ids ("" when none)
var _conversations: Dictionary = {}  # conversation id -> {"id", "participants", "started_at", "ended_at"}
var _agent_by_id: Dictionary = {}


## Reads and indexes the log at log_path; false (and `error`) when it is not a
## replay log this reader can play.
func read(log_path: String) -> bool:
	path = log_path
	if not FileAccess.file_exists(log_path):
		return _fail(0, "no such file")
	var file: FileAccess = FileAccess.open(log_path, FileAccess.READ)
	if file == null:
		return _fail(0, "cannot open it: %s" % error_string(FileAccess.get_open_error()))
	var length: int = file.get_length()
	var ends_with_newline: bool = true
	if length > 0:
		file.seek(length - 1)
		ends_with_newline = file.get_8() == 10
		file.seek(0)
	var json: JSON = JSON.new()
	var raw: Array[Dictionary] = []
	var line_number: int = 0
	var has_header: bool = false
	while file.get_position() < length:
		var text: String = file.get_line().strip_edges()
		line_number += 1
		if text.is_empty():
			continue
		if json.parse(text) != OK:
			if file.get_position() >= length and not ends_with_newline and has_header:
				notes.append("line %d is unfinished (the writer stopped mid-line); left out" % line_number)
				break
			return _fail(line_number, "not JSON (%s)" % json.get_error_message())
		if not json.data is Dictionary:
			return _fail(line_number, "not a JSON object, so not a record")
		var record: Dictionary = json.data
		record_count += 1
		var type: String = str(record.get("type", ""))
		if not has_header:
			if type != "header":
				return _fail(line_number, "the first record is %s, not the header: is this a replay log?" % (
					"a '%s' record" % type if not type.is_empty() else "one without a type"))
			if not _read_header(record, line_number):
				return false
			has_header = true
			continue
		if type == "header":
			notes.append("line %d: a second header; ignored" % line_number)
			continue
		var t: Variant = record.get("t")
		if not (t is float or t is int):
			return _fail(line_number, "a '%s' record without its game time t" % type)
		record["_line"] = line_number
		raw.append(record)
	if not has_header:
		return _fail(0, "empty: there is no header line")
	_index(_in_time_order(_after_resumes(raw)))
	return true


## The Agent message of agent_id ({} when the header has no such agent).
func agent(agent_id: String) -> Dictionary:
	return _agent_by_id.get(agent_id, {})


## Ids of the agents the header lists, in its order.
func agent_ids() -> PackedStringArray:
	var ids: PackedStringArray = PackedStringArray()
	for entry: Dictionary in agents:
		ids.append(str(entry.get("id", "")))
	return ids


## Ids of the agents the steps report that the header does not list (the player, say),
## in the order they first appear.
func unlisted_ids() -> PackedStringArray:
	var ids: PackedStringArray = PackedStringArray()
	for agent_id: String in _tracks:
		if not _agent_by_id.has(agent_id):
			ids.append(agent_id)
	return ids


## True when some step reports where agent_id is.
func has_track(agent_id: String) -> bool:
	return _tracks.has(agent_id) and (_tracks[agent_id] as Track).times.size() > 0


## Where agent_id is at t: linearly between the steps around t, held at the first
## before it and at the last after it; fallback when no step reports the agent.
func position_at(agent_id: String, t: float, fallback: Vector3 = Vector3.ZERO) -> Vector3:
	var track: Track = _tracks.get(agent_id, null)
	if track == null or track.times.is_empty():
		return fallback
	var last: int = track.times.size() - 1
	var index: int = track.times.bsearch(t, false) - 1
	if index < 0:
		return track.positions[0]
	if index >= last:
		return track.positions[last]
	var span: float = track.times[index + 1] - track.times[index]
	return track.positions[index].lerp(track.positions[index + 1], (t - track.times[index]) / span)


## Which way agent_id faces at t (radians about Y, 0 faces -Z): where it walks
## between the steps around t, else where its latest walk took it.
func yaw_at(agent_id: String, t: float) -> float:
	var track: Track = _tracks.get(agent_id, null)
	if track == null or track.times.is_empty():
		return 0.0
	var last: int = track.times.size() - 1
	var index: int = clampi(track.times.bsearch(t, false) - 1, 0, last)
	if index < last and t >= track.times[index]:
		var walk: Vector3 = track.positions[index + 1] - track.positions[index]
		if Vector2(walk.x, walk.z).length() > STILL_M:
			return atan2(-walk.x, -walk.z)
	return track.yaws[index]


## True when agent_id walks between the steps around t.
func walking_at(agent_id: String, t: float) -> bool:
	var track: Track = _tracks.get(agent_id, null)
	if track == null or track.times.is_empty():
		return false
	var index: int = track.times.bsearch(t, false) - 1
	if index < 0 or index >= track.times.size() - 1:
		return false
	var walk: Vector3 = track.positions[index + 1] - track.positions[index]
	return Vector2(walk.x, walk.z).length() > STILL_M


## The latest step's entry for agent_id at or before t: {place, moving, doing, emoji,
## conversation}; {} before its first step.
func step_state_at(agent_id: String, t: float) -> Dictionary:
	var track: Track = _tracks.get(agent_id, null)
	if track == null:
		return {}
	var index: int = track.times.bsearch(t, false) - 1
	return track.states[index] if index >= 0 else {}


## The latest command record for agent_id at or before t; {} when none.
func command_at(agent_id: String, t: float) -> Dictionary:
	var series: Series = _commands.get(agent_id, null)
	return series.at(t, {}) if series != null else {}


## The id of the conversation agent_id is in at t ("" when none): from the
## conversation records, or from the steps in a log that has none.
func conversation_at(agent_id: String, t: float) -> String:
	var series: Series = _membership.get(agent_id, null)
	return str(series.at(t, "")) if series != null else ""


## The latest conversation agent_id has been in by t, ongoing or over ("" when none).
func last_conversation_at(agent_id: String, t: float) -> String:
	var series: Series = _membership.get(agent_id, null)
	if series == null:
		return ""
	var index: int = series.index_at(t)
	while index >= 0:
		if not str(series.items[index]).is_empty():
			return str(series.items[index])
		index -= 1
	return ""


## What the log says about a conversation: {"id", "participants" (ids),
## "started_at", "ended_at" (-1 when no end is logged)}; {} for an unknown id.
func conversation(conversation_id: String) -> Dictionary:
	return _conversations.get(conversation_id, {})


## The utterance records of a conversation said by t, oldest first.
func lines_at(conversation_id: String, t: float) -> Array[Dictionary]:
	var lines: Array[Dictionary] = []
	var series: Series = _lines_of.get(conversation_id, null)
	if series == null:
		return lines
	for index: int in series.index_at(t) + 1:
		lines.append(series.items[index])
	return lines


## agent_id's latest utterance record at or before t, while it is the latest line of
## its conversation (the next line, whoever says it, takes over); {} when none.
func latest_line_at(agent_id: String, t: float) -> Dictionary:
	var said: Series = _said_by.get(agent_id, null)
	if said == null:
		return {}
	var utterance: Dictionary = said.at(t, {})
	if utterance.is_empty():
		return {}
	var series: Series = _lines_of.get(str(utterance.get("conversation", "")), null)
	if series != null and int((series.at(t, {}) as Dictionary).get("_line", -1)) != int(utterance["_line"]):
		return {}
	return utterance


## The memory records of agent_id stored by t, newest first, at most limit of them.
func memories_at(agent_id: String, t: float, limit: int) -> Array[Dictionary]:
	var found: Array[Dictionary] = []
	var series: Series = _memories.get(agent_id, null)
	if series == null:
		return found
	var index: int = series.index_at(t)
	while index >= 0 and found.size() < limit:
		found.append(series.items[index])
		index -= 1
	return found


## How many memories agent_id has stored by t.
func memory_count_at(agent_id: String, t: float) -> int:
	var series: Series = _memories.get(agent_id, null)
	return series.index_at(t) + 1 if series != null else 0


# ---- reading -------------------------------------------------------------------

func _read_header(record: Dictionary, line_number: int) -> bool:
	var version: Variant = record.get("version")
	if not (version is float or version is int) or float(version) != float(VERSION):
		var given: String = "(none)" if version == null else JSON.stringify(version)
		if (version is float or version is int) and float(version) == floorf(float(version)):
			given = str(int(version))
		return _fail(line_number, "unknown replay log version %s (this replay reads version %d)" % [given, VERSION])
	if not record.get("town") is Dictionary:
		return _fail(line_number, "the header has no town")
	header = record
	town = record["town"]
	var listed: Variant = record.get("agents", [])
	if not listed is Array:
		return _fail(line_number, "the header's agents are not a list")
	for entry: Variant in listed:
		if entry is Dictionary and not str((entry as Dictionary).get("id", "")).is_empty():
			agents.append(entry)
			_agent_by_id[str((entry as Dictionary)["id"])] = entry
	var start: Variant = record.get("start_time", 0)
	start_time = float(start) if (start is float or start is int) else 0.0
	end_time = start_time
	return true


# A resume record: the run went on from its checkpoint (`from`); records before it
# that are later than that checkpoint were lost with the interrupted run.
func _after_resumes(raw: Array[Dictionary]) -> Array[Dictionary]:
	var kept: Array[Dictionary] = []
	for record: Dictionary in raw:
		if str(record.get("type", "")) != "resume":
			kept.append(record)
			continue
		var from: Variant = record.get("from", record["t"])
		var checkpoint: float = float(from) if (from is float or from is int) else float(record["t"])
		var before: int = kept.size()
		var survivors: Array[Dictionary] = []
		for earlier: Dictionary in kept:
			if float(earlier["t"]) <= checkpoint:
				survivors.append(earlier)
		kept = survivors
		counts["resume"] = int(counts.get("resume", 0)) + 1
		if kept.size() < before:
			notes.append("line %d: the run resumed from %s; %d later records before it dropped" % [
				int(record["_line"]), SimClock.format_time(checkpoint), before - kept.size()])
	return kept


# Sorted by game time; records of the same time keep the order of the log.
func _in_time_order(records: Array[Dictionary]) -> Array[Dictionary]:
	var out_of_order: int = 0
	for index: int in range(1, records.size()):
		if float(records[index]["t"]) < float(records[index - 1]["t"]):
			out_of_order += 1
	if out_of_order == 0:
		return records
	notes.append("%d records come before an earlier game time; replayed in time order" % out_of_order)
	var sorted: Array[Dictionary] = records.duplicate()
	sorted.sort_custom(func(a: Dictionary, b: Dictionary) -> bool:
		var ta: float = float(a["t"])
		var tb: float = float(b["t"])
		return ta < tb or (ta == tb and int(a["_line"]) < int(b["_line"])))
	return sorted


func _index(records: Array[Dictionary]) -> void:
	var has_conversation_records: bool = false
	for record: Dictionary in records:
		if str(record.get("type", "")) == "conversation":
			has_conversation_records = true
			break
	for record: Dictionary in records:
		var t: float = float(record["t"])
		var type: String = str(record.get("type", ""))
		counts[type] = int(counts.get(type, 0)) + 1
		match type:
			"step":
				_index_step(record, t, not has_conversation_records)
			"command":
				_series(_commands, str(record.get("agent", ""))).add(t, record)
			"memory":
				_series(_memories, str(record.get("agent", ""))).add(t, record)
			"utterance":
				_series(_said_by, str(record.get("speaker", ""))).add(t, record)
				var conversation_id: String = str(record.get("conversation", ""))
				if not conversation_id.is_empty():
					_series(_lines_of, conversation_id).add(t, record)
			"conversation":
				_index_conversation(record, t)
	if not records.is_empty():
		start_time = minf(start_time, float(records[0]["t"])) if start_time > 0.0 else float(records[0]["t"])
		end_time = float(records[records.size() - 1]["t"])
	end_time = maxf(end_time, start_time)
	for agent_id: String in _tracks:
		_fill_yaws(_tracks[agent_id])
	# The steps, as the log has them (its order, for checking them one by one).
	steps.sort_custom(func(a: Dictionary, b: Dictionary) -> bool: return int(a["_line"]) < int(b["_line"]))


func _index_step(record: Dictionary, t: float, membership_from_steps: bool) -> void:
	steps.append(record)
	var entries: Variant = record.get("agents", [])
	if not entries is Array:
		return
	for entry: Variant in entries:
		if not entry is Dictionary:
			continue
		var state: Dictionary = entry
		var agent_id: String = str(state.get("id", ""))
		if agent_id.is_empty():
			continue
		var track: Track = _tracks.get(agent_id, null)
		if track == null:
			track = Track.new()
			_tracks[agent_id] = track
		track.times.append(t)
		track.positions.append(_vec3(state.get("position", {})))
		track.states.append(state)
		if membership_from_steps:
			var membership: Series = _series(_membership, agent_id)
			var conversation_id: String = str(state.get("conversation", ""))
			if membership.size() == 0 or str(membership.items[membership.size() - 1]) != conversation_id:
				membership.add(t, conversation_id)


func _index_conversation(record: Dictionary, t: float) -> void:
	var conversation_id: String = str(record.get("conversation", ""))
	var participants: PackedStringArray = PackedStringArray()
	var listed: Variant = record.get("participants", [])
	if listed is Array:
		for participant: Variant in listed:
			participants.append(str(participant))
	var entry: Dictionary = _conversations.get(conversation_id, {})
	if entry.is_empty():
		entry = {"id": conversation_id, "participants": participants, "started_at": t, "ended_at": -1.0}
		_conversations[conversation_id] = entry
	elif (entry["participants"] as PackedStringArray).is_empty():
		entry["participants"] = participants
	var starting: bool = str(record.get("event", "")) == "start"
	if not starting:
		entry["ended_at"] = t
		if participants.is_empty():
			participants = entry["participants"]
	for participant: String in participants:
		var membership: Series = _series(_membership, participant)
		if starting:
			membership.add(t, conversation_id)
		elif str(membership.at(t, "")) == conversation_id:
			membership.add(t, "")


# Each step's facing: the direction of the latest walk that ended there or before
# (before the first walk, that walk's direction; never walked: 0).
static func _fill_yaws(track: Track) -> void:
	var count: int = track.times.size()
	track.yaws.resize(count)
	var yaw: float = NAN
	var first_known: int = -1
	for index: int in count:
		if index > 0:
			var walk: Vector3 = track.positions[index] - track.positions[index - 1]
			if Vector2(walk.x, walk.z).length() > STILL_M:
				yaw = atan2(-walk.x, -walk.z)
				if first_known < 0:
					first_known = index
		track.yaws[index] = yaw
	for index: int in count:
		if is_nan(track.yaws[index]):
			track.yaws[index] = track.yaws[first_known] if first_known >= 0 else 0.0


static func _series(table: Dictionary, key: String) -> Series:
	var series: Series = table.get(key, null)
	if series == null:
		series = Series.new()
		table[key] = series
	return series


static func _vec3(message: Variant) -> Vector3:
	if not message is Dictionary:
		return Vector3.ZERO
	var v: Dictionary = message
	return Vector3(float(v.get("x", 0.0)), float(v.get("y", 0.0)), float(v.get("z", 0.0)))


func _fail(line_number: int, message: String) -> bool:
	error = "%s:%d: %s" % [path, line_number, message] if line_number > 0 else "%s: %s" % [path, message]
	return false
