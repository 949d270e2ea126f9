extends RefCounted
## The user arguments of the game's scenes and tools (what follows "--" on the Godot
## command line), read the same way by main/, replay/ and tools/:
##
##   const CliArgs: GDScript = preload("res://common/cli_args.gd")
##   var options: Dictionary = CliArgs.user_options()   # {"log": "run/replay.jsonl", "paused": ""}
##   var log_path: String = CliArgs.caller_path(str(options["log"]))
##   var town_path: String = CliArgs.project_path(str(options["town"]))
##   var routes: PackedStringArray = CliArgs.all_values("route")   # a repeated option
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


## Every value of an option that may be given more than once ("--key value" only), in
## order.
static func all_values(key: String) -> PackedStringArray:
	var values: PackedStringArray = PackedStringArray()
	var args: PackedStringArray = OS.get_cmdline_user_args()
	for i: int in args.size():
		if args[i] == "--" + key and i + 1 < args.size():
			values.append(args[i + 1])
	return values


## Godot runs in the project folder; a relative path means the caller's folder (the
## shell's PWD), and comes back absolute and simplified ("out/../a" -> "a").
static func caller_path(path: String) -> String:
	if path.is_relative_path() and not OS.get_environment("PWD").is_empty():
		return OS.get_environment("PWD").path_join(path).simplify_path()
	return path


## A path as the tools take a town file: relative to the project folder (unless it is
## a res:// or user:// path), absolute and simplified.
static func project_path(path: String) -> String:
	if path.is_absolute_path() or path.begins_with("res://") or path.begins_with("user://"):
		return path
	return ProjectSettings.globalize_path("res://").path_join(path).simplify_path()


## The option key as a number greater than 0: absent when it is not given, NAN when
## its value is not such a number.
static func positive_number(options: Dictionary, key: String, absent: float) -> float:
	if not options.has(key):
		return absent
	var value: String = str(options[key])
	if not value.is_valid_float() or value.to_float() <= 0.0:
		return NAN
	return value.to_float()
