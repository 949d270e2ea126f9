"""The model scheduler: one request at a time, highest priority first; admission by
priority and by client when the queue is full."""

import asyncio
import threading
from collections.abc import Iterator

import pytest

from agent_server.errors import ResourceExhausted
from agent_server.llm.base import LLMRequest
from agent_server.scheduler import LLMScheduler, Priority, serving_client
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


async def _refusal(task: asyncio.Task) -> str:
    with pytest.raises(ResourceExhausted) as info:
        await task
    return str(info.value)


async def test_a_full_queue_sheds_its_lowest_priority_waiting_work_first():
    model = ScriptedModel(lambda request: request.messages[0]["content"])
    scheduler = LLMScheduler(model, max_pending=3)
    await scheduler.start()
    try:
        model.release.clear()
        blocker = asyncio.create_task(scheduler.complete(_request("blocker"), Priority.PLANNING, "x"))
        await asyncio.sleep(0.05)  # it holds the model; the queue is empty
        waiting = {tag: asyncio.create_task(scheduler.complete(_request(tag), priority, tag))
                   for tag, priority in [("reflection", Priority.REFLECTION), ("importance", Priority.IMPORTANCE),
                                         ("planning", Priority.PLANNING)]}
        await asyncio.sleep(0.05)
        assert scheduler.pending == 3
        # A newcomer of higher priority sheds the lowest-priority waiting request...
        interview = asyncio.create_task(scheduler.complete(_request("interview"), Priority.INTERVIEW, "interview"))
        reason = await _refusal(waiting.pop("importance"))
        assert "shed" in reason and "max_model_queue = 3" in reason
        # ...one of no higher priority than anything waiting is refused itself...
        late = asyncio.create_task(scheduler.complete(_request("late"), Priority.REFLECTION, "late"))
        reason = await _refusal(late)
        assert "queue is full" in reason and "max_model_queue = 3" in reason
        # ...and the player's line is always admitted: it sheds the interview (below
        # the player's priority), and when nothing waits below it, it joins regardless.
        for task in waiting.values():
            task.cancel()
        await asyncio.sleep(0.01)
        debriefs = [asyncio.create_task(scheduler.complete(_request(f"debrief{i}"), Priority.PLAYER, "debrief"))
                    for i in range(2)]
        await asyncio.sleep(0.05)
        player = asyncio.create_task(scheduler.complete(_request("player"), Priority.PLAYER, "player_chat"))
        assert "shed" in await _refusal(interview)
        again = asyncio.create_task(scheduler.complete(_request("again"), Priority.PLAYER, "player_chat"))
        await asyncio.sleep(0.05)
        assert not again.done()
        model.release.set()
        assert [(await t).text for t in (player, again)] == ["player", "again"]
        await asyncio.gather(blocker, *debriefs)
        assert dict(scheduler.refused) == {"max_model_queue (shed)": 2, "max_model_queue": 1}
    finally:
        await scheduler.close()


async def test_one_client_holds_at_most_its_share_of_the_queue():
    model = ScriptedModel(lambda request: request.messages[0]["content"])
    scheduler = LLMScheduler(model, max_per_client=2)
    await scheduler.start()

    async def ask(client: str | None, tag: str, purpose: str = "interview") -> str:
        serving_client(client)
        return (await scheduler.complete(_request(tag), Priority.INTERVIEW, purpose)).text

    try:
        model.release.clear()
        blocker = asyncio.create_task(ask(None, "blocker"))
        await asyncio.sleep(0.05)
        mine = [asyncio.create_task(ask("a", f"a{i}")) for i in range(2)]
        await asyncio.sleep(0.05)
        reason = await _refusal(asyncio.create_task(ask("a", "a2")))
        assert "max_waiting_per_client = 2" in reason
        # Another client, work on no one's behalf, and the player's line are admitted.
        others = [asyncio.create_task(ask("b", "b0")), asyncio.create_task(ask(None, "town")),
                  asyncio.create_task(ask("a", "line", "player_chat"))]
        await asyncio.sleep(0.05)
        model.release.set()
        assert await asyncio.gather(blocker, *mine, *others) == ["blocker", "a0", "a1", "b0", "town", "line"]
    finally:
        await scheduler.close()


async def test_a_model_taking_several_requests_runs_them_at_once_keeping_a_place_for_the_player():
    """A model server with three slots: background work holds two of them at most, so
    the player's line starts at once whatever waits; by priority, as ever."""
    model = ScriptedModel(respond=lambda request: "done")
    model.concurrency = 3
    scheduler = LLMScheduler(model)
    await scheduler.start()
    try:
        model.release.clear()
        background = [asyncio.create_task(scheduler.complete(_request(f"bg{i}"), Priority.REFLECTION, "reflection"))
                      for i in range(4)]
        await asyncio.sleep(0.1)
        assert [r.messages[0]["content"] for r in model.asked] == ["bg0", "bg1"]
        planning = asyncio.create_task(scheduler.complete(_request("plan"), Priority.PLANNING, "planning"))
        player = asyncio.create_task(scheduler.complete(_request("player"), Priority.PLAYER, "player_chat"))
        await asyncio.sleep(0.1)
        assert [r.messages[0]["content"] for r in model.asked] == ["bg0", "bg1", "player"]
        model.release.set()
        await asyncio.gather(player, planning, *background)
        # Planning, of higher priority, took the first place background work freed.
        assert [r.messages[0]["content"] for r in model.asked][3] == "plan"
    finally:
        await scheduler.close()


async def test_while_the_player_has_work_a_model_server_starts_only_the_towns_share_of_background_work():
    """A server decodes its requests together whatever their priority: while the
    player's work is in flight, background work starts only up to the town's share of
    the places (one of four at 0.25); those already in flight finish."""
    model = ScriptedModel(respond=lambda request: "done")
    model.concurrency = 4
    scheduler = LLMScheduler(model, town_share=0.25)
    await scheduler.start()
    try:
        model.release.clear()
        player = asyncio.create_task(scheduler.complete(_request("player"), Priority.PLAYER, "player_chat"))
        await asyncio.sleep(0.05)
        background = [asyncio.create_task(scheduler.complete(_request(f"bg{i}"), Priority.REFLECTION, "reflection"))
                      for i in range(3)]
        await asyncio.sleep(0.1)
        assert [r.messages[0]["content"] for r in model.asked] == ["player", "bg0"]
        model.release.set()
        await asyncio.gather(player, *background)
    finally:
        await scheduler.close()


async def test_a_fault_of_the_scheduler_fails_every_request_with_its_reason_instead_of_hanging(caplog):
    """An unexpected error in the scheduler's own loop (not in a request) fails what
    waits and what comes later at once, as Unavailable naming the error."""
    from agent_server.errors import Unavailable

    model = ScriptedModel()
    scheduler = LLMScheduler(model)
    await scheduler.start()
    try:
        model.release.clear()
        model.enqueue("running")
        running = asyncio.create_task(scheduler.complete(_request("running"), Priority.PLANNING, "x"))
        await asyncio.sleep(0.05)  # it holds the model

        def broken() -> None:
            raise RuntimeError("heap corrupted")

        scheduler._next_to_start = broken
        waiting = asyncio.create_task(scheduler.complete(_request("waiting"), Priority.PLANNING, "x"))
        with pytest.raises(Unavailable, match="heap corrupted"):
            await asyncio.wait_for(waiting, 5)
        with pytest.raises(Unavailable, match="the model scheduler stopped"):
            await asyncio.wait_for(scheduler.complete(_request("later"), Priority.PLAYER, "x"), 5)
        model.release.set()
        assert (await asyncio.wait_for(running, 5)).text == "running"  # what ran, ends
        assert "the model scheduler stopped" in caplog.text
    finally:
        await scheduler.close()


class WordServer(ScriptedModel):
    """A model server that continues an answer given as the assistant's last message,
    and streams one word a time the test allows ("w0 w1 ..." up to max_tokens words);
    it records each request it streams and each stream closed before its end."""

    continues_answers = True

    def __init__(self) -> None:
        super().__init__()
        self.concurrency = 4
        self.words = threading.Semaphore(0)
        self.closed_early: list[str] = []
        self.done = threading.Event()  # the test is over: stop waiting for words

    def stream(self, request: LLMRequest) -> Iterator[str]:
        self.asked.append(request)
        said = request.messages[-1]["content"] if request.messages[-1]["role"] == "assistant" else ""
        start = len(said.split())
        tag = request.messages[0]["content"]
        ended = False
        try:
            for i in range(start, start + request.max_tokens):
                if tag != "player":
                    while not self.words.acquire(timeout=0.01):
                        if self.done.is_set():
                            return
                yield f"{tag}{i} "
            ended = True
        finally:
            if not ended:
                self.closed_early.append(tag)


async def _until(condition, what: str) -> None:
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"timed out waiting until {what}")


async def test_background_answers_on_a_server_are_suspended_for_the_player_and_go_on_from_what_they_said():
    """On a model server, background answers in free text stop decoding while the
    player's work is in flight (their streams closed), and afterwards go on from the
    text they had given: their callers get whole answers. An answer held to a grammar
    is not suspended; new free-text work does not start before the player's is done."""
    model = WordServer()
    scheduler = LLMScheduler(model, town_share=0.25)
    await scheduler.start()
    try:
        free = [asyncio.create_task(scheduler.complete(
            LLMRequest(messages=[{"role": "user", "content": f"bg{i}"}], max_tokens=6), Priority.REFLECTION,
            "reflection")) for i in range(2)]
        held = asyncio.create_task(scheduler.complete(
            LLMRequest(messages=[{"role": "user", "content": "plan"}], max_tokens=4, grammar='root ::= "x"'),
            Priority.PLANNING, "planning"))
        await _until(lambda: len(model.asked) == 3, "three background answers began")
        for _ in range(3):
            model.words.release()  # a word or two each
        await asyncio.sleep(0.05)
        player = asyncio.create_task(scheduler.complete(_request("player"), Priority.PLAYER, "player_chat"))

        def suspended() -> bool:
            model.words.release()  # words, one at a time: each free answer stops after its next
            return sorted(model.closed_early) == ["bg0", "bg1"]

        await _until(suspended, "the free answers were suspended")
        assert (await asyncio.wait_for(player, 5)).text.startswith("player0")
        later = asyncio.create_task(scheduler.complete(
            LLMRequest(messages=[{"role": "user", "content": "later"}], max_tokens=2), Priority.REFLECTION,
            "reflection"))
        for _ in range(40):
            model.words.release()
        answers = [(await asyncio.wait_for(task, 10)).text for task in [*free, held, later]]
        assert answers[:2] == [" ".join(f"bg{i}{k}" for k in range(6)) + " " for i in range(2)]
        assert answers[2] == "plan0 plan1 plan2 plan3 " and answers[3] == "later0 later1 "
        assert scheduler.suspensions == 2 and "plan" not in model.closed_early
        resumed = [r for r in model.asked if r.messages[-1]["role"] == "assistant"]
        assert sorted(r.messages[0]["content"] for r in resumed) == ["bg0", "bg1"]
        assert all(r.max_tokens == 6 - len(r.messages[-1]["content"].split()) for r in resumed)
        # Nothing suspendable started while the player's work held the server.
        order = [r.messages[0]["content"] for r in model.asked]
        assert order.index("later") > order.index("player")
    finally:
        model.done.set()
        await scheduler.close()


def test_every_purpose_the_agents_ask_for_is_a_known_one():
    """The purposes routing may name (PURPOSES) are those the code asks the model for:
    every purpose written out at a call, and back."""
    import re
    from pathlib import Path

    from agent_server.llm.base import PURPOSES

    source = "\n".join(p.read_text() for p in (Path(__file__).parent.parent / "agent_server").rglob("*.py"))
    written = set(re.findall(r'Priority\.[A-Z_]+,\s*"(\w+)"', source))
    written |= set(re.findall(r'purpose="(\w+)"', source)) | set(re.findall(r'_utterance\([^)]*"(\w+)"\)', source))
    written |= set(re.findall(r'score_(?:options|many)\(.{0,200}?,\s*priority,\s*"(\w+)"', source, re.S))
    assert written <= PURPOSES, written - PURPOSES
    assert PURPOSES - written <= {"interview"}, PURPOSES - written  # interview's is a variable at one call


async def test_routing_refuses_a_purpose_that_does_not_exist():
    from agent_server.settings import Settings

    scheduler, other = LLMScheduler(ScriptedModel()), LLMScheduler(ScriptedModel())
    with pytest.raises(ValueError, match="no such purpose to route: importanc .*importance"):
        scheduler.route({"importanc"}, other)
    with pytest.raises(ValueError, match="no such purpose: importanc.*importance.*voice for"):
        Settings(model_routes={"importanc": "http://127.0.0.1:8080/v1"})
    settings = Settings(voice_base_urls=["http://v/v1"], model_routes={
        "importance": "http://a/v1", "voice": ["http://b/v1"], "interview": ["http://c/v1", "http://d/v1"]})
    routes = settings.purpose_routes()
    assert routes["importance"] == ("http://a/v1",) and routes["player_chat"] == ("http://b/v1",)
    assert routes["interview"] == ("http://c/v1", "http://d/v1") and "decompose" not in routes
    assert Settings(voice_base_urls=["http://v/v1"]).purpose_routes()["greeting"] == ("http://v/v1",)
    voiced = Settings(voice_base_urls=["http://v/v1"], voice_model_path="/any/voice.gguf")
    assert voiced.voice_in_process and voiced.purpose_routes() == {}
    assert not voiced.model_copy(update={"llm_backend": "openai"}).voice_in_process
