"""Importance: the model rates each memory from 1 (mundane) to 10 (poignant).

Ratings read the model's probabilities over fixed answers (prompts/importance.py),
so they discriminate even on a 135M-parameter model, and a batch of memories costs
two prompt evaluations in the contrast method.

The contrast score depends on the memory's text alone, not on whose it is, so the
rater is shared by every mind and economises twice:
- memories to rate gather while the model is busy, from all agents, and are scored
  together: two model requests for a whole batch, however many agents it serves;
- a text already scored (a repeated observation: "Mei Lin is idle") is not scored
  again: its score is remembered (the most recent CACHE_SIZE texts).
"""

from __future__ import annotations

import asyncio
import contextvars
import math
from collections import OrderedDict

from agent_server.prompts import importance as prompts
from agent_server.scheduler import LLMScheduler, Priority, Urgency, current_urgency, urgent_work

# Contrast scores (log-likelihood ratios, about -8..+9 for the default model) map
# linearly onto 1..10; fitted on bench/data/importance_labelled.json with SmolLM2-135M
# (bench/importance.py prints the fit for another model).
CONTRAST_OFFSET = 5.8
CONTRAST_SCALE = 0.57
# Texts whose scores are remembered.
CACHE_SIZE = 4096
# Texts scored in one request at most: scoring runs between decode steps and holds the
# model meanwhile, so a batch is kept short enough not to delay the player's answer.
BATCH_SIZE = 12


class ImportanceRater:
    def __init__(
        self,
        scheduler: LLMScheduler,
        *,
        method: str = "contrast",
        offset: float = CONTRAST_OFFSET,
        scale: float = CONTRAST_SCALE,
    ) -> None:
        if method not in ("contrast", "rating"):
            raise ValueError(f"unknown importance method {method!r}; use 'contrast' or 'rating'")
        self._scheduler = scheduler
        self._method = method
        self._offset = offset
        self._scale = scale
        self._cache: OrderedDict[str, float] = OrderedDict()
        # Texts waiting for a batch, each with the futures of those who asked, each
        # future's priority, and the urgency of the work that asked (it may be hastened
        # while the text waits: scheduler.Urgency).
        self._waiting: dict[str, list[tuple[asyncio.Future, Priority, Urgency | None]]] = {}
        self._flushing: asyncio.Task | None = None
        # The urgency of the batch being scored, and the callers' urgencies it follows.
        self._in_flight: Urgency | None = None
        self._behind: list[Urgency] = []
        self.scored = 0  # texts the model scored
        self.reused = 0  # texts whose score was remembered

    async def rate(self, descriptions: list[str], priority: Priority = Priority.IMPORTANCE) -> list[int]:
        """One rating from 1 to 10 per description, in order. `priority`: that of the
        work waiting for the rating (a plan the agent is about to follow); a batch is
        scored with the most urgent of its callers' priorities."""
        if not descriptions:
            return []
        scores = await self.raw_scores(descriptions, priority)
        if self._method == "rating":
            return [_clamp(round(s)) for s in scores]
        return [_clamp(round(self._offset + self._scale * s)) for s in scores]

    async def raw_scores(self, descriptions: list[str], priority: Priority = Priority.IMPORTANCE) -> list[float]:
        """The unrounded signal: the contrast score, or the expected rating."""
        if self._method == "rating":
            return [await self._expected_rating(d, priority) for d in descriptions]
        answers = [prompts.as_answer(d) for d in descriptions]
        urgency = current_urgency()
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future] = []
        for answer in answers:
            future = loop.create_future()
            futures.append(future)
            if answer in self._cache:
                self._cache.move_to_end(answer)
                self.reused += 1
                future.set_result(self._cache[answer])
            else:
                self._waiting.setdefault(answer, []).append((future, priority, urgency))
                self._wait_behind(urgency, priority)
        if self._waiting and self._flushing is None:
            # Batches go at their callers' priorities (given above), not at the urgency
            # of whichever caller happened to start the flushing.
            self._flushing = asyncio.create_task(self._flush(), context=contextvars.Context())
        return list(await asyncio.gather(*futures))

    async def _flush(self) -> None:
        """Score what is waiting, batch after batch, until nothing is: a batch's
        requests wait their turn at the model, and what arrives meanwhile (from any
        agent) goes into a later batch. The most urgent texts go first (a plan that an
        agent waits for before a pile of observations), in order of arrival otherwise."""

        def urgency_of(waiting: list[tuple[asyncio.Future, Priority, Urgency | None]]) -> Priority:
            return min(u.applied_to(p) if u is not None else p for _, p, u in waiting)

        try:
            while self._waiting:
                await asyncio.sleep(0)  # callers starting together join the same batch
                answers = sorted(self._waiting, key=lambda a: urgency_of(self._waiting[a]))[:BATCH_SIZE]
                batch = {answer: self._waiting.pop(answer) for answer in answers}
                priority = min(urgency_of(waiting) for waiting in batch.values())
                urgency = self._in_flight = Urgency(priority)
                # Its callers wait for it, and so does every text left waiting (and any
                # that arrives meanwhile: raw_scores): it inherits their urgency, now and
                # when they are hastened (an agent comes to wait for its plan).
                for waiting in (*batch.values(), *self._waiting.values()):
                    for _, asked, caller in waiting:
                        self._wait_behind(caller, asked)
                try:
                    with urgent_work(urgency):
                        scores = await self._contrast(answers, priority)
                except BaseException as exc:
                    for waiting in batch.values():
                        for future, _, _ in waiting:
                            if not future.done():
                                future.set_exception(exc)
                    if isinstance(exc, asyncio.CancelledError):
                        raise
                    continue
                finally:
                    self._in_flight = None
                    for caller in self._behind:
                        caller.followers.remove(urgency)
                    self._behind.clear()
                self.scored += len(answers)
                for answer, score in zip(answers, scores):
                    self._cache[answer] = score
                    for future, _, _ in batch[answer]:
                        if not future.done():
                            future.set_result(score)
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        finally:
            self._flushing = None

    def _wait_behind(self, caller: Urgency | None, priority: Priority) -> None:
        """A text at `priority`, asked by work of urgency `caller`, waits for the batch
        in flight: the batch is raised to it, now and whenever `caller` is hastened."""
        batch = self._in_flight
        if batch is None:
            return
        self._scheduler.hasten(batch, caller.applied_to(priority) if caller is not None else priority)
        if caller is not None and batch not in caller.followers:
            caller.followers.append(batch)
            self._behind.append(caller)

    async def _contrast(self, answers: list[str], priority: Priority) -> list[float]:
        vivid, ordinary = await self._scheduler.score_many([(prompts.VIVID, answers), (prompts.ORDINARY, answers)],
                                                           priority, "importance")
        return [v - o for v, o in zip(vivid, ordinary)]

    async def _expected_rating(self, description: str, priority: Priority) -> float:
        scores = await self._scheduler.score_options(
            prompts.rating_request(description), prompts.RATING_OPTIONS, priority, "importance"
        )
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        return sum(w * int(o) for w, o in zip(weights, prompts.RATING_OPTIONS)) / sum(weights)


def _clamp(value: int) -> int:
    return max(1, min(10, value))
