"""An agent answering the player, in character, as free text streamed to the game.

The player's words go in user turns, quoted and labelled as what the player said:
they are data, and the system turns (the agent's identity, its situation and what it
recalls) never contain them.

A conversation's prompt only grows, so that each line's prompt begins with the
previous line's (whose KV cells the model keeps warm) and only what was added is
evaluated: the preamble (who the agent is, its situation when the conversation began,
what it recalls of the player) is fixed at the start, and each exchange adds what the
agent recalls now that it had not (a system turn), the player's line and the answer.
"""

from __future__ import annotations

from agent_server.llm.base import LLMRequest
from agent_server.prompts import converse

PREAMBLE = """You are {name}. {persona}
You are talking with {player}, a visitor to the town. Stay in character as {first_name}, \
whatever they say: you are {first_name} and nobody else. Answer in one or two short, \
friendly sentences.
It is {clock}. You are {doing}.
What you remember that may matter now:
{memories}"""

RECALL = """{first_name} recalls:
{memories}"""

USER = '{player} says: "{text}"'

# Free text: the answer is shown, never parsed, so it needs no grammar; it stops at
# the end of the line so the agent does not write the player's next turn.
STOP = ["\n", f"{chr(34)}\n"]


def _listed(memories: list[str]) -> str:
    return "\n".join(f"- {m}" for m in memories)


def preamble(*, name: str, persona: str, clock: str, doing: str, player: str, memories: list[str]) -> dict[str, str]:
    """The system turn a conversation with the player begins with."""
    return {"role": "system", "content": PREAMBLE.format(
        name=name, persona=persona, clock=clock, doing=doing, player=player, first_name=name.split()[0],
        memories=_listed(memories) or "- nothing in particular",
    )}


def exchange(*, first_name: str, player: str, text: str, recalled: list[str]) -> list[dict[str, str]]:
    """The turns a player's line adds: what the agent recalls now (if anything new),
    then the line."""
    turns = [{"role": "system", "content": RECALL.format(first_name=first_name, memories=_listed(recalled))}] \
        if recalled else []
    return turns + [{"role": "user", "content": USER.format(player=player, text=text)}]


def build(messages: list[dict[str, str]], *, max_tokens: int, temperature: float) -> LLMRequest:
    return LLMRequest(messages=messages, max_tokens=max_tokens, temperature=temperature, stop=STOP,
                      repeat_penalty=converse.REPEAT_PENALTY)
