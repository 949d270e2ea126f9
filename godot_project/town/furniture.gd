extends RefCounted
## Recognisable procedural furniture for the town's objects.
##
## A model is picked by keywords in the object's name ("double bed", "stove",
## "bookshelf", ...), sized to the object's bounding box and coloured from its
## colour; an unknown name gets a plain box. The model is visual only: the town
## keeps one box collider per object, so the navmesh does not depend on it.
##
## Models are built in a local frame: width along x, depth along z, the front
## (where its user stands) towards +z, the floor at y = 0, centred on x and z.
## mesh() turns and caches them.

const MeshKit: GDScript = preload("res://town/mesh_kit.gd")

const WHITE: Color = Color("#f2f0ea")
const DARK: Color = Color("#2b2b2e")
const METAL: Color = Color("#b8bcc2")
const SCREEN: Color = Color("#1d2733")
const WATER: Color = Color("#5aa7d6")
const SOIL: Color = Color("#5a3e2b")
const LEAF: Color = Color("#3f8a3a")
const FLOWERS: Array[Color] = [Color("#e8505b"), Color("#f9d56e"), Color("#f3ecc2"), Color("#b967db"), Color("#ff8c42")]
const BOOKS: Array[Color] = [Color("#8e3b46"), Color("#2f5d8a"), Color("#d9a441"), Color("#3c7a4f"), Color("#6b4f8a"),
	Color("#c4573a")]

## Keywords (whole words of the name) -> model, first match wins, so that a
## "flower bed" is not a bed and a "pool table" not a dining table.
const MODELS: Array[Array] = [
	[["flower bed", "flowerbed", "garden bed", "planter"], "flower_bed"],
	[["tree"], "tree"],
	[["bookshelf", "bookshelves", "bookcase", "books", "library shelves", "library shelf"], "bookshelf"],
	[["coffee machine", "espresso machine", "coffee maker"], "coffee_machine"],
	[["cash register", "register", "till"], "cash_register"],
	[["bar counter", "bar"], "bar_counter"],
	[["counter", "reception"], "counter"],
	[["workbench", "work bench"], "desk"],
	[["pool table", "billiard table", "snooker table"], "pool_table"],
	[["bed", "bunk", "cot"], "bed"],
	[["stove", "oven", "cooker", "grill", "range"], "stove"],
	[["fridge", "refrigerator", "freezer"], "fridge"],
	[["washing machine", "washer", "dryer"], "washing_machine"],
	[["sink", "basin"], "sink"],
	[["toilet"], "toilet"],
	[["shower", "bath", "bathtub"], "shower"],
	[["piano", "keyboard"], "piano"],
	[["sofa", "couch", "armchair"], "sofa"],
	[["bench"], "bench"],
	[["chair", "stool", "seat"], "chair"],
	[["desk", "workstation", "computer"], "desk"],
	[["table"], "table"],
	[["lectern", "podium", "pulpit"], "lectern"],
	[["microphone", "mic"], "microphone"],
	[["stage", "platform"], "stage"],
	[["mailbox", "mailboxes", "letterbox", "letterboxes"], "mailboxes"],
	[["shelf", "shelves", "rack", "display", "cabinet", "wardrobe", "closet", "dresser"], "shelf"],
	[["tv", "television"], "tv"],
	[["easel", "canvas"], "easel"],
	[["dartboard", "dart board", "darts"], "dartboard"],
	[["blackboard", "whiteboard", "chalkboard", "board", "noticeboard"], "board"],
	[["fountain"], "fountain"],
	[["printer", "copier", "photocopier", "scanner"], "printer"],
	[["water cooler", "cooler", "dispenser"], "water_cooler"],
	[["boiler", "heater", "furnace", "water heater"], "boiler"],
	[["lamp", "light"], "lamp"],
	[["plant", "pot", "bush", "shrub"], "plant"],
]

var _materials: Dictionary
var _meshes: Dictionary = {}


## materials: the town's shared material cache (see MeshKit.shared_material()).
func _init(materials: Dictionary) -> void:
	_materials = materials


## The model's name for an object called object_name ("box" when none fits).
static func model_for(object_name: String) -> String:
	var words: PackedStringArray = PackedStringArray()
	for word: String in object_name.to_lower().replace("_", " ").replace("-", " ").split(" ", false):
		# "John's bed" -> "john bed": possessives and punctuation are not keywords.
		words.append(word.trim_suffix("'s").trim_suffix("’s").rstrip(".,;:!?"))
	var text: String = " %s " % " ".join(words)
	for entry: Array in MODELS:
		for keyword: String in entry[0]:
			if text.contains(" %s " % keyword):
				return entry[1]
	return "box"


## The mesh of the object called object_name that fills a box of size (x, y, z
## in world axes) and faces front (a horizontal direction, snapped to an axis),
## with its origin at the box's bottom centre. Cached: equal objects share it.
func mesh(object_name: String, size: Vector3, color: Color, front: Vector3) -> ArrayMesh:
	var model: String = model_for(object_name)
	var along_x: bool = absf(front.x) > absf(front.z)
	var yaw: float = 0.0
	if along_x:
		yaw = PI / 2.0 if front.x > 0.0 else -PI / 2.0
	elif front.z < 0.0:
		yaw = PI
	# Beds and benches lie along their longer side whatever their front.
	var local: Vector3 = Vector3(size.z, size.y, size.x) if along_x else size
	var key: String = "%s|%.2f,%.2f,%.2f|%s|%.3f" % [model, size.x, size.y, size.z, color.to_html(false), yaw]
	if _meshes.has(key):
		return _meshes[key]
	var kit: MeshKit = MeshKit.new(_materials)
	var root: Transform3D = Transform3D(Basis(Vector3.UP, yaw), Vector3.ZERO)
	var built: Mesh = null
	match model:
		"flower_bed": _flower_bed(kit, root, local, color)
		"bookshelf": _shelf(kit, root, local, color, true)
		"coffee_machine": _coffee_machine(kit, root, local, color)
		"cash_register": _cash_register(kit, root, local, color)
		"bar_counter": _counter(kit, root, local, color, true)
		"counter": _counter(kit, root, local, color, false)
		"tree": _tree(kit, root, local, color)
		"pool_table": _pool_table(kit, root, local, color)
		"washing_machine": _washing_machine(kit, root, local, color)
		"lectern": _lectern(kit, root, local, color)
		"microphone": _microphone(kit, root, local, color)
		"stage": _stage(kit, root, local, color)
		"mailboxes": _mailboxes(kit, root, local, color)
		"dartboard": _dartboard(kit, root, local, color)
		"printer": _printer(kit, root, local, color)
		"water_cooler": _water_cooler(kit, root, local, color)
		"boiler": _boiler(kit, root, local, color)
		"bed": _bed(kit, root, local, color)
		"stove": _stove(kit, root, local, color)
		"fridge": _fridge(kit, root, local, color)
		"sink": _sink(kit, root, local, color)
		"toilet": _toilet(kit, root, local, color)
		"shower": _shower(kit, root, local, color)
		"piano": _piano(kit, root, local, color)
		"sofa": _sofa(kit, root, local, color)
		"bench": _bench(kit, root, local, color)
		"chair": _chair(kit, root, local, color)
		"desk": _desk(kit, root, local, color)
		"table": _table(kit, root, local, color)
		"shelf": _shelf(kit, root, local, color, false)
		"tv": _tv(kit, root, local, color)
		"easel": _easel(kit, root, local, color)
		"board": _board(kit, root, local, color)
		"fountain": _fountain(kit, root, local, color)
		"lamp": _lamp(kit, root, local, color)
		"plant": _plant(kit, root, local, color)
		_: _block(kit, root, local, color)
	built = kit.commit()
	_meshes[key] = built
	return built


# A box given by its minimum corner and size, in the model's frame.
static func _part(kit: MeshKit, root: Transform3D, low: Vector3, size: Vector3, color: Color,
		finish: MeshKit.Finish = MeshKit.Finish.MATTE) -> void:
	kit.box(size, root * Transform3D(Basis(), low + size / 2.0), color, finish)


# A box centred on x and z, from y0 up by its height.
static func _slab(kit: MeshKit, root: Transform3D, center: Vector3, size: Vector3, color: Color,
		finish: MeshKit.Finish = MeshKit.Finish.MATTE) -> void:
	kit.box(size, root * Transform3D(Basis(), center + Vector3(0.0, size.y / 2.0, 0.0)), color, finish)


# Four legs of this thickness at the corners of a w x d footprint, inset a little.
static func _legs(kit: MeshKit, root: Transform3D, w: float, d: float, height: float, thickness: float,
		color: Color) -> void:
	var x: float = w / 2.0 - thickness / 2.0 - 0.03
	var z: float = d / 2.0 - thickness / 2.0 - 0.03
	for sx: float in [-1.0, 1.0]:
		for sz: float in [-1.0, 1.0]:
			_slab(kit, root, Vector3(sx * x, 0.0, sz * z), Vector3(thickness, height, thickness), color)


static func _block(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	_slab(kit, root, Vector3.ZERO, s, color)
	_slab(kit, root, Vector3(0.0, s.y, 0.0), Vector3(s.x * 0.9, 0.02, s.z * 0.9), color.lightened(0.15))


static func _bed(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	# The head is at one end of the longer side.
	var long_x: bool = s.x >= s.z
	var length: float = s.x if long_x else s.z
	var width: float = s.z if long_x else s.x
	var basis: Basis = Basis() if long_x else Basis(Vector3.UP, PI / 2.0)
	var r: Transform3D = root * Transform3D(basis, Vector3.ZERO)
	var wood: Color = Color("#7a5634")
	var frame_h: float = s.y * 0.45
	_slab(kit, r, Vector3.ZERO, Vector3(length, frame_h, width), wood)
	_slab(kit, r, Vector3(-length / 2.0 + 0.05, 0.0, 0.0), Vector3(0.1, minf(s.y * 1.8, s.y + 0.5), width), wood)
	var mattress_h: float = s.y * 0.3
	_slab(kit, r, Vector3(0.04, frame_h, 0.0), Vector3(length - 0.12, mattress_h, width - 0.08), WHITE)
	var top: float = frame_h + mattress_h
	var blanket_len: float = (length - 0.12) * 0.66
	_slab(kit, r, Vector3(length / 2.0 - 0.06 - blanket_len / 2.0, top - mattress_h * 0.6, 0.0),
		Vector3(blanket_len, mattress_h * 0.6 + 0.05, width - 0.02), color.darkened(0.12))
	var pillow_w: float = (width - 0.2) / (2.0 if width > 1.3 else 1.0)
	for i: int in (2 if width > 1.3 else 1):
		var z: float = 0.0 if width <= 1.3 else (-1.0 + 2.0 * i) * (pillow_w / 2.0 + 0.04)
		_slab(kit, r, Vector3(-length / 2.0 + 0.35, top, z), Vector3(0.4, 0.12, pillow_w), WHITE.darkened(0.05))


static func _stove(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	_slab(kit, root, Vector3.ZERO, Vector3(s.x, s.y - 0.04, s.z), color)
	_slab(kit, root, Vector3(0.0, s.y - 0.04, 0.0), Vector3(s.x, 0.04, s.z), DARK)
	for ix: float in [-0.25, 0.25]:
		for iz: float in [-0.22, 0.22]:
			var burner: Transform3D = root * Transform3D(Basis(), Vector3(ix * s.x, s.y, iz * s.z))
			kit.cylinder(minf(s.x, s.z) * 0.16, minf(s.x, s.z) * 0.16, 0.02, burner, Color("#111111"))
			kit.cylinder(minf(s.x, s.z) * 0.07, minf(s.x, s.z) * 0.07, 0.025, burner, Color("#c0392b"))
	# Oven door with its window and handle.
	_slab(kit, root, Vector3(0.0, s.y * 0.12, s.z / 2.0), Vector3(s.x * 0.8, s.y * 0.55, 0.02), color.darkened(0.15))
	_slab(kit, root, Vector3(0.0, s.y * 0.25, s.z / 2.0 + 0.01), Vector3(s.x * 0.55, s.y * 0.28, 0.02), SCREEN,
		MeshKit.Finish.GLASS)
	_slab(kit, root, Vector3(0.0, s.y * 0.7, s.z / 2.0 + 0.02), Vector3(s.x * 0.7, 0.03, 0.03), METAL)


static func _fridge(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	_slab(kit, root, Vector3.ZERO, s, color)
	_slab(kit, root, Vector3(0.0, s.y * 0.62, s.z / 2.0), Vector3(s.x * 0.96, 0.015, 0.02), color.darkened(0.3))
	_slab(kit, root, Vector3(s.x * 0.38, s.y * 0.7, s.z / 2.0 + 0.02), Vector3(0.03, s.y * 0.2, 0.03), METAL)
	_slab(kit, root, Vector3(s.x * 0.38, s.y * 0.35, s.z / 2.0 + 0.02), Vector3(0.03, s.y * 0.2, 0.03), METAL)


static func _sink(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	_slab(kit, root, Vector3.ZERO, Vector3(s.x, s.y * 0.85, s.z), color)
	_slab(kit, root, Vector3(0.0, s.y * 0.85, 0.0), Vector3(s.x, s.y * 0.05, s.z), WHITE)
	_slab(kit, root, Vector3(0.0, s.y * 0.9, s.z * 0.05), Vector3(s.x * 0.55, 0.01, s.z * 0.55), METAL, MeshKit.Finish.GLOSSY)
	var tap: Transform3D = root * Transform3D(Basis(), Vector3(0.0, s.y * 0.9, -s.z * 0.35))
	kit.cylinder(0.025, 0.025, s.y * 0.25, tap, METAL, 6, MeshKit.Finish.GLOSSY)
	_slab(kit, root, Vector3(0.0, s.y * 1.1, -s.z * 0.27), Vector3(0.04, 0.03, s.z * 0.2), METAL, MeshKit.Finish.GLOSSY)


static func _toilet(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var r: float = minf(s.x, s.z) * 0.35
	kit.cylinder(r * 0.7, r, s.y * 0.5, root * Transform3D(Basis(), Vector3(0.0, 0.0, s.z * 0.1)), WHITE, 10)
	kit.cylinder(r, r, 0.04, root * Transform3D(Basis(), Vector3(0.0, s.y * 0.5, s.z * 0.1)), color, 10)
	_slab(kit, root, Vector3(0.0, 0.0, -s.z / 2.0 + 0.1), Vector3(s.x * 0.8, s.y, 0.2), WHITE)


static func _shower(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	_slab(kit, root, Vector3.ZERO, Vector3(s.x, 0.1, s.z), WHITE)
	var glass: Color = Color("#bfe3f2")
	_slab(kit, root, Vector3(-s.x / 2.0 + 0.02, 0.1, 0.0), Vector3(0.03, s.y - 0.1, s.z), glass, MeshKit.Finish.GLASS)
	_slab(kit, root, Vector3(0.0, 0.1, -s.z / 2.0 + 0.02), Vector3(s.x, s.y - 0.1, 0.03), color)
	_slab(kit, root, Vector3(s.x / 2.0 - 0.02, 0.1, 0.0), Vector3(0.03, s.y - 0.1, s.z), glass, MeshKit.Finish.GLASS)
	var pipe: Transform3D = root * Transform3D(Basis(), Vector3(0.0, 0.1, -s.z / 2.0 + 0.08))
	kit.cylinder(0.02, 0.02, s.y * 0.8, pipe, METAL, 6, MeshKit.Finish.GLOSSY)
	var head: Transform3D = root * Transform3D(Basis(), Vector3(0.0, s.y * 0.85, -s.z / 2.0 + 0.18))
	kit.cylinder(0.09, 0.05, 0.05, head, METAL, 8, MeshKit.Finish.GLOSSY)


static func _piano(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var body_d: float = s.z * 0.55
	_slab(kit, root, Vector3(0.0, 0.0, -s.z / 2.0 + body_d / 2.0), Vector3(s.x, s.y, body_d), color)
	var key_y: float = s.y * 0.62
	var keys_d: float = s.z * 0.3
	var keys_z: float = -s.z / 2.0 + body_d + keys_d / 2.0
	_slab(kit, root, Vector3(0.0, key_y - 0.08, keys_z), Vector3(s.x, 0.08, keys_d), color.darkened(0.1))
	_slab(kit, root, Vector3(0.0, key_y, keys_z), Vector3(s.x * 0.94, 0.025, keys_d), WHITE)
	var keys: int = int(s.x * 0.94 / 0.05)
	for i: int in keys:
		if i % 7 in [2, 6]:
			continue
		var x: float = -s.x * 0.47 + (i + 0.5) * 0.05
		_slab(kit, root, Vector3(x, key_y + 0.025, keys_z - keys_d * 0.2), Vector3(0.022, 0.02, keys_d * 0.55), DARK)
	for sx: float in [-1.0, 1.0]:
		_slab(kit, root, Vector3(sx * (s.x / 2.0 - 0.05), 0.0, keys_z), Vector3(0.08, key_y - 0.08, 0.08), color)
	_slab(kit, root, Vector3(0.0, s.y, -s.z / 2.0 + body_d / 2.0), Vector3(s.x * 1.01, 0.03, body_d * 1.02),
		color.darkened(0.2), MeshKit.Finish.GLOSSY)


static func _sofa(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var seat_h: float = s.y * 0.5
	var arm: float = minf(0.18, s.x * 0.12)
	var back_d: float = minf(0.22, s.z * 0.25)
	_slab(kit, root, Vector3.ZERO, Vector3(s.x, seat_h * 0.6, s.z), color.darkened(0.2))
	_slab(kit, root, Vector3(0.0, 0.0, -s.z / 2.0 + back_d / 2.0), Vector3(s.x, s.y, back_d), color)
	for sx: float in [-1.0, 1.0]:
		_slab(kit, root, Vector3(sx * (s.x / 2.0 - arm / 2.0), 0.0, 0.0), Vector3(arm, s.y * 0.7, s.z), color)
	var cushions: int = maxi(1, roundi((s.x - 2.0 * arm) / 0.7))
	var cw: float = (s.x - 2.0 * arm) / cushions
	for i: int in cushions:
		var x: float = -s.x / 2.0 + arm + cw * (i + 0.5)
		_slab(kit, root, Vector3(x, seat_h * 0.6, back_d / 2.0), Vector3(cw - 0.03, seat_h * 0.4, s.z - back_d - 0.02),
			color.lightened(0.12))


static func _bench(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var seat_h: float = minf(s.y * 0.7, 0.45)
	var iron: Color = Color("#2d2d2d")
	for sx: float in [-1.0, 1.0]:
		_slab(kit, root, Vector3(sx * (s.x / 2.0 - 0.1), 0.0, 0.0), Vector3(0.06, seat_h, s.z * 0.8), iron)
		_slab(kit, root, Vector3(sx * (s.x / 2.0 - 0.1), seat_h, -s.z / 2.0 + 0.06), Vector3(0.06, s.y - seat_h, 0.06), iron)
	for i: int in 3:
		var z: float = -s.z * 0.3 + i * s.z * 0.3
		_slab(kit, root, Vector3(0.0, seat_h, z), Vector3(s.x, 0.04, s.z * 0.25), color)
	if s.y > seat_h + 0.15:
		for i: int in 2:
			var y: float = seat_h + (s.y - seat_h) * (0.35 + 0.4 * i)
			_slab(kit, root, Vector3(0.0, y, -s.z / 2.0 + 0.05), Vector3(s.x, 0.1, 0.04), color)


static func _chair(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var seat_h: float = minf(0.46, s.y * 0.5)
	_legs(kit, root, s.x, s.z, seat_h, 0.05, color.darkened(0.25))
	_slab(kit, root, Vector3(0.0, seat_h, 0.0), Vector3(s.x, 0.05, s.z), color)
	_slab(kit, root, Vector3(0.0, seat_h, -s.z / 2.0 + 0.03), Vector3(s.x, s.y - seat_h, 0.05), color)


static func _table(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	_legs(kit, root, s.x, s.z, s.y - 0.05, 0.07, color.darkened(0.2))
	_slab(kit, root, Vector3(0.0, s.y - 0.05, 0.0), Vector3(s.x, 0.05, s.z), color)
	# A vase with a flower in the middle.
	kit.cylinder(0.04, 0.05, 0.12, root * Transform3D(Basis(), Vector3(0.0, s.y, 0.0)), WHITE, 6)
	kit.sphere(0.05, root * Transform3D(Basis(), Vector3(0.0, s.y + 0.16, 0.0)), FLOWERS[0], 6, 4)


static func _desk(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var top: float = minf(s.y, 0.78)
	_slab(kit, root, Vector3(0.0, top - 0.04, 0.0), Vector3(s.x, 0.04, s.z), color)
	_slab(kit, root, Vector3(-s.x / 2.0 + 0.03, 0.0, 0.0), Vector3(0.04, top - 0.04, s.z * 0.95), color.darkened(0.2))
	_slab(kit, root, Vector3(s.x / 2.0 - s.x * 0.18, 0.0, 0.0), Vector3(s.x * 0.34, top - 0.04, s.z * 0.95),
		color.darkened(0.1))
	for i: int in 3:
		_slab(kit, root, Vector3(s.x / 2.0 - s.x * 0.18, (top - 0.04) * (0.15 + 0.3 * i), s.z * 0.475),
			Vector3(s.x * 0.06, 0.02, 0.02), METAL)
	if s.y > top + 0.15:
		# A monitor and a keyboard.
		var screen_h: float = minf(s.y - top - 0.12, 0.4)
		_slab(kit, root, Vector3(0.0, top, -s.z * 0.25), Vector3(0.06, 0.12, 0.06), DARK)
		_slab(kit, root, Vector3(0.0, top + 0.12, -s.z * 0.25), Vector3(minf(s.x * 0.5, 0.6), screen_h, 0.04), DARK)
		_slab(kit, root, Vector3(0.0, top + 0.14, -s.z * 0.25 + 0.025), Vector3(minf(s.x * 0.5, 0.6) - 0.05,
			screen_h - 0.04, 0.01), Color("#4d7fb3"), MeshKit.Finish.GLOW)
		_slab(kit, root, Vector3(0.0, top, s.z * 0.1), Vector3(minf(s.x * 0.45, 0.45), 0.02, 0.15), DARK)
	else:
		# Papers and a book.
		_slab(kit, root, Vector3(-s.x * 0.15, top, 0.0), Vector3(0.3, 0.01, 0.22), WHITE)
		_slab(kit, root, Vector3(s.x * 0.2, top, -s.z * 0.1), Vector3(0.22, 0.05, 0.16), BOOKS[1])


static func _counter(kit: MeshKit, root: Transform3D, s: Vector3, color: Color, bar: bool) -> void:
	var top_h: float = 0.05
	_slab(kit, root, Vector3(0.0, 0.0, 0.0), Vector3(s.x, s.y - top_h, s.z * 0.9), color)
	var top_color: Color = Color("#5b3a22") if bar else color.lightened(0.35)
	_slab(kit, root, Vector3(0.0, s.y - top_h, 0.02), Vector3(s.x + 0.04, top_h, s.z + 0.02), top_color,
		MeshKit.Finish.GLOSSY)
	# Panels on the front; a bar has a foot rail and bottles behind.
	var panels: int = maxi(1, roundi(s.x / 0.8))
	for i: int in panels:
		var x: float = -s.x / 2.0 + s.x * (i + 0.5) / panels
		_slab(kit, root, Vector3(x, (s.y - top_h) * 0.15, s.z * 0.45), Vector3(s.x / panels - 0.12, (s.y - top_h) * 0.7,
			0.02), color.darkened(0.15))
	if bar:
		_slab(kit, root, Vector3(0.0, 0.18, s.z / 2.0 + 0.06), Vector3(s.x, 0.04, 0.04), Color("#c9a13b"),
			MeshKit.Finish.GLOSSY)
		var bottles: int = int(s.x / 0.25)
		for i: int in bottles:
			var bottle: Transform3D = root * Transform3D(Basis(), Vector3(-s.x / 2.0 + 0.15 + i * 0.25, s.y,
				-s.z * 0.3))
			kit.cylinder(0.035, 0.035, 0.2, bottle, BOOKS[i % BOOKS.size()], 6, MeshKit.Finish.GLASS)


static func _shelf(kit: MeshKit, root: Transform3D, s: Vector3, color: Color, books_only: bool) -> void:
	var t: float = 0.04
	var wood: Color = color.darkened(0.15)
	_slab(kit, root, Vector3(0.0, 0.0, -s.z / 2.0 + t / 2.0), Vector3(s.x, s.y, t), wood)
	for sx: float in [-1.0, 1.0]:
		_slab(kit, root, Vector3(sx * (s.x / 2.0 - t / 2.0), 0.0, 0.0), Vector3(t, s.y, s.z), color)
	var levels: int = maxi(2, int(s.y / 0.4))
	var gap: float = (s.y - t) / levels
	var rng: RandomNumberGenerator = RandomNumberGenerator.new()
	rng.seed = hash("%.2f%.2f%.2f" % [s.x, s.y, s.z])
	for level: int in levels + 1:
		_slab(kit, root, Vector3(0.0, level * gap, 0.0), Vector3(s.x - 2.0 * t, t, s.z), color)
		if level == levels:
			break
		# Books (or boxes of goods) standing on the shelf.
		var x: float = -s.x / 2.0 + t + 0.02
		while x < s.x / 2.0 - t - 0.08:
			var item_w: float = rng.randf_range(0.04, 0.09) if books_only else rng.randf_range(0.12, 0.3)
			var item_h: float = minf(gap - t - 0.03, rng.randf_range(0.2, 0.32) if books_only else rng.randf_range(0.12, 0.3))
			if x + item_w > s.x / 2.0 - t:
				break
			if books_only or rng.randf() < 0.8:
				var item_color: Color = BOOKS[rng.randi_range(0, BOOKS.size() - 1)]
				if not books_only:
					item_color = item_color.lightened(0.25)
				_part(kit, root, Vector3(x, level * gap + t, -s.z / 2.0 + t + 0.02), Vector3(item_w, item_h, s.z * 0.8),
					item_color)
			x += item_w + (0.005 if books_only else 0.04)


static func _tv(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var stand_h: float = s.y * 0.4
	_slab(kit, root, Vector3.ZERO, Vector3(s.x, stand_h, s.z), color)
	_slab(kit, root, Vector3(0.0, stand_h, 0.0), Vector3(0.1, 0.08, 0.1), DARK)
	_slab(kit, root, Vector3(0.0, stand_h + 0.08, 0.0), Vector3(s.x * 0.9, s.y - stand_h - 0.08, 0.05), DARK)
	_slab(kit, root, Vector3(0.0, stand_h + 0.1, 0.03), Vector3(s.x * 0.85, s.y - stand_h - 0.12, 0.01), Color("#35507a"),
		MeshKit.Finish.GLOW)


static func _easel(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var wood: Color = Color("#9a6a3a")
	var lean: Basis = Basis(Vector3.RIGHT, -0.12)
	for sx: float in [-1.0, 1.0]:
		kit.box(Vector3(0.04, s.y, 0.04), root * Transform3D(lean, Vector3(sx * s.x * 0.35, s.y / 2.0, 0.0)), wood)
	kit.box(Vector3(0.04, s.y * 0.95, 0.04), root * Transform3D(Basis(Vector3.RIGHT, 0.3), Vector3(0.0, s.y * 0.45,
		-s.z * 0.3)), wood)
	kit.box(Vector3(s.x * 0.85, 0.04, 0.08), root * Transform3D(lean, Vector3(0.0, s.y * 0.38, 0.07)), wood)
	kit.box(Vector3(s.x * 0.8, s.y * 0.45, 0.03), root * Transform3D(lean, Vector3(0.0, s.y * 0.63, 0.04)), WHITE)
	kit.box(Vector3(s.x * 0.5, s.y * 0.2, 0.01), root * Transform3D(lean, Vector3(-s.x * 0.05, s.y * 0.66, 0.06)), color)


static func _board(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var frame: Color = Color("#8a6a45")
	var low: float = s.y * 0.35
	for sx: float in [-1.0, 1.0]:
		_slab(kit, root, Vector3(sx * (s.x / 2.0 - 0.04), 0.0, 0.0), Vector3(0.06, s.y, minf(s.z, 0.1)), frame)
	_slab(kit, root, Vector3(0.0, low, 0.0), Vector3(s.x, s.y - low, 0.06), frame)
	_slab(kit, root, Vector3(0.0, low + 0.05, 0.02), Vector3(s.x - 0.1, s.y - low - 0.1, 0.04), color)
	# Chalk (or ink) lines and a tray.
	var ink: Color = WHITE if color.get_luminance() < 0.5 else Color("#2a4d8f")
	for i: int in 3:
		_slab(kit, root, Vector3(-s.x * 0.1 + i * 0.05, low + (s.y - low) * (0.65 - 0.17 * i), 0.045),
			Vector3(s.x * (0.55 - 0.12 * i), 0.02, 0.01), ink)
	_slab(kit, root, Vector3(0.0, low, 0.05), Vector3(s.x * 0.8, 0.03, 0.06), frame)


static func _fountain(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var r: float = minf(s.x, s.z) / 2.0
	var stone: Color = color
	kit.cylinder(r, r, minf(0.5, s.y * 0.3), root, stone, 16)
	kit.cylinder(r * 0.88, r * 0.88, minf(0.5, s.y * 0.3) + 0.01, root, WATER, 16, MeshKit.Finish.GLOSSY)
	kit.cylinder(r * 0.15, r * 0.1, s.y * 0.75, root, stone.lightened(0.1), 8)
	kit.cylinder(r * 0.45, r * 0.3, 0.1, root * Transform3D(Basis(), Vector3(0.0, s.y * 0.7, 0.0)), stone, 12)
	kit.cylinder(r * 0.4, r * 0.4, 0.02, root * Transform3D(Basis(), Vector3(0.0, s.y * 0.7 + 0.09, 0.0)), WATER, 12,
		MeshKit.Finish.GLOSSY)
	kit.sphere(r * 0.12, root * Transform3D(Basis(), Vector3(0.0, s.y * 0.9, 0.0)), WATER.lightened(0.3), 8, 4,
		MeshKit.Finish.GLOSSY)


static func _lamp(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var r: float = minf(s.x, s.z) / 2.0
	kit.cylinder(r * 0.6, r * 0.6, 0.04, root, DARK, 10)
	kit.cylinder(0.02, 0.02, s.y * 0.75, root, DARK, 6)
	kit.cylinder(r, r * 0.55, s.y * 0.25, root * Transform3D(Basis(), Vector3(0.0, s.y * 0.75, 0.0)), color.lightened(0.3),
		10, MeshKit.Finish.GLOW)


static func _plant(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var r: float = minf(s.x, s.z) / 2.0
	var pot_h: float = minf(s.y * 0.35, 0.4)
	kit.cylinder(r * 0.6, r * 0.75, pot_h, root, Color("#b5651d"), 10)
	kit.cylinder(r * 0.7, r * 0.7, pot_h + 0.005, root, SOIL, 10)
	var crown: float = (s.y - pot_h) / 2.0
	var leaf: Color = color if color.g > color.r and color.g > color.b else LEAF
	kit.sphere(1.0, root * Transform3D(Basis().scaled(Vector3(r, crown, r)), Vector3(0.0, pot_h + crown, 0.0)), leaf, 8, 5)


static func _flower_bed(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var edge: Color = Color("#8d8a80")
	_slab(kit, root, Vector3.ZERO, Vector3(s.x, s.y * 0.5, s.z), edge)
	_slab(kit, root, Vector3.ZERO, Vector3(s.x - 0.1, s.y * 0.5 + 0.02, s.z - 0.1), SOIL)
	var rng: RandomNumberGenerator = RandomNumberGenerator.new()
	rng.seed = hash("%.2f%.2f" % [s.x, s.z])
	var step: float = 0.3
	var nx: int = maxi(1, int((s.x - 0.2) / step))
	var nz: int = maxi(1, int((s.z - 0.2) / step))
	for ix: int in nx:
		for iz: int in nz:
			var p: Vector3 = Vector3(-s.x / 2.0 + 0.1 + step * (ix + 0.5) + rng.randf_range(-0.06, 0.06), s.y * 0.5,
				-s.z / 2.0 + 0.1 + step * (iz + 0.5) + rng.randf_range(-0.06, 0.06))
			kit.cylinder(0.02, 0.02, s.y * 0.35, root * Transform3D(Basis(), p), LEAF, 4)
			var bloom: Color = color if rng.randf() < 0.5 else FLOWERS[rng.randi_range(0, FLOWERS.size() - 1)]
			kit.sphere(0.09, root * Transform3D(Basis(), p + Vector3(0.0, s.y * 0.4, 0.0)), bloom, 6, 3)


static func _coffee_machine(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	# A counter with the machine on top when the box is counter-high.
	var base_h: float = s.y - 0.45 if s.y > 0.8 else 0.0
	if base_h > 0.0:
		_counter(kit, root, Vector3(s.x, base_h, s.z), Color("#8b6a4f"), false)
	var mw: float = minf(s.x * 0.6, 0.6)
	var md: float = minf(s.z * 0.7, 0.45)
	_slab(kit, root, Vector3(0.0, base_h, -s.z * 0.1), Vector3(mw, 0.06, md), DARK)
	_slab(kit, root, Vector3(0.0, base_h, -s.z * 0.1 - md * 0.3), Vector3(mw, s.y - base_h, md * 0.4), color,
		MeshKit.Finish.GLOSSY)
	_slab(kit, root, Vector3(0.0, s.y - 0.12, -s.z * 0.1), Vector3(mw, 0.12, md), color, MeshKit.Finish.GLOSSY)
	kit.cylinder(0.03, 0.03, 0.06, root * Transform3D(Basis(), Vector3(0.0, s.y - 0.18, -s.z * 0.05)), METAL, 6)
	kit.cylinder(0.04, 0.035, 0.08, root * Transform3D(Basis(), Vector3(0.0, base_h + 0.06, -s.z * 0.05)), WHITE, 8)


static func _cash_register(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var base_h: float = s.y - 0.3 if s.y > 0.6 else 0.0
	if base_h > 0.0:
		_counter(kit, root, Vector3(s.x, base_h, s.z), Color("#7d7d85"), false)
	var rw: float = minf(s.x * 0.6, 0.45)
	_slab(kit, root, Vector3(0.0, base_h, 0.0), Vector3(rw, 0.12, 0.4), color)
	kit.box(Vector3(rw * 0.9, 0.1, 0.2), root * Transform3D(Basis(Vector3.RIGHT, -0.5), Vector3(0.0, base_h + 0.16,
		0.06)), color.darkened(0.2))
	_slab(kit, root, Vector3(0.0, base_h + 0.12, -0.12), Vector3(0.05, 0.12, 0.05), DARK)
	_slab(kit, root, Vector3(0.0, base_h + 0.22, -0.12), Vector3(rw * 0.6, 0.12, 0.03), Color("#4ad36a"),
		MeshKit.Finish.GLOW)


static func _tree(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	# The crown may spread past the box (it is above head height); the trunk fills it.
	var r: float = minf(s.x, s.z) / 2.0
	var spread: float = maxf(r, s.y * 0.32)
	var trunk_h: float = s.y * 0.5
	kit.cylinder(r * 0.3, r * 0.2, trunk_h + s.y * 0.1, root, Color("#6b4a2f"), 8)
	var leaf: Color = color if color.g > color.r and color.g > color.b else LEAF
	var crown_h: float = (s.y - trunk_h) / 2.0 + 0.3
	kit.sphere(1.0, root * Transform3D(Basis().scaled(Vector3(spread, crown_h, spread)),
		Vector3(0.0, trunk_h + crown_h - 0.3, 0.0)), leaf, 10, 6)
	kit.sphere(1.0, root * Transform3D(Basis().scaled(Vector3(spread * 0.6, crown_h * 0.6, spread * 0.6)),
		Vector3(spread * 0.35, s.y - crown_h * 0.3, spread * 0.2)), leaf.lightened(0.12), 8, 5)


static func _pool_table(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var wood: Color = Color("#5a3720")
	_legs(kit, root, s.x, s.z, s.y - 0.15, 0.12, wood)
	_slab(kit, root, Vector3(0.0, s.y - 0.18, 0.0), Vector3(s.x, 0.14, s.z), wood)
	var felt: Color = color if color.g > color.r else Color("#1f7a45")
	_slab(kit, root, Vector3(0.0, s.y - 0.04, 0.0), Vector3(s.x - 0.2, 0.02, s.z - 0.2), felt)
	for sx: float in [-1.0, 1.0]:
		_slab(kit, root, Vector3(sx * (s.x / 2.0 - 0.05), s.y - 0.04, 0.0), Vector3(0.1, 0.05, s.z), wood)
	for sz: float in [-1.0, 1.0]:
		_slab(kit, root, Vector3(0.0, s.y - 0.04, sz * (s.z / 2.0 - 0.05)), Vector3(s.x, 0.05, 0.1), wood)
	var balls: Array[Color] = [WHITE, FLOWERS[0], FLOWERS[1], BOOKS[1], DARK]
	for i: int in balls.size():
		var p: Vector3 = Vector3(s.x * (0.15 + 0.04 * (i % 3)), s.y - 0.0, s.z * (-0.1 + 0.07 * i))
		kit.sphere(0.03, root * Transform3D(Basis(), p), balls[i], 6, 4)


static func _washing_machine(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	_slab(kit, root, Vector3.ZERO, s, color.lightened(0.3))
	var r: float = minf(s.x, s.y) * 0.3
	var door: Transform3D = root * Transform3D(Basis(Vector3.RIGHT, PI / 2.0), Vector3(0.0, s.y * 0.45, s.z / 2.0))
	kit.cylinder(r, r, 0.03, door, METAL, 14)
	kit.cylinder(r * 0.75, r * 0.75, 0.035, door, SCREEN, 14, MeshKit.Finish.GLASS)
	_slab(kit, root, Vector3(0.0, s.y * 0.85, s.z / 2.0), Vector3(s.x * 0.8, 0.08, 0.02), DARK)


static func _lectern(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	_slab(kit, root, Vector3.ZERO, Vector3(s.x * 0.8, 0.05, s.z * 0.8), color.darkened(0.2))
	_slab(kit, root, Vector3(0.0, 0.05, 0.0), Vector3(s.x * 0.45, s.y * 0.8, s.z * 0.45), color)
	kit.box(Vector3(s.x, 0.06, s.z * 0.75), root * Transform3D(Basis(Vector3.RIGHT, 0.3), Vector3(0.0, s.y * 0.9,
		0.0)), color.darkened(0.1))
	kit.box(Vector3(s.x * 0.5, 0.01, s.z * 0.4), root * Transform3D(Basis(Vector3.RIGHT, 0.3), Vector3(0.0,
		s.y * 0.9 + 0.04, 0.0)), WHITE)


static func _microphone(kit: MeshKit, root: Transform3D, s: Vector3, _color: Color) -> void:
	var r: float = minf(s.x, s.z) / 2.0
	kit.cylinder(r * 0.8, r * 0.8, 0.03, root, DARK, 10)
	kit.cylinder(0.015, 0.015, s.y * 0.92, root, METAL, 6)
	kit.sphere(0.05, root * Transform3D(Basis(), Vector3(0.0, s.y * 0.94, 0.0)), DARK, 8, 5)


static func _stage(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	_slab(kit, root, Vector3.ZERO, Vector3(s.x, s.y, s.z), color.darkened(0.25))
	_slab(kit, root, Vector3(0.0, s.y - 0.03, 0.0), Vector3(s.x, 0.03, s.z), color, MeshKit.Finish.GLOSSY)
	var boards: int = maxi(2, int(s.x / 0.3))
	for i: int in boards:
		_slab(kit, root, Vector3(-s.x / 2.0 + s.x * (i + 0.5) / boards, s.y, 0.0), Vector3(0.01, 0.003, s.z),
			color.darkened(0.35))


static func _mailboxes(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	_slab(kit, root, Vector3.ZERO, Vector3(s.x, s.y, s.z), color.darkened(0.2))
	var cols: int = maxi(1, int(s.x / 0.3))
	var rows: int = maxi(1, int(s.y / 0.3))
	for c: int in cols:
		for r: int in rows:
			var p: Vector3 = Vector3(-s.x / 2.0 + s.x * (c + 0.5) / cols, s.y * (r + 0.15) / rows, s.z / 2.0)
			_slab(kit, root, p, Vector3(s.x / cols - 0.05, s.y / rows * 0.7, 0.02), METAL)
			_slab(kit, root, p + Vector3(0.0, s.y / rows * 0.45, 0.01), Vector3(0.1, 0.015, 0.02), DARK)


static func _dartboard(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var r: float = minf(minf(s.x, s.y) / 2.0, 0.3)
	_slab(kit, root, Vector3(0.0, 0.0, -s.z / 2.0 + 0.03), Vector3(0.05, s.y - r * 2.2, 0.05), DARK)
	var face: Transform3D = root * Transform3D(Basis(Vector3.RIGHT, PI / 2.0), Vector3(0.0, s.y - r * 1.1, -s.z / 2.0))
	kit.cylinder(r * 1.1, r * 1.1, 0.04, face, DARK, 16)
	kit.cylinder(r, r, 0.05, face, Color("#e8dcb8"), 16)
	kit.cylinder(r * 0.65, r * 0.65, 0.055, face, color, 16)
	kit.cylinder(r * 0.3, r * 0.3, 0.06, face, Color("#1f7a45"), 12)
	kit.cylinder(r * 0.08, r * 0.08, 0.065, face, FLOWERS[0], 8)


static func _printer(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	# A stand (when the box is tall) with the machine on it: a paper tray out front.
	var base_h: float = maxf(s.y - 0.45, 0.0)
	if base_h > 0.0:
		_slab(kit, root, Vector3.ZERO, Vector3(s.x * 0.9, base_h, s.z * 0.9), color.darkened(0.3))
	var h: float = s.y - base_h
	_slab(kit, root, Vector3(0.0, base_h, 0.0), Vector3(s.x, h * 0.75, s.z), color)
	_slab(kit, root, Vector3(0.0, base_h + h * 0.75, -s.z * 0.05), Vector3(s.x * 0.95, h * 0.2, s.z * 0.85),
		color.lightened(0.15))
	_slab(kit, root, Vector3(0.0, base_h + h * 0.35, s.z / 2.0), Vector3(s.x * 0.6, 0.02, 0.2), WHITE)
	_slab(kit, root, Vector3(s.x * 0.3, base_h + h * 0.95, s.z * 0.3), Vector3(s.x * 0.25, 0.02, s.z * 0.2), Color("#4ad36a"),
		MeshKit.Finish.GLOW)


static func _water_cooler(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var body_h: float = s.y * 0.65
	_slab(kit, root, Vector3.ZERO, Vector3(s.x * 0.8, body_h, s.z * 0.8), color)
	_slab(kit, root, Vector3(0.0, body_h * 0.6, s.z * 0.4), Vector3(s.x * 0.3, 0.05, 0.06), METAL)
	var r: float = minf(s.x, s.z) * 0.35
	kit.cylinder(r, r, s.y - body_h - 0.05, root * Transform3D(Basis(), Vector3(0.0, body_h, 0.0)), Color("#7fc4ea"), 12,
		MeshKit.Finish.GLASS)
	kit.cylinder(r * 0.3, r * 0.3, 0.05, root * Transform3D(Basis(), Vector3(0.0, s.y - 0.05, 0.0)), Color("#2f6fb0"), 8)


static func _boiler(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var r: float = minf(s.x, s.z) * 0.45
	kit.cylinder(r, r, s.y * 0.9, root, color, 14)
	kit.sphere(1.0, root * Transform3D(Basis().scaled(Vector3(r, r * 0.35, r)), Vector3(0.0, s.y * 0.9, 0.0)), color, 14, 6)
	for sx: float in [-0.3, 0.3]:
		kit.cylinder(0.04, 0.04, s.y, root * Transform3D(Basis(), Vector3(sx * s.x, 0.0, -s.z * 0.4)), Color("#b87333"), 6,
			MeshKit.Finish.GLOSSY)
	_slab(kit, root, Vector3(0.0, s.y * 0.45, r), Vector3(r * 0.6, r * 0.4, 0.03), DARK)
	kit.sphere(0.05, root * Transform3D(Basis(), Vector3(0.0, s.y * 0.65, r)), WHITE, 8, 4)
