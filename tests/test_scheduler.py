"""The model scheduler: one request at a time, highest priority first."""

import asyncio

from agent_server.llm.base import LLMRequest
from agent_server.scheduler import LLMScheduler, Priority
from tests.scripted_model import ScriptedModel


def _request(tag: str) -> LLMRequest:
    return LLMRequest(messages=[{"role": "user", "content": tag}])


async def test_waiting_requests_run_by_priority():
    model = ScriptedModel()
    scheduler = LLMScheduler(model)
    await scheduler.start()
    try:
        model.release.clear()
        model.enqueue("first", "player", "planning", "importance")
        running = asyncio.create_task(scheduler.complete(_request("first"), Priority.REFLECTION, "x"))
        await asyncio.sleep(0.05)  # the first request now holds the model
        later = [
            asyncio.create_task(scheduler.complete(_request(tag), priority, tag))
            for tag, priority in [("importance", Priority.IMPORTANCE), ("planning", Priority.PLANNING),
                                  ("player", Priority.PLAYER)]
        ]
        await asyncio.sleep(0.05)
        model.release.set()
        await asyncio.gather(running, *later)
        order = [r.messages[0]["content"] for r in model.history]
        assert order == ["first", "player", "planning", "importance"]
        assert scheduler.stats["player"].calls == 1 and scheduler.stats["player"].completion_tokens == 1
    finally:
        await scheduler.close()


async def test_a_request_nobody_waits_for_is_skipped():
    model = ScriptedModel()
    scheduler = LLMScheduler(model)
    await scheduler.start()
    try:
        model.release.clear()
        model.enqueue("blocker", "kept")
        blocker = asyncio.create_task(scheduler.complete(_request("blocker"), Priority.PLANNING, "x"))
        await asyncio.sleep(0.05)
        abandoned = asyncio.create_task(scheduler.complete(_request("abandoned"), Priority.PLANNING, "x"))
        await asyncio.sleep(0.05)
        abandoned.cancel()
        kept = asyncio.create_task(scheduler.complete(_request("kept"), Priority.PLANNING, "x"))
        await asyncio.sleep(0.05)
        model.release.set()
        assert (await kept).text == "kept"
        await blocker
        assert [r.messages[0]["content"] for r in model.history] == ["blocker", "kept"]
    finally:
        await scheduler.close()
