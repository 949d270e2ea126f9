extends RefCounted
## The colours of a memory's kind (observation, plan, dialogue, reflection), defined
## once for the game's inspector (ui/inspector_tabs.gd) and the replay's
## (replay/replay_inspector.gd), which hand a table to UiTheme.kind_badge() and
## UiTheme.memory_head(); a kind missing from the table shows muted.
##
##   const MemoryKinds: GDScript = preload("res://common/memory_kinds.gd")
##   UiTheme.kind_badge(kind, MemoryKinds.COLORS)

const OBSERVATION: Color = Color(0.55, 0.75, 1.0)
const PLAN: Color = Color(0.75, 0.6, 1.0)
const DIALOGUE: Color = Color(0.45, 0.85, 0.6)
const REFLECTION: Color = Color(1.0, 0.7, 0.4)

## Keyed by the kinds of memories that InspectAgent returns and the replay log records
## (docs/replay_log.md): both inspectors use this one table.
const COLORS: Dictionary = {
	"observation": OBSERVATION,
	"plan": PLAN,
	"dialogue": DIALOGUE,
	"reflection": REFLECTION,
}
