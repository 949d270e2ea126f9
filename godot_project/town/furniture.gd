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
## mesh() turns and caches them. The builders of the plain pieces (and their shared
## parts and colours) are in furniture_shapes.gd, those of the fixtures and appliances
## in furniture_fixtures.gd; the public places' and outdoor pieces are built here.

const MeshKit: GDScript = preload("res://town/mesh_kit.gd")

const Shapes: GDScript = preload("res://town/furniture_shapes.gd")
const Fixtures: GDScript = preload("res://town/furniture_fixtures.gd")

## The models' colours, kept in furniture_shapes.gd (town_buildings.gd uses METAL).
const WHITE: Color = Shapes.WHITE
const DARK: Color = Shapes.DARK
const METAL: Color = Shapes.METAL
const SCREEN: Color = Shapes.SCREEN
const WATER: Color = Shapes.WATER
const SOIL: Color = Shapes.SOIL
const LEAF: Color = Shapes.LEAF
const FLOWERS: Array[Color] = Shapes.FLOWERS
const BOOKS: Array[Color] = Shapes.BOOKS

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
		"bookshelf": Shapes.shelf(kit, root, local, color, true)
		"coffee_machine": Fixtures.coffee_machine(kit, root, local, color)
		"cash_register": Fixtures.cash_register(kit, root, local, color)
		"bar_counter": Shapes.counter(kit, root, local, color, true)
		"counter": Shapes.counter(kit, root, local, color, false)
		"tree": _tree(kit, root, local, color)
		"pool_table": _pool_table(kit, root, local, color)
		"washing_machine": Fixtures.washing_machine(kit, root, local, color)
		"lectern": _lectern(kit, root, local, color)
		"microphone": _microphone(kit, root, local, color)
		"stage": _stage(kit, root, local, color)
		"mailboxes": _mailboxes(kit, root, local, color)
		"dartboard": _dartboard(kit, root, local, color)
		"printer": Fixtures.printer(kit, root, local, color)
		"water_cooler": Fixtures.water_cooler(kit, root, local, color)
		"boiler": Fixtures.boiler(kit, root, local, color)
		"bed": Shapes.bed(kit, root, local, color)
		"stove": Fixtures.stove(kit, root, local, color)
		"fridge": Fixtures.fridge(kit, root, local, color)
		"sink": Fixtures.sink(kit, root, local, color)
		"toilet": Fixtures.toilet(kit, root, local, color)
		"shower": Fixtures.shower(kit, root, local, color)
		"piano": _piano(kit, root, local, color)
		"sofa": Shapes.sofa(kit, root, local, color)
		"bench": Shapes.bench(kit, root, local, color)
		"chair": Shapes.chair(kit, root, local, color)
		"desk": Shapes.desk(kit, root, local, color)
		"table": Shapes.table(kit, root, local, color)
		"shelf": Shapes.shelf(kit, root, local, color, false)
		"tv": Shapes.tv(kit, root, local, color)
		"easel": _easel(kit, root, local, color)
		"board": _board(kit, root, local, color)
		"fountain": _fountain(kit, root, local, color)
		"lamp": Shapes.lamp(kit, root, local, color)
		"plant": _plant(kit, root, local, color)
		_: Shapes.block(kit, root, local, color)
	built = kit.commit()
	_meshes[key] = built
	return built


static func _piano(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var body_d: float = s.z * 0.55
	Shapes.slab(kit, root, Vector3(0.0, 0.0, -s.z / 2.0 + body_d / 2.0), Vector3(s.x, s.y, body_d), color)
	var key_y: float = s.y * 0.62
	var keys_d: float = s.z * 0.3
	var keys_z: float = -s.z / 2.0 + body_d + keys_d / 2.0
	Shapes.slab(kit, root, Vector3(0.0, key_y - 0.08, keys_z), Vector3(s.x, 0.08, keys_d), color.darkened(0.1))
	Shapes.slab(kit, root, Vector3(0.0, key_y, keys_z), Vector3(s.x * 0.94, 0.025, keys_d), WHITE)
	var keys: int = int(s.x * 0.94 / 0.05)
	for i: int in keys:
		if i % 7 in [2, 6]:
			continue
		var x: float = -s.x * 0.47 + (i + 0.5) * 0.05
		Shapes.slab(kit, root, Vector3(x, key_y + 0.025, keys_z - keys_d * 0.2), Vector3(0.022, 0.02, keys_d * 0.55), DARK)
	for sx: float in [-1.0, 1.0]:
		Shapes.slab(kit, root, Vector3(sx * (s.x / 2.0 - 0.05), 0.0, keys_z), Vector3(0.08, key_y - 0.08, 0.08), color)
	Shapes.slab(kit, root, Vector3(0.0, s.y, -s.z / 2.0 + body_d / 2.0), Vector3(s.x * 1.01, 0.03, body_d * 1.02),
		color.darkened(0.2), MeshKit.Finish.GLOSSY)


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
		Shapes.slab(kit, root, Vector3(sx * (s.x / 2.0 - 0.04), 0.0, 0.0), Vector3(0.06, s.y, minf(s.z, 0.1)), frame)
	Shapes.slab(kit, root, Vector3(0.0, low, 0.0), Vector3(s.x, s.y - low, 0.06), frame)
	Shapes.slab(kit, root, Vector3(0.0, low + 0.05, 0.02), Vector3(s.x - 0.1, s.y - low - 0.1, 0.04), color)
	# Chalk (or ink) lines and a tray.
	var ink: Color = WHITE if color.get_luminance() < 0.5 else Color("#2a4d8f")
	for i: int in 3:
		Shapes.slab(kit, root, Vector3(-s.x * 0.1 + i * 0.05, low + (s.y - low) * (0.65 - 0.17 * i), 0.045),
			Vector3(s.x * (0.55 - 0.12 * i), 0.02, 0.01), ink)
	Shapes.slab(kit, root, Vector3(0.0, low, 0.05), Vector3(s.x * 0.8, 0.03, 0.06), frame)


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
	Shapes.slab(kit, root, Vector3.ZERO, Vector3(s.x, s.y * 0.5, s.z), edge)
	Shapes.slab(kit, root, Vector3.ZERO, Vector3(s.x - 0.1, s.y * 0.5 + 0.02, s.z - 0.1), SOIL)
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
	Shapes.legs(kit, root, s.x, s.z, s.y - 0.15, 0.12, wood)
	Shapes.slab(kit, root, Vector3(0.0, s.y - 0.18, 0.0), Vector3(s.x, 0.14, s.z), wood)
	var felt: Color = color if color.g > color.r else Color("#1f7a45")
	Shapes.slab(kit, root, Vector3(0.0, s.y - 0.04, 0.0), Vector3(s.x - 0.2, 0.02, s.z - 0.2), felt)
	for sx: float in [-1.0, 1.0]:
		Shapes.slab(kit, root, Vector3(sx * (s.x / 2.0 - 0.05), s.y - 0.04, 0.0), Vector3(0.1, 0.05, s.z), wood)
	for sz: float in [-1.0, 1.0]:
		Shapes.slab(kit, root, Vector3(0.0, s.y - 0.04, sz * (s.z / 2.0 - 0.05)), Vector3(s.x, 0.05, 0.1), wood)
	var balls: Array[Color] = [WHITE, FLOWERS[0], FLOWERS[1], BOOKS[1], DARK]
	for i: int in balls.size():
		var p: Vector3 = Vector3(s.x * (0.15 + 0.04 * (i % 3)), s.y - 0.0, s.z * (-0.1 + 0.07 * i))
		kit.sphere(0.03, root * Transform3D(Basis(), p), balls[i], 6, 4)


static func _lectern(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	Shapes.slab(kit, root, Vector3.ZERO, Vector3(s.x * 0.8, 0.05, s.z * 0.8), color.darkened(0.2))
	Shapes.slab(kit, root, Vector3(0.0, 0.05, 0.0), Vector3(s.x * 0.45, s.y * 0.8, s.z * 0.45), color)
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
	Shapes.slab(kit, root, Vector3.ZERO, Vector3(s.x, s.y, s.z), color.darkened(0.25))
	Shapes.slab(kit, root, Vector3(0.0, s.y - 0.03, 0.0), Vector3(s.x, 0.03, s.z), color, MeshKit.Finish.GLOSSY)
	var boards: int = maxi(2, int(s.x / 0.3))
	for i: int in boards:
		Shapes.slab(kit, root, Vector3(-s.x / 2.0 + s.x * (i + 0.5) / boards, s.y, 0.0), Vector3(0.01, 0.003, s.z),
			color.darkened(0.35))


static func _mailboxes(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	Shapes.slab(kit, root, Vector3.ZERO, Vector3(s.x, s.y, s.z), color.darkened(0.2))
	var cols: int = maxi(1, int(s.x / 0.3))
	var rows: int = maxi(1, int(s.y / 0.3))
	for c: int in cols:
		for r: int in rows:
			var p: Vector3 = Vector3(-s.x / 2.0 + s.x * (c + 0.5) / cols, s.y * (r + 0.15) / rows, s.z / 2.0)
			Shapes.slab(kit, root, p, Vector3(s.x / cols - 0.05, s.y / rows * 0.7, 0.02), METAL)
			Shapes.slab(kit, root, p + Vector3(0.0, s.y / rows * 0.45, 0.01), Vector3(0.1, 0.015, 0.02), DARK)


static func _dartboard(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var r: float = minf(minf(s.x, s.y) / 2.0, 0.3)
	Shapes.slab(kit, root, Vector3(0.0, 0.0, -s.z / 2.0 + 0.03), Vector3(0.05, s.y - r * 2.2, 0.05), DARK)
	var face: Transform3D = root * Transform3D(Basis(Vector3.RIGHT, PI / 2.0), Vector3(0.0, s.y - r * 1.1, -s.z / 2.0))
	kit.cylinder(r * 1.1, r * 1.1, 0.04, face, DARK, 16)
	kit.cylinder(r, r, 0.05, face, Color("#e8dcb8"), 16)
	kit.cylinder(r * 0.65, r * 0.65, 0.055, face, color, 16)
	kit.cylinder(r * 0.3, r * 0.3, 0.06, face, Color("#1f7a45"), 12)
	kit.cylinder(r * 0.08, r * 0.08, 0.065, face, FLOWERS[0], 8)
