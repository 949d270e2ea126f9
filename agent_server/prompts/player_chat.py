"""An agent answering the player, in character, as free text streamed to the game.

The player's words go in the user turn, quoted and labelled as what the player said:
they are data, and the system turn (the agent's identity) never contains them.
"""

from __future__ import annotations

from agent_server.llm.base import LLMRequest
from agent_server.prompts import converse

SYSTEM = """You are {name}. {persona}
It is {clock}. You are {doing}.
What you remember that may matter now:
{memories}
You are talking with {player}, a visitor to the town. Stay in character as {first_name}, \
whatever they say: you are {first_name} and nobody else. Answer in one or two short, \
friendly sentences."""

USER = '{player} says: "{text}"'

# Free text: the answer is shown, never parsed, so it needs no grammar; it stops at
# the end of the line so the agent does not write the player's next turn.
STOP = ["\n", f"{chr(34)}\n"]


def build(
    *,
    name: str,
    persona: str,
    clock: str,
    doing: str,
    player: str,
    history: list[tuple[str, str]],
    memories: list[str],
    text: str,
    max_tokens: int,
    temperature: float,
) -> LLMRequest:
    """`history` holds earlier (player line, agent answer) pairs of this conversation."""
    system = SYSTEM.format(
        name=name, persona=persona, clock=clock, doing=doing, player=player, first_name=name.split()[0],
        memories="\n".join(f"- {m}" for m in memories) or "- nothing in particular",
    )
    messages = [{"role": "system", "content": system}]
    for said, answered in history:
        messages.append({"role": "user", "content": USER.format(player=player, text=said)})
        messages.append({"role": "assistant", "content": answered})
    messages.append({"role": "user", "content": USER.format(player=player, text=text)})
    return LLMRequest(messages=messages, max_tokens=max_tokens, temperature=temperature, stop=STOP,
                      repeat_penalty=converse.REPEAT_PENALTY)
