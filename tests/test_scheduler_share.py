"""The town's turn beside the player: player work that never stops may hold a batching
model alone for only `player_exclusive_s` while other work waits; the town's work then
joins the batch for its share of the time, and the player decodes alone again. A short
player line still decodes alone.

The engine here decodes no model: it steps in lockstep with the test (each step, and
each chunk of scoring, takes one permit the test hands out) and moves a clock of its
own a quarter of a second per step, so that the turns fall on exact steps."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator

import pytest

from agent_server.llm.base import LanguageModel, LLMRequest
from agent_server.llm.batching import BatchEngine, Sequence, StepEvent
from agent_server.scheduler import LLMScheduler, Priority

STEP_S = 0.25
EXCLUSIVE_S = 3.0  # twelve steps
SHARE = 0.25  # a turn of a third as long: four steps


class LockstepEngine(BatchEngine):
    """A batching engine that decodes one token ("w ") per step for every sequence, when
    the test allows, and records who shared each step (by request text) and each chunk
    of scoring."""

    def __init__(self, slots: int = 4) -> None:  # (no llama.cpp context)
        self.slots = slots
        self.active: list[Sequence] = []
        self.now = 0.0
        self.log: list[frozenset[str]] = []
        self._permits = threading.Semaphore(0)
        self._free = threading.Event()
        # How many units were done when the model began waiting for its next permit.
        self.waiting_at: int | None = None

    @property
    def pinned(self) -> int:
        return 0

    def clock(self) -> float:
        return self.now

    def allow(self, units: int) -> None:
        """Let the model do `units` more steps or chunks of scoring."""
        for _ in range(units):
            self._permits.release()

    def run_freely(self) -> None:
        self._free.set()

    def work(self, who: frozenset[str]) -> None:
        """One unit of model time: wait for a permit, then log it and move the clock."""
        self.waiting_at = len(self.log)
        while not self._free.is_set() and not self._permits.acquire(timeout=0.01):
            pass
        self.waiting_at = None
        self.log.append(who)
        self.now += STEP_S

    def admit(self, sequence: Sequence) -> None:
        if len(self.active) >= self.slots:
            raise RuntimeError("no free slot")
        sequence.seq_id = len(self.active)
        self.active.append(sequence)

    def evict(self, sequence: Sequence) -> None:
        self.active.remove(sequence)
        sequence.seq_id = None
        sequence.evictions += 1

    def cancel(self, sequence: Sequence) -> None:
        sequence.finished = True
        if sequence in self.active:
            self.active.remove(sequence)
        sequence.seq_id = None

    def step(self) -> list[StepEvent]:
        self.work(frozenset(_text(s) for s in self.active))
        events = []
        for sequence in list(self.active):
            sequence.generated.append(0)
            if len(sequence.generated) >= sequence.max_tokens:
                self.cancel(sequence)
                events.append(StepEvent(sequence, "w ", finished=True))
            else:
                events.append(StepEvent(sequence, "w "))
        return events


def _text(sequence: Sequence) -> str:
    return sequence.tag.request.messages[0]["content"]


class LockstepModel(LanguageModel):
    """A model whose generations decode in a LockstepEngine, `max_tokens` steps each;
    scoring takes `max_tokens` chunks of the engine's time, pausable between them."""

    name = "lockstep"

    def __init__(self, engine: LockstepEngine) -> None:
        self.engine = engine

    def stream(self, request: LLMRequest) -> Iterator[str]:
        raise AssertionError("a batching model's generations decode in its engine")

    def sequence(self, request: LLMRequest, tag: object = None) -> Sequence:
        return Sequence(prompt=[0], max_tokens=request.max_tokens, temperature=0.0, seed=0, tag=tag)

    def score_options_in_steps(self, request: LLMRequest, options: list[str], *,
                               per_token: bool = False) -> Iterator[list[float] | None]:
        for _ in range(request.max_tokens):
            self.engine.work(frozenset({request.messages[0]["content"]}))
            yield None
        yield [0.0] * len(options)


def _request(text: str, tokens: int) -> LLMRequest:
    return LLMRequest(messages=[{"role": "user", "content": text}], max_tokens=tokens)


async def _until(condition: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    for _ in range(int(timeout_s / 0.002)):
        if condition():
            return
        await asyncio.sleep(0.002)
    raise AssertionError(f"timed out waiting until {what}")


async def _run(engine: LockstepEngine, units: int) -> None:
    """Let the model do `units` more units of work, and wait until it has and waits for
    the next (the scheduler has planned what comes after them)."""
    target = len(engine.log) + units
    engine.allow(units)
    await _until(lambda: engine.waiting_at == target, f"{units} more units of work were done")


def _runs(log: list[frozenset[str]], town: str) -> list[tuple[bool, int]]:
    """The log as runs of steps with and without `town`: (town in, steps)."""
    runs: list[tuple[bool, int]] = []
    for step in log:
        inside = town in step
        if runs and runs[-1][0] == inside:
            runs[-1] = (inside, runs[-1][1] + 1)
        else:
            runs.append((inside, 1))
    return runs


async def _scheduler(engine: LockstepEngine, **options) -> LLMScheduler:
    options = {"player_exclusive_s": EXCLUSIVE_S, "town_share": SHARE, "clock": engine.clock, **options}
    scheduler = LLMScheduler(LockstepModel(engine), **options)
    await scheduler.start()
    return scheduler


async def _close(engine: LockstepEngine, scheduler: LLMScheduler, *tasks: asyncio.Task) -> None:
    for task in tasks:
        task.cancel()
    engine.run_freely()
    await asyncio.gather(*tasks, return_exceptions=True)
    await scheduler.close()


async def _endless_player(engine: LockstepEngine, scheduler: LLMScheduler) -> asyncio.Task:
    """Player work that goes on for as long as the test lasts, decoding."""
    player = asyncio.create_task(scheduler.complete(_request("player", 10_000), Priority.PLAYER, "player_chat"))
    await _until(lambda: len(engine.active) == 1, "the player's line decodes")
    return player


async def test_the_town_gets_in_beside_player_work_that_never_stops():
    engine = LockstepEngine()
    scheduler = await _scheduler(engine)
    player = await _endless_player(engine, scheduler)
    town = asyncio.create_task(scheduler.complete(_request("town", 3), Priority.PLANNING, "plan"))
    try:
        await _until(lambda: scheduler.pending == 1, "the town's request waits")
        # The step under way when it came, then twelve (EXCLUSIVE_S) the player holds
        # alone while it waits; then it joins the player's for its three tokens.
        await _run(engine, 16)
        assert (await asyncio.wait_for(town, 5)).text == "w w w "
        assert not player.done()
        assert _runs(engine.log, "town") == [(False, 13), (True, 3)]
        assert all("player" in step for step in engine.log)
        assert scheduler.town_turns == 1
    finally:
        await _close(engine, scheduler, player, town)


async def test_the_towns_turns_come_to_its_share_and_no_more():
    engine = LockstepEngine()
    scheduler = await _scheduler(engine)
    player = await _endless_player(engine, scheduler)
    town = asyncio.create_task(scheduler.complete(_request("town", 1_000), Priority.REFLECTION, "reflect"))
    try:
        await _until(lambda: scheduler.pending == 1, "the town's request waits")
        await _run(engine, 13 + 4 * 16 - 12)
        # Twelve steps of the player's alone, then four beside the town's (a quarter of
        # the time), paused between turns and going on where it stopped.
        assert _runs(engine.log, "town") == [(False, 13), (True, 4), (False, 12), (True, 4), (False, 12),
                                             (True, 4), (False, 12), (True, 4)]
        assert all("player" in step for step in engine.log)
        assert scheduler.town_turns == 4 and scheduler.preemptions == 4
        assert not town.done() and not player.done()
    finally:
        await _close(engine, scheduler, player, town)


async def test_a_short_player_line_still_decodes_alone():
    engine = LockstepEngine()
    scheduler = await _scheduler(engine)
    town = asyncio.create_task(scheduler.complete(_request("town", 100), Priority.PLANNING, "plan"))
    try:
        await _until(lambda: len(engine.active) == 1, "the town's request decodes")
        await _run(engine, 5)  # the town runs freely: nothing is owed to it
        line = asyncio.create_task(scheduler.complete(_request("player", 8), Priority.PLAYER, "player_chat"))
        await _until(lambda: scheduler.pending == 1, "the player's line waits")
        await _run(engine, 1 + 8 + 2)
        assert (await asyncio.wait_for(line, 5)).text == "w " * 8
        # The step under way when it came, then the player's eight tokens alone from
        # the next step on, then the town again.
        assert engine.log == [frozenset({"town"})] * 6 + [frozenset({"player"})] * 8 + [frozenset({"town"})] * 2
        assert scheduler.town_turns == 0 and scheduler.preemptions == 1
    finally:
        await _close(engine, scheduler, town)


async def test_the_towns_scoring_runs_in_its_turn_and_pauses_at_the_end_of_it():
    engine = LockstepEngine()
    scheduler = await _scheduler(engine)
    player = await _endless_player(engine, scheduler)
    scoring = asyncio.create_task(
        scheduler.score_options(_request("rating", 6), ["1", "2"], Priority.IMPORTANCE, "importance"))
    try:
        await _until(lambda: scheduler.pending == 1, "the scoring waits")
        await _run(engine, 13 + 4 + 1 + 12 + 2)
        assert await asyncio.wait_for(scoring, 5) == [0.0, 0.0]
        assert not player.done()
        # Scoring holds the model while it runs: the player's decoding stops for the
        # town's turn (four chunks), then goes on alone until the next turn.
        assert _runs(engine.log, "rating") == [(False, 13), (True, 4), (False, 13), (True, 2)]
        assert scheduler.town_turns == 2
    finally:
        await _close(engine, scheduler, player, scoring)


async def test_with_no_share_the_player_keeps_the_model_alone():
    engine = LockstepEngine()
    scheduler = await _scheduler(engine, town_share=0.0)
    player = await _endless_player(engine, scheduler)
    town = asyncio.create_task(scheduler.complete(_request("town", 3), Priority.PLANNING, "plan"))
    try:
        await _until(lambda: scheduler.pending == 1, "the town's request waits")
        await _run(engine, 40)
        assert all(step == frozenset({"player"}) for step in engine.log)
        assert not town.done() and scheduler.town_turns == 0
    finally:
        await _close(engine, scheduler, player, town)


async def test_the_towns_turn_comes_while_another_model_answers_the_player():
    """With a voice model answering the player (route), the town's model gives way to
    it between steps; player work that never stops holds it back for EXCLUSIVE_S only."""
    voice_engine, engine = LockstepEngine(), LockstepEngine()
    engine.run_freely()  # the town's model steps whenever it does not give way
    voice = await _scheduler(voice_engine)
    scheduler = await _scheduler(engine, clock=voice_engine.clock)  # time passes as the voice decodes
    scheduler.route({"player_chat"}, voice)
    player = await _endless_player(voice_engine, scheduler)
    town = asyncio.create_task(scheduler.complete(_request("town", 3), Priority.PLANNING, "plan"))
    try:
        await _until(lambda: len(engine.active) == 1, "the town's request has begun")
        await _run(voice_engine, 11)
        await asyncio.sleep(0.05)
        assert engine.log == [] and not town.done()  # given way for 2.75 s
        await _run(voice_engine, 1)
        assert (await asyncio.wait_for(town, 5)).text == "w w w "
        assert engine.log == [frozenset({"town"})] * 3
        assert not player.done() and scheduler.town_turns == 1
    finally:
        await _close(engine, scheduler, town)
        await _close(voice_engine, voice, player)


async def test_the_town_takes_a_reserved_slot_from_player_sequences_holding_them_all():
    """Player sequences in every slot: in its turn the town's work takes one of them (a
    preparation first, its prompt kept warm), and the player's resumes after it."""
    engine = LockstepEngine(slots=4)
    scheduler = await _scheduler(engine)
    names = ["prepare", "player 1", "player 2", "player 3"]
    players = [asyncio.create_task(scheduler.complete(
        _request(name, 10_000), Priority.PLAYER, "player_chat_prepare" if name == "prepare" else "player_chat"))
        for name in names]
    town = None
    try:
        await _until(lambda: scheduler.pending + len(engine.active) == 4, "the player's work has come")
        await _run(engine, 1)  # then all four decode
        assert len(engine.active) == 4
        base = len(engine.log)
        town = asyncio.create_task(scheduler.complete(_request("town", 3), Priority.PLANNING, "plan"))
        await _until(lambda: scheduler.pending == 1, "the town's request waits")
        await _run(engine, 13 + 3 + 1)
        assert town.done() and town.result().text == "w w w "
        log = engine.log[base:]
        assert _runs(log, "town") == [(False, 13), (True, 3), (False, 1)]
        # The preparation gave its slot (though it joined first), and came back after.
        assert log[13:16] == [frozenset({"town", "player 1", "player 2", "player 3"})] * 3
        assert log[16] == frozenset(names)
        assert scheduler.town_turns == 1 and scheduler.preemptions == 1
        assert not any(player.done() for player in players)
    finally:
        await _close(engine, scheduler, *players, *([town] if town else []))


async def test_the_towns_scoring_runs_in_its_turn_behind_player_work_that_cannot_start():
    """A player line waiting for a slot that player work holds does not keep the town's
    scoring out of its turn."""
    engine = LockstepEngine(slots=1)
    scheduler = await _scheduler(engine)
    player = await _endless_player(engine, scheduler)
    waiting = asyncio.create_task(scheduler.complete(_request("player 2", 10_000), Priority.PLAYER, "player_chat"))
    scoring = None
    try:
        await _until(lambda: scheduler.pending == 1, "the second player line waits")
        scoring = asyncio.create_task(
            scheduler.score_options(_request("rating", 6), ["1", "2"], Priority.IMPORTANCE, "importance"))
        await _until(lambda: scheduler.pending == 2, "the scoring waits")
        await _run(engine, 13 + 4 + 1 + 12 + 2)
        assert scoring.done() and scoring.result() == [0.0, 0.0]
        # As with no player line waiting: four chunks in the first turn, two in the next.
        assert _runs(engine.log, "rating") == [(False, 13), (True, 4), (False, 13), (True, 2)]
        assert all("player 2" not in step for step in engine.log)
        assert scheduler.town_turns == 2
    finally:
        await _close(engine, scheduler, player, waiting, *([scoring] if scoring else []))


async def test_a_fault_of_the_batching_loop_fails_every_request_with_its_reason_instead_of_hanging():
    """An unexpected error in the batching thread's own loop fails the running and the
    waiting requests, and any sent later, as Unavailable naming it."""
    from agent_server.errors import Unavailable

    engine = LockstepEngine()
    scheduler = await _scheduler(engine)
    try:
        running = asyncio.create_task(scheduler.complete(_request("running", 100), Priority.PLANNING, "x"))
        await _run(engine, 2)
        plan = scheduler._plan

        def broken():
            raise RuntimeError("plan corrupted")

        scheduler._plan = broken
        waiting = asyncio.create_task(scheduler.complete(_request("waiting", 5), Priority.PLANNING, "x"))
        engine.allow(1)
        for task in (running, waiting):
            with pytest.raises(Unavailable, match="plan corrupted"):
                await asyncio.wait_for(task, 5)
        with pytest.raises(Unavailable, match="the model scheduler stopped"):
            await asyncio.wait_for(scheduler.complete(_request("later", 1), Priority.PLAYER, "x"), 5)
        scheduler._plan = plan
    finally:
        await _close(engine, scheduler)
