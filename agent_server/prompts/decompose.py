"""An hour-long chunk of the plan, decomposed into 5-15-minute actions:
"1. Isabella will <do something> (10 minutes)"."""

from __future__ import annotations

import re

from agent_server.llm import grammar
from agent_server.llm.base import LLMRequest
from agent_server.prompts.phrases import tidy

DURATIONS = ("5", "10", "15")
ACTION_CHARS = 45

_USER = """{summary}
From {clock}, {first} will {chunk}. What will {first} do, step by step? \
Give 3 to 6 steps of 5, 10 or 15 minutes each."""

_LINE = re.compile(r"^\d+\. \w+ will (.+) \((5|10|15) minutes\)$")


def build(*, name: str, summary: str, clock: str, chunk: str) -> LLMRequest:
    first = name.split()[0]
    line_chars = len(f"6. {first} will ") + ACTION_CHARS + len(" (15 minutes)") + 1
    return LLMRequest(
        messages=[{"role": "user", "content": _USER.format(summary=summary, clock=clock, first=first, chunk=chunk)}],
        max_tokens=6 * line_chars,  # never cut short
        temperature=0.7,
        grammar="\n".join(
            [
                f"root ::= {grammar.numbered_lines(3, 6, 'step')}",
                f'step ::= {grammar.literal(first + " will ")} action " (" ({grammar.one_of(DURATIONS)}) " minutes)"',
                f"action ::= [a-z] {grammar.short_text(ACTION_CHARS - 1)}",
            ]
        ),
    )


_AGAIN = re.compile(r"(?:,? (?:again|once more|some more))+$", re.IGNORECASE)


def parse(text: str, minutes: int = 60, chunk: str = "") -> list[tuple[int, str]]:
    """(duration, action) steps filling exactly `minutes`: the last step is stretched or
    the list cut where the model's durations do not add up. A step that repeats the one
    before it ("walk to the cafe", "walk to the cafe again": small models loop) is one
    longer step. A step that cannot be a step of `chunk` is left out: one that says what
    the agent will not do, or sleeping or waking up in an hour that is about neither (the
    default model decomposed a pharmacist's working hour into "work; then eat breakfast;
    then sleep; then eat lunch; then sleep; then eat dinner"); when none is left, the
    chunk is the hour's one step."""
    steps: list[tuple[int, str]] = []
    for line in text.strip().split("\n"):
        match = _LINE.match(line.strip())
        if not match:
            raise ValueError(f"unexpected step {line!r}")
        duration, action = int(match[2]), tidy(match[1], cap=ACTION_CHARS)
        if chunk and not fits(action, chunk):
            continue
        if steps and _same(steps[-1][1], action):
            steps[-1] = (steps[-1][0] + duration, steps[-1][1])
        else:
            steps.append((duration, action))
    if not steps:
        steps = [(minutes, tidy(chunk))]
    filled, total = [], 0
    for duration, action in steps:
        duration = min(duration, minutes - total)
        if duration <= 0:
            break
        filled.append((duration, action))
        total += duration
    last_duration, last_action = filled[-1]
    filled[-1] = (last_duration + minutes - total, last_action)
    return filled


_NEGATED = re.compile(r"^(?:not|never|no longer|don't|do not|won't)\b", re.IGNORECASE)
_SLEEP = re.compile(r"\b(?:sleep\w*|slept|naps?|napping|bed|beds|bedtime|wake|wakes|waking|woke|get up|gets up|asleep)\b",
                    re.IGNORECASE)


def fits(action: str, chunk: str) -> bool:
    """Whether `action` can be a step of the hour `chunk`: not a negation, and not
    sleeping or waking up unless the hour is about sleeping or waking up."""
    if _NEGATED.match(action):
        return False
    return not _SLEEP.search(action) or bool(_SLEEP.search(chunk))


def _same(a: str, b: str) -> bool:
    return _AGAIN.sub("", a).lower() == _AGAIN.sub("", b).lower()
