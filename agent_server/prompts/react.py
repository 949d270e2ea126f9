"""Reacting to an observation: keep to the plan, talk to the agent observed, or do
something else. The choice is read from the model's probabilities; "something else"
then gets a short constrained description."""

from __future__ import annotations

from agent_server.llm import grammar
from agent_server.llm.base import LLMRequest
from agent_server.prompts.phrases import tidy

_CONTEXT = """{summary}
It is {clock}. {name} is {doing}.
Observation: {observation}
What {name} remembers about {other}:
{memories}"""

_CHOICE = "Should {name} react to the observation, and how?"
OPTIONS = ("Keep going with the plan.", "Talk to {other}.", "Do something else.")

_WHAT = "What does {name} do instead, for the next 15 minutes?"
ACTIVITY_CHARS = 50


def _context(**fields) -> str:
    memories = "\n".join(f"- {m}" for m in fields.pop("memories")) or "- nothing"
    return _CONTEXT.format(memories=memories, **fields)


def choice_request(*, name: str, summary: str, clock: str, doing: str, observation: str, other: str,
                   memories: list[str]) -> tuple[LLMRequest, list[str]]:
    context = _context(name=name, summary=summary, clock=clock, doing=doing, observation=observation,
                       other=other, memories=memories)
    request = LLMRequest(messages=[{"role": "user", "content": context + "\n" + _CHOICE.format(name=name)}])
    return request, [o.format(other=other) for o in OPTIONS]


def instead_request(*, name: str, summary: str, clock: str, doing: str, observation: str, other: str,
                    memories: list[str]) -> LLMRequest:
    context = _context(name=name, summary=summary, clock=clock, doing=doing, observation=observation,
                       other=other, memories=memories)
    return LLMRequest(
        messages=[{"role": "user", "content": context + "\n" + _WHAT.format(name=name)}],
        max_tokens=len(name) + ACTIVITY_CHARS + 10,  # never cut short
        temperature=0.7,
        grammar=f"root ::= {grammar.literal(name + ' will ')} [a-z] {grammar.short_text(ACTIVITY_CHARS - 1, charset='a-z ')} \".\"",
    )


def parse_instead(text: str, name: str) -> str:
    prefix = f"{name} will "
    if not text.startswith(prefix) or not text.endswith("."):
        raise ValueError(f"unexpected reaction {text!r}")
    return tidy(text[len(prefix):-1], cap=ACTIVITY_CHARS)


_REPLAN = """{summary}
It is {clock}. {name} just talked with {other}:
{transcript}
{name}'s plan for the rest of today: {plan}
Should {name} change the plan because of this conversation?"""
REPLAN_OPTIONS = ("Yes", "No")


def replan_request(*, name: str, summary: str, clock: str, other: str, transcript: str, plan: str) -> LLMRequest:
    return LLMRequest(messages=[{"role": "user", "content": _REPLAN.format(
        name=name, summary=summary, clock=clock, other=other, transcript=transcript, plan=plan
    )}])
