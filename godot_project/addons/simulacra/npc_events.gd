extends Node
## The NPCs' event bus (the NpcEvents autoload): one signal per thing that many nodes
## care about, for every NPC at once, so that a listener connects once instead of to
## each NPC's SimulacraAgentController. Signals only: it holds no state.
##
## Every SimulacraAgentController emits these at the same moment as its own signal of
## the same name (its own first), with the agent's id (its agent_id) first and then
## the same arguments. Look the NPC up by that id where it matters. (Emitted only from
## elsewhere, hence the unused_signal warnings left out.)

## An NPC received a command (from NextAction or apply_command), before carrying it
## out. command: the AgentCommand as received.
@warning_ignore("unused_signal")
signal command_received(agent_id: String, command: Dictionary)
## An NPC's body reached the destination of its current command's moveTo.
## place_id: the moveTo's placeId.
@warning_ignore("unused_signal")
signal arrived(agent_id: String, place_id: String)
## An NPC began its current command's activity. command: the whole AgentCommand.
@warning_ignore("unused_signal")
signal activity_started(agent_id: String, command: Dictionary)
## An NPC's activity lasted its full duration. command: the whole AgentCommand.
@warning_ignore("unused_signal")
signal activity_finished(agent_id: String, command: Dictionary)
## An NPC's trip ended, however it ended. trip: the trip's record (as in the
## controller's trips); trip["outcome"] is arrived, stuck, unreachable, interrupted
## or unfinished.
@warning_ignore("unused_signal")
signal trip_finished(agent_id: String, trip: Dictionary)
## An NPC's trip failed: the body got stuck on the way (trip["outcome"] "stuck": no
## progress for a while) or its path ended short of the destination ("unreachable").
## Fires right after trip_finished for that trip; the NPC asks the server again after
## a back-off. trip: the trip's record.
@warning_ignore("unused_signal")
signal got_stuck(agent_id: String, trip: Dictionary)
## An NPC's NextAction failed. error: the failure ({"code", "message"});
## retry_in_s: the real seconds after which it asks again.
@warning_ignore("unused_signal")
signal action_failed(agent_id: String, error: Dictionary, retry_in_s: float)
## An NPC stopped what it was doing to talk. conversation: the KIND_START
## ConversationEvent (conversationId, participantIds) as received. Every participant
## fires it for the same conversation.
@warning_ignore("unused_signal")
signal conversation_started(agent_id: String, conversation: Dictionary)
## An NPC said a line. text: the line; to_agent_id: the listener's id, empty when
## speaking to no one in particular.
@warning_ignore("unused_signal")
signal utterance_received(agent_id: String, text: String, to_agent_id: String)
## An NPC's conversation is over and it went back to what it was doing.
## conversation: the KIND_START event; outcome: "ended" (the server's KIND_END),
## "timed_out" (given up: no end nor line for a while) or "replaced" (another
## conversation started first).
@warning_ignore("unused_signal")
signal conversation_ended(agent_id: String, conversation: Dictionary, outcome: String)
