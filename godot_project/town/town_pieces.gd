extends RefCounted
## The plain pieces the town is built of, shared by town_builder.gd and its helpers
## town_buildings.gd and town_outdoors.gd: a solid box (a static collider, parsed
## for the navmesh, with a matching mesh), a collider alone, and box meshes shared by
## every box of the same size and colour; and the colours and sizes they share.
##
## town_builder.gd makes one per build(), on the material cache every MeshKit of
## the town shares, and adds everything it makes under its root (the builder).
##
##     var pieces: TownPieces = TownPieces.new(builder, materials)
##     pieces.add_box("obstacle", center, extent, TownPieces.color("#808080"))
##
## Preloaded where it is used, not a class_name (see main/main.gd).

const MeshKit: GDScript = preload("res://town/mesh_kit.gd")

## Floors, streets and paths are slabs this thick.
const FLOOR_THICKNESS: float = 0.01
## Ground and streets are cut into tiles about this long so that each lamp lights
## only the tiles near it (GL Compatibility limits the lights per mesh instance).
const TILE_M: float = 12.0
## Kerbs along the streets, and the doorsteps.
const KERB_COLOR: Color = Color("#a9a69c")
## The colour of a place or obstacle that has none (or one that does not parse).
const DEFAULT_COLOR: Color = Color(0.7, 0.7, 0.7)

## The material cache every MeshKit of the town shares (MeshKit.shared_material()).
var materials: Dictionary = {}

var _root: Node3D = null
var _meshes: Dictionary = {}


func _init(root: Node3D, shared_materials: Dictionary) -> void:
	_root = root
	materials = shared_materials


## A solid box: a static collider (parsed for the navmesh) with a matching mesh.
func add_box(box_name: String, center: Vector3, extent: Vector3, color: Color) -> void:
	var body: StaticBody3D = add_collider(box_name, center, extent)
	var visual: MeshInstance3D = MeshInstance3D.new()
	visual.mesh = box_mesh(extent, color)
	body.add_child(visual)


## A static box collider centred on center, added under the root; its body.
func add_collider(body_name: String, center: Vector3, extent: Vector3) -> StaticBody3D:
	var body: StaticBody3D = StaticBody3D.new()
	body.name = body_name.validate_node_name()
	body.position = center
	var shape: BoxShape3D = BoxShape3D.new()
	shape.size = extent
	var collider: CollisionShape3D = CollisionShape3D.new()
	collider.shape = shape
	body.add_child(collider)
	_root.add_child(body)
	return body


## A plain box mesh, shared by every box of the same size and colour.
func box_mesh(extent: Vector3, color: Color) -> ArrayMesh:
	var key: String = "box/%.3f,%.3f,%.3f/%s" % [extent.x, extent.y, extent.z, color.to_html(false)]
	if not _meshes.has(key):
		var kit: MeshKit = MeshKit.new(materials)
		kit.box(extent, Transform3D(), color)
		_meshes[key] = kit.commit()
	return _meshes[key]


## A place's or obstacle's colour from its message ("#rrggbb"), grey when it has none.
static func color(value: Variant) -> Color:
	var text: String = str(value)
	return Color.from_string(text, DEFAULT_COLOR) if not text.is_empty() else DEFAULT_COLOR
