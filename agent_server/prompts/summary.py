"""The agent summary description: core characteristics, current occupation, and how
the agent feels about its recent progress, each from what the agent remembers."""

from __future__ import annotations

from agent_server.llm import grammar
from agent_server.llm.base import LLMRequest

QUERIES = ("{name}'s core characteristics", "{name}'s current daily occupation",
           "{name}'s feeling about recent progress in life")

_USER = """Here is what {name} remembers:
{memories}

Describe {name} in three short sentences: {name}'s core characteristics, {name}'s occupation, \
and how {name} feels about recent progress in life."""

LABELS = ("Core characteristics: ", "Occupation: ", "Feeling: ")
SENTENCE_CHARS = 120


def build(name: str, memories: list[str]) -> LLMRequest:
    lines = "\n".join(f"- {m}" for m in memories) or "- nothing yet"
    root = " ".join(f'{grammar.literal(label)} sentence "\\n"' for label in LABELS)
    return LLMRequest(
        messages=[{"role": "user", "content": _USER.format(name=name, memories=lines)}],
        max_tokens=sum(len(label) + SENTENCE_CHARS + 3 for label in LABELS),  # never cut short
        temperature=0.3,
        grammar=f"root ::= {root}\nsentence ::= {grammar.sentence(SENTENCE_CHARS)}",
    )


def parse(text: str) -> list[str]:
    """The three sentences, in the order of LABELS."""
    found = []
    for line, label in zip(text.strip().split("\n"), LABELS):
        if not line.startswith(label):
            raise ValueError(f"unexpected summary line {line!r}")
        found.append(line[len(label):].strip())
    if len(found) != len(LABELS):
        raise ValueError(f"unexpected summary {text!r}")
    return found
