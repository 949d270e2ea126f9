"""How poignant a memory is, from 1 (brushing teeth) to 10 (a break-up).

Two methods, both reading the model's probabilities rather than sampling a number:

- "contrast" (the default, for small models): how much more likely the model finds
  the event as an answer to "describe a life-changing moment" than to "describe an
  ordinary moment". A 135M model cannot rate on a 1-10 scale (its answers barely
  depend on the event) but its language model knows which events are dramatic:
  Spearman 0.78 against bench/data/importance_labelled.json.
- "rating" (the paper's prompt): the expected value of the model's distribution over
  the answers "1".."10". Better for large models; no calibration needed.
"""

from __future__ import annotations

from agent_server.llm.base import LLMRequest

VIVID = LLMRequest(
    messages=[{"role": "user", "content": "Describe a dramatic, life-changing moment in someone's life, in one sentence."}]
)
ORDINARY = LLMRequest(
    messages=[{"role": "user", "content": "Describe an ordinary, boring moment in someone's day, in one sentence."}]
)

RATING_OPTIONS = [str(i) for i in range(1, 11)]

_RATING = """On the scale of 1 to 10, where 1 is purely mundane (e.g., brushing teeth, making bed) \
and 10 is extremely poignant (e.g., a break up, college acceptance), rate the likely poignancy \
of the following piece of memory.
Memory: {memory}
Rating (a number from 1 to 10):"""


def as_answer(description: str) -> str:
    """The event as the model would write it in answer: one sentence with a full stop."""
    text = description.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def rating_request(description: str) -> LLMRequest:
    return LLMRequest(messages=[{"role": "user", "content": _RATING.format(memory=description)}])
