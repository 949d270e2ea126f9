extends Control
## The town seen from above, drawn with _draw(): sector and arena footprints in their
## colours, sector names, every NPC as a dot in its colour with its name and current
## emoji, and the player as an arrow. Two modes: a minimap in the top-left corner, under the top bar
## and a full-screen map (Tab toggles). Hovering a dot shows what that agent is
## doing; clicking it emits agent_clicked.
##
##   const OverviewMap: GDScript = preload("res://ui/overview_map.gd")
##   var map: OverviewMap = OverviewMap.new()
##   hud_layer.add_child(map)
##   map.set_town(town_data)
##   map.update_agents([{"id": "isabella", "name": "Isabella Rodriguez",
##       "color": "#e0607e", "position": Vector3(-16, 0, -12.6), "emoji": "☕",
##       "activity": "making coffee"}])          # every frame or every sync
##   map.update_player(player.global_position, player.rotation.y)
##
## Public API
##   set_town(town_data)                  a town/town_data.gd TownData.
##   update_agents(agents: Array[Dictionary])  id, name, color ("#rrggbb" or Color),
##                                        position (Vector3), emoji, activity.
##   update_player(position: Vector3, yaw: float)  yaw: radians about Y (0 faces -Z).
##   set_expanded(bool), is_expanded(), toggle_expanded()
##   world_to_map(position: Vector3) -> Vector2   local coordinates of a world point.
##   agent_at(local_point: Vector2) -> String     the agent whose dot is there, or "".
##   hovered_agent() -> String
##   input_blocker                        Callable returning true while Tab must not toggle.
## Keys: the input action toggle_map where the project defines it, else Tab; Escape
## closes the full-screen map.
## Signals: agent_clicked(agent_id), expanded_changed(expanded).

signal agent_clicked(agent_id: String)
signal expanded_changed(expanded: bool)

const UiTheme: GDScript = preload("res://ui/theme.gd")
const TownData: GDScript = preload("res://town/town_data.gd")
const MINI_SIZE: Vector2 = Vector2(250, 220)
const MINI_TOP: float = 64.0
const MARGIN: float = 16.0
const EXPANDED_MARGIN: Vector2 = Vector2(60, 70)
const DOT_RADIUS_MINI: float = 4.5
const DOT_RADIUS_FULL: float = 8.0
const PICK_RADIUS_PX: float = 14.0

## Returns true while Tab must not toggle the map (e.g. the chat panel has focus).
var input_blocker: Callable = Callable()

var _town: TownData = null
var _agents: Array[Dictionary] = []
var _player_position: Vector3 = Vector3.ZERO
var _player_yaw: float = 0.0
var _has_player: bool = false
var _expanded: bool = false
var _hovered: String = ""
var _mouse: Vector2 = Vector2.ZERO


func _init() -> void:
	name = "OverviewMap"
	theme = UiTheme.get_theme()
	mouse_filter = Control.MOUSE_FILTER_STOP
	clip_contents = true
	_apply_layout()


func _unhandled_input(event: InputEvent) -> void:
	var key: InputEventKey = event as InputEventKey
	if key == null or not key.pressed or key.echo:
		return
	if input_blocker.is_valid() and bool(input_blocker.call()):
		return
	var toggle: bool = key.is_action_pressed("toggle_map") if InputMap.has_action("toggle_map") else key.keycode == KEY_TAB
	if toggle:
		toggle_expanded()
		get_viewport().set_input_as_handled()
	elif key.keycode == KEY_ESCAPE and _expanded:
		set_expanded(false)
		get_viewport().set_input_as_handled()


func _gui_input(event: InputEvent) -> void:
	var motion: InputEventMouseMotion = event as InputEventMouseMotion
	if motion != null:
		_mouse = motion.position
		var hovered: String = agent_at(motion.position)
		if hovered != _hovered:
			_hovered = hovered
			mouse_default_cursor_shape = Control.CURSOR_POINTING_HAND if not hovered.is_empty() else Control.CURSOR_ARROW
		queue_redraw()
		return
	var click: InputEventMouseButton = event as InputEventMouseButton
	if click != null and click.pressed and click.button_index == MOUSE_BUTTON_LEFT:
		var clicked: String = agent_at(click.position)
		if not clicked.is_empty():
			agent_clicked.emit(clicked)
			accept_event()


func _notification(what: int) -> void:
	if what == NOTIFICATION_MOUSE_EXIT:
		_hovered = ""
		queue_redraw()
	elif what == NOTIFICATION_RESIZED:
		queue_redraw()


func set_town(town: TownData) -> void:
	_town = town
	queue_redraw()


func update_agents(agents: Array[Dictionary]) -> void:
	_agents = agents.duplicate()
	if not _hovered.is_empty() and agent_at(_mouse).is_empty():
		_hovered = ""
	queue_redraw()


func update_player(position: Vector3, yaw: float) -> void:
	_player_position = position
	_player_yaw = yaw
	_has_player = true
	queue_redraw()


func set_expanded(expanded: bool) -> void:
	if expanded == _expanded:
		return
	_expanded = expanded
	_hovered = ""
	_apply_layout()
	queue_redraw()
	expanded_changed.emit(expanded)


func toggle_expanded() -> void:
	set_expanded(not _expanded)


func is_expanded() -> bool:
	return _expanded


func hovered_agent() -> String:
	return _hovered


func world_to_map(position: Vector3) -> Vector2:
	return _map_rect().get_center() + Vector2(position.x, position.z) * _scale()


func agent_at(local_point: Vector2) -> String:
	var best: String = ""
	var best_distance: float = PICK_RADIUS_PX
	for agent: Dictionary in _agents:
		var distance: float = world_to_map(_position_of(agent)).distance_to(local_point)
		if distance <= best_distance:
			best_distance = distance
			best = str(agent.get("id", ""))
	return best


func _apply_layout() -> void:
	if _expanded:
		set_anchors_preset(Control.PRESET_FULL_RECT)
		offset_left = EXPANDED_MARGIN.x
		offset_right = -EXPANDED_MARGIN.x
		offset_top = EXPANDED_MARGIN.y
		offset_bottom = -EXPANDED_MARGIN.y + 10
	else:
		set_anchors_preset(Control.PRESET_TOP_LEFT)
		offset_left = MARGIN - 4.0
		offset_right = MARGIN - 4.0 + MINI_SIZE.x
		offset_top = MINI_TOP
		offset_bottom = MINI_TOP + MINI_SIZE.y


# The area the town is drawn in, inside the panel's padding (room for the title).
func _map_rect() -> Rect2:
	var padding: float = 28.0 if _expanded else 10.0
	var top: float = 44.0 if _expanded else 10.0
	return Rect2(Vector2(padding, top), size - Vector2(padding * 2.0, top + padding))


func _world_extent() -> Vector2:
	var extent: Vector2 = Vector2(64, 56)
	if _town != null and _town.size.x > 0.0 and _town.size.z > 0.0:
		extent = Vector2(_town.size.x, _town.size.z)
	return extent


func _scale() -> float:
	var frame: Rect2 = _map_rect()
	var extent: Vector2 = _world_extent()
	# A control not laid out yet has no room: draw nothing rather than mirrored.
	return maxf(0.0, minf(frame.size.x / extent.x, frame.size.y / extent.y))


func _draw() -> void:
	var font: Font = get_theme_default_font()
	var panel: StyleBoxFlat = UiTheme.panel_style(UiTheme.PANEL_BG_SOLID if _expanded else UiTheme.PANEL_BG, 0)
	draw_style_box(panel, Rect2(Vector2.ZERO, size))
	var scale_factor: float = _scale()
	var extent: Vector2 = _world_extent()
	var ground: Rect2 = Rect2(world_to_map(Vector3(-extent.x / 2.0, 0, -extent.y / 2.0)), extent * scale_factor)
	draw_rect(ground, Color(0.24, 0.33, 0.22, 0.9))
	draw_rect(ground, Color(1, 1, 1, 0.12), false, 1.0)
	if _expanded:
		var title: String = _town.name if _town != null and not _town.name.is_empty() else "Town"
		draw_string(font, Vector2(28, 30), title, HORIZONTAL_ALIGNMENT_LEFT, -1, UiTheme.FONT_SIZE_TITLE, Color.WHITE)
		draw_string(font, Vector2(size.x - 330, 30), "Tab or Esc to close · click a person to inspect", HORIZONTAL_ALIGNMENT_RIGHT, 300, UiTheme.FONT_SIZE_SMALL, UiTheme.TEXT_MUTED)
	if _town != null:
		_draw_town(font, scale_factor)
	_draw_player()
	_draw_agents(font)


func _draw_town(font: Font, scale_factor: float) -> void:
	for obstacle: Dictionary in _town.obstacles:
		draw_rect(_footprint(obstacle, "position"), Color(UiTheme.color_from_hex(str(obstacle.get("color", "")), Color.GRAY), 0.9))
	for kind: String in [TownData.KIND_SECTOR, TownData.KIND_ARENA]:
		for place: Dictionary in _town.places:
			if place.get("kind", "") != kind:
				continue
			var rect: Rect2 = _footprint(place, "center")
			var color: Color = UiTheme.color_from_hex(str(place.get("color", "")), Color(0.6, 0.6, 0.6))
			if kind == TownData.KIND_SECTOR:
				draw_rect(rect, Color(color.darkened(0.35), 0.9))
				var walled: bool = TownData.vec3(place.get("size", {})).y > 0.0
				draw_rect(rect, Color(color.lightened(0.3), 0.9), false, 2.0 if walled else 1.0)
				if walled and place.has("door"):
					var door: Vector2 = world_to_map(TownData.vec3(place["door"]))
					draw_circle(door, maxf(2.0, scale_factor * 0.7), Color(0.95, 0.9, 0.75))
			else:
				draw_rect(rect, Color(color, 0.55))
				if _expanded:
					draw_rect(rect, Color(color.lightened(0.25), 0.5), false, 1.0)
	if _expanded:
		for place: Dictionary in _town.places:
			if place.get("kind", "") == TownData.KIND_OBJECT:
				draw_rect(_footprint(place, "center"), Color(UiTheme.color_from_hex(str(place.get("color", "")), Color.GRAY), 0.8))
	# Sector names, on top of the footprints.
	var label_size: int = UiTheme.FONT_SIZE if _expanded else 10
	for place: Dictionary in _town.places:
		if place.get("kind", "") != TownData.KIND_SECTOR:
			continue
		var rect: Rect2 = _footprint(place, "center")
		var text: String = str(place.get("name", ""))
		var width: float = font.get_string_size(text, HORIZONTAL_ALIGNMENT_LEFT, -1, label_size).x
		if not _expanded and width > rect.size.x + 16.0:
			text = text.get_slice(" ", 0)
			width = font.get_string_size(text, HORIZONTAL_ALIGNMENT_LEFT, -1, label_size).x
		# Below the footprint, where no dot inside it can hide the name.
		var at: Vector2 = Vector2(rect.get_center().x - width / 2.0, rect.end.y + label_size + 2.0)
		draw_string_outline(font, at, text, HORIZONTAL_ALIGNMENT_LEFT, -1, label_size, 4, Color(0, 0, 0, 0.75))
		draw_string(font, at, text, HORIZONTAL_ALIGNMENT_LEFT, -1, label_size, Color.WHITE)


func _draw_agents(font: Font) -> void:
	var radius: float = DOT_RADIUS_FULL if _expanded else DOT_RADIUS_MINI
	var hovered: Dictionary = {}
	for agent: Dictionary in _agents:
		var at: Vector2 = world_to_map(_position_of(agent))
		var color: Color = _color_of(agent)
		var is_hovered: bool = str(agent.get("id", "")) == _hovered
		draw_circle(at, radius + 2.0, Color(0, 0, 0, 0.7))
		draw_circle(at, radius + (2.0 if is_hovered else 0.0), color)
		draw_arc(at, radius + (2.0 if is_hovered else 0.0), 0.0, TAU, 24, Color.WHITE if is_hovered else Color(1, 1, 1, 0.6), 1.5, true)
		var emoji: String = str(agent.get("emoji", ""))
		if _expanded:
			var label: String = ("%s %s" % [emoji, str(agent.get("name", agent.get("id", "")))]).strip_edges()
			var label_at: Vector2 = at + Vector2(radius + 5.0, 5.0)
			draw_string_outline(font, label_at, label, HORIZONTAL_ALIGNMENT_LEFT, -1, UiTheme.FONT_SIZE_SMALL, 4, Color(0, 0, 0, 0.8))
			draw_string(font, label_at, label, HORIZONTAL_ALIGNMENT_LEFT, -1, UiTheme.FONT_SIZE_SMALL, Color.WHITE)
		if is_hovered:
			hovered = agent
	if not hovered.is_empty():
		_draw_tooltip(font, hovered)


func _draw_tooltip(font: Font, agent: Dictionary) -> void:
	var title: String = str(agent.get("name", agent.get("id", "")))
	var activity: String = ("%s %s" % [str(agent.get("emoji", "")), str(agent.get("activity", ""))]).strip_edges()
	if activity.is_empty():
		activity = "idle"
	var small: int = UiTheme.FONT_SIZE_SMALL
	var width: float = maxf(font.get_string_size(title, HORIZONTAL_ALIGNMENT_LEFT, -1, small + 1).x, font.get_string_size(activity, HORIZONTAL_ALIGNMENT_LEFT, -1, small).x) + 16.0
	width = minf(width, maxf(size.x - 8.0, 40.0))
	var box_size: Vector2 = Vector2(width, 2.0 * small + 20.0)
	var at: Vector2 = world_to_map(_position_of(agent)) + Vector2(12, -box_size.y - 8)
	at.x = clampf(at.x, 4.0, maxf(4.0, size.x - box_size.x - 4.0))
	at.y = clampf(at.y, 4.0, maxf(4.0, size.y - box_size.y - 4.0))
	draw_style_box(UiTheme.panel_style(Color(0.05, 0.06, 0.08, 0.95), 0, 6), Rect2(at, box_size))
	draw_string(font, at + Vector2(8, small + 5), title, HORIZONTAL_ALIGNMENT_LEFT, width - 16.0, small + 1, _color_of(agent).lightened(0.3))
	draw_string(font, at + Vector2(8, 2 * small + 11), activity, HORIZONTAL_ALIGNMENT_LEFT, width - 16.0, small, UiTheme.TEXT)


func _draw_player() -> void:
	if not _has_player:
		return
	var at: Vector2 = world_to_map(_player_position)
	var length: float = 13.0 if _expanded else 9.0
	# Godot's forward is -Z; rotated by yaw about Y it is (-sin, -cos) on the map.
	var forward: Vector2 = Vector2(-sin(_player_yaw), -cos(_player_yaw))
	var side: Vector2 = Vector2(-forward.y, forward.x)
	var tip: Vector2 = at + forward * length
	var points: PackedVector2Array = PackedVector2Array([tip, at - forward * length * 0.55 + side * length * 0.6, at - forward * length * 0.25, at - forward * length * 0.55 - side * length * 0.6])
	draw_circle(at, length * 0.95, Color(UiTheme.PLAYER, 0.18))
	draw_colored_polygon(points, UiTheme.PLAYER)
	points.append(tip)
	draw_polyline(points, Color.WHITE, 1.5, true)
	if _expanded:
		var font: Font = get_theme_default_font()
		var label_at: Vector2 = at + Vector2(length + 4.0, 5.0)
		draw_string_outline(font, label_at, "You", HORIZONTAL_ALIGNMENT_LEFT, -1, UiTheme.FONT_SIZE_SMALL, 4, Color(0, 0, 0, 0.8))
		draw_string(font, label_at, "You", HORIZONTAL_ALIGNMENT_LEFT, -1, UiTheme.FONT_SIZE_SMALL, UiTheme.PLAYER)


func _footprint(place: Dictionary, center_field: String) -> Rect2:
	var center: Vector3 = TownData.vec3(place.get(center_field, {}))
	var extent: Vector3 = TownData.vec3(place.get("size", {}))
	var corner: Vector2 = world_to_map(center - Vector3(extent.x, 0, extent.z) / 2.0)
	return Rect2(corner, Vector2(extent.x, extent.z) * _scale())


static func _position_of(agent: Dictionary) -> Vector3:
	var position: Variant = agent.get("position", Vector3.ZERO)
	if position is Vector3:
		return position
	return TownData.vec3(position)


static func _color_of(agent: Dictionary) -> Color:
	var color: Variant = agent.get("color", "")
	if color is Color:
		return color
	return UiTheme.color_from_hex(str(color), Color(0.9, 0.9, 0.9))
