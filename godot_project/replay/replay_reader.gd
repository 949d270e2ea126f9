extends RefCounted
## Reads a replay log (docs/replay_log.md) line by line into its header and its
## records, checking them, for replay_log.gd's read(), which indexes what it returns
## and keeps the reader as its `reader`: what was read, for the log's users.
##
## Blank lines are skipped. A bad log fails read() with `error` naming the file and
## the line: a missing file, a line that is not a JSON object, a first record that is
## not the header, an unknown version, a record without a game time. Only an
## unfinished last line (the file does not end with a newline: the writer was stopped
## mid-line) is left out with a note. `records` come in time order (a log written in
## order is left as it is), each with its line number as "_line"; a `resume` record
## drops the records before it that are later than its `from`: the run went on from
## that checkpoint, and what came after it the first time never happened.
##
## Preloaded where it is used, not a class_name (see main/main.gd).

const SimClock: GDScript = preload("res://town/sim_clock.gd")
## The version of the format this reader reads.
const VERSION: int = 1

## The file read.
var path: String = ""
## "path:line: what is wrong" when read() failed; empty otherwise.
var error: String = ""
## Things worth knowing about a log that still reads (an unfinished last line,
## records out of time order, records dropped by a resume).
var notes: PackedStringArray = PackedStringArray()
## The header record, its town, and its agents that have an id.
var header: Dictionary = {}
var town: Dictionary = {}
var agents: Array[Dictionary] = []
## The header's start_time (0 when it has none).
var start_time: float = 0.0
## Records read (the header included), and how many of them were resume records.
var record_count: int = 0
var resumes: int = 0
## The records after the header that count, in time order (see above).
var records: Array[Dictionary] = []


## Reads the log at log_path into `records`; false (and `error`) when it is not a
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
	records = _in_time_order(_after_resumes(raw))
	return true


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
	var start: Variant = record.get("start_time", 0)
	start_time = float(start) if (start is float or start is int) else 0.0
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
		resumes += 1
		if kept.size() < before:
			notes.append("line %d: the run resumed from %s; %d later records before it dropped" % [
				int(record["_line"]), SimClock.format_time(checkpoint), before - kept.size()])
	return kept


# Sorted by game time; records of the same time keep the order of the log.
func _in_time_order(in_log: Array[Dictionary]) -> Array[Dictionary]:
	var out_of_order: int = 0
	for index: int in range(1, in_log.size()):
		if float(in_log[index]["t"]) < float(in_log[index - 1]["t"]):
			out_of_order += 1
	if out_of_order == 0:
		return in_log
	notes.append("%d records come before an earlier game time; replayed in time order" % out_of_order)
	var sorted: Array[Dictionary] = in_log.duplicate()
	sorted.sort_custom(func(a: Dictionary, b: Dictionary) -> bool:
		var ta: float = float(a["t"])
		var tb: float = float(b["t"])
		return ta < tb or (ta == tb and int(a["_line"]) < int(b["_line"])))
	return sorted


func _fail(line_number: int, message: String) -> bool:
	error = "%s:%d: %s" % [path, line_number, message] if line_number > 0 else "%s: %s" % [path, message]
	return false
