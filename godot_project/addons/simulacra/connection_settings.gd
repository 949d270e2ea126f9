extends RefCounted
## Where AgentClient connects, and how it proves who it is (see agent_client.gd).
##
## The server URL is the user argument "--server ws://HOST:PORT" (after "--" on the
## Godot command line), else the project setting "simulacra/server_url", else
## ws://127.0.0.1:8765. The token is the environment variable SIMULACRA_AUTH_TOKEN,
## else the project setting "simulacra/auth_token"; the certificate that a wss://
## server's is verified against is the PEM file in SIMULACRA_TLS_CA, else the setting
## "simulacra/tls_ca".

const DEFAULT_SERVER_URL: String = "ws://127.0.0.1:8765"
const SERVER_URL_SETTING: String = "simulacra/server_url"
const SERVER_ARG: String = "--server"
const TOKEN_ENV: String = "SIMULACRA_AUTH_TOKEN"
const TOKEN_SETTING: String = "simulacra/auth_token"
const TLS_CA_ENV: String = "SIMULACRA_TLS_CA"
const TLS_CA_SETTING: String = "simulacra/tls_ca"


## The server's URL.
static func server_url() -> String:
	var args: PackedStringArray = OS.get_cmdline_user_args()
	for i: int in args.size():
		if args[i] == SERVER_ARG and i + 1 < args.size():
			return args[i + 1]
		if args[i].begins_with(SERVER_ARG + "="):
			return args[i].substr(SERVER_ARG.length() + 1)
	var configured: String = str(ProjectSettings.get_setting(SERVER_URL_SETTING, ""))
	return configured if not configured.is_empty() else DEFAULT_SERVER_URL


## The token to send; empty: none.
static func auth_token() -> String:
	return _configured(TOKEN_ENV, TOKEN_SETTING)


## The PEM certificate to verify a wss:// server against; empty: Godot's own bundle.
static func tls_ca_path() -> String:
	return _configured(TLS_CA_ENV, TLS_CA_SETTING)


## The TLS options for connecting to url: null for plain ws://, or for Godot's own
## certificate bundle (no ca_path, or one that cannot be read, which is reported).
static func tls_options(url: String, ca_path: String) -> TLSOptions:
	if not url.begins_with("wss://") or ca_path.is_empty():
		return null
	var ca: X509Certificate = X509Certificate.new()
	var err: Error = ca.load(ca_path)
	if err != OK:
		push_error("AgentClient: cannot read the TLS certificate %s: %s" % [ca_path, error_string(err)])
		return null
	return TLSOptions.client(ca)


# An environment variable, else a project setting; empty when neither is set.
static func _configured(env_name: String, setting: String) -> String:
	var value: String = OS.get_environment(env_name)
	if value.is_empty():
		value = str(ProjectSettings.get_setting(setting, ""))
	return value
