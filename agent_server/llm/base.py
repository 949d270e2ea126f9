"""The one interface every language-model backend implements.

A backend has one abstract method, `stream`, a blocking generator of text pieces;
everything else derives from it. Backends are blocking on purpose: the scheduler
owns the model and runs them on its worker thread, so the event loop never waits.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

# The cognitive functions model requests are for: the purpose each request carries
# (LLMRequest.purpose, the scheduler's `purpose`), its usage is counted under, and that
# routing to model servers of their own names (Settings.model_routes).
PURPOSES = frozenset({
    # What the player reads (the voice, below).
    "player_chat", "player_chat_prepare", "greeting", "interview", "debrief",
    # The agents' own talk and reactions.
    "conversation", "react", "invitation",
    # Planning: the day, its hours and their steps, waking, where to go, who one is.
    "day_plan", "hourly_plan", "decompose", "wake_up", "choose_place", "summary",
    # Memory: reflections, and how important each memory is.
    "reflection", "importance",
})
# The voice: what the player reads (the player's conversation, greetings, interviews
# and debriefs), served by a model of its own when one is set (voice_model_path,
# voice_base_urls); "voice" names them all in routing.
VOICE_PURPOSES = frozenset({"player_chat", "player_chat_prepare", "greeting", "interview", "debrief"})
# Names routing takes for several purposes at once.
PURPOSE_GROUPS: dict[str, frozenset[str]] = {"voice": VOICE_PURPOSES}


# The priority of the request the calling thread runs for the scheduler (lower runs
# first; 0 is the player's work), if it runs one: a backend that sends several requests
# at once for it, or re-sends it, reads it (running_priority).
PLAYER_PRIORITY = 0
_running = threading.local()


def run_at(priority: int | Callable[[], int] | None) -> None:
    """The scheduler's worker thread now runs a request of `priority` (None: none), or
    of what `priority()` says when asked: a request hastened while it runs (a pool's
    request waiting for a slot) is then read at its new priority."""
    _running.priority = priority


def running_priority() -> int | None:
    """The priority of the request this thread runs for the scheduler, if any."""
    return priority_reader()()


def priority_reader() -> Callable[[], int | None]:
    """What reads, from any thread, the priority of the request this thread runs (as
    running_priority, but read when called)."""
    priority = getattr(_running, "priority", None)
    return priority if callable(priority) else lambda: priority


@dataclass(frozen=True)
class LLMRequest:
    """A chat-formatted request, optionally constrained by a GBNF grammar."""

    messages: list[dict[str, str]]
    max_tokens: int = 128
    temperature: float = 0.7
    grammar: str | None = None
    stop: list[str] = field(default_factory=list)
    # Above 1, tokens the answer produced lately become less likely, so that free text
    # does not loop ("I'm just, I'm just, ..."). Sampled answers of the embedded model
    # only; remote models ignore it.
    repeat_penalty: float = 1.0
    # Words made less likely (a negative bias) or more (positive), as (text, bias in
    # logits): a backend biases the tokens that spell each word alone, with or without a
    # space before it. Used to keep characters from calling themselves "AI"
    # (character.AVOID). Remote models that take no bias ignore it.
    logit_bias: tuple[tuple[str, float], ...] = ()
    # Grounded names (llm/grounding.py): a capitalised word in mid-sentence, and any
    # number, only if the messages hold it, so that an answer names no person, place or
    # figure it was not given. Remote models ignore it.
    grounded: bool = False
    # A prompt scored again and again (answering's readings of the same statements,
    # question after question): a backend with a scoring context of its own keeps its
    # evaluated state, and restores it rather than evaluating it again (LlamaCppModel).
    # Others ignore it.
    reread: bool = False
    # The cognitive function the request is for ("decompose", "conversation"): the
    # scheduler's purpose, set by the scheduler as it takes the request, so that a
    # backend or a test double can tell what it answers. Backends ignore it.
    purpose: str = ""


@dataclass(frozen=True)
class Completion:
    text: str
    completion_tokens: int


class LanguageModel(ABC):
    """A model that turns chat messages into text, piece by piece."""

    name: str = "model"
    # Whether score_options reads the model's probabilities (else it picks one option
    # greedily: 0.0 for it, -inf for the others), so that a score may be weighed.
    reads_probabilities: bool = False
    # Whether a request whose last message is the assistant's goes on with that answer
    # (a model server does; the scheduler then suspends background answers for the
    # player's work and continues them later from what they had said).
    continues_answers: bool = False

    @abstractmethod
    def stream(self, request: LLMRequest) -> Iterator[str]:
        """Yield the answer's text pieces (about one token each), blocking."""

    def complete(self, request: LLMRequest) -> Completion:
        pieces = list(self.stream(request))
        return Completion(text="".join(pieces), completion_tokens=len(pieces))

    def count_prompt_tokens(self, request: LLMRequest) -> int:
        """The prompt's length in tokens; backends that can tokenize say exactly."""
        return sum(len(m["content"]) for m in request.messages) // 4

    def score_options_in_steps(self, request: LLMRequest, options: list[str], *,
                               per_token: bool = False) -> Iterator[list[float] | None]:
        """score_options in steps: yields None between pieces of the work, where whoever
        drives it may pause it to serve something more urgent, and the scores last.
        Backends that cannot pause score in one step."""
        yield self.score_options(request, options, per_token=per_token)

    def score_many_in_steps(self, requests: list[tuple[LLMRequest, list[str]]], *,
                            per_token: bool = False) -> Iterator[list[list[float]] | None]:
        """Several requests' options scored (each request's scores, in order), in steps
        as score_options_in_steps. Backends that can score them together do; this one
        scores one request after another."""
        out = []
        for n, (request, options) in enumerate(requests):
            if n:
                yield None
            for step in self.score_options_in_steps(request, options, per_token=per_token):
                if step is not None:
                    out.append(step)
                    break
                yield None
        yield out

    def score_options(self, request: LLMRequest, options: list[str], *, per_token: bool = False) -> list[float]:
        """Log-probability of each option as the answer's beginning (with `per_token`, the
        mean over the option's tokens, so that long names are not penalised for length).

        Reading probabilities discriminates far better than sampling one token from a
        small model. This fallback, for backends that cannot read probabilities, picks
        one option greedily under a grammar: 0.0 for it, -inf for the others.
        """
        from agent_server.llm.grammar import one_of

        choice = LLMRequest(
            messages=request.messages,
            max_tokens=max(len(o) for o in options) * 2 + 8,
            temperature=0.0,
            grammar=f"root ::= {one_of(options)}",
            purpose=request.purpose,
        )
        answer = self.complete(choice).text
        return [0.0 if o == answer else float("-inf") for o in options]
