"""The day plan in hour-long chunks, from waking up to bedtime. The hours are written
by the grammar ("09:00 Isabella will ..."), so the chunks are always in order and
cover every hour."""

from __future__ import annotations

from agent_server.llm import grammar
from agent_server.llm.base import LLMRequest
from agent_server.prompts.phrases import tidy

_USER = """{summary}
{first}'s plan for today: {plan}
{context}
Write what {first} will do in each hour, from {start}:00 to {last}:00."""

ACTIVITY_CHARS = 50


def hour_label(hour: int, first: str) -> str:
    return f"{hour:02d}:00 {first} will "


def build(*, name: str, summary: str, plan: str, hours: list[int], context: str = "") -> LLMRequest:
    first = name.split()[0]
    lines = " ".join(f'{grammar.literal(hour_label(h, first))} activity "\\n"' for h in hours)
    return LLMRequest(
        messages=[{"role": "user", "content": _USER.format(
            first=first, summary=summary, plan=plan, context=context, start=hours[0], last=hours[-1]
        )}],
        max_tokens=len(hours) * (len(hour_label(0, first)) + ACTIVITY_CHARS + 1),  # never cut short
        temperature=0.7,
        grammar=f"root ::= {lines}\nactivity ::= [a-z] {grammar.short_text(ACTIVITY_CHARS - 1)}",
    )


def parse(text: str, hours: list[int], name: str) -> list[tuple[int, str]]:
    first = name.split()[0]
    lines = text.strip("\n").split("\n")
    if len(lines) != len(hours):
        raise ValueError(f"expected {len(hours)} hours, got {text!r}")
    result = []
    for hour, line in zip(hours, lines):
        label = hour_label(hour, first)
        if not line.startswith(label):
            raise ValueError(f"unexpected hour line {line!r}")
        result.append((hour, tidy(line[len(label):], cap=ACTIVITY_CHARS)))
    return result
