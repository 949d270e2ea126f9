extends RefCounted
## The shared parts of the town's furniture (see furniture.gd) and its plain pieces:
## the models' colours; a box placed by its corner (part()) or by its bottom centre
## (slab()); four legs; the plain box of an object no model fits (block()); and the
## furniture of homes, offices and shops: bed, sofa, bench, chair, table, desk,
## counter (and bar counter), shelf (and bookshelf), tv and lamp.
##
## Every builder draws into a MeshKit in the model's local frame, turned by root:
## width along x, depth along z, the front towards +z, the floor at y = 0, centred
## on x and z. furniture.gd picks, turns and caches the models.
##
## Preloaded where it is used, not a class_name (see main/main.gd).

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


## A box given by its minimum corner and size, in the model's frame.
static func part(kit: MeshKit, root: Transform3D, low: Vector3, size: Vector3, color: Color,
		finish: MeshKit.Finish = MeshKit.Finish.MATTE) -> void:
	kit.box(size, root * Transform3D(Basis(), low + size / 2.0), color, finish)


## A box centred on x and z, from y0 up by its height.
static func slab(kit: MeshKit, root: Transform3D, center: Vector3, size: Vector3, color: Color,
		finish: MeshKit.Finish = MeshKit.Finish.MATTE) -> void:
	kit.box(size, root * Transform3D(Basis(), center + Vector3(0.0, size.y / 2.0, 0.0)), color, finish)


## Four legs of this thickness at the corners of a w x d footprint, inset a little.
static func legs(kit: MeshKit, root: Transform3D, w: float, d: float, height: float, thickness: float,
		color: Color) -> void:
	var x: float = w / 2.0 - thickness / 2.0 - 0.03
	var z: float = d / 2.0 - thickness / 2.0 - 0.03
	for sx: float in [-1.0, 1.0]:
		for sz: float in [-1.0, 1.0]:
			slab(kit, root, Vector3(sx * x, 0.0, sz * z), Vector3(thickness, height, thickness), color)


## The plain box of an object that no model fits, with a lighter lid.
static func block(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	slab(kit, root, Vector3.ZERO, s, color)
	slab(kit, root, Vector3(0.0, s.y, 0.0), Vector3(s.x * 0.9, 0.02, s.z * 0.9), color.lightened(0.15))


static func bed(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	# The head is at one end of the longer side.
	var long_x: bool = s.x >= s.z
	var length: float = s.x if long_x else s.z
	var width: float = s.z if long_x else s.x
	var basis: Basis = Basis() if long_x else Basis(Vector3.UP, PI / 2.0)
	var r: Transform3D = root * Transform3D(basis, Vector3.ZERO)
	var wood: Color = Color("#7a5634")
	var frame_h: float = s.y * 0.45
	slab(kit, r, Vector3.ZERO, Vector3(length, frame_h, width), wood)
	slab(kit, r, Vector3(-length / 2.0 + 0.05, 0.0, 0.0), Vector3(0.1, minf(s.y * 1.8, s.y + 0.5), width), wood)
	var mattress_h: float = s.y * 0.3
	slab(kit, r, Vector3(0.04, frame_h, 0.0), Vector3(length - 0.12, mattress_h, width - 0.08), WHITE)
	var top: float = frame_h + mattress_h
	var blanket_len: float = (length - 0.12) * 0.66
	slab(kit, r, Vector3(length / 2.0 - 0.06 - blanket_len / 2.0, top - mattress_h * 0.6, 0.0),
		Vector3(blanket_len, mattress_h * 0.6 + 0.05, width - 0.02), color.darkened(0.12))
	var pillow_w: float = (width - 0.2) / (2.0 if width > 1.3 else 1.0)
	for i: int in (2 if width > 1.3 else 1):
		var z: float = 0.0 if width <= 1.3 else (-1.0 + 2.0 * i) * (pillow_w / 2.0 + 0.04)
		slab(kit, r, Vector3(-length / 2.0 + 0.35, top, z), Vector3(0.4, 0.12, pillow_w), WHITE.darkened(0.05))


static func sofa(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var seat_h: float = s.y * 0.5
	var arm: float = minf(0.18, s.x * 0.12)
	var back_d: float = minf(0.22, s.z * 0.25)
	slab(kit, root, Vector3.ZERO, Vector3(s.x, seat_h * 0.6, s.z), color.darkened(0.2))
	slab(kit, root, Vector3(0.0, 0.0, -s.z / 2.0 + back_d / 2.0), Vector3(s.x, s.y, back_d), color)
	for sx: float in [-1.0, 1.0]:
		slab(kit, root, Vector3(sx * (s.x / 2.0 - arm / 2.0), 0.0, 0.0), Vector3(arm, s.y * 0.7, s.z), color)
	var cushions: int = maxi(1, roundi((s.x - 2.0 * arm) / 0.7))
	var cw: float = (s.x - 2.0 * arm) / cushions
	for i: int in cushions:
		var x: float = -s.x / 2.0 + arm + cw * (i + 0.5)
		slab(kit, root, Vector3(x, seat_h * 0.6, back_d / 2.0), Vector3(cw - 0.03, seat_h * 0.4, s.z - back_d - 0.02),
			color.lightened(0.12))


static func bench(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var seat_h: float = minf(s.y * 0.7, 0.45)
	var iron: Color = Color("#2d2d2d")
	for sx: float in [-1.0, 1.0]:
		slab(kit, root, Vector3(sx * (s.x / 2.0 - 0.1), 0.0, 0.0), Vector3(0.06, seat_h, s.z * 0.8), iron)
		slab(kit, root, Vector3(sx * (s.x / 2.0 - 0.1), seat_h, -s.z / 2.0 + 0.06), Vector3(0.06, s.y - seat_h, 0.06), iron)
	for i: int in 3:
		var z: float = -s.z * 0.3 + i * s.z * 0.3
		slab(kit, root, Vector3(0.0, seat_h, z), Vector3(s.x, 0.04, s.z * 0.25), color)
	if s.y > seat_h + 0.15:
		for i: int in 2:
			var y: float = seat_h + (s.y - seat_h) * (0.35 + 0.4 * i)
			slab(kit, root, Vector3(0.0, y, -s.z / 2.0 + 0.05), Vector3(s.x, 0.1, 0.04), color)


static func chair(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var seat_h: float = minf(0.46, s.y * 0.5)
	legs(kit, root, s.x, s.z, seat_h, 0.05, color.darkened(0.25))
	slab(kit, root, Vector3(0.0, seat_h, 0.0), Vector3(s.x, 0.05, s.z), color)
	slab(kit, root, Vector3(0.0, seat_h, -s.z / 2.0 + 0.03), Vector3(s.x, s.y - seat_h, 0.05), color)


static func table(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	legs(kit, root, s.x, s.z, s.y - 0.05, 0.07, color.darkened(0.2))
	slab(kit, root, Vector3(0.0, s.y - 0.05, 0.0), Vector3(s.x, 0.05, s.z), color)
	# A vase with a flower in the middle.
	kit.cylinder(0.04, 0.05, 0.12, root * Transform3D(Basis(), Vector3(0.0, s.y, 0.0)), WHITE, 6)
	kit.sphere(0.05, root * Transform3D(Basis(), Vector3(0.0, s.y + 0.16, 0.0)), FLOWERS[0], 6, 4)


static func desk(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var top: float = minf(s.y, 0.78)
	slab(kit, root, Vector3(0.0, top - 0.04, 0.0), Vector3(s.x, 0.04, s.z), color)
	slab(kit, root, Vector3(-s.x / 2.0 + 0.03, 0.0, 0.0), Vector3(0.04, top - 0.04, s.z * 0.95), color.darkened(0.2))
	slab(kit, root, Vector3(s.x / 2.0 - s.x * 0.18, 0.0, 0.0), Vector3(s.x * 0.34, top - 0.04, s.z * 0.95),
		color.darkened(0.1))
	for i: int in 3:
		slab(kit, root, Vector3(s.x / 2.0 - s.x * 0.18, (top - 0.04) * (0.15 + 0.3 * i), s.z * 0.475),
			Vector3(s.x * 0.06, 0.02, 0.02), METAL)
	if s.y > top + 0.15:
		# A monitor and a keyboard.
		var screen_h: float = minf(s.y - top - 0.12, 0.4)
		slab(kit, root, Vector3(0.0, top, -s.z * 0.25), Vector3(0.06, 0.12, 0.06), DARK)
		slab(kit, root, Vector3(0.0, top + 0.12, -s.z * 0.25), Vector3(minf(s.x * 0.5, 0.6), screen_h, 0.04), DARK)
		slab(kit, root, Vector3(0.0, top + 0.14, -s.z * 0.25 + 0.025), Vector3(minf(s.x * 0.5, 0.6) - 0.05,
			screen_h - 0.04, 0.01), Color("#4d7fb3"), MeshKit.Finish.GLOW)
		slab(kit, root, Vector3(0.0, top, s.z * 0.1), Vector3(minf(s.x * 0.45, 0.45), 0.02, 0.15), DARK)
	else:
		# Papers and a book.
		slab(kit, root, Vector3(-s.x * 0.15, top, 0.0), Vector3(0.3, 0.01, 0.22), WHITE)
		slab(kit, root, Vector3(s.x * 0.2, top, -s.z * 0.1), Vector3(0.22, 0.05, 0.16), BOOKS[1])


static func counter(kit: MeshKit, root: Transform3D, s: Vector3, color: Color, bar: bool) -> void:
	var top_h: float = 0.05
	slab(kit, root, Vector3(0.0, 0.0, 0.0), Vector3(s.x, s.y - top_h, s.z * 0.9), color)
	var top_color: Color = Color("#5b3a22") if bar else color.lightened(0.35)
	slab(kit, root, Vector3(0.0, s.y - top_h, 0.02), Vector3(s.x + 0.04, top_h, s.z + 0.02), top_color,
		MeshKit.Finish.GLOSSY)
	# Panels on the front; a bar has a foot rail and bottles behind.
	var panels: int = maxi(1, roundi(s.x / 0.8))
	for i: int in panels:
		var x: float = -s.x / 2.0 + s.x * (i + 0.5) / panels
		slab(kit, root, Vector3(x, (s.y - top_h) * 0.15, s.z * 0.45), Vector3(s.x / panels - 0.12, (s.y - top_h) * 0.7,
			0.02), color.darkened(0.15))
	if bar:
		slab(kit, root, Vector3(0.0, 0.18, s.z / 2.0 + 0.06), Vector3(s.x, 0.04, 0.04), Color("#c9a13b"),
			MeshKit.Finish.GLOSSY)
		var bottles: int = int(s.x / 0.25)
		for i: int in bottles:
			var bottle: Transform3D = root * Transform3D(Basis(), Vector3(-s.x / 2.0 + 0.15 + i * 0.25, s.y,
				-s.z * 0.3))
			kit.cylinder(0.035, 0.035, 0.2, bottle, BOOKS[i % BOOKS.size()], 6, MeshKit.Finish.GLASS)


static func shelf(kit: MeshKit, root: Transform3D, s: Vector3, color: Color, books_only: bool) -> void:
	var t: float = 0.04
	var wood: Color = color.darkened(0.15)
	slab(kit, root, Vector3(0.0, 0.0, -s.z / 2.0 + t / 2.0), Vector3(s.x, s.y, t), wood)
	for sx: float in [-1.0, 1.0]:
		slab(kit, root, Vector3(sx * (s.x / 2.0 - t / 2.0), 0.0, 0.0), Vector3(t, s.y, s.z), color)
	var levels: int = maxi(2, int(s.y / 0.4))
	var gap: float = (s.y - t) / levels
	var rng: RandomNumberGenerator = RandomNumberGenerator.new()
	rng.seed = hash("%.2f%.2f%.2f" % [s.x, s.y, s.z])
	for level: int in levels + 1:
		slab(kit, root, Vector3(0.0, level * gap, 0.0), Vector3(s.x - 2.0 * t, t, s.z), color)
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
				part(kit, root, Vector3(x, level * gap + t, -s.z / 2.0 + t + 0.02), Vector3(item_w, item_h, s.z * 0.8),
					item_color)
			x += item_w + (0.005 if books_only else 0.04)


static func tv(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var stand_h: float = s.y * 0.4
	slab(kit, root, Vector3.ZERO, Vector3(s.x, stand_h, s.z), color)
	slab(kit, root, Vector3(0.0, stand_h, 0.0), Vector3(0.1, 0.08, 0.1), DARK)
	slab(kit, root, Vector3(0.0, stand_h + 0.08, 0.0), Vector3(s.x * 0.9, s.y - stand_h - 0.08, 0.05), DARK)
	slab(kit, root, Vector3(0.0, stand_h + 0.1, 0.03), Vector3(s.x * 0.85, s.y - stand_h - 0.12, 0.01), Color("#35507a"),
		MeshKit.Finish.GLOW)


static func lamp(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var r: float = minf(s.x, s.z) / 2.0
	kit.cylinder(r * 0.6, r * 0.6, 0.04, root, DARK, 10)
	kit.cylinder(0.02, 0.02, s.y * 0.75, root, DARK, 6)
	kit.cylinder(r, r * 0.55, s.y * 0.25, root * Transform3D(Basis(), Vector3(0.0, s.y * 0.75, 0.0)), color.lightened(0.3),
		10, MeshKit.Finish.GLOW)
