"""A scripted language model for control-flow tests: answers come from a queue, or from
a responder function that looks at the request; every request is kept for assertions.
Tests of real behaviour use the real model."""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Iterator

from agent_server.llm.base import LanguageModel, LLMRequest


def choice_options(request: LLMRequest) -> list[str]:
    """The options of a choice among fixed answers (the one-line grammar that
    LanguageModel.score_options falls back to), else []."""
    grammar = request.grammar or ""
    if not grammar.startswith('root ::= "') or "\n" in grammar or "|" not in grammar:
        return []
    return [o.replace('\\"', '"') for o in re.findall(r'"((?:[^"\\]|\\.)*)"', grammar)]


class ScriptedModel(LanguageModel):
    name = "scripted"

    def __init__(self, respond: Callable[[LLMRequest], str] | None = None) -> None:
        self._answers: deque[str] = deque()
        self._respond = respond
        self.history: list[LLMRequest] = []
        self.asked: list[LLMRequest] = []  # requests the model has begun, released or not
        self.release = threading.Event()
        self.release.set()

    def enqueue(self, *answers: str) -> None:
        self._answers.extend(answers)

    def stream(self, request: LLMRequest) -> Iterator[str]:
        self.asked.append(request)
        self.release.wait(timeout=30)
        self.history.append(request)
        if self._answers:
            answer = self._answers.popleft()
        elif self._respond is not None:
            answer = self._respond(request)
        else:
            raise RuntimeError("ScriptedModel has no answer queued")
        # About one "token" per word, as a real model streams.
        words = answer.split(" ")
        for i, word in enumerate(words):
            yield word if i == len(words) - 1 else word + " "
