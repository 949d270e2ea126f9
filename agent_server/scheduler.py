"""The one owner of the language model: a priority queue in front of a worker thread.

All model work in the server passes through `LLMScheduler`. The model is not thread
safe and the CPU has few cores, so requests run one at a time on a dedicated thread,
highest priority first (player dialogue before conversation, reaction, planning,
reflection and importance). Callers await results or async-iterate streamed pieces;
the asyncio loop serving gRPC and WebSocket never blocks on the model. A caller that
stops listening (a closed connection) cancels its request, between tokens if it has
started.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from agent_server.errors import ResourceExhausted, Unavailable
from agent_server.llm.base import Completion, LanguageModel, LLMRequest

log = logging.getLogger(__name__)

_END = object()


class Priority(IntEnum):
    """Lower runs first."""

    PLAYER = 0
    CONVERSATION = 1
    REACTION = 2
    PLANNING = 3
    REFLECTION = 4
    IMPORTANCE = 5


@dataclass
class UsageStats:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = 0.0
    queue_seconds: float = 0.0


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


class LLMScheduler:
    def __init__(self, model: LanguageModel, *, max_pending: int = 256) -> None:
        self.model = model
        self.stats: dict[str, UsageStats] = defaultdict(UsageStats)
        self._max_pending = max_pending
        self._queue: asyncio.PriorityQueue[_Job] = asyncio.PriorityQueue()
        self._seq = itertools.count()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm")
        self._worker: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._worker = asyncio.create_task(self._work(), name="llm-scheduler")

    async def close(self) -> None:
        if self._worker:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
            self._worker = None
        while not self._queue.empty():
            job = self._queue.get_nowait()
            job.pieces.put_nowait(Unavailable("the server is shutting down"))
        self._executor.shutdown(wait=True, cancel_futures=True)

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    async def stream(self, request: LLMRequest, priority: Priority, purpose: str) -> AsyncIterator[str]:
        """Yield the model's answer piece by piece once the request's turn comes."""
        async for piece in self._submit(lambda model: model.stream(request), request, priority, purpose):
            yield piece

    async def complete(self, request: LLMRequest, priority: Priority, purpose: str) -> Completion:
        pieces = [piece async for piece in self.stream(request, priority, purpose)]
        return Completion(text="".join(pieces), completion_tokens=len(pieces))

    async def score_options(
        self, request: LLMRequest, options: list[str], priority: Priority, purpose: str, *, per_token: bool = False
    ) -> list[float]:
        """Log-probability of each option as the answer (see LanguageModel.score_options)."""
        async for scores in self._submit(
            lambda model: iter([model.score_options(request, options, per_token=per_token)]), request, priority,
            purpose,
            counts_tokens=False,
        ):
            return scores
        raise Unavailable("the model gave no scores")

    async def _submit(
        self, work: Callable[[LanguageModel], Iterator[Any]], request: LLMRequest, priority: Priority, purpose: str,
        counts_tokens: bool = True,
    ) -> AsyncIterator[Any]:
        if self._worker is None:
            raise Unavailable("the model scheduler is not running")
        if self._queue.qsize() >= self._max_pending:
            raise ResourceExhausted(f"the model is busy: {self._queue.qsize()} requests are waiting")
        job = _Job(int(priority), next(self._seq), work, request, purpose, asyncio.Queue(), time.monotonic(), counts_tokens)
        self._queue.put_nowait(job)
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

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            job = await self._queue.get()
            if job.cancelled.is_set():
                continue
            await loop.run_in_executor(self._executor, self._run, job)

    def _run(self, job: _Job) -> None:
        """On the worker thread: run one request, handing pieces back to the loop."""
        loop = self._loop
        put = job.pieces.put_nowait
        stats = self.stats[job.purpose]
        started = time.monotonic()
        stats.calls += 1
        stats.queue_seconds += started - job.enqueued_at
        try:
            stats.prompt_tokens += self.model.count_prompt_tokens(job.request)
            for item in job.work(self.model):
                stats.completion_tokens += job.counts_tokens
                loop.call_soon_threadsafe(put, item)
                if job.cancelled.is_set():
                    break
            loop.call_soon_threadsafe(put, _END)
        except Exception as exc:  # handed to the awaiting caller
            log.exception("model request for %s failed", job.purpose)
            loop.call_soon_threadsafe(put, exc)
        finally:
            stats.model_seconds += time.monotonic() - started
