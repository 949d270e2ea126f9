extends Node3D
## Day and night: the sun (the moon at night), the sky and the ambient light follow
## the game clock, and the town's street lamps, lit windows and interior lights
## come on in the evening and go off in the morning.
##
## Point it at the clock and the town with setup() (or the exported paths), or
## drive it by hand with set_time() (for screenshots and tests; no clock needed).
## It uses the scene's DirectionalLight3D and WorldEnvironment when given, or makes
## its own. Only the sun casts shadows.

## Emitted when night falls (true) or day breaks (false).
signal night_changed(night: bool)

const SECONDS_PER_DAY: float = 86400.0
const SUNRISE_HOUR: float = 6.0
const SUNSET_HOUR: float = 20.0
## The lamps come on at 18:30 and go off at 06:30.
const LIGHTS_ON_HOUR: float = 18.5
const LIGHTS_OFF_HOUR: float = 6.5
const MAX_SUN_ELEVATION_DEG: float = 62.0
const MOON_ELEVATION_DEG: float = 48.0
## The sky and light are recomputed when game time has moved this much.
const UPDATE_EVERY_S: float = 60.0

## The look of the day at each hour, interpolated in between: the light's colour and
## energy, the sky's top and horizon, and the ambient light's colour and energy.
const KEYS: Array[Array] = [
	[0.0, Color("#8ea7de"), 0.3, Color("#0a1430"), Color("#1d2d55"), Color("#5a6cb0"), 0.5],
	[5.0, Color("#8ea7de"), 0.3, Color("#0a1430"), Color("#1d2d55"), Color("#5a6cb0"), 0.5],
	[6.0, Color("#ffae78"), 0.35, Color("#36508a"), Color("#f0a070"), Color("#9890b8"), 0.4],
	[7.5, Color("#ffe2b8"), 0.8, Color("#5a8fd0"), Color("#d2e2ee"), Color("#c8d2e6"), 0.33],
	[12.0, Color("#fff6e8"), 0.95, Color("#4a8ad8"), Color("#bcd8ef"), Color("#d8e2f0"), 0.33],
	[17.0, Color("#ffe6c4"), 0.9, Color("#4f86cc"), Color("#cbd9e6"), Color("#d4d6e2"), 0.33],
	[19.0, Color("#ff9a55"), 0.6, Color("#3d548c"), Color("#f08a58"), Color("#b08e92"), 0.35],
	[20.0, Color("#c07a70"), 0.2, Color("#1f2b55"), Color("#6a4f78"), Color("#6d6a98"), 0.42],
	[21.0, Color("#8ea7de"), 0.3, Color("#0a1430"), Color("#1d2d55"), Color("#5a6cb0"), 0.5],
	[24.0, Color("#8ea7de"), 0.3, Color("#0a1430"), Color("#1d2d55"), Color("#5a6cb0"), 0.5],
]

## The game clock (a node with now()); followed when set.
@export var clock_path: NodePath
## The town builder (a node with set_night()); its lights follow the time.
@export var town_path: NodePath
## The DirectionalLight3D to use as the sun; one is made when empty.
@export var sun_path: NodePath
## The WorldEnvironment whose environment to light; one is made when empty.
@export var environment_path: NodePath

var _clock: Node = null
var _town: Node = null
var _sun: DirectionalLight3D = null
var _environment: Environment = null
var _sky: ProceduralSkyMaterial = null
var _time: float = -INF
var _night: bool = false


func _ready() -> void:
	_sun = get_node_or_null(sun_path) as DirectionalLight3D
	if _sun == null:
		_sun = DirectionalLight3D.new()
		_sun.name = "Sun"
		add_child(_sun)
	_sun.shadow_enabled = true
	var world: WorldEnvironment = get_node_or_null(environment_path) as WorldEnvironment
	if world == null:
		world = WorldEnvironment.new()
		world.name = "Environment"
		add_child(world)
	if world.environment == null:
		world.environment = Environment.new()
	_environment = world.environment
	_sky = ProceduralSkyMaterial.new()
	_sky.ground_bottom_color = Color("#3b4a2f")
	_sky.sun_angle_max = 20.0
	var sky: Sky = Sky.new()
	sky.sky_material = _sky
	sky.radiance_size = Sky.RADIANCE_SIZE_32
	_environment.sky = sky
	_environment.background_mode = Environment.BG_SKY
	_environment.ambient_light_source = Environment.AMBIENT_SOURCE_COLOR
	_environment.reflected_light_source = Environment.REFLECTION_SOURCE_DISABLED
	setup(get_node_or_null(clock_path), get_node_or_null(town_path))


func _process(_delta: float) -> void:
	if _clock != null and _clock.has_method("now"):
		var now: float = _clock.call("now")
		if absf(now - _time) >= UPDATE_EVERY_S:
			set_time(now)


## Follows clock (a node with now(), or null) and switches town's lights (a node
## with set_night(), or null).
func setup(clock: Node, town: Node) -> void:
	_clock = clock
	_town = town
	if _clock != null and _clock.has_method("now"):
		set_time(_clock.call("now"))
	elif _time > -INF:
		set_time(_time)
	else:
		set_time(8.0 * 3600.0)


## Lights the world for this game time (seconds since day 1 00:00).
func set_time(game_seconds: float) -> void:
	_time = game_seconds
	var hour: float = hour_of(game_seconds)
	var look: Array = _look_at(hour)
	if _sun != null:
		_sun.light_color = look[0]
		_sun.light_energy = look[1]
		var up: Vector3 = sun_direction(hour)
		_sun.basis = Basis.looking_at(-up, Vector3.UP if absf(up.y) < 0.99 else Vector3.FORWARD)
	if _environment != null:
		_environment.ambient_light_color = look[4]
		_environment.ambient_light_energy = look[5]
		_environment.background_color = look[2]
		if _sky != null:
			_sky.sky_top_color = look[2]
			_sky.sky_horizon_color = look[3]
			_sky.ground_horizon_color = look[3].darkened(0.3)
	var night: bool = lights_on_at(hour)
	if _town != null and _town.has_method("set_night"):
		_town.call("set_night", night)
	if night != _night:
		_night = night
		night_changed.emit(night)


## True between 18:30 and 06:30, while the lamps are on.
func is_night() -> bool:
	return _night


## The game time last applied, seconds since day 1 00:00.
func time() -> float:
	return _time


## The hour of day, 0 to 24, of a game time in seconds.
static func hour_of(game_seconds: float) -> float:
	return fposmod(game_seconds, SECONDS_PER_DAY) / 3600.0


static func lights_on_at(hour: float) -> bool:
	return hour >= LIGHTS_ON_HOUR or hour < LIGHTS_OFF_HOUR


## Towards the sun by day (rising in the east, +x, high in the south, +z, setting
## in the west) and towards the moon by night; a unit vector.
static func sun_direction(hour: float) -> Vector3:
	if hour >= SUNRISE_HOUR and hour <= SUNSET_HOUR:
		var progress: float = (hour - SUNRISE_HOUR) / (SUNSET_HOUR - SUNRISE_HOUR)
		# Never quite flat, or the whole town would be one long shadow.
		var elevation: float = deg_to_rad(maxf(MAX_SUN_ELEVATION_DEG * sin(PI * progress), 8.0))
		var across: Vector2 = Vector2(cos(PI * progress), 0.6 * sin(PI * progress)).normalized()
		return Vector3(across.x * cos(elevation), sin(elevation), across.y * cos(elevation)).normalized()
	var night_progress: float = fposmod(hour - SUNSET_HOUR, 24.0) / (24.0 - SUNSET_HOUR + SUNRISE_HOUR)
	var moon_across: Vector2 = Vector2(cos(PI * night_progress), 0.4).normalized()
	var moon_elevation: float = deg_to_rad(MOON_ELEVATION_DEG)
	return Vector3(moon_across.x * cos(moon_elevation), sin(moon_elevation),
		moon_across.y * cos(moon_elevation)).normalized()


# [light colour, light energy, sky top, sky horizon, ambient colour, ambient energy].
static func _look_at(hour: float) -> Array:
	for i: int in KEYS.size() - 1:
		var a: Array = KEYS[i]
		var b: Array = KEYS[i + 1]
		if hour >= float(a[0]) and hour <= float(b[0]):
			var t: float = (hour - float(a[0])) / maxf(float(b[0]) - float(a[0]), 0.0001)
			return [
				(a[1] as Color).lerp(b[1], t),
				lerpf(a[2], b[2], t),
				(a[3] as Color).lerp(b[3], t),
				(a[4] as Color).lerp(b[4], t),
				(a[5] as Color).lerp(b[5], t),
				lerpf(a[6], b[6], t),
			]
	var last: Array = KEYS[KEYS.size() - 1]
	return [last[1], last[2], last[3], last[4], last[5], last[6]]
