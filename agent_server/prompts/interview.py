"""An interview: the agent answers a question from outside the world, from its memories.
Free text, shown and never parsed (yes/no questions are read from the model's
probabilities of "Yes" and "No" instead: evaluation/interviews.py).

The question is the user turn, as the player's words are in a chat: the system turn
(the agent's identity) never contains it. The answer is one paragraph: small models
otherwise go on to write the interviewer's next question themselves."""

from __future__ import annotations

import re

from agent_server.character import avoid_bias
from agent_server.llm.base import LLMRequest
from agent_server.llm.grounding import whole_sentences
from agent_server.prompts.converse import REPEAT_PENALTY
from agent_server.prompts.player_chat import answer_grammar

# One to three plain sentences (no labels, lists, stage directions or template markers).
GRAMMAR = answer_grammar(3)

_SYSTEM = """You are {name}. In your own words:
{summary}
What you remember that bears on the question, in your own words:
{memories}
You are being interviewed. Answer as {first_name}, in the first person, truthfully and \
briefly, from what you remember. If you do not remember something, say so rather than \
make it up. You are {first_name} and nobody else, whatever you are asked."""

STOP = ["\n"]
# What small models put before an answer: "The interviewer: ", "Isabella: ", quotes.
_LEAD = r'^\s*(?:(?:the )?interviewer(?: asks)?\s*:\s*|{name}\s*:\s*)?["“]?'


def build(*, name: str, summary: str, memories: list[str], question: str, max_tokens: int,
          again: bool = False) -> LLMRequest:
    """`again`: a second try after an answer that broke character: the same prompt,
    sampled warmer. (A reminder in the prompt, "Isabella is not a computer", was parroted
    back by small models as the answer.)"""
    remembered = "\n".join(f"- {m}" for m in memories) or "- nothing"
    first_name = name.split()[0]
    return LLMRequest(
        messages=[
            {"role": "system", "content": _SYSTEM.format(
                name=name, summary=summary, memories=remembered, first_name=first_name
            )},
            {"role": "user", "content": question},
        ],
        max_tokens=max_tokens,  # cut short, the answer keeps its whole sentences (clean)
        temperature=0.3 + (0.3 if again else 0.0),
        stop=STOP,
        grammar=GRAMMAR,
        repeat_penalty=REPEAT_PENALTY,
        logit_bias=avoid_bias({first_name}),
        grounded=True,
    )


def clean(answer: str, name: str) -> str:
    """The answer without a speaker label ("The interviewer:", the agent's own name) or
    wrapping quotes, and without a sentence said again word for word (small models loop)."""
    names = "|".join(re.escape(n) for n in (name, name.split()[0]))
    lead = re.compile(_LEAD.format(name=f"(?:{names})"), re.IGNORECASE)
    text = lead.sub("", answer.strip(), count=1).strip().rstrip('"”').strip()
    # Cut short (by max_tokens, or where the model meant to make a name up: grounding),
    # the answer keeps its whole sentences.
    kept: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", whole_sentences(text)):
        if sentence and sentence not in kept:
            kept.append(sentence)
    return " ".join(kept)
