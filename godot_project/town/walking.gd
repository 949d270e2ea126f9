extends RefCounted
## What the bodies that walk the town and the navmesh they walk must agree on, in
## one place: town_builder.gd bakes the navmesh with these, npc/npc.gd and
## player/player.gd size their bodies and follow paths with them. The navmesh's
## agent radius is the town's (Town.agent_radius, which the towns' files carry);
## the bodies are made for NAVMESH_AGENT_RADIUS, and town_builder.gd warns of a town
## whose radius leaves them too little room.
##
## A body is a capsule that slides along what it touches and climbs nothing (a
## CharacterBody3D has no step-up). The navmesh keeps NAVMESH_AGENT_RADIUS from
## every collider; a body following a path turns towards the next point once within
## PATH_DESIRED_DISTANCE of the current one, so it cuts each corner by up to that
## much. What is left, NAVMESH_AGENT_RADIUS - PATH_DESIRED_DISTANCE, must exceed
## BODY_RADIUS, or a body rounding a wall's corner walks into its end and, pushing
## almost straight at it, stops there for good (tools/walk_check.tscn finds such
## walks).
##
## Preloaded where it is used, not a class_name (see main/main.gd).

## The collision capsule's radius of NPCs and the player, metres.
const BODY_RADIUS: float = 0.3
## The room the navmesh leaves round colliders that the bodies are made for, and a
## town's agent_radius where the town leaves it out (TownData): two navmesh cells
## (Recast rounds the radius up to whole cells), and wide enough that a 2 m doorway
## stays a 1 m lane.
const NAVMESH_AGENT_RADIUS: float = 0.5
## Nothing is climbable: the ground is flat, and a body cannot step onto anything.
## With a climb of one cell, Recast rounded a 0.45 m bench to a step and laid the
## navmesh over it; bodies walked into it and stopped.
const NAVMESH_MAX_CLIMB: float = 0.0
## Kept clear between a body rounding a corner and the corner.
const CORNER_MARGIN: float = 0.1
## The NavigationAgent3D's path_desired_distance: how close a body gets to a path
## point before it heads for the next.
const PATH_DESIRED_DISTANCE: float = NAVMESH_AGENT_RADIUS - BODY_RADIUS - CORNER_MARGIN
