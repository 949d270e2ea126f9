"""A pool of model servers serving one model, used as one model.

Each endpoint (an `OpenAIHTTPModel`: llama-server, vLLM, ...) takes up to its own
`concurrency` requests at once; the pool's `concurrency` is the sum over the
endpoints that are up, so the scheduler keeps every server as busy as it may be.
A request goes to the least loaded endpoint that is up (in flight over its limit).

Failover. An endpoint that fails (refuses the connection, stops answering, breaks the
stream, answers with a server error) is marked down and left alone for a back-off
(`backoff_s`, doubling with each failure in a row up to `max_backoff_s`); then it is
asked whether it answers (its model list, `check_timeout_s`) before the next new
request is sent to it first: a server still down costs no request a failure (its
back-off doubles), and one back takes the request; if that fails too, it is re-sent
at once (a request already re-sent goes to one that answers). One success brings it
back. The request that failed is re-sent to another endpoint, so that nothing is lost and
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
first one's back-off to end and tries it, up to `max_attempts` tries in all (a check
that finds it still down is one).
`recoveries` keeps, for each re-sent request, when it failed and when the next server
began to answer it (its first token, or its first option scored).

A re-sent request does not wait behind the survivor's work. The survivor's slots are
full when its own requests and the dead server's re-sent ones together are more than
it has: a re-sent request, which has already waited through a failure, is then first
in line at its priority (the scheduler's, read from the thread that runs it:
llm/base.py's priority_reader, read as it is when the slots are full). It takes the slot of the survivor's answer of the
lowest priority, the latest come, that is no more urgent than it, not itself re-sent
and not displaced before: that answer's stream is closed (the server frees its slot at
once), and it is sent again once the re-sent request has begun, behind it in the
server's queue; free text goes on from what it had said, an answer held to a grammar
starts again (as after a failure). Option scoring, short, is never displaced.
`displaced` counts the answers that gave their slot.

Servers shared by pools. The model servers a process uses are kept by URL (`Servers`):
a server that two pools name (the voice's and importance's, or the main model's and a
purpose's) is one `Endpoint` in both, under one lock, so that it takes no more new
requests at once than its slots, whichever pool sends them, and is down for every pool
when it fails. A new request that finds every endpoint it may use up and full waits for
a slot (a pool's scheduler counts only its own requests); the slots go to those waiting
in priority order, the earliest come first at a priority, across the pools, read as
they wait (a request hastened while it waits moves up).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TypeVar

from agent_server.errors import Unavailable
from agent_server.llm.base import LanguageModel, LLMRequest, priority_reader
from agent_server.llm.openai_http import ModelServerError, OpenAIHTTPModel

log = logging.getLogger(__name__)

T = TypeVar("T")


# How long an answer that gave its slot to a re-sent request waits for that one to
# begin before it is sent again anyway (seconds).
DISPLACED_WAIT_S = 30.0
# How often a request that finds every endpoint down or being checked looks again (seconds).
_CHECK_POLL_S = 0.05
# How often a request waiting for a slot looks again, besides when one is freed (a
# server whose back-off ends frees none): seconds.
_SLOT_POLL_S = 0.5


@dataclass(eq=False)
class _Attempt:
    """One request on one endpoint, as the pool knows it: its place in line (priority,
    read when asked as the scheduler has it then, and arrival), whether it is re-sent,
    whether its slot may be taken (an answer, not a scoring), and the events of its
    displacement."""

    reader: Callable[[], int | None]
    arrival: int
    resent: bool
    displaceable: bool
    # Set when a re-sent request takes its slot; `begun` when this one's answer begins
    # (or it ends): what an answer it displaced waits for.
    displaced: threading.Event = field(default_factory=threading.Event)
    begun: threading.Event = field(default_factory=threading.Event)
    displacer: _Attempt | None = None

    @property
    def priority(self) -> int:
        priority = self.reader()
        return priority if priority is not None else 0


class _Displaced(Exception):
    """An answer's slot was taken by a re-sent request: it is sent again after it."""


@dataclass(eq=False)
class Endpoint:
    """One server of the pool and what the pool knows of it."""

    model: OpenAIHTTPModel
    in_flight: int = 0
    # The requests in flight on it, and whether it is being asked if it is back.
    attempts: list[_Attempt] = field(default_factory=list)
    checking: bool = False
    # Failures in a row, and until when (monotonic seconds) it is left alone.
    failures: int = 0
    down_until: float = 0.0
    # Requests it answered, and those it failed (over the pool's life).
    served: int = 0
    failed: int = 0

    @property
    def url(self) -> str:
        return self.model.base_url

    @property
    def slots(self) -> int:
        return max(1, self.model.concurrency)

    def load(self) -> float:
        return self.in_flight / self.slots


@dataclass(eq=False)
class _Waiting:
    """A new request waiting for a slot on one of `endpoints`; `priority()` reads its
    priority as it is now (llm/base.py's priority_reader)."""

    priority: Callable[[], int | None]
    arrival: int
    endpoints: list[Endpoint]

    def place(self) -> tuple[int, int]:
        priority = self.priority()
        return (priority if priority is not None else 0), self.arrival


class Servers:
    """The model servers a process uses, by URL, and the one lock over their state (see
    the module's doc): pools made with the same `Servers` share the endpoints they both
    name, their slots and their being down."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self._endpoints: dict[str, Endpoint] = {}
        self.waiting: list[_Waiting] = []
        self.arrivals = itertools.count()

    def endpoint(self, model: OpenAIHTTPModel) -> Endpoint:
        """The endpoint of `model`'s server: the one already kept for its URL, if any."""
        with self.lock:
            return self._endpoints.setdefault(model.base_url, Endpoint(model))

    def known(self, url: str) -> OpenAIHTTPModel | None:
        """The model of the server at `url`, if a pool already connected to it."""
        with self.lock:
            endpoint = self._endpoints.get(url)
        return endpoint.model if endpoint is not None else None

    def first_waiting(self, free: list[Endpoint]) -> _Waiting | None:
        """The request first in line for a slot on one of `free`."""
        return min((w for w in self.waiting if any(e in free for e in w.endpoints)), key=_Waiting.place, default=None)


def _refused(exc: Exception) -> bool:
    """The server judged the request itself wrong: no other server would take it."""
    return isinstance(exc, ModelServerError) and exc.status is not None and 400 <= exc.status < 500


class ModelPool(LanguageModel):
    """Several servers of one model behind the one-model interface."""

    continues_answers = True  # as its servers do: how an answer cut off goes on elsewhere

    def __init__(self, models: list[OpenAIHTTPModel], *, backoff_s: float = 1.0, max_backoff_s: float = 30.0,
                 max_attempts: int | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, health_checks: bool = True,
                 check_timeout_s: float = 2.0, servers: Servers | None = None) -> None:
        """`servers`: the servers this pool may share with others (Servers); a pool of
        its own when None."""
        if not models:
            raise ValueError("a pool needs at least one model server")
        self.servers = servers if servers is not None else Servers()
        self.endpoints = [self.servers.endpoint(model) for model in models]
        self.name = models[0].name
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_attempts = max_attempts or max(3, 2 * len(models))
        self._clock = clock
        self._sleep = sleep
        # Whether an endpoint whose back-off is over is asked if it answers (its model
        # list, within check_timeout_s) before a request is sent to it.
        self.health_checks = health_checks
        self.check_timeout_s = check_timeout_s
        self._lock = self.servers.lock
        # Requests re-sent to another endpoint after one failed them, and for each, when
        # (monotonic seconds) it failed and when the next endpoint first answered it.
        self.resent = 0
        self.recoveries: list[tuple[float, float]] = []
        # Answers whose slot a re-sent request took.
        self.displaced = 0

    @classmethod
    def connect(cls, base_urls: list[str], model: str = "", **options) -> ModelPool:
        """A pool of the servers at `base_urls` (OpenAIHTTPModel.connect each; one that
        `servers`, an option, already knows is not connected again). At least one must
        answer; one that does not starts down, taken to be like the first that did (its
        slots, how it scores), and is tried after its back-off like any other."""
        pool_options = {k: options.pop(k) for k in ("backoff_s", "max_backoff_s", "max_attempts", "health_checks",
                                                    "check_timeout_s", "servers") if k in options}
        servers = pool_options.get("servers")
        connected: dict[str, OpenAIHTTPModel] = {}
        refused: dict[str, Unavailable] = {}
        for url in base_urls:
            if servers is not None and (known := servers.known(url)) is not None:
                connected[url] = known
                continue
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
            if url in refused and not endpoint.failures:
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

    def _take(self, avoid: Endpoint | None, probe: bool = True, arrival: int | None = None) -> Endpoint:
        """The least loaded endpoint that is up (another than `avoid` where there is
        one), counted in flight. When all are down, waits for the first back-off to end;
        one whose back-off is over is first asked if it answers (Unavailable when it does
        not and none is up). `probe`: the request may be the one that tries an endpoint
        whose back-off is over (a request that has already waited, re-sent or displaced,
        goes to one that answers, where there is one). `arrival`: a new request, come
        then, that waits its turn for a free slot (see Servers); a re-sent one (None)
        goes in at once."""
        waiting: _Waiting | None = None
        try:
            while True:
                with self._lock:
                    now = self._clock()
                    up = [e for e in self.endpoints if e.down_until <= now and not e.checking]
                    if len(up) > 1 and avoid in up:
                        up.remove(avoid)
                    if up and arrival is not None:
                        free = [e for e in up if e.in_flight < e.slots]
                        if waiting is None:
                            waiting = _Waiting(priority_reader(), arrival, self.endpoints)
                            self.servers.waiting.append(waiting)
                        if self.servers.first_waiting(free) is not waiting:
                            self._lock.wait(_SLOT_POLL_S)
                            continue
                        up = free
                    if up:
                        # One whose back-off is over is tried first: that is how it comes back.
                        endpoint = min(up, key=lambda e: ((e.failures == 0) == probe, e.load()))
                        if endpoint.failures == 0 or not self.health_checks:
                            endpoint.in_flight += 1
                            return endpoint
                        endpoint.checking = True
                    else:
                        endpoint = None
                        resting = [e.down_until for e in self.endpoints if not e.checking]
                        wait = min(resting) - now if resting else _CHECK_POLL_S
                if endpoint is None:
                    self._sleep(max(0.0, wait))
                    continue
                # Back from its back-off: it is asked whether it answers before a request is
                # sent to it, so that a server still down costs no request a failure.
                try:
                    endpoint.model.answers(self.check_timeout_s)
                except Unavailable as exc:
                    with self._lock:
                        endpoint.checking = False
                    self._failed(endpoint, exc)
                    with self._lock:
                        now = self._clock()
                        if not any(e.down_until <= now for e in self.endpoints):
                            raise  # none answers: a try of the request's, as a failed request would be
                    continue
                with self._lock:
                    endpoint.checking = False
                    endpoint.in_flight += 1
                return endpoint
        finally:
            if waiting is not None:
                with self._lock:
                    self.servers.waiting.remove(waiting)
                    self._lock.notify_all()

    def _release(self, endpoint: Endpoint, attempt: _Attempt) -> None:
        with self._lock:
            endpoint.in_flight -= 1
            endpoint.attempts.remove(attempt)
            self._lock.notify_all()  # a slot for the request first in line
        attempt.begun.set()  # nothing displaced waits for an attempt that is over

    def _placed(self, endpoint: Endpoint, attempt: _Attempt) -> None:
        """`attempt` is in flight on `endpoint`; a re-sent one finding its slots full
        takes the slot of the answer last in line behind it (see the module's doc)."""
        with self._lock:
            endpoint.attempts.append(attempt)
            if not attempt.resent or endpoint.in_flight <= max(1, endpoint.model.concurrency):
                return
            urgency = attempt.priority
            behind = [a for a in endpoint.attempts if a.displaceable and not a.resent and not a.displaced.is_set()
                      and a.priority >= urgency]
            if not behind:
                return
            victim = max(behind, key=lambda a: (a.priority, a.arrival))
            victim.displacer = attempt
            victim.displaced.set()
            self.displaced += 1
        log.info("a re-sent request takes the slot of a later one on %s", endpoint.url)

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
            self._lock.notify_all()  # those waiting for its slots look elsewhere
        log.warning("model server %s failed (%s); left alone for %.1f s, its requests re-sent", endpoint.url, exc,
                    backoff)

    def _with_failover(self, attempt: Callable[[Endpoint, Callable[[], None], _Attempt], Iterator[T]], *,
                       displaceable: bool) -> Iterator[T]:
        """Run `attempt(endpoint, answered, this)` on endpoints until one finishes it;
        what it yields is passed on, and it calls `answered()` when the endpoint's answer
        begins. A failure that is the server's (not the request's) marks the endpoint
        down and tries the next. `displaceable`: a re-sent request may take its slot
        (the attempt then raises _Displaced, and it is sent again once that one began)."""
        last: Endpoint | None = None
        failed_at: float | None = None
        priority = priority_reader()
        arrival = next(self.servers.arrivals)
        failures = 0
        gave_way = False  # an answer gives its slot once at most

        def answered() -> None:
            nonlocal failed_at
            this.begun.set()
            if failed_at is not None:
                self.recoveries.append((failed_at, self._clock()))
                failed_at = None

        while True:
            try:
                endpoint = self._take(avoid=last, probe=failures == 0 and not gave_way,
                                      arrival=arrival if failures == 0 else None)
            except Unavailable as exc:  # every endpoint down, and the one tried does not answer yet
                failures += 1
                if failures == self.max_attempts:
                    raise Unavailable(f"no model server of the pool could answer ({self.max_attempts} tries; "
                                      f"the last: {exc})") from exc
                continue
            this = _Attempt(priority, arrival, resent=failures > 0,
                            displaceable=displaceable and not gave_way)
            self._placed(endpoint, this)
            steps = attempt(endpoint, answered, this)
            try:
                yield from steps
            except _Displaced:
                gave_way = True
                steps.close()
                self._release(endpoint, this)
                if this.displacer is not None:
                    this.displacer.begun.wait(DISPLACED_WAIT_S)
                continue
            except Unavailable as exc:
                if _refused(exc):
                    raise
                self._failed(endpoint, exc)
                failed_at = self._clock()
                last = endpoint
                self.resent += 1
                failures += 1
                if failures == self.max_attempts:
                    raise Unavailable(f"no model server of the pool could answer ({self.max_attempts} tries; "
                                      f"the last: {exc})") from exc
                continue
            finally:
                steps.close()
                if this in endpoint.attempts:
                    self._release(endpoint, this)
            self._succeeded(endpoint)
            return

    # ---- the model interface ----------------------------------------------------------

    def stream(self, request: LLMRequest) -> Iterator[str]:
        said: list[str] = []  # free text handed on so far
        whole = request.grammar is not None

        def attempt(endpoint: Endpoint, answered: Callable[[], None], this: _Attempt) -> Iterator[str]:
            sent = request
            if said:  # continue the answer the last endpoint broke off
                sent = replace(request, max_tokens=request.max_tokens - len(said),
                               messages=[*request.messages, {"role": "assistant", "content": "".join(said)}])
                if sent.max_tokens <= 0:
                    return
            pieces = []
            answer = endpoint.model.stream(sent)
            try:
                for piece in answer:
                    answered()
                    if whole:
                        pieces.append(piece)
                    else:
                        said.append(piece)
                        yield piece
                    if this.displaced.is_set():
                        answer.close()  # the server frees the slot now
                        raise _Displaced()
            finally:
                answer.close()
            yield from pieces

        yield from self._with_failover(attempt, displaceable=True)

    def score_options_in_steps(self, request: LLMRequest, options: list[str], *,
                               per_token: bool = False) -> Iterator[list[float] | None]:
        def attempt(endpoint: Endpoint, answered: Callable[[], None],
                    this: _Attempt) -> Iterator[list[float] | None]:
            for step in endpoint.model.score_options_in_steps(request, options, per_token=per_token):
                answered()
                yield step

        yield from self._with_failover(attempt, displaceable=False)

    def score_options(self, request: LLMRequest, options: list[str], *, per_token: bool = False) -> list[float]:
        *_, scores = self.score_options_in_steps(request, options, per_token=per_token)
        return scores

    def status(self) -> list[dict[str, object]]:
        """Each endpoint's state, for stats and logs."""
        now = self._clock()
        return [{"url": e.url, "up": e.down_until <= now, "in_flight": e.in_flight, "slots": e.model.concurrency,
                 "served": e.served, "failed": e.failed} for e in self.endpoints]
