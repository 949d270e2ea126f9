extends RefCounted
## Builds one low-poly ArrayMesh out of boxes, cylinders, cones, spheres and
## triangles, one surface per material, so that a whole piece of furniture or a
## building's trim is a single MeshInstance3D.
##
## The geometry is generated here rather than copied from PrimitiveMesh, so it is
## the same with any renderer (headless included, where primitive meshes hold no
## arrays). Flat-shaded faces; Godot's front faces wind clockwise.
##
##     var kit: MeshKit = MeshKit.new(materials)
##     kit.box(Vector3(1, 0.1, 1), Transform3D(Basis(), Vector3(0, 0.7, 0)), Color.BROWN)
##     var mesh: ArrayMesh = kit.commit()

## How a surface is lit.
enum Finish { MATTE, GLOSSY, GLOW, GLASS }

var _materials: Dictionary
var _tools: Dictionary = {}
var _tool_materials: Dictionary = {}


## materials: a cache shared by every kit of a town, filled by material().
func _init(materials: Dictionary = {}) -> void:
	_materials = materials


## A shared material for this colour and finish (cached in the kit's dictionary).
static func shared_material(materials: Dictionary, color: Color, finish: Finish = Finish.MATTE) -> StandardMaterial3D:
	var key: String = "%s/%d" % [color.to_html(false), finish]
	if materials.has(key):
		return materials[key]
	var material: StandardMaterial3D = StandardMaterial3D.new()
	material.albedo_color = color
	match finish:
		Finish.GLOSSY:
			material.roughness = 0.35
			material.metallic_specular = 0.7
		Finish.GLOW:
			material.emission_enabled = true
			material.emission = color
			material.emission_energy_multiplier = 1.0
		Finish.GLASS:
			material.roughness = 0.15
			material.metallic_specular = 0.9
		_:
			material.roughness = 0.9
	materials[key] = material
	return material


## A box of this size centred on xform's origin.
func box(size: Vector3, xform: Transform3D, color: Color, finish: Finish = Finish.MATTE) -> void:
	var h: Vector3 = size / 2.0
	var st: SurfaceTool = _tool(color, finish)
	# Each face: its normal and two in-plane axes (u, v) with u × v = normal.
	var faces: Array[Array] = [
		[Vector3.RIGHT, Vector3.BACK, Vector3.UP],
		[Vector3.LEFT, Vector3.UP, Vector3.BACK],
		[Vector3.UP, Vector3.RIGHT, Vector3.FORWARD],
		[Vector3.DOWN, Vector3.FORWARD, Vector3.RIGHT],
		[Vector3.BACK, Vector3.RIGHT, Vector3.UP],
		[Vector3.FORWARD, Vector3.UP, Vector3.RIGHT],
	]
	for face: Array in faces:
		var n: Vector3 = face[0]
		var u: Vector3 = face[1]
		var v: Vector3 = face[2]
		var c: Vector3 = n * h
		var du: Vector3 = u * h
		var dv: Vector3 = v * h
		_quad(st, xform, c - du - dv, c + du - dv, c + du + dv, c - du + dv, n)


## A cylinder (or a cone, or a frustum) standing on xform's origin, height up.
func cylinder(radius_bottom: float, radius_top: float, height: float, xform: Transform3D, color: Color,
		segments: int = 10, finish: Finish = Finish.MATTE) -> void:
	var st: SurfaceTool = _tool(color, finish)
	var top: Vector3 = Vector3(0.0, height, 0.0)
	var slope: float = (radius_bottom - radius_top) / maxf(height, 0.0001)
	for i: int in segments:
		var a0: float = TAU * i / segments
		var a1: float = TAU * (i + 1) / segments
		var d0: Vector3 = Vector3(cos(a0), 0.0, sin(a0))
		var d1: Vector3 = Vector3(cos(a1), 0.0, sin(a1))
		var b0: Vector3 = d0 * radius_bottom
		var b1: Vector3 = d1 * radius_bottom
		var t0: Vector3 = top + d0 * radius_top
		var t1: Vector3 = top + d1 * radius_top
		var side: Vector3 = ((d0 + d1).normalized() + Vector3(0.0, slope, 0.0)).normalized()
		if radius_top > 0.0001:
			_quad(st, xform, b0, b1, t1, t0, side)
			_triangle(st, xform, top, t0, t1, Vector3.UP)
		else:
			_triangle(st, xform, b0, b1, top, side)
		if radius_bottom > 0.0001:
			_triangle(st, xform, Vector3.ZERO, b1, b0, Vector3.DOWN)


## A sphere centred on xform's origin (scale xform for an ellipsoid).
func sphere(radius: float, xform: Transform3D, color: Color, segments: int = 8, rings: int = 5,
		finish: Finish = Finish.MATTE) -> void:
	var st: SurfaceTool = _tool(color, finish)
	for r: int in rings:
		var p0: float = PI * r / rings
		var p1: float = PI * (r + 1) / rings
		for s: int in segments:
			var a0: float = TAU * s / segments
			var a1: float = TAU * (s + 1) / segments
			var v00: Vector3 = _on_sphere(p0, a0) * radius
			var v01: Vector3 = _on_sphere(p0, a1) * radius
			var v10: Vector3 = _on_sphere(p1, a0) * radius
			var v11: Vector3 = _on_sphere(p1, a1) * radius
			var n: Vector3 = (v00 + v01 + v10 + v11).normalized()
			if r == 0:
				_triangle(st, xform, v00, v11, v10, n)
			elif r == rings - 1:
				_triangle(st, xform, v00, v01, v10, n)
			else:
				_quad(st, xform, v00, v01, v11, v10, n)


## One triangle; it faces the side that outward points to.
func triangle(a: Vector3, b: Vector3, c: Vector3, outward: Vector3, xform: Transform3D, color: Color,
		finish: Finish = Finish.MATTE) -> void:
	_triangle(_tool(color, finish), xform, a, b, c, outward)


## A quad a-b-c-d (in order round its edge); it faces the side that outward points to.
func quad(a: Vector3, b: Vector3, c: Vector3, d: Vector3, outward: Vector3, xform: Transform3D, color: Color,
		finish: Finish = Finish.MATTE) -> void:
	_quad(_tool(color, finish), xform, a, b, c, d, outward)


## The mesh of everything added, one surface per material.
func commit() -> ArrayMesh:
	var mesh: ArrayMesh = ArrayMesh.new()
	for key: String in _tools:
		var st: SurfaceTool = _tools[key]
		st.commit(mesh)
		mesh.surface_set_material(mesh.get_surface_count() - 1, _tool_materials[key])
	return mesh


func _tool(color: Color, finish: Finish) -> SurfaceTool:
	var key: String = "%s/%d" % [color.to_html(false), finish]
	if not _tools.has(key):
		var st: SurfaceTool = SurfaceTool.new()
		st.begin(Mesh.PRIMITIVE_TRIANGLES)
		_tools[key] = st
		_tool_materials[key] = shared_material(_materials, color, finish)
	return _tools[key]


static func _on_sphere(polar: float, azimuth: float) -> Vector3:
	return Vector3(sin(polar) * cos(azimuth), cos(polar), sin(polar) * sin(azimuth))


static func _quad(st: SurfaceTool, xform: Transform3D, a: Vector3, b: Vector3, c: Vector3, d: Vector3,
		outward: Vector3) -> void:
	_triangle(st, xform, a, b, c, outward)
	_triangle(st, xform, a, c, d, outward)


static func _triangle(st: SurfaceTool, xform: Transform3D, a: Vector3, b: Vector3, c: Vector3,
		outward: Vector3) -> void:
	var wa: Vector3 = xform * a
	var wb: Vector3 = xform * b
	var wc: Vector3 = xform * c
	var n: Vector3 = (xform.basis.inverse().transposed() * outward).normalized()
	var face: Vector3 = (wb - wa).cross(wc - wa)
	if face.length_squared() < 1e-12:
		return
	st.set_normal(n)
	# Clockwise seen from outside: (b - a) × (c - a) must point inwards.
	if face.dot(n) > 0.0:
		st.add_vertex(wa)
		st.add_vertex(wc)
		st.add_vertex(wb)
	else:
		st.add_vertex(wa)
		st.add_vertex(wb)
		st.add_vertex(wc)
