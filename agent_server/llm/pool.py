"""A pool of model servers serving one model, used as one model.

Each endpoint (an `OpenAIHTTPModel`: llama-server, vLLM, ...) takes up to its own
`concurrency` requests at once; the pool's `concurrency` is the sum over the
endpoints that are up, so the scheduler keeps every server as busy as it may be.
A request goes to the least loaded endpoint that is up (in flight over its limit).

Failover. An endpoint that fails (refuses the connection, stops answering, breaks the
stream, answers with a server error) is marked down and left alone for a back-off
(`backoff_s`, doubling with each failure in a row up to `max_backoff_s`); then the
next request is sent to it first (if that fails too, it is re-sent at once), and one
success brings it back. The
request that failed is re-sent to another endpoint, so that nothing is lost and
nothing is answered twice:
- constrained answers (a grammar: plans, choices, ratings) are parsed whole, so the
  pool hands their pieces on only once an answer is complete, and re-sends the
  request from the start;
- free text (what the player reads) is handed on as it comes, and an answer cut off
  mid-way is continued by the next endpoint from where it stopped (the pieces given
  so far as the start of the assistant's turn), for the tokens it had left;
- option scoring is re-done whole elsewhere (it yields only pauses until its scores).
An answer the server refuses (HTTP 4xx: the request itself is wrong) is not re-sent:
every endpoint would refuse it. When every endpoint is down, a request waits for the
first one's back-off to end and tries it, up to `max_attempts` tries in all.
`recoveries` keeps, for each re-sent request, when it failed and when the next server
began to answer it (its first token, or its first option scored).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TypeVar

from agent_server.errors import Unavailable
from agent_server.llm.base import LanguageModel, LLMRequest
from agent_server.llm.openai_http import ModelServerError, OpenAIHTTPModel

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(eq=False)
class Endpoint:
    """One server of the pool and what the pool knows of it."""

    model: OpenAIHTTPModel
    in_flight: int = 0
    # Failures in a row, and until when (monotonic seconds) it is left alone.
    failures: int = 0
    down_until: float = 0.0
    # Requests it answered, and those it failed (over the pool's life).
    served: int = 0
    failed: int = 0

    @property
    def url(self) -> str:
        return self.model.base_url

    def load(self) -> float:
        return self.in_flight / max(1, self.model.concurrency)


def _refused(exc: Exception) -> bool:
    """The server judged the request itself wrong: no other server would take it."""
    return isinstance(exc, ModelServerError) and exc.status is not None and 400 <= exc.status < 500


class ModelPool(LanguageModel):
    """Several servers of one model behind the one-model interface."""

    continues_answers = True  # as its servers do: how an answer cut off goes on elsewhere

    def __init__(self, models: list[OpenAIHTTPModel], *, backoff_s: float = 1.0, max_backoff_s: float = 30.0,
                 max_attempts: int | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not models:
            raise ValueError("a pool needs at least one model server")
        self.endpoints = [Endpoint(model) for model in models]
        self.name = models[0].name
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_attempts = max_attempts or max(3, 2 * len(models))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        # Requests re-sent to another endpoint after one failed them, and for each, when
        # (monotonic seconds) it failed and when the next endpoint first answered it.
        self.resent = 0
        self.recoveries: list[tuple[float, float]] = []

    @classmethod
    def connect(cls, base_urls: list[str], model: str = "", **options) -> ModelPool:
        """A pool of the servers at `base_urls` (OpenAIHTTPModel.connect each). At least
        one must answer; one that does not starts down, taken to be like the first that
        did (its slots, how it scores), and is tried after its back-off like any other."""
        pool_options = {k: options.pop(k) for k in ("backoff_s", "max_backoff_s", "max_attempts") if k in options}
        connected: dict[str, OpenAIHTTPModel] = {}
        refused: dict[str, Unavailable] = {}
        for url in base_urls:
            try:
                connected[url] = OpenAIHTTPModel.connect(url, model, **options)
            except Unavailable as exc:
                refused[url] = exc
        if not connected:
            raise Unavailable("no model server of the pool answers: " + "; ".join(map(str, refused.values())))
        first = next(iter(connected.values()))
        models = []
        for url in base_urls:
            if url in connected:
                models.append(connected[url])
                continue
            stand_in = OpenAIHTTPModel(url, first.name, **options)
            stand_in.concurrency, stand_in.scoring = first.concurrency, first.scoring
            models.append(stand_in)
        pool = cls(models, **pool_options)
        for url, endpoint in zip(base_urls, pool.endpoints):
            if url in refused:
                pool._failed(endpoint, refused[url])
        log.info("a pool of %d model servers, %d request(s) at once; options scored %s", len(pool.endpoints),
                 pool.concurrency, "from the model's probabilities" if pool.reads_probabilities else "greedily")
        return pool

    @property
    def concurrency(self) -> int:
        """Requests the pool takes at once: the limits of the endpoints that are up
        (of all of them, when none is)."""
        now = self._clock()
        up = [e for e in self.endpoints if e.down_until <= now] or self.endpoints
        return sum(max(1, e.model.concurrency) for e in up)

    @property
    def reads_probabilities(self) -> bool:  # type: ignore[override]
        """Only when every endpoint does: a greedy 0/-inf is not comparable with a log-probability."""
        return all(e.model.reads_probabilities for e in self.endpoints)

    def count_prompt_tokens(self, request: LLMRequest) -> int:
        return self.endpoints[0].model.count_prompt_tokens(request)

    # ---- choosing and marking endpoints ---------------------------------------------

    def _take(self, avoid: Endpoint | None) -> Endpoint:
        """The least loaded endpoint that is up (another than `avoid` where there is
        one), counted in flight. When all are down, waits for the first back-off to end."""
        while True:
            with self._lock:
                now = self._clock()
                up = [e for e in self.endpoints if e.down_until <= now]
                if len(up) > 1 and avoid in up:
                    up.remove(avoid)
                if up:
                    # One whose back-off is over is tried first: that is how it comes back.
                    endpoint = min(up, key=lambda e: (e.failures == 0, e.load()))
                    endpoint.in_flight += 1
                    return endpoint
                wait = min(e.down_until for e in self.endpoints) - now
            self._sleep(max(0.0, wait))

    def _release(self, endpoint: Endpoint) -> None:
        with self._lock:
            endpoint.in_flight -= 1

    def _succeeded(self, endpoint: Endpoint) -> None:
        with self._lock:
            endpoint.served += 1
            if endpoint.failures:
                log.info("model server %s answers again", endpoint.url)
            endpoint.failures = 0
            endpoint.down_until = 0.0

    def _failed(self, endpoint: Endpoint, exc: Exception) -> None:
        with self._lock:
            endpoint.failed += 1
            now = self._clock()
            if endpoint.down_until > now:
                # Its other requests failing in the same breakdown: one failure, not several.
                return
            endpoint.failures += 1
            backoff = min(self.max_backoff_s, self.backoff_s * 2 ** (endpoint.failures - 1))
            endpoint.down_until = now + backoff
        log.warning("model server %s failed (%s); left alone for %.1f s, its requests re-sent", endpoint.url, exc,
                    backoff)

    def _with_failover(self, attempt: Callable[[Endpoint, Callable[[], None]], Iterator[T]]) -> Iterator[T]:
        """Run `attempt(endpoint, answered)` on endpoints until one finishes it; what it
        yields is passed on, and it calls `answered()` when the endpoint's answer begins.
        A failure that is the server's (not the request's) marks the endpoint down and
        tries the next."""
        last: Endpoint | None = None
        failed_at: float | None = None

        def answered() -> None:
            nonlocal failed_at
            if failed_at is not None:
                self.recoveries.append((failed_at, self._clock()))
                failed_at = None

        for n in range(self.max_attempts):
            endpoint = self._take(avoid=last)
            steps = attempt(endpoint, answered)
            try:
                yield from steps
            except Unavailable as exc:
                if _refused(exc):
                    raise
                self._failed(endpoint, exc)
                failed_at = self._clock()
                last = endpoint
                self.resent += 1
                if n + 1 == self.max_attempts:
                    raise Unavailable(f"no model server of the pool could answer ({self.max_attempts} tries; "
                                      f"the last: {exc})") from exc
                continue
            finally:
                steps.close()
                self._release(endpoint)
            self._succeeded(endpoint)
            return

    # ---- the model interface ----------------------------------------------------------

    def stream(self, request: LLMRequest) -> Iterator[str]:
        said: list[str] = []  # free text handed on so far
        whole = request.grammar is not None

        def attempt(endpoint: Endpoint, answered: Callable[[], None]) -> Iterator[str]:
            sent = request
            if said:  # continue the answer the last endpoint broke off
                sent = replace(request, max_tokens=request.max_tokens - len(said),
                               messages=[*request.messages, {"role": "assistant", "content": "".join(said)}])
                if sent.max_tokens <= 0:
                    return
            pieces = []
            for piece in endpoint.model.stream(sent):
                answered()
                if whole:
                    pieces.append(piece)
                    continue
                said.append(piece)
                yield piece
            yield from pieces

        yield from self._with_failover(attempt)

    def score_options_in_steps(self, request: LLMRequest, options: list[str], *,
                               per_token: bool = False) -> Iterator[list[float] | None]:
        def attempt(endpoint: Endpoint, answered: Callable[[], None]) -> Iterator[list[float] | None]:
            for step in endpoint.model.score_options_in_steps(request, options, per_token=per_token):
                answered()
                yield step

        yield from self._with_failover(attempt)

    def score_options(self, request: LLMRequest, options: list[str], *, per_token: bool = False) -> list[float]:
        *_, scores = self.score_options_in_steps(request, options, per_token=per_token)
        return scores

    def status(self) -> list[dict[str, object]]:
        """Each endpoint's state, for stats and logs."""
        now = self._clock()
        return [{"url": e.url, "up": e.down_until <= now, "in_flight": e.in_flight, "slots": e.model.concurrency,
                 "served": e.served, "failed": e.failed} for e in self.endpoints]
