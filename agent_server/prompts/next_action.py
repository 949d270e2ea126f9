"""What an agent does next: one destination among the town's real places, and what for.

The answer is one constrained sentence: "I go to <place> to <purpose>. I will be there
for <N> minutes." The place can only be one of the offered labels, so even a
135M-parameter model always names a real, reachable place. A sentence, rather than
JSON, because small models write plain English far better than they fill in JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent_server.llm import grammar
from agent_server.llm.base import LLMRequest

SYSTEM = "You are {name}. {persona}"

USER = """It is {clock}, {part_of_day}. You are at {here}.
{recent}
Places in town:
{places}

Where do you go now, {first_name}, and what for? Answer in one sentence."""

MINUTES = [15, 30, 45, 60, 90, 120]
PURPOSE_CHARS = 40

_EMOJI_BY_WORD = [
    ("coffee", "☕"), ("tea", "🍵"), ("pastr", "🥐"), ("bread", "🍞"), ("bak", "🥐"),
    ("cook", "🍳"), ("breakfast", "🍳"), ("lunch", "🍽"), ("dinner", "🍽"), ("eat", "🍽"),
    ("meal", "🍽"), ("grocer", "🛒"), ("shop", "🛒"), ("buy", "🛒"), ("medic", "💊"),
    ("prescri", "💊"), ("pharm", "💊"), ("read", "📚"), ("book", "📚"), ("stud", "📚"),
    ("teach", "📚"), ("flower", "🌷"), ("garden", "🌷"), ("plant", "🌷"), ("walk", "🚶"),
    ("sleep", "🛏"), ("nap", "🛏"), ("rest", "🛋"), ("relax", "🛋"), ("talk", "💬"),
    ("chat", "💬"), ("paint", "🎨"), ("clean", "🧹"), ("bath", "🛁"), ("wash", "🧼"),
]
_EMOJI_BY_PLACE = {
    "coffee machine": "☕", "stove": "🍳", "bed": "🛏", "sofa": "🛋", "bench": "🌳",
    "flower bed": "🌷", "shelves": "🛒", "cash register": "💊", "table": "🍽",
}


@dataclass(frozen=True)
class NextAction:
    place_label: str
    purpose: str
    minutes: int


def output_grammar(place_labels: list[str]) -> str:
    return "\n".join(
        [
            'root ::= "I go to " place " to " purpose ". I will be there for " minutes " minutes."',
            f"place ::= {grammar.one_of(place_labels)}",
            # No commas: one short purpose, not a run-on list of errands.
            "purpose ::= [a-z] " + grammar.short_text(PURPOSE_CHARS - 1, charset="a-z '"),
            f"minutes ::= {grammar.one_of([str(m) for m in MINUTES])}",
        ]
    )


def build(
    *,
    name: str,
    persona: str,
    clock: str,
    part_of_day: str,
    here: str,
    recent: list[str],
    places: dict[str, str],
    temperature: float,
) -> LLMRequest:
    """`places` maps each offered place label ("the stove at Lin Family House") to a description."""
    recent_text = "Earlier today you went " + "; ".join(recent) + "." if recent else ""
    user = USER.format(
        clock=clock,
        part_of_day=part_of_day,
        here=here,
        recent=recent_text,
        places="\n".join(f"- {label}: {desc}" for label, desc in places.items()),
        first_name=name.split()[0],
    )
    return LLMRequest(
        messages=[
            {"role": "system", "content": SYSTEM.format(name=name, persona=persona)},
            {"role": "user", "content": user},
        ],
        max_tokens=96,
        temperature=temperature,
        grammar=output_grammar(list(places)),
    )


_TAIL = re.compile(r" to (?P<purpose>[a-z][a-z ']*)\. I will be there for (?P<minutes>\d+) minutes\.$")


def parse(text: str, place_labels: list[str]) -> NextAction:
    """Read the constrained sentence back; raises ValueError on any other shape."""
    if not text.startswith("I go to "):
        raise ValueError(f"unexpected answer: {text!r}")
    rest = text[len("I go to "):]
    for label in sorted(place_labels, key=len, reverse=True):
        if rest.startswith(label):
            match = _TAIL.fullmatch(rest[len(label):])
            if match:
                purpose = " ".join(match["purpose"].split())
                return NextAction(label, purpose, int(match["minutes"]))
    raise ValueError(f"unexpected answer: {text!r}")


def emoji_for(purpose: str, place_name: str) -> str:
    """An emoji for the activity bubble, from what the agent does, else where."""
    words = purpose.lower()
    for stem, emoji in _EMOJI_BY_WORD:
        if re.search(rf"\b{stem}", words):
            return emoji
    return _EMOJI_BY_PLACE.get(place_name, "🚶")
