extends RefCounted
## A replay log (docs/replay_log.md) read whole and indexed by game time, so that the
## state of the town at any time t is a few binary searches away, however long the run.
##
##   const ReplayLog: GDScript = preload("res://replay/replay_log.gd")
##   var replay_log: ReplayLog = ReplayLog.new()
##   if not replay_log.read("/abs/run/replay.jsonl"):
##       printerr(replay_log.reader.error)   # "/abs/run/replay.jsonl:3: not JSON (...)"
##   replay_log.reader.header                # what was read: see replay_reader.gd
##   replay_log.position_at("isabella", 30000.0)
##
## The state at t is a function of the log alone: an agent's position is interpolated
## linearly between the two step records around t (held at the first before the first,
## at the last after the last); everything else is the latest record at or before t
## (records of the same t in the order of the log). Every query below is such a function.
##
## Reading: replay_reader.gd reads and checks the file (a bad log fails read() with
## `reader.error` naming the file and the line), puts the records in time order and
## applies `resume` records; the log keeps that reader as `reader`, whose fields say
## what was read (path, error, notes, header, town, agents, record_count). Records of
## unknown types and unknown fields are ignored.
##
## This script indexes the records and answers the queries; replay_track.gd holds each
## agent's steps (position, facing, walking).


const TownData: GDScript = preload("res://town/town_data.gd")
const ReplayReader: GDScript = preload("res://replay/replay_reader.gd")
const Track: GDScript = preload("res://replay/replay_track.gd")
## The version of the format this reader reads.
const VERSION: int = ReplayReader.VERSION
## Moving less than this (horizontally) between two steps is standing still.
const STILL_M: float = Track.STILL_M

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


## What read() read, as replay_reader.gd has it: the file's `path`, its `error` (when
## read() failed), `notes`, the `header` record with its `town` and `agents` (those
## with an id), and `record_count` (records read, the header included).
var reader: ReplayReader = ReplayReader.new()
## Every step record kept, in the order of the log.
var steps: Array[Dictionary] = []
## How many records of each type were kept.
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

## Reads and indexes the log at log_path; false (and `reader.error`) when it is not
## a replay log this reader can play.
func read(log_path: String) -> bool:
	var ok: bool = reader.read(log_path)
	for entry: Dictionary in reader.agents:
		_agent_by_id[str(entry["id"])] = entry
	start_time = reader.start_time
	end_time = start_time
	if not ok:
		return false
	if reader.resumes > 0:
		counts["resume"] = int(counts.get("resume", 0)) + reader.resumes
	_index(reader.records)
	return true


## The Agent message of agent_id ({} when the header has no such agent).
func agent(agent_id: String) -> Dictionary:
	return _agent_by_id.get(agent_id, {})


## Ids of the agents the header lists, in its order.
func agent_ids() -> PackedStringArray:
	var ids: PackedStringArray = PackedStringArray()
	for entry: Dictionary in reader.agents:
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
	return _tracks.has(agent_id) and not (_tracks[agent_id] as Track).is_empty()


## Where agent_id is at t: linearly between the steps around t, held at the first
## before it and at the last after it; fallback when no step reports the agent.
func position_at(agent_id: String, t: float, fallback: Vector3 = Vector3.ZERO) -> Vector3:
	var track: Track = _tracks.get(agent_id, null)
	return track.position_at(t, fallback) if track != null else fallback


## Which way agent_id faces at t (radians about Y, 0 faces -Z): where it walks
## between the steps around t, else where its latest walk took it.
func yaw_at(agent_id: String, t: float) -> float:
	var track: Track = _tracks.get(agent_id, null)
	return track.yaw_at(t) if track != null else 0.0


## True when agent_id walks between the steps around t.
func walking_at(agent_id: String, t: float) -> bool:
	var track: Track = _tracks.get(agent_id, null)
	return track != null and track.walking_at(t)


## The latest step's entry for agent_id at or before t: {place, moving, doing, emoji,
## conversation}; {} before its first step.
func step_state_at(agent_id: String, t: float) -> Dictionary:
	var track: Track = _tracks.get(agent_id, null)
	return track.state_at(t) if track != null else {}


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



# ---- indexing ------------------------------------------------------------------

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
		(_tracks[agent_id] as Track).fill_yaws()
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
		track.add(t, TownData.vec3(state.get("position", {})), state)
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



static func _series(table: Dictionary, key: String) -> Series:
	var series: Series = table.get(key, null)
	if series == null:
		series = Series.new()
		table[key] = series
	return series


