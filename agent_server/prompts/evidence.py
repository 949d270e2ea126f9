"""Whether a statement answers a question, read from the model's probabilities (the
query likelihood of retrieval rerankers): the question's log-probability after the
statement, against after a statement that says nothing (answering.py). No text is
generated or parsed; the request is only scored."""

from __future__ import annotations

from agent_server.llm.base import LLMRequest

# A system turn of its own, so that a template's default one ("You are a helpful
# assistant ...") is not put in.
SYSTEM = "Someone says something, and someone asks about it."
# The statement that says nothing: what the question's likelihood is measured against.
NOTHING = "Tell me something."


def probe(statement: str) -> LLMRequest:
    """The request whose answer, scored, is the question (`asked`)."""
    return LLMRequest(messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": statement}],
                      max_tokens=0, temperature=0.0)


def asked(question: str) -> str:
    """The option scored: the question, as the next turn would ask it."""
    return f"Question: {' '.join(question.split())}"
