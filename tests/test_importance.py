"""The importance rater's economy: memories from many agents share a batch, a text
scored once is not scored again, and neither changes the ratings."""

from __future__ import annotations

import asyncio
import threading

import pytest

from agent_server import importance
from agent_server.importance import ImportanceRater
from agent_server.llm.base import LanguageModel, LLMRequest
from agent_server.llm.llama_cpp import LlamaCppModel
from agent_server.scheduler import LLMScheduler, Priority, Urgency, urgent_work


class CountingScorer(LanguageModel):
    """Scores an option by its length (longer: more dramatic), and keeps every request;
    `hold` keeps the model busy, as a long generation would."""

    name = "counting"

    def __init__(self) -> None:
        self.requests: list[list[str]] = []
        self.hold = threading.Event()
        self.hold.set()

    def stream(self, request: LLMRequest):
        raise AssertionError("importance never generates text")

    def score_options(self, request: LLMRequest, options: list[str], *, per_token: bool = False) -> list[float]:
        self.hold.wait(timeout=30)
        self.requests.append(list(options))
        vivid = "dramatic" in request.messages[0]["content"]
        return [len(o) / 10 if vivid else 0.0 for o in options]


@pytest.fixture
async def rater():
    model = CountingScorer()
    scheduler = LLMScheduler(model)
    await scheduler.start()
    yield ImportanceRater(scheduler), model
    await scheduler.close()


async def test_memories_from_many_agents_are_scored_in_one_batch(rater):
    rater, model = rater
    texts = [[f"Agent {a} sees something new number {i}" for i in range(2)] for a in range(5)]
    ratings = await asyncio.gather(*(rater.rate(t) for t in texts))
    assert len(model.requests) == 2  # vivid and ordinary, for all ten memories together
    assert sorted(model.requests[0]) == sorted(f"{t}." for group in texts for t in group)
    assert all(len(r) == 2 and all(1 <= x <= 10 for x in r) for r in ratings)


async def test_what_arrives_while_a_batch_is_scored_goes_into_the_next(rater):
    rater, model = rater
    model.hold.clear()
    first = asyncio.create_task(rater.rate(["Klaus reads a book"]))
    await asyncio.sleep(0.05)  # the first batch now holds the model
    later = [asyncio.create_task(rater.rate([f"Maria paints picture {i}"])) for i in range(4)]
    await asyncio.sleep(0.05)
    model.hold.set()
    await asyncio.gather(first, *later)
    assert [len(r) for r in model.requests] == [1, 1, 4, 4]


async def test_a_text_already_scored_costs_no_request_and_rates_the_same(rater):
    rater, model = rater
    first = await rater.rate(["Mei Lin is idle", "John Lin is walking to the stove"])
    again = await rater.rate(["Mei Lin is idle", "John Lin is walking to the stove", "Mei Lin is idle"])
    assert len(model.requests) == 2
    assert again == first + first[:1]
    assert (rater.scored, rater.reused) == (2, 3)


async def test_a_large_batch_is_split_so_the_model_is_never_held_long(rater):
    rater, model = rater
    await rater.rate([f"memory number {i}" for i in range(importance.BATCH_SIZE + 3)])
    assert [len(r) for r in model.requests] == [importance.BATCH_SIZE] * 2 + [3] * 2


async def test_a_failed_batch_fails_its_callers_and_the_next_batch_still_runs(rater):
    rater, model = rater
    model.score_options = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("broken model"))
    with pytest.raises(RuntimeError, match="broken model"):
        await rater.rate(["this one fails"])
    del model.score_options  # the class's own again
    assert len(await rater.rate(["this one works"])) == 1


@pytest.mark.model
async def test_batched_scores_equal_one_at_a_time_with_the_real_model(real_model_path):
    model = LlamaCppModel(real_model_path, n_ctx=1024, parallel=1)
    scheduler = LLMScheduler(model)
    await scheduler.start()
    try:
        texts = ["Isabella is brushing her teeth", "Isabella's father died in the hospital this morning",
                 "Klaus is reading a book", "Maria won the national painting prize"]
        alone = [(await ImportanceRater(scheduler).raw_scores([t]))[0] for t in texts]
        together = await asyncio.gather(*(ImportanceRater(scheduler).raw_scores([t]) for t in texts))
        shared = ImportanceRater(scheduler)
        batched = await asyncio.gather(*(shared.raw_scores([t]) for t in texts))
        assert [s for (s,) in together] == pytest.approx(alone, abs=1e-2)
        assert [s for (s,) in batched] == pytest.approx(alone, abs=1e-2)
        assert alone[1] > alone[0] and alone[3] > alone[2]
    finally:
        await scheduler.close()
        model.close()


async def test_a_batch_is_scored_with_its_most_urgent_callers_priority(rater):
    rater, model = rater
    seen = []
    score = rater._scheduler.score_many

    async def recording(requests, priority, purpose, **kwargs):
        seen.append((len(requests), priority))
        return await score(requests, priority, purpose, **kwargs)

    rater._scheduler.score_many = recording
    await asyncio.gather(rater.rate(["an observation"]), rater.rate(["a plan to follow"], Priority.PLANNING))
    await rater.rate(["another observation"])
    # Each batch: the vivid and the ordinary reading, as one piece of work.
    assert seen == [(2, Priority.PLANNING), (2, Priority.IMPORTANCE)]


async def test_the_most_urgent_texts_are_scored_first_and_a_hastened_wait_counts(rater):
    rater, model = rater
    model.hold.clear()
    first = asyncio.create_task(rater.rate(["Klaus reads a book"]))
    await asyncio.sleep(0.05)  # the first batch now holds the model
    observations = asyncio.create_task(rater.rate([f"Maria paints picture {i}" for i in range(importance.BATCH_SIZE)]))
    urgency = Urgency()

    async def preparing_a_plan():
        with urgent_work(urgency):  # work done ahead of time, nobody waits for it yet
            return await rater.rate(["Mei will open the cafe at nine"])

    plan = asyncio.create_task(preparing_a_plan())
    await asyncio.sleep(0.05)
    urgency.priority = Priority.CONVERSATION  # now an agent stands waiting for it
    model.hold.set()
    await asyncio.gather(first, observations, plan)
    # The plan arrived last, behind a full batch of texts at importance's own priority,
    # yet is scored first in the batch right after the one in progress.
    assert model.requests[2][0] == "Mei will open the cafe at nine."
    assert [len(r) for r in model.requests] == [1, 1, importance.BATCH_SIZE, importance.BATCH_SIZE, 1, 1]


async def test_hastening_a_caller_hastens_the_batch_already_waiting_for_the_model(rater):
    rater, model = rater
    scheduler = rater._scheduler
    model.hold.clear()
    busy = asyncio.create_task(scheduler.score_options(_asked("the model is busy"), ["busy"], Priority.PLAYER, "x"))
    await asyncio.sleep(0.05)
    urgency = Urgency()

    async def preparing_a_plan():
        with urgent_work(urgency):  # nobody waits for it yet: its batch queues at importance's priority
            return await rater.rate(["Mei will open the cafe at nine"])

    plan = asyncio.create_task(preparing_a_plan())
    await asyncio.sleep(0.05)
    reflecting = asyncio.create_task(scheduler.score_options(_asked("reflect"), ["reflect"], Priority.REFLECTION, "y"))
    await asyncio.sleep(0.05)
    scheduler.hasten(urgency, Priority.CONVERSATION)  # an agent stands waiting for its plan
    model.hold.set()
    await asyncio.gather(busy, plan, reflecting)
    assert model.requests == [["busy"], ["Mei will open the cafe at nine."], ["Mei will open the cafe at nine."],
                              ["reflect"]]


async def test_hastening_a_caller_hastens_the_batch_its_text_waits_behind(rater):
    """Batches are scored one after another: a text that arrives while a batch of
    observations waits for the model waits behind it, so that batch inherits the
    caller's urgency."""
    rater, model = rater
    scheduler = rater._scheduler
    model.hold.clear()
    busy = asyncio.create_task(scheduler.score_options(_asked("the model is busy"), ["busy"], Priority.PLAYER, "x"))
    await asyncio.sleep(0.05)
    observation = asyncio.create_task(rater.rate(["Klaus reads a book"]))
    await asyncio.sleep(0.05)
    reflecting = asyncio.create_task(scheduler.score_options(_asked("reflect"), ["reflect"], Priority.REFLECTION, "y"))
    urgency = Urgency()

    async def preparing_a_plan():
        with urgent_work(urgency):
            return await rater.rate(["Mei will open the cafe at nine"])

    plan = asyncio.create_task(preparing_a_plan())
    await asyncio.sleep(0.05)
    scheduler.hasten(urgency, Priority.CONVERSATION)  # an agent stands waiting for its plan
    model.hold.set()
    await asyncio.gather(busy, observation, plan, reflecting)
    # The observations' batch went before the reflection's request (the plan's own
    # batch, submitted once that one is done, races the reflection for the model).
    assert model.requests[:3] == [["busy"]] + [["Klaus reads a book."]] * 2
    assert model.requests.count(["Mei will open the cafe at nine."]) == 2


def _asked(text: str) -> LLMRequest:
    return LLMRequest(messages=[{"role": "user", "content": text}])
