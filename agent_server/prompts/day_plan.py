"""The day in broad strokes: when the agent wakes up, then 5-8 items with times.

Each item is written as "7:00 am: Isabella will <do something>": small models plan in
the future tense far more sensibly than they fill in bare lists."""

from __future__ import annotations

import re

from agent_server.llm import grammar
from agent_server.llm.base import LLMRequest
from agent_server.prompts.phrases import tidy

WAKE_HOURS = [str(h) for h in range(6, 10)]

_WAKE = """{summary}
{name} usually goes to bed around 11 pm. At what hour does {name} wake up tomorrow morning? \
Answer with the hour only."""

_PLAN = """{summary}
{remembered}Yesterday {first} did: {yesterday}
Today is {today}. {first} wakes up at {wake}:00 am.
Write {first}'s plan for today: 5 to 8 items, each with a time and what {first} will do, \
from waking up until the evening."""

_FREE = """{summary}
It is {today}. {first} has nothing planned from {start} until {end}.
Where will {first} spend that time?"""
# The answers free_time_request scores: home first, then a place by its name.
AT_HOME = "At home."

ITEM_CHARS = 50
_LINE = re.compile(r"^\d+\. (\d{1,2}):(\d\d) (am|pm): \w+ will (.+)$")


def wake_request(name: str, summary: str) -> LLMRequest:
    return LLMRequest(messages=[{"role": "user", "content": _WAKE.format(name=name, summary=summary)}])


def plan_request(*, name: str, summary: str, yesterday: str, today: str, wake_hour: int,
                 intentions: list[str] = ()) -> LLMRequest:
    """`intentions`: what the agent remembers about today (a party it is throwing)."""
    first = name.split()[0]
    will = grammar.literal(f": {first} will ")
    line_chars = len(f"8. 12:30 pm: {first} will ") + ITEM_CHARS + 1
    return LLMRequest(
        messages=[
            {"role": "user", "content": _PLAN.format(
                summary=summary, first=first, yesterday=yesterday or "nothing in particular", today=today,
                wake=wake_hour, remembered="".join(f"{first} remembers: {m}\n" for m in intentions),
            )}
        ],
        max_tokens=8 * line_chars,  # a token is at least one character: never cut short
        temperature=0.7,
        grammar="\n".join(
            [
                f"root ::= {grammar.numbered_lines(5, 8, 'item')}",
                f'item ::= hour ":" ("00" | "30") " " ("am" | "pm") {will} text',
                'hour ::= [1-9] | "1" [0-2]',
                f"text ::= [a-z] {grammar.short_text(ITEM_CHARS - 1)}",
            ]
        ),
    )


def free_time_request(*, name: str, summary: str, today: str, start_minute: int, end_minute: int) -> LLMRequest:
    """Where the agent spends a time its habits leave open; the options (free_time_options)
    are scored, not listed."""
    return LLMRequest(messages=[{"role": "user", "content": _FREE.format(
        summary=summary, today=today, first=name.split()[0], start=_hour(start_minute), end=_hour(end_minute))}])


def free_time_options(places: list[str]) -> list[str]:
    return [AT_HOME] + [f"At {place}." for place in places]


def _hour(minute: int) -> str:
    """"6 pm", "7:30 am": a minute after midnight as people say it."""
    hour, rest = divmod(minute % (24 * 60), 60)
    said = 12 if hour % 12 == 0 else hour % 12
    return f"{said}{f':{rest:02d}' if rest else ''} {'am' if hour < 12 else 'pm'}"


def parse_plan(text: str) -> list[tuple[int, str]]:
    """(minute of the day, what) items in the model's order, their times made to run
    forwards: an item timed at or before the one above it starts 30 minutes after it
    (small models often repeat a time, or write "1:30 am" for lunch)."""
    items: list[tuple[int, str]] = []
    for line in text.strip().split("\n"):
        match = _LINE.match(line.strip())
        if not match:
            raise ValueError(f"unexpected plan line {line!r}")
        hour, minute, half, description = int(match[1]), int(match[2]), match[3], tidy(match[4], cap=ITEM_CHARS)
        at = (hour % 12 + (12 if half == "pm" else 0)) * 60 + minute
        if items and at <= items[-1][0]:
            at = items[-1][0] + 30
        items.append((at, description))
    return items
