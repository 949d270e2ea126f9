extends RefCounted
## The fixtures and appliances among the town's furniture (see furniture.gd): the
## kitchen's stove, fridge and sink; the bathroom's toilet and shower; the washing
## machine and the boiler; the coffee machine, cash register, printer and water cooler
## of cafes, shops and offices. Built from furniture_shapes.gd's parts, in the same
## local frame (the front towards +z, the floor at y = 0).
##
## Preloaded where it is used, not a class_name (see main/main.gd).

const MeshKit: GDScript = preload("res://town/mesh_kit.gd")
const Shapes: GDScript = preload("res://town/furniture_shapes.gd")

const WHITE: Color = Shapes.WHITE
const DARK: Color = Shapes.DARK
const METAL: Color = Shapes.METAL
const SCREEN: Color = Shapes.SCREEN


static func stove(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	Shapes.slab(kit, root, Vector3.ZERO, Vector3(s.x, s.y - 0.04, s.z), color)
	Shapes.slab(kit, root, Vector3(0.0, s.y - 0.04, 0.0), Vector3(s.x, 0.04, s.z), DARK)
	for ix: float in [-0.25, 0.25]:
		for iz: float in [-0.22, 0.22]:
			var burner: Transform3D = root * Transform3D(Basis(), Vector3(ix * s.x, s.y, iz * s.z))
			kit.cylinder(minf(s.x, s.z) * 0.16, minf(s.x, s.z) * 0.16, 0.02, burner, Color("#111111"))
			kit.cylinder(minf(s.x, s.z) * 0.07, minf(s.x, s.z) * 0.07, 0.025, burner, Color("#c0392b"))
	# Oven door with its window and handle.
	Shapes.slab(kit, root, Vector3(0.0, s.y * 0.12, s.z / 2.0), Vector3(s.x * 0.8, s.y * 0.55, 0.02),
		color.darkened(0.15))
	Shapes.slab(kit, root, Vector3(0.0, s.y * 0.25, s.z / 2.0 + 0.01), Vector3(s.x * 0.55, s.y * 0.28, 0.02), SCREEN,
		MeshKit.Finish.GLASS)
	Shapes.slab(kit, root, Vector3(0.0, s.y * 0.7, s.z / 2.0 + 0.02), Vector3(s.x * 0.7, 0.03, 0.03), METAL)


static func fridge(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	Shapes.slab(kit, root, Vector3.ZERO, s, color)
	Shapes.slab(kit, root, Vector3(0.0, s.y * 0.62, s.z / 2.0), Vector3(s.x * 0.96, 0.015, 0.02), color.darkened(0.3))
	Shapes.slab(kit, root, Vector3(s.x * 0.38, s.y * 0.7, s.z / 2.0 + 0.02), Vector3(0.03, s.y * 0.2, 0.03), METAL)
	Shapes.slab(kit, root, Vector3(s.x * 0.38, s.y * 0.35, s.z / 2.0 + 0.02), Vector3(0.03, s.y * 0.2, 0.03), METAL)


static func sink(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	Shapes.slab(kit, root, Vector3.ZERO, Vector3(s.x, s.y * 0.85, s.z), color)
	Shapes.slab(kit, root, Vector3(0.0, s.y * 0.85, 0.0), Vector3(s.x, s.y * 0.05, s.z), WHITE)
	Shapes.slab(kit, root, Vector3(0.0, s.y * 0.9, s.z * 0.05), Vector3(s.x * 0.55, 0.01, s.z * 0.55), METAL,
		MeshKit.Finish.GLOSSY)
	var tap: Transform3D = root * Transform3D(Basis(), Vector3(0.0, s.y * 0.9, -s.z * 0.35))
	kit.cylinder(0.025, 0.025, s.y * 0.25, tap, METAL, 6, MeshKit.Finish.GLOSSY)
	Shapes.slab(kit, root, Vector3(0.0, s.y * 1.1, -s.z * 0.27), Vector3(0.04, 0.03, s.z * 0.2), METAL,
		MeshKit.Finish.GLOSSY)


static func toilet(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var r: float = minf(s.x, s.z) * 0.35
	kit.cylinder(r * 0.7, r, s.y * 0.5, root * Transform3D(Basis(), Vector3(0.0, 0.0, s.z * 0.1)), WHITE, 10)
	kit.cylinder(r, r, 0.04, root * Transform3D(Basis(), Vector3(0.0, s.y * 0.5, s.z * 0.1)), color, 10)
	Shapes.slab(kit, root, Vector3(0.0, 0.0, -s.z / 2.0 + 0.1), Vector3(s.x * 0.8, s.y, 0.2), WHITE)


static func shower(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	Shapes.slab(kit, root, Vector3.ZERO, Vector3(s.x, 0.1, s.z), WHITE)
	var glass: Color = Color("#bfe3f2")
	Shapes.slab(kit, root, Vector3(-s.x / 2.0 + 0.02, 0.1, 0.0), Vector3(0.03, s.y - 0.1, s.z), glass,
		MeshKit.Finish.GLASS)
	Shapes.slab(kit, root, Vector3(0.0, 0.1, -s.z / 2.0 + 0.02), Vector3(s.x, s.y - 0.1, 0.03), color)
	Shapes.slab(kit, root, Vector3(s.x / 2.0 - 0.02, 0.1, 0.0), Vector3(0.03, s.y - 0.1, s.z), glass,
		MeshKit.Finish.GLASS)
	var pipe: Transform3D = root * Transform3D(Basis(), Vector3(0.0, 0.1, -s.z / 2.0 + 0.08))
	kit.cylinder(0.02, 0.02, s.y * 0.8, pipe, METAL, 6, MeshKit.Finish.GLOSSY)
	var head: Transform3D = root * Transform3D(Basis(), Vector3(0.0, s.y * 0.85, -s.z / 2.0 + 0.18))
	kit.cylinder(0.09, 0.05, 0.05, head, METAL, 8, MeshKit.Finish.GLOSSY)


static func washing_machine(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	Shapes.slab(kit, root, Vector3.ZERO, s, color.lightened(0.3))
	var r: float = minf(s.x, s.y) * 0.3
	var door: Transform3D = root * Transform3D(Basis(Vector3.RIGHT, PI / 2.0), Vector3(0.0, s.y * 0.45, s.z / 2.0))
	kit.cylinder(r, r, 0.03, door, METAL, 14)
	kit.cylinder(r * 0.75, r * 0.75, 0.035, door, SCREEN, 14, MeshKit.Finish.GLASS)
	Shapes.slab(kit, root, Vector3(0.0, s.y * 0.85, s.z / 2.0), Vector3(s.x * 0.8, 0.08, 0.02), DARK)


static func boiler(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var r: float = minf(s.x, s.z) * 0.45
	kit.cylinder(r, r, s.y * 0.9, root, color, 14)
	kit.sphere(1.0, root * Transform3D(Basis().scaled(Vector3(r, r * 0.35, r)), Vector3(0.0, s.y * 0.9, 0.0)), color, 14, 6)
	for sx: float in [-0.3, 0.3]:
		kit.cylinder(0.04, 0.04, s.y, root * Transform3D(Basis(), Vector3(sx * s.x, 0.0, -s.z * 0.4)), Color("#b87333"), 6,
			MeshKit.Finish.GLOSSY)
	Shapes.slab(kit, root, Vector3(0.0, s.y * 0.45, r), Vector3(r * 0.6, r * 0.4, 0.03), DARK)
	kit.sphere(0.05, root * Transform3D(Basis(), Vector3(0.0, s.y * 0.65, r)), WHITE, 8, 4)


static func water_cooler(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var body_h: float = s.y * 0.65
	Shapes.slab(kit, root, Vector3.ZERO, Vector3(s.x * 0.8, body_h, s.z * 0.8), color)
	Shapes.slab(kit, root, Vector3(0.0, body_h * 0.6, s.z * 0.4), Vector3(s.x * 0.3, 0.05, 0.06), METAL)
	var r: float = minf(s.x, s.z) * 0.35
	kit.cylinder(r, r, s.y - body_h - 0.05, root * Transform3D(Basis(), Vector3(0.0, body_h, 0.0)), Color("#7fc4ea"), 12,
		MeshKit.Finish.GLASS)
	kit.cylinder(r * 0.3, r * 0.3, 0.05, root * Transform3D(Basis(), Vector3(0.0, s.y - 0.05, 0.0)), Color("#2f6fb0"), 8)


static func coffee_machine(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	# A counter with the machine on top when the box is counter-high.
	var base_h: float = s.y - 0.45 if s.y > 0.8 else 0.0
	if base_h > 0.0:
		Shapes.counter(kit, root, Vector3(s.x, base_h, s.z), Color("#8b6a4f"), false)
	var mw: float = minf(s.x * 0.6, 0.6)
	var md: float = minf(s.z * 0.7, 0.45)
	Shapes.slab(kit, root, Vector3(0.0, base_h, -s.z * 0.1), Vector3(mw, 0.06, md), DARK)
	Shapes.slab(kit, root, Vector3(0.0, base_h, -s.z * 0.1 - md * 0.3), Vector3(mw, s.y - base_h, md * 0.4), color,
		MeshKit.Finish.GLOSSY)
	Shapes.slab(kit, root, Vector3(0.0, s.y - 0.12, -s.z * 0.1), Vector3(mw, 0.12, md), color, MeshKit.Finish.GLOSSY)
	kit.cylinder(0.03, 0.03, 0.06, root * Transform3D(Basis(), Vector3(0.0, s.y - 0.18, -s.z * 0.05)), METAL, 6)
	kit.cylinder(0.04, 0.035, 0.08, root * Transform3D(Basis(), Vector3(0.0, base_h + 0.06, -s.z * 0.05)), WHITE, 8)


static func cash_register(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	var base_h: float = s.y - 0.3 if s.y > 0.6 else 0.0
	if base_h > 0.0:
		Shapes.counter(kit, root, Vector3(s.x, base_h, s.z), Color("#7d7d85"), false)
	var rw: float = minf(s.x * 0.6, 0.45)
	Shapes.slab(kit, root, Vector3(0.0, base_h, 0.0), Vector3(rw, 0.12, 0.4), color)
	kit.box(Vector3(rw * 0.9, 0.1, 0.2), root * Transform3D(Basis(Vector3.RIGHT, -0.5), Vector3(0.0, base_h + 0.16,
		0.06)), color.darkened(0.2))
	Shapes.slab(kit, root, Vector3(0.0, base_h + 0.12, -0.12), Vector3(0.05, 0.12, 0.05), DARK)
	Shapes.slab(kit, root, Vector3(0.0, base_h + 0.22, -0.12), Vector3(rw * 0.6, 0.12, 0.03), Color("#4ad36a"),
		MeshKit.Finish.GLOW)


static func printer(kit: MeshKit, root: Transform3D, s: Vector3, color: Color) -> void:
	# A stand (when the box is tall) with the machine on it: a paper tray out front.
	var base_h: float = maxf(s.y - 0.45, 0.0)
	if base_h > 0.0:
		Shapes.slab(kit, root, Vector3.ZERO, Vector3(s.x * 0.9, base_h, s.z * 0.9), color.darkened(0.3))
	var h: float = s.y - base_h
	Shapes.slab(kit, root, Vector3(0.0, base_h, 0.0), Vector3(s.x, h * 0.75, s.z), color)
	Shapes.slab(kit, root, Vector3(0.0, base_h + h * 0.75, -s.z * 0.05), Vector3(s.x * 0.95, h * 0.2, s.z * 0.85),
		color.lightened(0.15))
	Shapes.slab(kit, root, Vector3(0.0, base_h + h * 0.35, s.z / 2.0), Vector3(s.x * 0.6, 0.02, 0.2), WHITE)
	Shapes.slab(kit, root, Vector3(s.x * 0.3, base_h + h * 0.95, s.z * 0.3), Vector3(s.x * 0.25, 0.02, s.z * 0.2),
		Color("#4ad36a"), MeshKit.Finish.GLOW)
