"""An interview: the agent answers a question from outside the world, from its memories.
Free text, shown and never parsed (yes/no questions are read from the model's
probabilities of "Yes" and "No" instead: evaluation/interviews.py).

The question is the user turn, as the player's words are in a chat: the system turn
(the agent's identity) never contains it. The answer is one paragraph: small models
otherwise go on to write the interviewer's next question themselves."""

from __future__ import annotations

import re

from agent_server.llm.base import LLMRequest

_SYSTEM = """You are {name}. {summary}
What you remember that bears on the question:
{memories}
You are being interviewed. Answer as {first_name}, in the first person, truthfully and \
briefly, from what you remember. If you do not remember something, say so."""

STOP = ["\n"]
# What small models put before an answer: "The interviewer: ", "Isabella: ", quotes.
_LEAD = r'^\s*(?:(?:the )?interviewer(?: asks)?\s*:\s*|{name}\s*:\s*)?["“]?'


def build(*, name: str, summary: str, memories: list[str], question: str, max_tokens: int) -> LLMRequest:
    remembered = "\n".join(f"- {m}" for m in memories) or "- nothing"
    return LLMRequest(
        messages=[
            {"role": "system", "content": _SYSTEM.format(
                name=name, summary=summary, memories=remembered, first_name=name.split()[0]
            )},
            {"role": "user", "content": question},
        ],
        max_tokens=max_tokens,
        temperature=0.3,
        stop=STOP,
    )


def clean(answer: str, name: str) -> str:
    """The answer without a speaker label ("The interviewer:", the agent's own name) or
    wrapping quotes, and without a sentence said again word for word (small models loop)."""
    names = "|".join(re.escape(n) for n in (name, name.split()[0]))
    lead = re.compile(_LEAD.format(name=f"(?:{names})"), re.IGNORECASE)
    text = lead.sub("", answer.strip(), count=1).strip().rstrip('"”').strip()
    kept: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if sentence and sentence not in kept:
            kept.append(sentence)
    return " ".join(kept)
