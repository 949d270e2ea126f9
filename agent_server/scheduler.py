"""The one owner of the language model: a priority queue in front of a worker thread.

All model work in the server passes through `LLMScheduler`. The model is not thread
safe, so only the scheduler's worker thread touches it, highest priority first (player
dialogue before interviews, conversation, reaction, planning, reflection and importance). Callers
await results or async-iterate streamed pieces; the asyncio loop serving gRPC and
WebSocket never blocks on the model. A caller that stops listening (a closed
connection) cancels its request, between tokens if it has started.

With a model that decodes in batches (the embedded llama.cpp model's `engine`), up to
`max_batch` generations decode together, joining between decode steps as slots free
up. When the slots are full, a waiting request of higher priority takes the slot of
the lowest-priority one at the next step: that sequence is evicted and resumes, where
it stopped, when a slot frees again; so player dialogue never waits behind planning.
While player dialogue decodes it decodes alone (for a while: see the town's turn
below): every other sequence is paused, since on a few CPU cores each batch step costs
several times a single token, and the player reads the answer as it comes.
Work that cannot be batched (option scoring) runs between steps, one request at a
time, unless player dialogue or a conversation is decoding with a higher priority.
Scoring pauses between chunks of its prompt and between options whenever player
dialogue is waiting (it has a context of its own, so the engine may decode
meanwhile), and goes on once the player's answer is done.
Other models (a model server over HTTP, a pool of them) run as many requests at once
as the model says it takes (`concurrency`: a server's slots), highest priority first;
one of those places is kept for the player's work whenever there are two or more, so
the player's line never waits behind background requests in flight. A server shares
its compute among the requests it decodes, whatever their priority, so while player
work is waiting or in flight no more background requests start than the town's share
of the places (`max(1, round(concurrency * town_share))`, unless town_share is 0: then
none), nor for PLAYER_GRACE_S after the player's last request ends (a line's requests
follow one another). Background answers in free text already in flight on a model that
continues an answer (`continues_answers`: a server told the answer so far as the
assistant's message goes on from there) are suspended then: their streams are closed,
which frees the server's compute at once, and they wait, at their priority, until
the player's work and its grace are over, to go on from the text they had given
(`suspensions` counts them). Answers held to a grammar, and scoring, finish. With one
place, they run one request at a time.

The town's turn. Several players talking at once always have work for the model, and
alone-first would then starve the town (everything below the player's priority: its
agents' thinking, interviews): agents standing still, no memory rated. So player work
holds a batching model alone for at most `player_exclusive_s` seconds while other work
waits; the town is then owed a turn, and its waiting work joins the batch beside the
player's, not paused for the player, for `player_exclusive_s * town_share / (1 -
town_share)` seconds (1 s at the defaults of 3 s and 0.25); then the player decodes
alone again, the town's sequences paused where they stopped. In the turn the town's
work is placed first: its batched work, by priority, takes free slots (leaving pinned
slots free as ever) and `max(1, round(max_batch * town_share))` slots at least
(`town_slots`), evicting player sequences for them when players hold every slot (a
preparation first, whose prompt stays warm, else the sequence that joined last; they
resume when the turn is over); player work then takes what remains, never evicting
the town below those slots, and a player job that cannot start waits without holding
the town's work back. While players keep the model busy
the town thus gets `town_share` of its time, in turns. The account is kept in seconds
the town is owed: time the player holds the model alone while other work waits adds to it (up to
`player_exclusive_s`); time the town's work runs, in its turn or with no player about,
pays it off at `(1 - town_share) / town_share` seconds a second, so a moment without
player work does not restart the player's stretch, and a town that has just run
freely waits a whole stretch again. Nothing waiting below the player clears the
account. A player's occasional line, shorter than `player_exclusive_s`, decodes alone
from its first token to its last, as before. In the town's turn its unbatched work
(scoring) may run between steps as well, unless the player's own scoring waits,
holding the batch (the player's answer included) until the turn is over; it still
pauses for a player line that can start (a slot is free for it), which decodes a step
before the scoring goes on, but not for one that waits for a slot. Time given way to another
scheduler's player work (`route`) counts as held by the player: in the town's turn
this scheduler decodes beside the other's player work rather than waiting for it.
`town_turns` counts the turns that let town work in beside the player's. Models
without an engine have no turns: they run one request at a time by priority.

Purposes can go to other models (`route`): the voice (the player's conversation,
greetings, interviews and debriefs: what the player reads), or any cognitive function
(importance, decomposition, ...), goes to another scheduler, with a model of its own
(in process, or a pool of servers), while this one goes on with the rest; whenever one
of them has player work, this one pauses between steps and between chunks of scoring,
so they share the cores by the same priorities as one model would.

Admission: the queue holds at most `max_pending` waiting requests. When it is full,
a newcomer sheds the lowest-priority request waiting (the latest come of those), whose
caller is told RESOURCE_EXHAUSTED with the reason, or is refused itself if nothing
waits at a lower priority. The player's own conversation (their line, its
preparation) and a greeting to the player are always admitted. Each client (a gRPC
connection, a WebSocket connection: `serving_client`) may hold at most
`max_per_client` waiting requests; work started in the background on no one's behalf
(`background_context`) counts against no one. Every refusal names the limit it hit.

Work done ahead of time (an hour decomposed before it comes) runs at its own low
priority until someone stands waiting for it. A task doing such work sets an `Urgency`
(`urgent_work`); its requests run at the urgency's priority at least, and `hasten`
raises those already waiting, or decoding, when a waiter comes. `WorkAhead` is that
pattern whole: work run under its urgency, hastened and awaited by whoever needs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import heapq
import itertools
import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any, Generic, TypeVar

from agent_server.errors import ResourceExhausted, Unavailable
from agent_server.llm.base import PLAYER_PRIORITY, PURPOSES, Completion, LanguageModel, LLMRequest, run_at
from agent_server.llm.batching import BatchEngine, Sequence

T = TypeVar("T")

log = logging.getLogger(__name__)

_END = object()


def _never() -> bool:
    return False
# Most requests a scheduler without an engine runs at once.
MAX_IN_FLIGHT = 64
# How long after a player's request ends a model server is still kept for the player's
# next one (seconds): the requests of one line (scoring, then the answer) come in turn.
PLAYER_GRACE_S = 1.0
# How often a scheduler giving way to another's player work looks again (seconds).
GIVE_WAY_POLL_S = 0.005


class Priority(IntEnum):
    """Lower runs first."""

    PLAYER = PLAYER_PRIORITY
    # An API client's interview: a person waits for it, but it never holds up the player.
    INTERVIEW = 1
    CONVERSATION = 2
    REACTION = 3
    PLANNING = 4
    REFLECTION = 5
    IMPORTANCE = 6


# Model work admitted whatever the queue holds (never shed, never refused for a full
# queue or a client's share): the player's line, its preparation, and a greeting.
ALWAYS_ADMITTED = frozenset({"player_chat", "player_chat_prepare", "greeting"})

_client: contextvars.ContextVar[str | None] = contextvars.ContextVar("client", default=None)


def serving_client(client: str | None) -> None:
    """This task serves `client` (a connection): the model requests it makes, and those
    of tasks it starts, count against that client's share of the queue. A door calls it
    at the start of each request's task."""
    _client.set(client)


def background_context() -> contextvars.Context:
    """A copy of the calling task's context for work started in the background, which
    no client waits for: its model requests count against no client."""
    context = contextvars.copy_context()
    context.run(_client.set, None)
    return context


@dataclass
class UsageStats:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = 0.0
    queue_seconds: float = 0.0
    # From the model taking a request up to its first result (a token, or the scores):
    # for generation, mostly the prompt's evaluation.
    first_result_seconds: float = 0.0
    # Prompt tokens found warm in the KV cache (a kept preamble), not evaluated.
    reused_tokens: int = 0


@dataclass(order=True)
class _Job:
    priority: int
    seq: int
    # What to run on the worker thread: the model in, an iterator of results out.
    work: Callable[[LanguageModel], Iterator[Any]] = field(compare=False)
    request: LLMRequest = field(compare=False)
    purpose: str = field(compare=False)
    pieces: asyncio.Queue = field(compare=False)
    enqueued_at: float = field(compare=False)
    counts_tokens: bool = field(compare=False, default=True)
    cancelled: threading.Event = field(compare=False, default_factory=threading.Event)
    # Batched generation: the request decodes in the model's engine rather than `work`.
    batched: bool = field(compare=False, default=False)
    keep_prompt: bool = field(compare=False, default=False)
    sequence: Sequence | None = field(compare=False, default=None)
    # Unbatched work begun and paused for the player (None marks a pause point), and
    # when the model took it, until its first result.
    steps: Iterator[Any] | None = field(compare=False, default=None)
    taken_at: float | None = field(compare=False, default=None)
    urgency: Urgency | None = field(compare=False, default=None)
    # The client whose request this is (serving_client), if any.
    client: str | None = field(compare=False, default=None)
    # When it last joined the batch (an order): the town's turn evicts the player
    # sequence that joined last, the one that has waited least for its slot.
    started: int = field(compare=False, default=-1)
    # A background answer in free text that may be suspended for the player's work and
    # go on later from what it has said (a model without an engine that
    # continues_answers), and the pieces it has handed on so far.
    suspendable: bool = field(compare=False, default=False)
    said: list[str] = field(compare=False, default_factory=list)
    # Other requests the work reads besides `request` (several scored as one piece of
    # work): their prompts count as its prompt tokens too.
    also: tuple[LLMRequest, ...] = field(compare=False, default=())

    @property
    def prepares(self) -> bool:
        """A preparation (LLMScheduler.prepare): it only evaluates a prompt it keeps warm,
        so an eviction costs it little."""
        return self.purpose == "player_chat_prepare" or self.request.max_tokens == 0

    @property
    def sheddable(self) -> bool:
        """Waiting and never begun: it can be refused without undoing anything."""
        return self.purpose not in ALWAYS_ADMITTED and self.sequence is None and self.steps is None


@dataclass(eq=False)
class Urgency:
    """The priority at least at which a task's model requests run (None: their own)."""

    priority: Priority | None = None
    # Work done elsewhere on this work's behalf (a batch of importance ratings holding
    # one of its texts), hastened with it.
    followers: list[Urgency] = field(default_factory=list)

    def applied_to(self, priority: Priority) -> Priority:
        return priority if self.priority is None else min(priority, self.priority)


_urgency: contextvars.ContextVar[Urgency | None] = contextvars.ContextVar("urgency", default=None)


@contextlib.contextmanager
def urgent_work(urgency: Urgency):
    """Model requests made within (by this task, and tasks it starts) run at
    `urgency`'s priority at least, now and after LLMScheduler.hasten raises it."""
    token = _urgency.set(urgency)
    try:
        yield urgency
    finally:
        _urgency.reset(token)


def current_urgency() -> Urgency | None:
    """The urgency of the work this task is doing (urgent_work), if any."""
    return _urgency.get()


class WorkAhead(Generic[T]):
    """Model work done ahead of need (an hour decomposed before it comes, a player's
    conversation evaluated before the player speaks). It runs under an Urgency of its
    own (run), and whoever comes to need it raises that urgency and awaits its result
    (wait). A failure or a cancellation reads as no result: the waiter does the work
    itself, without the head start."""

    def __init__(self) -> None:
        self.urgency = Urgency()
        self._result: asyncio.Future = asyncio.get_running_loop().create_future()

    async def run(self, work: Awaitable[T]) -> T:
        try:
            with urgent_work(self.urgency):
                result = await work
        except BaseException:
            self._result.set_result(None)
            raise
        self._result.set_result(result)
        return result

    async def wait(self, scheduler: LLMScheduler, priority: Priority | None) -> T | None:
        """Hasten the work to `priority` (None: leave it as it is) and wait for it: its
        result, or None if it failed."""
        if priority is not None:
            scheduler.hasten(self.urgency, priority)
        return await asyncio.shield(self._result)


# Sequences of these priorities keep unbatchable work (option scoring) waiting.
_INTERACTIVE = Priority.CONVERSATION

# What the time up to the next plan is, for the town's account (LLMScheduler._account):
# the player holds the model alone while other work waits, or the town's work runs.
_KEPT_OUT = "kept out"
_TOWN_IN = "town in"
# Slack for sums of clock readings.
_EPSILON_S = 1e-9


class LLMScheduler:
    def __init__(self, model: LanguageModel, *, max_pending: int = 256, max_per_client: int = 64,
                 max_batch: int | None = None, player_exclusive_s: float = 3.0, town_share: float = 0.25,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`max_pending`: requests that may wait (a full queue sheds its lowest-priority
        waiting work); `max_per_client`: of those, how many one client may hold.
        `max_batch`: how many generations decode together, at most the model engine's
        slots (default: all of them); models without an engine run one at a time.
        `player_exclusive_s`, `town_share`: how long player work holds a batching model
        alone while other work waits, and the share of the model's time the town's turns
        then come to (0: none, the player always decodes alone); see the module's
        docstring. `clock`: monotonic seconds, for the town's turns."""
        if player_exclusive_s < 0 or not 0 <= town_share < 1:
            raise ValueError("player_exclusive_s must be >= 0 and town_share in [0, 1)")
        self.model = model
        self.stats: dict[str, UsageStats] = defaultdict(UsageStats)
        self._max_pending = max_pending
        self._max_per_client = max_per_client
        # Requests refused or shed, by the limit that was hit.
        self.refused: dict[str, int] = defaultdict(int)
        self._queue: asyncio.PriorityQueue[_Job] = asyncio.PriorityQueue()
        self._seq = itertools.count()
        # Models without an engine run up to `concurrency` requests at once, each on a
        # thread of its own (threads are made as they are needed).
        self._executor = ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT, thread_name_prefix="llm")
        self._in_flight: list[_Job] = []
        self._player_until = 0.0
        # Whether the player's work holds the model now (set on the loop, read by the
        # worker threads of suspendable answers), and answers suspended for it.
        self._player_holds = threading.Event()
        self.suspensions = 0
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        engine = getattr(model, "engine", None)
        self._engine: BatchEngine | None = engine if isinstance(engine, BatchEngine) else None
        self.max_batch = 1
        if self._engine is not None:
            self.max_batch = max(1, min(max_batch or self._engine.slots, self._engine.slots))
        # How the jobs run, chosen once: batched on a thread of the scheduler's own with
        # an engine, else whole, by an asyncio worker (_BatchingMode, _WorkerMode).
        self._mode: _Mode = _BatchingMode(self) if self._engine is not None else _WorkerMode(self)
        # Batched mode: waiting jobs in a heap shared with the worker thread.
        self._cond = threading.Condition()
        self._heap: list[_Job] = []
        self._running: list[_Job] = []
        # Unbatched work paused while the player's answer decodes.
        self._parked: _Job | None = None
        self._closing = False
        # Why the worker (task or thread) stopped, if an unexpected error stopped it:
        # then every request fails at once with Unavailable, naming it, instead of waiting
        # for a worker that is gone.
        self._stopped: BaseException | None = None
        self.preemptions = 0
        # The town's turns (batched mode, worker thread): seconds of the player's
        # exclusive hold the town is owed, whether its turn is on, what the last plan
        # found the interval to come to be (_KEPT_OUT, _TOWN_IN or None), and when.
        self.player_exclusive_s = player_exclusive_s
        self.town_share = town_share
        self._clock = clock
        self._owed = 0.0
        self._turn = False
        self._turn_counted = False
        self._turn_ends_at = 0.0
        self._interval: str | None = None
        self._accounted_at: float | None = None
        # Turns of the town that let its work in beside the player's.
        self.town_turns = 0
        # Slots the town's batched work may take from player sequences in its turn.
        self.town_slots = max(1, round(self.max_batch * town_share))
        self._starts = itertools.count()
        # Purposes served by another scheduler (route), and the schedulers whose player
        # work this one gives way to.
        self._routes: dict[str, LLMScheduler] = {}
        self._gives_way_to: list[LLMScheduler] = []

    def route(self, purposes: set[str] | frozenset[str], other: LLMScheduler) -> None:
        """Requests for `purposes` go to `other` (a scheduler with a model of its own);
        their usage joins this scheduler's stats, and this one gives way whenever
        `other` has player work. Purposes must be among PURPOSES."""
        if unknown := set(purposes) - PURPOSES:
            raise ValueError(f"no such purpose to route: {', '.join(sorted(unknown))} (the purposes are "
                             f"{', '.join(sorted(PURPOSES))})")
        for purpose in purposes:
            self._routes[purpose] = other
        other.stats = self.stats
        if other not in self._gives_way_to:
            self._gives_way_to.append(other)

    def serving(self, purpose: str) -> LLMScheduler:
        """The scheduler that serves `purpose`: this one, or the one it routes it to."""
        return self._routes.get(purpose, self)

    def reads_probabilities(self, purpose: str) -> bool:
        """Whether the model that serves `purpose` scores options by its probabilities."""
        return self.serving(purpose).model.reads_probabilities

    def _player_elsewhere(self) -> bool:
        """Whether a scheduler this one gives way to has player work waiting or decoding
        (read without its lock, as _player_waits reads this one's)."""
        return any(o._player_busy() for o in self._gives_way_to)

    def _player_busy(self) -> bool:
        return self._mode.player_busy()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._mode.start()

    async def close(self) -> None:
        await self._mode.stop()
        self._executor.shutdown(wait=True, cancel_futures=True)

    @property
    def pending(self) -> int:
        """Requests waiting for the model (not those decoding)."""
        return self._mode.pending()

    async def stream(self, request: LLMRequest, priority: Priority, purpose: str, *,
                     keep_prompt: bool = False) -> AsyncIterator[str]:
        """Yield the model's answer piece by piece once the request's turn comes.
        `keep_prompt`: the batching engine keeps the prompt's KV cells warm afterwards,
        for a request that will begin the same way (the next line of a conversation)."""
        request = replace(request, purpose=purpose)
        if (other := self._routes.get(purpose)) is not None:
            async for piece in other.stream(request, priority, purpose, keep_prompt=keep_prompt):
                yield piece
            return
        suspendable = self._mode.suspends() and request.grammar is None and priority != Priority.PLAYER
        async for piece in self._submit(lambda model: model.stream(request), request, priority, purpose,
                                        batched=self._mode.batched, keep_prompt=keep_prompt,
                                        suspendable=suspendable):
            yield piece

    async def prepare(self, request: LLMRequest, priority: Priority, purpose: str) -> None:
        """Evaluate the prompt of a request known to come and keep it warm in the
        batching engine, so that the request, when it comes, evaluates only what
        follows it. Returns once that is done; without an engine, at once."""
        request = replace(request, purpose=purpose)
        if (other := self._routes.get(purpose)) is not None:
            return await other.prepare(request, priority, purpose)
        if not self._mode.batched:
            return
        async for _ in self._submit(lambda model: iter(()), replace(request, max_tokens=0), priority, purpose,
                                    batched=True, keep_prompt=True):
            pass

    async def complete(self, request: LLMRequest, priority: Priority, purpose: str) -> Completion:
        pieces = [piece async for piece in self.stream(request, priority, purpose)]
        return Completion(text="".join(pieces), completion_tokens=len(pieces))

    async def score_options(
        self, request: LLMRequest, options: list[str], priority: Priority, purpose: str, *, per_token: bool = False
    ) -> list[float]:
        """Log-probability of each option as the answer (see LanguageModel.score_options)."""
        return (await self.score_many([(request, options)], priority, purpose, per_token=per_token))[0]

    async def score_many(
        self, requests: list[tuple[LLMRequest, list[str]]], priority: Priority, purpose: str, *,
        per_token: bool = False,
    ) -> list[list[float]]:
        """Each request's options' log-probabilities, scored as one piece of work: one
        request to the model, run through without other work between its parts (unless
        it pauses for the player's), rather than a request for each, which waits its turn
        again (LanguageModel.score_many_in_steps)."""
        if not requests:
            return []
        requests = [(replace(request, purpose=purpose), options) for request, options in requests]
        if (other := self._routes.get(purpose)) is not None:
            return await other.score_many(requests, priority, purpose, per_token=per_token)
        async for scores in self._submit(
            lambda model: model.score_many_in_steps(requests, per_token=per_token), requests[0][0], priority,
            purpose,
            counts_tokens=False, also=tuple(request for request, _ in requests[1:]),
        ):
            return scores
        raise Unavailable("the model gave no scores")

    async def _submit(
        self, work: Callable[[LanguageModel], Iterator[Any]], request: LLMRequest, priority: Priority, purpose: str,
        counts_tokens: bool = True, batched: bool = False, keep_prompt: bool = False, suspendable: bool = False,
        also: tuple[LLMRequest, ...] = (),
    ) -> AsyncIterator[Any]:
        if not self._mode.running:
            raise Unavailable("the model scheduler is not running")
        if self._stopped is not None:
            raise self._unavailable()
        urgency = _urgency.get()
        if urgency is not None:
            priority = urgency.applied_to(priority)
        job = _Job(int(priority), next(self._seq), work, request, purpose, asyncio.Queue(), time.monotonic(), counts_tokens,
                   batched=batched, keep_prompt=keep_prompt, urgency=urgency, client=_client.get(),
                   suspendable=suspendable, also=also)
        with self._cond:
            if self._stopped is not None:  # the worker thread died since the check above
                raise self._unavailable()
            self._admit(job)
            self._mode.enqueue(job)
        try:
            while True:
                item = await job.pieces.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            job.cancelled.set()

    def _admit(self, job: _Job) -> None:
        """Under the lock, on the event loop: let `job` join the queue, shedding the
        lowest-priority waiting request if the queue is full, or refuse it
        (ResourceExhausted, naming the limit it hit)."""
        waiting = self._mode.waiting()
        live = [j for j in waiting if not j.cancelled.is_set()]
        always = job.purpose in ALWAYS_ADMITTED
        if not always and job.client is not None:
            held = sum(1 for j in live if j.client == job.client and j.purpose not in ALWAYS_ADMITTED)
            if held >= self._max_per_client:
                self.refused["max_waiting_per_client"] += 1
                raise ResourceExhausted(
                    f"the model is busy: this connection already has {held} requests waiting for it, the most "
                    f"one client may have (max_waiting_per_client = {self._max_per_client})")
        if len(live) < self._max_pending:
            return
        victim = max((j for j in live if j.sheddable), default=None)  # the lowest priority, the latest come
        if victim is not None and victim.priority > job.priority:
            waiting.remove(victim)
            heapq.heapify(waiting)
            self.refused["max_model_queue (shed)"] += 1
            log.info("shed a waiting %s request for a %s request of higher priority", victim.purpose, job.purpose)
            victim.pieces.put_nowait(ResourceExhausted(
                f"the model is busy: this request was shed from the full queue ({len(live)} requests waiting, "
                f"max_model_queue = {self._max_pending}) for work of higher priority"))
        elif not always:
            self.refused["max_model_queue"] += 1
            raise ResourceExhausted(
                f"the model is busy: its queue is full ({len(live)} requests waiting, max_model_queue = "
                f"{self._max_pending}) and none of them is of lower priority than this one")

    def hasten(self, urgency: Urgency, priority: Priority) -> None:
        """Someone waits for the work done under `urgency`: its requests, from now on and
        those already waiting or decoding (here, or with a scheduler this one routes
        to), run at `priority` at least."""
        if urgency.priority is not None and urgency.priority <= priority:
            return
        urgency.priority = priority
        for follower in urgency.followers:
            self.hasten(follower, priority)
        for scheduler in [self, *self._gives_way_to]:
            scheduler._raise(urgency, priority)

    def _raise(self, urgency: Urgency, priority: Priority) -> None:
        """Raise this scheduler's jobs done under `urgency` to `priority`."""
        def raise_(jobs: list[_Job]) -> None:
            for job in jobs:
                if job.urgency is urgency and job.priority > priority:
                    job.priority = int(priority)
                    if job.sequence is not None:
                        job.sequence.rank = job.priority

        self._mode.reorder(raise_)

    @property
    def concurrency(self) -> int:
        """Requests run at once: 1 with an engine (which batches them itself), else as
        many as the model takes (at most MAX_IN_FLIGHT)."""
        return self._mode.concurrency()

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                job = self._next_to_start()
                if job is None:
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                self._in_flight.append(job)
                pause = self._player_holds.is_set if job.suspendable else _never
                done = loop.run_in_executor(self._executor, self._run, job, pause)
                done.add_done_callback(lambda over, job=job: self._ended(job, over))
        except Exception as exc:  # a fault of the scheduler itself, not of one request
            log.exception("the model scheduler stopped")
            self._stopped = exc
            while not self._queue.empty():
                self._queue.get_nowait().pieces.put_nowait(self._unavailable())

    def _unavailable(self) -> Unavailable:
        return Unavailable(f"the model scheduler stopped: {type(self._stopped).__name__}: {self._stopped}")

    def _ended(self, job: _Job, over: asyncio.Future | None = None) -> None:
        self._in_flight.remove(job)
        if over is not None and not over.cancelled() and over.exception() is None and over.result() is False:
            # Suspended for the player's work: it waits again, to go on from what it said.
            self.suspensions += 1
            self._queue.put_nowait(job)
        if job.priority == Priority.PLAYER and self._loop is not None:
            self._player_until = time.monotonic() + PLAYER_GRACE_S
            self._loop.call_later(PLAYER_GRACE_S, self._wake.set)
        self._wake.set()

    def _player_claims(self) -> bool:
        """On the loop: whether the player's work waits, runs, or is in its grace (and
        the flag the suspendable answers read says so)."""
        claims = time.monotonic() < self._player_until or any(
            j.priority == Priority.PLAYER for j in [*self._in_flight, *self._queue._queue])
        if claims:
            self._player_holds.set()
        else:
            self._player_holds.clear()
        return claims

    def _next_to_start(self) -> _Job | None:
        """On the loop: the waiting job of highest priority, if it may start now. One
        place of several is kept for the player's work."""
        waiting = self._queue._queue  # the PriorityQueue's own heap
        while waiting and waiting[0].cancelled.is_set():
            heapq.heappop(waiting)
        limit = self.concurrency
        claims = self._player_claims()
        if not waiting or len(self._in_flight) >= limit:
            return None
        if waiting[0].priority != Priority.PLAYER and limit > 1:
            if claims and any(j.suspendable for j in waiting):
                # What was suspended for the player goes on after it, and what could be
                # suspended does not start before it: let others by, in order.
                startable = [j for j in waiting if not j.suspendable and not j.cancelled.is_set()]
                if not startable:
                    return None
                first = min(startable)
            else:
                first = waiting[0]
            background = sum(1 for j in self._in_flight if j.priority != Priority.PLAYER)
            places = limit - 1
            if claims:
                places = min(places, max(1, round(limit * self.town_share)) if self.town_share else 0)
            if background >= places:
                return None
            if first is not waiting[0]:
                waiting.remove(first)
                heapq.heapify(waiting)
                return first
        return heapq.heappop(waiting)

    def _run(self, job: _Job, pause: Callable[[], bool] = _never) -> bool:
        """On the worker thread: run one request, handing results back to the loop.
        At the work's pause points, `pause()` may stop it: it then returns False, and a
        later call goes on where it stopped. True when the request is over."""
        loop = self._loop
        put = job.pieces.put_nowait
        stats = self.stats[job.purpose]
        started = time.monotonic()
        # What the backend reads of the request it runs (running_priority), as it is now.
        run_at(lambda: job.priority)
        try:
            if job.steps is None and job.said:  # suspended: go on from what it said
                request = replace(job.request, max_tokens=job.request.max_tokens - len(job.said), messages=[
                    *job.request.messages, {"role": "assistant", "content": "".join(job.said)}])
                if request.max_tokens <= 0:
                    job.steps = iter(())
                else:
                    stats.prompt_tokens += self.model.count_prompt_tokens(request)
                    job.steps = iter(self.model.stream(request))
            if job.steps is None:
                stats.calls += 1
                stats.queue_seconds += started - job.enqueued_at
                stats.prompt_tokens += sum(self.model.count_prompt_tokens(r) for r in (job.request, *job.also))
                job.steps = iter(job.work(self.model))
                job.taken_at = started
            for item in job.steps:
                if item is None:  # a pause point
                    if job.cancelled.is_set():
                        break
                    if pause():
                        return False
                    continue
                if job.taken_at is not None:
                    stats.first_result_seconds += time.monotonic() - job.taken_at
                    job.taken_at = None
                stats.completion_tokens += job.counts_tokens
                loop.call_soon_threadsafe(put, item)
                if job.cancelled.is_set():
                    break
                if job.suspendable:
                    job.said.append(item)
                    if pause():  # closing the stream frees the server's compute now
                        job.steps.close()
                        job.steps = None
                        return False
            loop.call_soon_threadsafe(put, _END)
        except Exception as exc:  # handed to the awaiting caller
            log.exception("model request for %s failed", job.purpose)
            loop.call_soon_threadsafe(put, exc)
        finally:
            stats.model_seconds += time.monotonic() - started
            run_at(None)
        job.steps = None
        return True

    # ---- batched mode: everything below runs on the worker thread -----------------

    def _batch_loop(self) -> None:
        engine = self._engine
        assert engine is not None
        try:
            while True:
                with self._cond:
                    while not self._closing and not self._heap and not self._running and self._parked is None:
                        self._cond.wait()
                    if self._closing:
                        break
                    start, preempt, exclusive = self._plan()
                for victim in preempt:
                    engine.evict(victim.sequence)
                    self.preemptions += 1
                    log.debug("%s paused for a request of higher priority", victim.purpose)
                for job in start:
                    self._start(job)
                if exclusive is not None:
                    # The player's own scoring never pauses: it would pause for itself.
                    pause = _never if exclusive.priority == Priority.PLAYER else self._should_pause
                    self._parked = None if self._run(exclusive, pause) else exclusive
                self._drop_cancelled()
                if self._gives_way_to and not self._turn and not self._player_waits() and self._player_elsewhere():
                    # Another model answers the player: wait for it between steps.
                    with self._cond:
                        self._cond.wait(timeout=GIVE_WAY_POLL_S)
                    continue
                if engine.active:
                    self._step()
        except Exception as exc:  # a fault of the scheduler itself, not of one request
            log.exception("the model scheduler stopped")
            with self._cond:
                self._stopped = exc
        finally:
            self._fail_all(self._unavailable() if self._stopped is not None
                           else Unavailable("the server is shutting down"))

    def _plan(self) -> tuple[list[_Job], list[_Job], _Job | None]:
        """Under the lock: which waiting jobs start now, which running ones they evict,
        and at most one unbatchable job to run before the next step."""
        start: list[_Job] = []
        preempt: list[_Job] = []
        exclusive = None
        heap = self._heap
        player = self._player_waits() or any(j.priority == Priority.PLAYER for j in self._running)
        elsewhere = bool(self._gives_way_to) and self._player_elsewhere()
        town_present = self._parked is not None or any(
            j.priority != Priority.PLAYER and not j.cancelled.is_set() for j in itertools.chain(heap, self._running))
        turn = self._account(player or elsewhere, town_present)
        alone = player and not turn  # the player's answer decodes alone
        if self._parked is not None:
            # Paused scoring holds the scoring context: it finishes before other
            # unbatched work begins, once the player's answer is done (or in the town's
            # turn); unless the player waits for scoring of its own (answering.py), which
            # takes the context at once: the paused work starts over after it (its
            # prompt's prefix is reused).
            if player and any(j.priority == Priority.PLAYER and not j.batched and not j.cancelled.is_set()
                              for j in heap):
                self._parked.steps = None
                heapq.heappush(heap, self._parked)
                self._parked = None
            elif not alone:
                exclusive = self._parked
        if alone:
            for victim in [j for j in self._running if j.priority != Priority.PLAYER and j.batched]:
                self._running.remove(victim)
                preempt.append(victim)
                heapq.heappush(heap, victim)
        if turn:
            exclusive = self._plan_turn(start, preempt, exclusive)
        # Otherwise by priority alone, up to the first job that cannot start.
        while heap and not turn:
            job = heap[0]
            if job.cancelled.is_set():
                heapq.heappop(heap)
                if job.sequence is not None:  # paused, then abandoned
                    self._engine.cancel(job.sequence)
                continue
            if alone and job.priority != Priority.PLAYER:
                break
            if job.batched:
                # Slots pinned for the player's conversation stay free for its next line.
                room = self.max_batch if job.priority == Priority.PLAYER \
                    else max(1, self.max_batch - self._engine.pinned)
                if len(self._running) < room:
                    heapq.heappop(heap)
                elif (victim := max(self._running)).priority > job.priority:
                    heapq.heappop(heap)
                    self._running.remove(victim)
                    preempt.append(victim)
                    heapq.heappush(heap, victim)  # resumes in its turn
                else:
                    break
                job.started = next(self._starts)
                self._running.append(job)
                start.append(job)
                continue
            best_running = min((j.priority for j in self._running), default=len(Priority))
            if exclusive is None and self._parked is None \
                    and (best_running >= job.priority or best_running > _INTERACTIVE):
                exclusive = heapq.heappop(heap)
            break
        if exclusive is not None and exclusive.priority != Priority.PLAYER \
                and any(j.priority == Priority.PLAYER for j in start):
            # A player's line starting in the town's turn decodes a step first.
            if exclusive is not self._parked:
                heapq.heappush(heap, exclusive)
            exclusive = None
        town_in = (exclusive is not None and exclusive.priority != Priority.PLAYER) \
            or any(j.priority != Priority.PLAYER for j in self._running)
        if not town_present:
            self._interval = None
        elif town_in and (turn or not elsewhere):  # (else it waits for the other's player work)
            self._interval = _TOWN_IN
            if turn and (player or elsewhere) and not self._turn_counted:
                self._turn_counted = True
                self.town_turns += 1
                log.debug("the town's turn: its work joins the player's for %.2f s", self._owed / self._payback)
        elif player or elsewhere:
            self._interval = _KEPT_OUT
        else:
            self._interval = None
        return start, preempt, exclusive

    def _plan_turn(self, start: list[_Job], preempt: list[_Job], exclusive: _Job | None) -> _Job | None:
        """Under the lock, in the town's turn: _plan's choice of what starts, with the
        town's work placed before the player's. Its batched work fills free slots by
        priority and takes up to `town_slots` from player sequences (a preparation
        first, else the one that joined last); its unbatched work (scoring) may run
        unless the player's own scoring waits. Player work then takes what remains,
        never below the town's slots; a player job that cannot start waits without
        holding the town's work back. Returns the job to run before the next step."""
        heap = self._heap
        for job in [j for j in heap if j.cancelled.is_set()]:
            if job.sequence is not None:  # paused, then abandoned
                self._engine.cancel(job.sequence)
        waiting = sorted(j for j in heap if not j.cancelled.is_set())
        placed: set[int] = set()
        evicted: list[_Job] = []

        def take(job: _Job, victim: _Job | None = None) -> None:
            if victim is not None:
                self._running.remove(victim)
                preempt.append(victim)
                evicted.append(victim)  # resumes after the turn, or when a slot frees
            job.started = next(self._starts)
            self._running.append(job)
            start.append(job)
            placed.add(id(job))

        def town_running() -> int:
            return sum(1 for j in self._running if j.priority != Priority.PLAYER)

        player_scoring = any(j.priority == Priority.PLAYER and not j.batched for j in waiting)
        # Slots pinned for the player's conversation stay free for its next line.
        room = max(1, self.max_batch - self._engine.pinned)
        for job in (j for j in waiting if j.priority != Priority.PLAYER):
            if not job.batched:
                # The player's decoding does not hold the town's scoring back in its turn.
                best_running = min((j.priority for j in self._running if j.priority != Priority.PLAYER),
                                   default=len(Priority))
                if exclusive is None and self._parked is None and not player_scoring \
                        and (best_running >= job.priority or best_running > _INTERACTIVE):
                    exclusive = job
                    placed.add(id(job))
                break
            if len(self._running) < room:
                take(job)
            elif town_running() < self.town_slots and (victim := self._player_victim()) is not None:
                take(job, victim)
            elif (victim := max(self._running)).priority > job.priority:
                take(job, victim)
            else:
                break
        for job in (j for j in waiting if j.priority == Priority.PLAYER):
            if not job.batched:
                if exclusive is None and self._parked is None:
                    exclusive = job
                    placed.add(id(job))
                continue
            if len(self._running) < self.max_batch:
                take(job)
            elif (victim := max(self._running)).priority > job.priority and town_running() > self.town_slots:
                take(job, victim)
        heap[:] = [j for j in waiting if id(j) not in placed] + evicted
        heapq.heapify(heap)
        return exclusive

    def _player_victim(self) -> _Job | None:
        """The player sequence that gives its slot to the town's turn: a preparation (its
        cells stay warm), else the one that joined the batch last."""
        return max((j for j in self._running if j.priority == Priority.PLAYER),
                   key=lambda j: (j.prepares, j.started), default=None)

    def _player_can_start(self) -> bool:
        """In the town's turn: whether player work waiting here could start now (its
        scoring, or a line with a slot to take); read without the lock, as
        _player_waits."""
        running = list(self._running)
        town = sum(1 for j in running if j.priority != Priority.PLAYER)
        free = len(running) < self.max_batch or town > self.town_slots
        return any(j.priority == Priority.PLAYER and not j.cancelled.is_set() and (free or not j.batched)
                   for j in list(self._heap))

    @property
    def _payback(self) -> float:
        """Seconds owed to the town that a second of its work pays off."""
        return (1 - self.town_share) / self.town_share

    def _account(self, player: bool, town_present: bool) -> bool:
        """Under the lock, at each plan: settle the town's account for the time since
        the last plan (by what that plan found it would be), and say whether the town's
        turn is on. `player`: player work waits or decodes, here or where this scheduler
        gives way; `town_present`: other work waits, decodes or is paused."""
        now = self._clock()
        elapsed = 0.0 if self._accounted_at is None else now - self._accounted_at
        self._accounted_at = now
        if self._interval == _KEPT_OUT:
            self._owed = min(self.player_exclusive_s, self._owed + elapsed)
        elif self._interval == _TOWN_IN and self.town_share > 0:
            self._owed = max(0.0, self._owed - elapsed * self._payback)
        if not town_present or self.town_share <= 0:
            self._owed = 0.0
            self._turn = False
        elif self.player_exclusive_s <= 0:  # the player never holds the model alone
            self._turn = True
            self._turn_counted = self._turn_counted and player
        elif self._turn:
            self._turn = self._owed > _EPSILON_S
        elif player and self._owed >= self.player_exclusive_s - _EPSILON_S:
            self._turn = True
            self._turn_counted = False
        if self._turn:
            self._turn_ends_at = math.inf if self.player_exclusive_s <= 0 else now + self._owed / self._payback
        return self._turn

    def _should_pause(self) -> bool:
        """At a pause point of unbatched work: player dialogue waits, here or with a
        scheduler this one gives way to; in the town's turn, only player work waiting
        here that could start (a line with a slot to take, the player's scoring), or the
        turn's end while player work holds the model."""
        if self._turn:
            if self._player_can_start():
                return True
            return self._clock() >= self._turn_ends_at and (
                self._player_elsewhere() or any(j.priority == Priority.PLAYER for j in list(self._running)))
        return self._player_waits() or self._player_elsewhere()

    def _player_waits(self) -> bool:
        """Whether player dialogue waits for the model (read without the lock: a
        momentary glance between pieces of work)."""
        return any(j.priority == Priority.PLAYER and not j.cancelled.is_set() for j in list(self._heap))

    def _start(self, job: _Job) -> None:
        engine = self._engine
        stats = self.stats[job.purpose]
        try:
            if job.sequence is None:
                job.sequence = self.model.sequence(job.request, tag=job)
                job.sequence.keep_prompt = job.keep_prompt
                job.sequence.rank = job.priority  # urgent prompts get the step's prompt room first
                stats.calls += 1
                stats.queue_seconds += time.monotonic() - job.enqueued_at
            engine.admit(job.sequence)
            if job.sequence.evictions == 0:
                # What it evaluates: its prompt, less any prefix found warm.
                stats.prompt_tokens += len(job.sequence.prompt) - job.sequence.reused
                stats.reused_tokens += job.sequence.reused
        except Exception as exc:  # handed to the awaiting caller
            log.exception("model request for %s failed", job.purpose)
            self._finish(job, exc)

    def _step(self) -> None:
        try:
            events = self._engine.step()
        except Exception as exc:  # the batch failed: so do its requests
            log.exception("a batched decode step failed")
            for job in list(self._running):
                if job.sequence is not None and job.sequence.seq_id is not None:
                    self._engine.cancel(job.sequence)
                self._finish(job, exc)
            return
        loop = self._loop
        for event in events:
            job = event.sequence.tag
            if event.piece:
                loop.call_soon_threadsafe(job.pieces.put_nowait, event.piece)
            if event.error is not None:
                log.error("model request for %s failed: %s", job.purpose, event.error)
                self._finish(job, event.error)
            elif event.finished:
                self._finish(job, _END)

    def _drop_cancelled(self) -> None:
        for job in list(self._running):
            if job.cancelled.is_set():
                if job.sequence is not None:
                    self._engine.cancel(job.sequence)
                self._finish(job, _END)

    def _finish(self, job: _Job, outcome: object) -> None:
        """Account a job that leaves the batch and hand its caller the end or an error."""
        with self._cond:
            if job in self._running:
                self._running.remove(job)
        sequence = job.sequence
        if sequence is not None:
            stats = self.stats[job.purpose]
            stats.completion_tokens += len(sequence.generated)
            stats.model_seconds += sequence.model_seconds
            sequence.model_seconds = 0.0
            if sequence.first_token_at is not None and sequence.started_at is not None:
                stats.first_result_seconds += sequence.first_token_at - sequence.started_at
        self._loop.call_soon_threadsafe(job.pieces.put_nowait, outcome)

    def _fail_all(self, error: Exception) -> None:
        with self._cond:
            waiting, self._heap = self._heap, []
            running = list(self._running)
            if self._parked is not None:
                waiting.append(self._parked)
                self._parked = None
        for job in running:
            if job.sequence is not None and job.sequence.seq_id is not None:
                self._engine.cancel(job.sequence)
            self._finish(job, error)
        for job in waiting:
            if job.sequence is not None:
                self._engine.cancel(job.sequence)
            self._loop.call_soon_threadsafe(job.pieces.put_nowait, error)


# ---- the two modes ---------------------------------------------------------------------


class _Mode:
    """How a scheduler runs its jobs, chosen once when it is made: what differs between a
    model whose engine batches generations (_BatchingMode) and one that runs requests
    whole (_WorkerMode). The queues, the accounts and the loops stay the scheduler's."""

    # Whether generations decode in the model's engine (LLMScheduler.stream), which also
    # keeps an evaluated prompt warm (LLMScheduler.prepare).
    batched = False

    def __init__(self, scheduler: LLMScheduler) -> None:
        self.scheduler = scheduler

    @property
    def running(self) -> bool:
        """Started and not closed."""
        raise NotImplementedError

    def start(self) -> None:
        """On the loop: start the worker (LLMScheduler.start)."""
        raise NotImplementedError

    async def stop(self) -> None:
        """Stop the worker; what still waits is told the server is shutting down."""
        raise NotImplementedError

    def waiting(self) -> list[_Job]:
        """Under the lock: the heap of waiting jobs itself (admission sheds from it)."""
        raise NotImplementedError

    def enqueue(self, job: _Job) -> None:
        """Under the lock, on the loop: `job` waits for its turn, and the worker knows."""
        raise NotImplementedError

    def reorder(self, change: Callable[[list[_Job]], None]) -> None:
        """Let `change` raise the priorities of the jobs whose priority may still change,
        and keep the waiting ones in order (LLMScheduler.hasten)."""
        raise NotImplementedError

    def pending(self) -> int:
        raise NotImplementedError

    def player_busy(self) -> bool:
        """Whether player work waits or runs (read by the schedulers that give way to this
        one: LLMScheduler.route)."""
        raise NotImplementedError

    def concurrency(self) -> int:
        raise NotImplementedError

    def suspends(self) -> bool:
        """Whether background answers in free text may be suspended for the player's work
        and go on later from what they said."""
        return False


class _WorkerMode(_Mode):
    """A model without an engine (a model server, a pool of them, a model that decodes
    one request at a time): an asyncio worker (LLMScheduler._work) starts the waiting
    jobs by priority, each on a thread of its own, up to the model's concurrency."""

    def __init__(self, scheduler: LLMScheduler) -> None:
        super().__init__(scheduler)
        self._task: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        self._task = asyncio.create_task(self.scheduler._work(), name="llm-scheduler")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        queue = self.scheduler._queue
        while not queue.empty():
            job = queue.get_nowait()
            job.pieces.put_nowait(Unavailable("the server is shutting down"))

    def waiting(self) -> list[_Job]:
        return self.scheduler._queue._queue  # the PriorityQueue's own heap

    def enqueue(self, job: _Job) -> None:
        scheduler = self.scheduler
        scheduler._queue.put_nowait(job)
        if job.priority == Priority.PLAYER:
            scheduler._player_holds.set()
        scheduler._wake.set()

    def reorder(self, change: Callable[[list[_Job]], None]) -> None:
        waiting = self.waiting()
        change(waiting)  # those in flight run on as they are
        heapq.heapify(waiting)

    def pending(self) -> int:
        return self.scheduler._queue.qsize()

    def player_busy(self) -> bool:
        return self.scheduler._queue.qsize() > 0

    def concurrency(self) -> int:
        return max(1, min(MAX_IN_FLIGHT, int(getattr(self.scheduler.model, "concurrency", 1))))

    def suspends(self) -> bool:
        return bool(getattr(self.scheduler.model, "continues_answers", False))


class _BatchingMode(_Mode):
    """A model whose engine decodes generations together (the embedded llama.cpp model):
    a thread of the scheduler's own (LLMScheduler._batch_loop) plans the batch between
    decode steps from a heap of waiting jobs it shares, under the lock, with the loop."""

    batched = True

    def __init__(self, scheduler: LLMScheduler) -> None:
        super().__init__(scheduler)
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.scheduler._batch_loop, name="llm-batch", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        if self._thread is None:
            return
        scheduler = self.scheduler
        with scheduler._cond:
            scheduler._closing = True
            scheduler._cond.notify_all()
        await asyncio.to_thread(self._thread.join)  # the thread fails what is left as it ends
        self._thread = None

    def waiting(self) -> list[_Job]:
        return self.scheduler._heap

    def enqueue(self, job: _Job) -> None:
        heapq.heappush(self.scheduler._heap, job)
        self.scheduler._cond.notify()

    def reorder(self, change: Callable[[list[_Job]], None]) -> None:
        scheduler = self.scheduler
        with scheduler._cond:
            change(scheduler._heap + scheduler._running)  # a sequence decoding is re-ranked too
            heapq.heapify(scheduler._heap)
            scheduler._cond.notify()

    def pending(self) -> int:
        return len(self.scheduler._heap)

    def player_busy(self) -> bool:
        scheduler = self.scheduler
        return scheduler._player_waits() or any(j.priority == Priority.PLAYER and not j.cancelled.is_set()
                                                for j in list(scheduler._running))

    def concurrency(self) -> int:
        return 1
