extends RefCounted
## AgentInspection (protos/simulacra/v1/service.proto), InspectAgent's reply: what an
## agent is doing, intends, remembers and last decided. Lists are most recent first
## unless said otherwise.

const Self: GDScript = preload("res://addons/simulacra/messages/agent_inspection.gd")
const Agent: GDScript = preload("res://addons/simulacra/messages/agent.gd")
const AgentState: GDScript = preload("res://addons/simulacra/messages/agent_state.gd")
const AgentCommand: GDScript = preload("res://addons/simulacra/messages/agent_command.gd")
const PlanItem: GDScript = preload("res://addons/simulacra/messages/plan_item.gd")
const MemoryView: GDScript = preload("res://addons/simulacra/messages/memory_view.gd")
const ScoredMemory: GDScript = preload("res://addons/simulacra/messages/scored_memory.gd")
const ConversationView: GDScript = preload("res://addons/simulacra/messages/conversation_view.gd")

## Who the agent is (empty, never null, when left out).
var agent: Agent = Agent.new()
## Where it is and what it sees, as the world last reported (empty when left out).
var state: AgentState = AgentState.new()
## The command it is carrying out; null: none (yet).
var current: AgentCommand = null
## Its intentions, in words.
var plan: PackedStringArray = PackedStringArray()
var recent_memories: Array[MemoryView] = []
## Every command it has received, oldest first.
var history: Array[AgentCommand] = []
## Its summary description: core characteristics, occupation, feelings.
var summary: String = ""
## Today's plan in broad strokes, then its hour-long chunks, then the current hour in
## 5-15-minute steps with their places; all in order of time.
var day_plan: Array[PlanItem] = []
var hourly_plan: Array[PlanItem] = []
var actions: Array[PlanItem] = []
## Which of actions it is doing now; -1: none.
var current_action_index: int = 0
## The memories its last decision drew on, with their scores, best first.
var last_retrieval: Array[ScoredMemory] = []
var reflections: Array[MemoryView] = []
var conversations: Array[ConversationView] = []
## The reply as sent: equal raw means nothing changed.
var raw: Dictionary = {}


## The message from its canonical proto3 JSON form (lowerCamelCase, defaults left out:
## so a current_action_index left out is 0, and -1 comes as such).
static func from_dict(data: Dictionary) -> Self:
	var message: Self = Self.new()
	message.raw = data
	message.agent = Agent.from_dict(data.get("agent", {}))
	message.state = AgentState.from_dict(data.get("state", {}))
	var command: Dictionary = data.get("current", {})
	if not command.is_empty():
		message.current = AgentCommand.from_dict(command)
	for intention: Variant in data.get("plan", []):
		message.plan.append(str(intention))
	message.recent_memories = MemoryView.list_from(data.get("recentMemories", []))
	message.history = AgentCommand.list_from(data.get("history", []))
	message.summary = str(data.get("summary", ""))
	message.day_plan = PlanItem.list_from(data.get("dayPlan", []))
	message.hourly_plan = PlanItem.list_from(data.get("hourlyPlan", []))
	message.actions = PlanItem.list_from(data.get("actions", []))
	message.current_action_index = int(data.get("currentActionIndex", 0))
	message.last_retrieval = ScoredMemory.list_from(data.get("lastRetrieval", []))
	message.reflections = MemoryView.list_from(data.get("reflections", []))
	message.conversations = ConversationView.list_from(data.get("conversations", []))
	return message
