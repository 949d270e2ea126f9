"""Where an action happens: chosen down the town tree (sector, then arena) among the
places the agent knows, by the model's probability of each name. (The object in the
arena is chosen by meaning alone: places.PlaceChooser.choose_object.)"""

from __future__ import annotations

from agent_server.llm.base import LLMRequest

_USER = """{name} lives in {home}. {name} is now at {here}.
{name} is going to {action} (as part of: {chunk}).
{question} Choose one of: {options}."""

QUESTIONS = {
    "sector": "Which area should {name} go to?",
    "arena": "Which part of {sector} should {name} go to?",
}


def build(*, level: str, name: str, home: str, here: str, action: str, chunk: str, options: list[str],
          sector: str = "") -> LLMRequest:
    question = QUESTIONS[level].format(name=name, sector=sector)
    return LLMRequest(
        messages=[{"role": "user", "content": _USER.format(
            name=name, home=home, here=here, action=action, chunk=chunk, question=question,
            options=", ".join(options),
        )}]
    )
