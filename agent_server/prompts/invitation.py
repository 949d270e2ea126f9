"""What one hears of a gathering, and whether to go: read from the model's probabilities
(was a gathering spoken of; which day; which hour; go or not), and the gathering's name
as a few constrained words. The place and any explicit day and time are read from the
words themselves first (invitations.py); the model is asked only what they leave open."""

from __future__ import annotations

from agent_server.llm import grammar
from agent_server.llm.base import LLMRequest
from agent_server.prompts.phrases import tidy

_HEARD = """{teller} said to {listener}:
{lines}
Did {teller} tell {listener} about a gathering or an event (a party, a meal, a meeting, \
a show) with a time to come to?"""
YES_NO = ["Yes", "No"]

_WHAT = """{teller} said to {listener}:
{lines}
In a few words, the gathering {teller} spoke of is"""
WHAT_CHARS = 40
_WHAT_CHARSET = "a-z' -"

_DAY = """{teller} said to {listener}, on {today}:
{lines}
On which day is the gathering {teller} spoke of?"""

_HOUR = """{teller} said to {listener}:
{lines}
At what hour does {what} begin?"""

_GO = """{summary}
{teller} told {name} about {what} at {place}, {when}.
What {name} has planned then: {planned}
What {name} remembers about {teller}:
{memories}
What will {name} do then?"""


def _lines(lines: list[str]) -> str:
    return "\n".join(f'"{line}"' for line in lines)


def heard_request(*, teller: str, listener: str, lines: list[str]) -> LLMRequest:
    return LLMRequest(messages=[{"role": "user", "content": _HEARD.format(
        teller=teller, listener=listener, lines=_lines(lines))}])


def what_request(*, teller: str, listener: str, lines: list[str]) -> LLMRequest:
    return LLMRequest(
        messages=[{"role": "user", "content": _WHAT.format(teller=teller, listener=listener, lines=_lines(lines))}],
        max_tokens=WHAT_CHARS // 2,  # never cut short: two characters a token at the least
        temperature=0.0,
        grammar=f'root ::= "a " [a-z] {grammar.short_text(WHAT_CHARS - 1, charset=_WHAT_CHARSET)} "."',
    )


def parse_what(text: str) -> str:
    """ "a birthday dinner." -> "a birthday dinner" (ValueError if not of that shape)."""
    if not text.startswith("a ") or not text.endswith("."):
        raise ValueError(f"unexpected gathering {text!r}")
    return tidy(text[:-1])


def day_request(*, teller: str, listener: str, today: str, lines: list[str]) -> LLMRequest:
    return LLMRequest(messages=[{"role": "user", "content": _DAY.format(
        teller=teller, listener=listener, today=today, lines=_lines(lines))}])


def hour_request(*, teller: str, listener: str, what: str, lines: list[str]) -> LLMRequest:
    return LLMRequest(messages=[{"role": "user", "content": _HOUR.format(
        teller=teller, listener=listener, what=what, lines=_lines(lines))}])


def go_options(*, name: str, what: str, planned: str) -> list[str]:
    """Going, or what the agent had planned then (with nothing planned, staying at home),
    as two sentences whose probabilities (per token) decide: a 135M model asked "Will John
    go?" favoured "No" whatever it had planned, but finds "John Lin will go to the
    dinner." likelier than "John Lin will stay at home." and less likely than "John Lin
    will work at the pharmacy."."""
    return [f"{name} will go to {what}.", f"{name} will {planned}." if planned else f"{name} will stay at home."]


def go_request(*, summary: str, name: str, teller: str, what: str, place: str, when: str, planned: str,
               memories: list[str]) -> LLMRequest:
    remembered = "\n".join(f"- {m}" for m in memories) or "- nothing"
    return LLMRequest(messages=[{"role": "user", "content": _GO.format(
        summary=summary, name=name, teller=teller, what=what, place=place, when=when, planned=planned,
        memories=remembered)}])
