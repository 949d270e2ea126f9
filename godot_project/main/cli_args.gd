extends RefCounted
## The user arguments of the game's scenes and tools (what follows "--" on the Godot
## command line), read the same way by main/main.gd, replay/replay.gd and
## tools/town_preview.gd:
##
##   const CliArgs: GDScript = preload("res://main/cli_args.gd")
##   var options: Dictionary = CliArgs.user_options()   # {"log": "run/replay.jsonl", "paused": ""}
##   var log_path: String = CliArgs.caller_path(str(options["log"]))
##   var speed: float = CliArgs.positive_number(options, "speed", 60.0)   # NAN: not a number > 0
##
## Preloaded where it is used, not a class_name (see main/main.gd).


## This run's user arguments as options (parse_args()).
static func user_options() -> Dictionary:
	return parse_args(OS.get_cmdline_user_args())


## "--key value", "--key=value" and bare "--flag" (value "") as key -> value; a word
## that follows no --key is passed over.
static func parse_args(args: PackedStringArray) -> Dictionary:
	var options: Dictionary = {}
	var i: int = 0
	while i < args.size():
		var arg: String = args[i]
		i += 1
		if not arg.begins_with("--"):
			continue
		var key: String = arg.substr(2)
		var value: String = ""
		var equals: int = key.find("=")
		if equals >= 0:
			value = key.substr(equals + 1)
			key = key.substr(0, equals)
		elif i < args.size() and not args[i].begins_with("--"):
			value = args[i]
			i += 1
		options[key] = value
	return options


## Godot runs in the project folder; a relative path means the caller's folder (the
## shell's PWD), and comes back absolute and simplified ("out/../a" -> "a").
static func caller_path(path: String) -> String:
	if path.is_relative_path() and not OS.get_environment("PWD").is_empty():
		return OS.get_environment("PWD").path_join(path).simplify_path()
	return path


## The option key as a number greater than 0: absent when it is not given, NAN when
## its value is not such a number.
static func positive_number(options: Dictionary, key: String, absent: float) -> float:
	if not options.has(key):
		return absent
	var value: String = str(options[key])
	if not value.is_valid_float() or value.to_float() <= 0.0:
		return NAN
	return value.to_float()
