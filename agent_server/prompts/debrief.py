"""A rehearsal's debrief: a character tells the player how the conversation went.

The player's goal comes from the scenario (trusted data) and stands in the system turn.
What was said, the player's words included, is data: it goes in the user turn, quoted,
and never into the character's identity or instructions."""

from __future__ import annotations

from agent_server.llm.base import LLMRequest

_SYSTEM = """You are {name}. {summary}
What you remember of {player}:
{memories}
{player} has been practising a conversation with you. What they were trying to do: {goal}
Speak to {player} directly, as {first_name}, in two or three sentences: how the conversation \
went from your side, what worked, and one thing to do better next time."""

_USER = """What we said:
{transcript}

How did I do?"""

STOP = ["\n"]


def build(*, name: str, summary: str, player: str, goal: str, memories: list[str],
          lines: list[tuple[str, str]], max_tokens: int) -> LLMRequest:
    transcript = "\n".join(f'{speaker}: "{text}"' for speaker, text in lines) or "(nothing yet)"
    return LLMRequest(
        messages=[
            {"role": "system", "content": _SYSTEM.format(
                name=name, summary=summary, player=player, first_name=name.split()[0],
                goal=goal or f"talk with {name.split()[0]}",
                memories="\n".join(f"- {m}" for m in memories) or "- nothing yet")},
            {"role": "user", "content": _USER.format(transcript=transcript)},
        ],
        max_tokens=max_tokens,
        temperature=0.3,
        stop=STOP,
    )
