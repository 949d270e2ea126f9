"""Whether a statement answers a question, read from the model's probabilities, both
ways (answering.py): the question's log-probability after the statement, against after
a statement that says nothing (the query likelihood of retrieval rerankers); and the
statement's as the answer to the question, against as the answer to a request that asks
nothing. No text is generated or parsed; the requests are only scored."""

from __future__ import annotations

from agent_server.llm.base import LLMRequest

# A system turn of its own, so that a template's default one ("You are a helpful
# assistant ...") is not put in.
SYSTEM = "Someone says something, and someone asks about it."
# The statement that says nothing: what the question's likelihood is measured against.
NOTHING = "Tell me something."


# The other way: someone asks, and the other answers; the answer is scored.
ANSWER_SYSTEM = "Someone asks a question, and the other person answers it."


def probe(statement: str) -> LLMRequest:
    """The request whose answer, scored, is the question (`asked`): one per statement,
    read again for each question it may answer (reread)."""
    return LLMRequest(messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": statement}],
                      max_tokens=0, temperature=0.0, reread=True)


def asked(question: str) -> str:
    """The option scored: the question, as the next turn would ask it."""
    return f"Question: {' '.join(question.split())}"


def asking(question: str) -> LLMRequest:
    """The request whose answer, scored, is a statement (said as the answer to `question`;
    NOTHING asks nothing: read for every question, and kept, reread)."""
    question = " ".join(question.split())
    return LLMRequest(messages=[{"role": "system", "content": ANSWER_SYSTEM}, {"role": "user", "content": question}],
                      max_tokens=0, temperature=0.0, reread=question == NOTHING)
