"""An interview: the agent answers a question from outside the world, from its memories.
Free text, shown and never parsed."""

from __future__ import annotations

from agent_server.llm.base import LLMRequest

_SYSTEM = """You are {name}. {summary}
What you remember that bears on the question:
{memories}
Answer the interviewer as {first_name}, truthfully and briefly, from what you remember. \
If you do not remember something, say so."""


def build(*, name: str, summary: str, memories: list[str], question: str, max_tokens: int) -> LLMRequest:
    remembered = "\n".join(f"- {m}" for m in memories) or "- nothing"
    return LLMRequest(
        messages=[
            {"role": "system", "content": _SYSTEM.format(
                name=name, summary=summary, memories=remembered, first_name=name.split()[0]
            )},
            {"role": "user", "content": f'The interviewer asks: "{question}"'},
        ],
        max_tokens=max_tokens,
        temperature=0.3,
        stop=["\n\n"],
    )
