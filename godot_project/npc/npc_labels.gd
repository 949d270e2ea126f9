extends RefCounted
## The labels over an NPC's head, which npc.gd owns one of: the name plate, "E: talk",
## the activity bubble ("☕ making coffee") and the speech bubble (the agent's line on a
## white panel with a tail, wrapped, of a long line its end). It keeps what the bubbles
## say (the status, and the line with when it goes), stacks the labels over the head,
## and grows them with distance from the camera so that they stay readable from afar.
##
## npc.gd calls update() every frame (the line's end, the scale, the stacking),
## fit_height() when the body's height changes, and the setters as the agent's
## controller says what it does and says.

const Fonts: GDScript = preload("res://ui/fonts.gd")
## The speech bubble shows this many lines at most: of a longer line, the end.
const SPEECH_MAX_LINES: int = 5
# Labels are drawn at their size up to this far from the camera (metres), and grow
# in proportion beyond it, up to LABEL_MAX_SCALE times: a constant size on screen.
const LABEL_NEAR_M: float = 11.0
const LABEL_MAX_SCALE: float = 3.5
# Gaps between the stacked labels and the panel's padding, in metres at scale 1.
const LABEL_GAP_M: float = 0.06
const HEAD_CLEARANCE_M: float = 0.1
const PANEL_PADDING_M: float = 0.07
const PANEL_CORNER_M: float = 0.08
const PANEL_TAIL_M: float = 0.1

# Shared by all NPCs.
static var _panel_material: StandardMaterial3D = null

## What the agent is doing, shown whenever it is not saying something.
var status: String = ""
## The line it is saying, shown until line_until_ms (real time); empty when none.
var line: String = ""
var line_until_ms: int = 0

var _layout_dirty: bool = true
var _labels: Node3D = null
var _name_plate: Label3D = null
var _talk_hint: Label3D = null
var _bubble: Label3D = null
var _speech: Node3D = null
var _speech_text: Label3D = null
var _speech_panel: MeshInstance3D = null


## labels: the NPC's Labels node (npc.tscn), with its NamePlate, TalkHint,
## ActivityBubble and SpeechBubble (Text, Panel).
func _init(labels: Node3D) -> void:
	_labels = labels
	_name_plate = labels.get_node("NamePlate")
	_talk_hint = labels.get_node("TalkHint")
	_bubble = labels.get_node("ActivityBubble")
	_speech = labels.get_node("SpeechBubble")
	_speech_text = labels.get_node("SpeechBubble/Text")
	_speech_panel = labels.get_node("SpeechBubble/Panel")
	var font: Font = label_font()
	for label: Label3D in [_name_plate, _talk_hint, _bubble, _speech_text]:
		label.font = font
	_speech_panel.material_override = _shared_panel_material()


## A frame: the line goes when its time is up, the labels keep their size on screen
## and are stacked again when something in them changed.
func update() -> void:
	if not line.is_empty() and Time.get_ticks_msec() >= line_until_ms:
		end_line()
	_scale_labels()
	if _layout_dirty:
		_layout_labels()


func set_name_text(text: String) -> void:
	_name_plate.text = text


## Shows "E: talk" above the name plate, or hides it.
func set_talk_hint(on: bool) -> void:
	if _talk_hint.visible != on:
		_talk_hint.visible = on
		_layout_dirty = true


## Shows text (not empty, stripped) as the agent's line for seconds real seconds from now.
func show_line(text: String, seconds: float) -> void:
	line = text
	line_until_ms = Time.get_ticks_msec() + int(seconds * 1000.0)
	_update_bubble()


## Takes the line out of the speech bubble: the activity bubble shows again.
func end_line() -> void:
	line = ""
	line_until_ms = 0
	_update_bubble()


## Sets what the activity bubble says (already trimmed).
func show_status(text: String) -> void:
	status = text
	_update_bubble()


## The labels stand on a body height metres tall.
func fit_height(height: float) -> void:
	_labels.position.y = height
	_layout_dirty = true


func _update_bubble() -> void:
	var speaking: bool = not line.is_empty()
	_speech.visible = speaking
	_bubble.visible = not speaking and not status.is_empty()
	_bubble.text = status
	if speaking:
		_speech_text.text = _fit_speech(line)
		_build_panel()
	_layout_dirty = true


# Of a line longer than SPEECH_MAX_LINES in the bubble, its end, after "…".
func _fit_speech(text: String) -> String:
	if _speech_lines(text) <= SPEECH_MAX_LINES:
		return text
	var words: PackedStringArray = text.split(" ", false)
	var low: int = 1
	var high: int = words.size() - 1
	# The fewest words to drop from the start: binary search, the text only shrinks.
	while low < high:
		var middle: int = (low + high) >> 1
		if _speech_lines("… " + " ".join(words.slice(middle))) <= SPEECH_MAX_LINES:
			high = middle
		else:
			low = middle + 1
	return "… " + " ".join(words.slice(low))


func _speech_lines(text: String) -> int:
	var size: Vector2 = _speech_text_size(text)
	var line_height: float = _speech_text.font.get_height(_speech_text.font_size)
	return roundi(size.y / line_height) if line_height > 0.0 else 1


# The size of text in the speech bubble, in pixels, wrapped as the label wraps it.
func _speech_text_size(text: String) -> Vector2:
	var flags: int = TextServer.BREAK_MANDATORY | TextServer.BREAK_WORD_BOUND | TextServer.BREAK_ADAPTIVE
	return _speech_text.font.get_multiline_string_size(
		text, HORIZONTAL_ALIGNMENT_CENTER, _speech_text.width, _speech_text.font_size, -1, flags)


# A rounded white panel behind the line's text, with a tail pointing down.
func _build_panel() -> void:
	var size: Vector2 = _speech_text_size(_speech_text.text) * _speech_text.pixel_size
	var half_width: float = size.x / 2.0 + PANEL_PADDING_M
	var bottom: float = -PANEL_PADDING_M
	var top: float = size.y + PANEL_PADDING_M
	var corner: float = minf(PANEL_CORNER_M, minf(half_width, (top - bottom) / 2.0))
	var outline: PackedVector2Array = PackedVector2Array()
	var corners: Array[Vector2] = [
		Vector2(half_width - corner, top - corner), Vector2(-half_width + corner, top - corner),
		Vector2(-half_width + corner, bottom + corner), Vector2(half_width - corner, bottom + corner),
	]
	for i: int in corners.size():
		for step: int in 5:
			var angle: float = (i + step / 4.0) * PI / 2.0
			outline.append(corners[i] + Vector2(cos(angle), sin(angle)) * corner)
		if i == 2:
			# The bottom edge, left to right, with the tail in the middle.
			outline.append(Vector2(-PANEL_TAIL_M * 0.8, bottom))
			outline.append(Vector2(0.0, bottom - PANEL_TAIL_M))
			outline.append(Vector2(PANEL_TAIL_M * 0.8, bottom))
	var centre: Vector3 = Vector3(0.0, (top + bottom) / 2.0, 0.0)
	var surface: SurfaceTool = SurfaceTool.new()
	surface.begin(Mesh.PRIMITIVE_TRIANGLES)
	surface.set_normal(Vector3.BACK)
	for i: int in outline.size():
		var a: Vector2 = outline[i]
		var b: Vector2 = outline[(i + 1) % outline.size()]
		surface.add_vertex(centre)
		surface.add_vertex(Vector3(b.x, b.y, 0.0))
		surface.add_vertex(Vector3(a.x, a.y, 0.0))
	_speech_panel.mesh = surface.commit()


# Stacks the labels over the head: talk hint, name plate, then the bubble.
func _layout_labels() -> void:
	_layout_dirty = false
	var y: float = HEAD_CLEARANCE_M
	if _talk_hint.visible:
		_talk_hint.position.y = y
		y += _label_height(_talk_hint, 1) + LABEL_GAP_M
	_name_plate.position.y = y
	y += _label_height(_name_plate, 1) + LABEL_GAP_M
	_bubble.position.y = y
	_speech.position.y = y + PANEL_TAIL_M + PANEL_PADDING_M


func _label_height(label: Label3D, lines: int) -> float:
	return label.font.get_height(label.font_size) * label.pixel_size * lines


# Keeps the labels about as large on screen beyond LABEL_NEAR_M as at it.
func _scale_labels() -> void:
	var camera: Camera3D = _labels.get_viewport().get_camera_3d() if _labels.is_inside_tree() else null
	if camera == null:
		return
	var distance: float = camera.global_position.distance_to(_labels.global_position)
	var factor: float = clampf(distance / LABEL_NEAR_M, 1.0, LABEL_MAX_SCALE)
	_labels.scale = Vector3.ONE * factor


## The font of every label: the game's font, with colour emoji (ui/fonts.gd).
static func label_font() -> Font:
	return Fonts.with_emoji()


static func _shared_panel_material() -> StandardMaterial3D:
	if _panel_material == null:
		var material: StandardMaterial3D = StandardMaterial3D.new()
		material.shading_mode = BaseMaterial3D.SHADING_MODE_UNSHADED
		material.transparency = BaseMaterial3D.TRANSPARENCY_ALPHA
		material.albedo_color = Color(1.0, 1.0, 0.98, 0.94)
		material.billboard_mode = BaseMaterial3D.BILLBOARD_ENABLED
		material.billboard_keep_scale = true
		material.cull_mode = BaseMaterial3D.CULL_DISABLED
		# Drawn before the text (Label3D: 0, its outline -1).
		material.render_priority = -2
		_panel_material = material
	return _panel_material
