"""Serving on llama.cpp's llama-server, the reference inference engine: real
llama-server processes (scripts/llama-server) on ephemeral loopback ports, serving
the default model. Several requests in flight, option scores read from the server's
log-probabilities, a pool that loses a server mid-answer, and `serve` starting its
own servers."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator

import pytest

from agent_server.errors import Unavailable
from agent_server.llm import grammar
from agent_server.llm.base import LLMRequest
from agent_server.llm.llama_cpp import LlamaCppModel
from agent_server.llm.llama_server import LLAMA_SERVER, LlamaServer, spawn_llama_servers
from agent_server.llm.openai_http import OpenAIHTTPModel
from agent_server.llm.pool import ModelPool
from agent_server.prompts import day_plan
from agent_server.scheduler import LLMScheduler, Priority
from agent_server.server import start_server
from tests.conftest import SKELETON, make_settings

pytestmark = pytest.mark.model

SLOTS = 4
MAX_TOKENS = 160


def _ask(content: str, **options) -> LLMRequest:
    return LLMRequest(messages=[{"role": "user", "content": content}], **options)


@pytest.fixture(scope="module")
def servers(tmp_path_factory, real_model_path) -> Iterator[list[LlamaServer]]:
    """Two servers of the default model, 4 slots each; a test that kills one starts its own."""
    if not LLAMA_SERVER.exists():
        pytest.fail(f"{LLAMA_SERVER} is missing; `make setup` installs it (scripts/install_llama_server.sh)")
    started = spawn_llama_servers(2, real_model_path, threads=2, slots=SLOTS, ctx_per_slot=2048,
                                  log_dir=tmp_path_factory.mktemp("llama_server"))
    yield started
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def embedded(real_model_path) -> LlamaCppModel:
    return LlamaCppModel(real_model_path, n_ctx=2048, n_threads=2)


class Counted(OpenAIHTTPModel):
    """The real backend, counting the requests it has open at once."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self.open = 0
        self.most_open = 0
        self.order: list[str] = []

    def stream(self, request: LLMRequest) -> Iterator[str]:
        with self._lock:
            self.open += 1
            self.most_open = max(self.most_open, self.open)
            self.order.append(request.messages[-1]["content"])
        try:
            yield from super().stream(request)
        finally:
            with self._lock:
                self.open -= 1


def test_connect_reads_the_slots_and_scores_from_probabilities(servers):
    backend = OpenAIHTTPModel.connect(servers[0].base_url)
    assert backend.concurrency == SLOTS
    assert backend.scoring == "tokens" and backend.reads_probabilities
    limited = OpenAIHTTPModel.connect(servers[0].base_url, max_in_flight=2)
    assert limited.concurrency == 2


def test_option_scores_agree_with_the_embedded_model(servers, embedded):
    """The same log-probabilities as in process, up to the two builds' arithmetic: the
    same order, each within half a nat."""
    backend = OpenAIHTTPModel.connect(servers[0].base_url)
    cases = [
        (_ask("What colour is the sky on a clear day?"), ["Blue", "The sky is green", "blue", "Red"]),
        (LLMRequest(messages=[{"role": "system", "content": "You are Isabella Rodriguez, who runs Hobbs Cafe."},
                              {"role": "user", "content": "Where do you work?"}]),
         ["At Hobbs Cafe.", "At the pharmacy.", "I do not work."]),
    ]
    for request, options in cases:
        for per_token in (False, True):
            served = backend.score_options(request, options, per_token=per_token)
            local = embedded.score_options(request, options, per_token=per_token)
            assert sorted(range(len(options)), key=served.__getitem__) == \
                sorted(range(len(options)), key=local.__getitem__), (options, served, local)
            assert all(abs(a - b) < 0.5 for a, b in zip(served, local)), (options, served, local)


async def test_requests_run_at_once_up_to_the_slots(servers):
    backend = Counted(servers[0].base_url)
    backend.concurrency = SLOTS
    scheduler = LLMScheduler(backend)
    await scheduler.start()
    try:
        answers = await asyncio.gather(*[
            scheduler.complete(_ask(f"Tell me a story about a cat called {name}.", max_tokens=40), Priority.PLANNING,
                               "planning") for name in ["Tom", "Kit", "Ada", "Bo", "Cy", "Di"]])
    finally:
        await scheduler.close()
    assert all(answer.text.strip() for answer in answers)
    # One place of the four is kept for the player: background work holds three.
    assert backend.most_open == SLOTS - 1


async def test_the_player_never_waits_behind_background_requests(servers):
    backend = Counted(servers[0].base_url, max_in_flight=2)
    backend.concurrency = 2
    scheduler = LLMScheduler(backend)
    await scheduler.start()
    finished: list[str] = []

    async def ask(content: str, priority: Priority, purpose: str) -> None:
        await scheduler.complete(_ask(content, max_tokens=120, grammar='root ::= "a" root | "a"'), priority, purpose)
        finished.append(purpose)

    try:
        background = [asyncio.create_task(ask(f"Write {i}.", Priority.REFLECTION, "reflection")) for i in range(4)]
        await asyncio.sleep(0.2)
        await ask("Hello!", Priority.PLAYER, "player_chat")
        await asyncio.gather(*background)
    finally:
        await scheduler.close()
    # The player's line started at once, beside the first background request, and
    # ended before the second began: 120 tokens each, one at a time behind it otherwise.
    assert backend.order.index("Hello!") == 1, backend.order
    assert finished.index("player_chat") <= 1, finished


async def test_background_answers_are_suspended_for_the_player_and_go_on_where_they_stopped(servers):
    """On a real server, background answers in free text stop decoding while the
    player's line is answered and then go on from what they had said, as the
    assistant's message: each caller gets one answer, as long as asked at most, and
    the same as the uninterrupted one (greedy decoding)."""
    backend = Counted(servers[0].base_url, max_in_flight=SLOTS)
    backend.concurrency = SLOTS
    prompts = [f"Tell me a long story about a baker, number {i}." for i in range(2)]

    async def answers(scheduler: LLMScheduler, player: bool) -> list[str]:
        asked = [asyncio.create_task(scheduler.complete(_ask(p, max_tokens=MAX_TOKENS, temperature=0.0),
                                                        Priority.REFLECTION, "reflection")) for p in prompts]
        if player:
            await asyncio.sleep(0.5)  # both are decoding
            line = await scheduler.complete(_ask("Hello! How are you?", max_tokens=24), Priority.PLAYER,
                                            "player_chat")
            assert line.text.strip()
        return [c.text for c in await asyncio.gather(*asked)]

    alone, beside = LLMScheduler(backend), LLMScheduler(backend)
    await alone.start()
    await beside.start()
    try:
        uninterrupted = await answers(alone, player=False)
        suspended = await answers(beside, player=True)
    finally:
        await alone.close()
        await beside.close()
    assert beside.suspensions >= 1 and alone.suspensions == 0
    assert all(text.strip() for text in suspended)
    assert all(len(backend._tokenize(text)) <= MAX_TOKENS + 2 for text in suspended)
    assert suspended == uninterrupted


def test_a_pool_finishes_every_answer_when_a_server_is_killed_mid_answer(real_model_path, tmp_path):
    victim, survivor = spawn_llama_servers(2, real_model_path, threads=2, slots=SLOTS, ctx_per_slot=2048,
                                           log_dir=tmp_path)
    try:
        pool = ModelPool.connect([victim.base_url, survivor.base_url])
        free = [_ask(f"Count from {n} to 1000, one number a line.", max_tokens=MAX_TOKENS) for n in (1, 20, 300, 4000)]
        plans = [day_plan.plan_request(name=name, summary=f"{name} is a baker.", yesterday="", today="day 1",
                                       wake_hour=7) for name in ("Ada", "Bo")]
        said: list[list[str]] = [[] for _ in [*free, *plans]]
        begun = [threading.Event() for _ in free]

        def consume(i: int, request: LLMRequest) -> None:
            for piece in pool.stream(request):
                said[i].append(piece)
                if i < len(free):
                    begun[i].set()

        threads = [threading.Thread(target=consume, args=(i, r)) for i, r in enumerate([*free, *plans])]
        for thread in threads:
            thread.start()
        for event in begun:
            assert event.wait(30)
        in_flight_on_victim = pool.status()[0]["in_flight"]
        killed_at = time.monotonic()
        victim.kill()
        for thread in threads:
            thread.join(60)
        waited = time.monotonic() - killed_at
    finally:
        victim.stop()
        survivor.stop()
    assert in_flight_on_victim >= 2 and pool.resent >= in_flight_on_victim, pool.status()
    assert waited < 10, waited
    for pieces in said[: len(free)]:  # free text, continued elsewhere: never longer than asked
        assert "".join(pieces).strip() and len(pieces) <= MAX_TOKENS, pieces
    # Constrained answers are handed on whole, from one server: they parse.
    for pieces in said[len(free):]:
        assert 5 <= len(day_plan.parse_plan("".join(pieces))) <= 8


def test_a_pool_starts_with_a_server_down_and_takes_it_back(servers):
    dead = "http://127.0.0.1:9/v1"  # the discard port: nothing listens
    pool = ModelPool.connect([dead, servers[0].base_url], backoff_s=0.2)
    assert [e["up"] for e in pool.status()] == [False, True]
    assert pool.concurrency == SLOTS  # only what is up
    answer = pool.complete(_ask("Say hello.", max_tokens=8))
    assert answer.text.strip()
    time.sleep(0.3)  # the back-off over, the dead one is tried again, fails, and the answer comes elsewhere
    assert pool.complete(_ask("Say hello again.", max_tokens=8)).text.strip()
    assert pool.status()[0]["failed"] == 2 and pool.status()[1]["served"] == 2


def test_a_pool_scores_options_from_probabilities(servers):
    pool = ModelPool.connect([s.base_url for s in servers])
    request = _ask("What colour is the sky on a clear day?")
    options = ["Blue", "Red", "Green"]
    assert pool.reads_probabilities
    assert pool.score_options(request, options) == OpenAIHTTPModel.connect(servers[1].base_url).score_options(
        request, options)


def test_a_request_the_server_refuses_is_not_resent(servers):
    pool = ModelPool.connect([s.base_url for s in servers])
    with pytest.raises(Unavailable) as caught:
        pool.complete(_ask("Hi.", grammar="root ::= this is not a grammar"))
    assert "HTTP 400" in str(caught.value)
    assert pool.resent == 0 and all(e["up"] for e in pool.status())


def test_a_missing_executable_is_a_clear_error(real_model_path, tmp_path):
    server = LlamaServer(real_model_path, executable=tmp_path / "llama-server")
    with pytest.raises(Unavailable, match="install_llama_server.sh"):
        server.start()


async def test_serve_spawns_its_servers_and_stops_them(tmp_path, embedder):
    settings = make_settings(tmp_path, scenario_path=SKELETON, spawn_llama_servers=2, llama_server_slots=2,
                             n_ctx=2048, n_threads=2)
    running = await start_server(settings, embedder=embedder)
    try:
        assert len(running.llama_servers) == 2 and all(s.running for s in running.llama_servers)
        model = running.scheduler.model
        assert isinstance(model, ModelPool) and model.concurrency == 4 and model.reads_probabilities
        agent_id = next(iter(running.society.minds))
        answer, _ = await running.society.interview(agent_id, "What is your name?")
        assert answer.strip()
        json.dumps(model.status())  # the pool's state is plain data, for stats
    finally:
        await running.stop()
    assert not any(s.running for s in running.llama_servers)
    assert (settings.data_dir / "llama-server-0.log").stat().st_size > 0


def test_servers_do_not_outlive_a_simulacra_server_killed_outright(real_model_path, tmp_path):
    """A process that spawned llama-servers (as `serve` does, from a worker thread) and
    is then SIGKILLed, so that nothing of its own stops them: they stop too."""
    import os
    import signal
    import subprocess
    import sys

    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from agent_server.llm.llama_server import spawn_llama_servers\n"
        "async def main():\n"
        f"    servers = await asyncio.to_thread(spawn_llama_servers, 1, Path({str(real_model_path)!r}), threads=1,\n"
        "                                      slots=1, ctx_per_slot=512)\n"
        "    print(servers[0].process.pid, flush=True)\n"
        "    await asyncio.sleep(600)\n"
        "asyncio.run(main())\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        os.kill(child, 0)  # it serves
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        for _ in range(100):
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.kill(child, signal.SIGKILL)
            pytest.fail("the llama-server outlived the process that started it")
    finally:
        parent.kill()
        parent.wait()


def test_one_of_grammar_is_answered_by_every_server(servers):
    """Every server of the pool takes the project's grammars."""
    for server in servers:
        backend = OpenAIHTTPModel.connect(server.base_url)
        answer = backend.complete(_ask("Pick a colour.", grammar="root ::= " + grammar.one_of(["red", "blue"])))
        assert answer.text in ("red", "blue")



async def test_the_voice_can_be_a_server_while_the_town_thinks_in_process(tmp_path, embedder, servers):
    """What the player reads (interviews included) goes to the voice's servers; the
    background thinking stays with the model in process."""
    settings = make_settings(tmp_path, scenario_path=SKELETON, voice_base_urls=[servers[0].base_url], n_ctx=2048,
                             n_threads=2)
    running = await start_server(settings, embedder=embedder)
    try:
        assert running.voice is not None and isinstance(running.voice.model, OpenAIHTTPModel)
        assert running.scheduler.serving("interview") is running.voice
        assert running.scheduler.serving("importance") is running.scheduler
        slots = running.voice.model.concurrency
        agent_id = next(iter(running.society.minds))
        answer, _ = await running.society.interview(agent_id, "Where do you live?")
        assert answer.strip() and slots == SLOTS
    finally:
        await running.stop()



def _tasks(server: LlamaServer) -> int:
    """Requests the server has taken up so far, from its log."""
    return server.log_path.read_text(errors="replace").count("launch_slot_")


async def test_functions_are_routed_to_pools_of_their_own(tmp_path, embedder, servers):
    """model_routes: importance on one server, the agents' conversation on the other,
    the rest (the voice included) with the model in process; each server takes only
    the work routed to it."""
    importance_server, conversation_server = servers
    settings = make_settings(tmp_path, scenario_path=SKELETON, n_ctx=2048, n_threads=2, model_routes={
        "importance": importance_server.base_url, "conversation": [conversation_server.base_url]})
    running = await start_server(settings, embedder=embedder)
    try:
        scheduler = running.scheduler
        by_importance, by_conversation = scheduler.serving("importance"), scheduler.serving("conversation")
        assert by_importance is not scheduler and by_conversation is not scheduler
        assert by_importance.model.base_url == importance_server.base_url
        assert by_conversation.model.base_url == conversation_server.base_url
        assert scheduler.serving("decompose") is scheduler and running.voice is None
        assert set(running.routed) == {by_importance, by_conversation}
        before = [_tasks(s) for s in servers]
        request = _ask("Say hello.", max_tokens=8)
        scores = await scheduler.score_options(request, ["Hello", "No"], Priority.IMPORTANCE, "importance")
        assert len(scores) == 2 and all(s < 0 for s in scores)
        middle = [_tasks(s) for s in servers]
        # A request per option there (the town may rate memories of its own meanwhile); none here.
        assert middle[0] >= before[0] + 2 and middle[1] == before[1], (before, middle)
        assert (await scheduler.complete(request, Priority.CONVERSATION, "conversation")).text.strip()
        after = [_tasks(s) for s in servers]
        assert after[1] == middle[1] + 1, (middle, after)
        await scheduler.complete(request, Priority.PLANNING, "decompose")  # in process
        assert _tasks(conversation_server) == after[1]
        assert scheduler.stats["importance"].calls >= 1 and scheduler.stats["conversation"].calls == 1
    finally:
        await running.stop()


class Widest(OpenAIHTTPModel):
    """The real backend, noting the most requests it had open at once."""

    most_open = 0

    def _option_logprobs(self, request: LLMRequest, option: str) -> list[float]:
        with self._lock:
            self.most_open = max(self.most_open, self.open_requests + 1)
        return super()._option_logprobs(request, option)


def test_options_scored_together_score_as_one_after_another(servers, capsys):
    """The options of one scoring go to the server together, up to its free places
    less the player's, and score exactly as when sent one after another; the time of
    each way is printed (under -s)."""
    from agent_server.llm.base import run_at
    from agent_server.prompts import importance

    backend = Widest.connect(servers[1].base_url)
    assert backend.options_at_once(10) == SLOTS - 1  # one place kept for the player's work
    run_at(Priority.PLAYER)
    try:
        assert backend.options_at_once(10) == SLOTS
    finally:
        run_at(None)
    events = ["Isabella is pouring coffee for a customer", "Klaus found out his paper was rejected",
              "Sam's house burned down last night", "John is brushing his teeth", "Eddy proposed at the park"]
    timings: dict[str, list[float]] = {"one after another": [], "together": []}
    for i, event in enumerate(events):
        for request, options in ((importance.rating_request(event), importance.RATING_OPTIONS),
                                 (importance.VIVID, [f"{e}, day {i}" for e in events])):
            scored = {}
            for way, width in (("one after another", 1), ("together", None)):
                backend.scoring_width = width
                started = time.perf_counter()
                scored[way] = backend.score_options(request, options)
                timings[way].append(time.perf_counter() - started)
            assert all(abs(a - b) < 1e-4 for a, b in zip(*scored.values())), scored
    assert backend.most_open == SLOTS - 1
    with capsys.disabled():
        print("\noption scoring, 10 scorings of 5 and 10 options on a 4-slot llama-server, seconds: " + ", ".join(
            f"{way}: total {sum(t):.2f}, median {sorted(t)[len(t) // 2]:.2f}" for way, t in timings.items()))


def test_a_resent_request_takes_a_slot_on_the_survivor_at_once(real_model_path, tmp_path):
    """Both servers' slots full of long answers, one killed: its requests, re-sent to the
    survivor, begin there within moments, each in the slot of a later answer of the
    survivor's (which gives it up, starts again after it and is answered whole), not
    once the survivor's own answers end."""
    slots = 2
    victim, survivor = spawn_llama_servers(2, real_model_path, threads=2, slots=slots, ctx_per_slot=1024,
                                           log_dir=tmp_path)
    try:
        pool = ModelPool.connect([victim.base_url, survivor.base_url])
        # Answers held to a grammar that only max_tokens ends; the pool alternates
        # between the servers: 0 and 2 on the victim, 1 and 3 on the survivor.
        requests = [_ask(f"Write the letter a {n} times.", max_tokens=MAX_TOKENS, grammar='root ::= "a" root | "a"')
                    for n in (300, 400, 500, 600)]
        said: list[list[str]] = [[] for _ in requests]
        ended = [0.0] * len(requests)
        begun = [threading.Event() for _ in requests]

        def consume(i: int, request: LLMRequest) -> None:
            for piece in pool.stream(request):
                said[i].append(piece)
                begun[i].set()
            begun[i].set()
            ended[i] = time.monotonic()

        threads = []
        for i, request in enumerate(requests):
            threads.append(threading.Thread(target=consume, args=(i, request)))
            threads[-1].start()
            time.sleep(0.2)  # in this order
        assert all(e["in_flight"] == slots for e in pool.status()), pool.status()
        time.sleep(1.0)
        killed_at = time.monotonic()
        victim.kill()
        for thread in threads:
            thread.join(180)
    finally:
        victim.stop()
        survivor.stop()
    assert pool.resent >= slots and pool.displaced >= 1, (pool.resent, pool.displaced, pool.status())
    began = [resumed - killed_at for _, resumed in pool.recoveries]
    survivors_own_ended = min(ended[i] for i in (1, 3) if said[i]) - killed_at
    print(f"\nre-sent requests began {', '.join(f'{b:.2f}' for b in began)} s after the kill; the survivor's "
          f"first own answer ended {survivors_own_ended:.2f} s after it")
    assert max(began) < survivors_own_ended / 2, (began, survivors_own_ended)
    for pieces in said:  # handed on whole, from one server, even the one that gave its slot
        assert set("".join(pieces)) == {"a"} and len(pieces) == MAX_TOKENS


def test_a_server_two_pools_name_takes_no_more_than_its_slots_and_the_player_first(servers):
    """The town's pool and the voice's both name one server: together they keep no more
    requests on it than its slots, and when it is full the player's line, come last, is
    the next to go in."""
    from agent_server.llm.base import run_at
    from agent_server.llm.pool import Servers

    shared = Counted.connect(servers[0].base_url)
    registry = Servers()
    town, voice = ModelPool([shared], servers=registry), ModelPool([shared], servers=registry)
    long = [_ask(f"Write the letter a {n} times.", max_tokens=MAX_TOKENS, grammar='root ::= "a" root | "a"')
            for n in range(SLOTS + 2)]
    answers: dict[str, str] = {}

    def ask(pool: ModelPool, request: LLMRequest, priority: int) -> None:
        run_at(priority)
        answers[request.messages[-1]["content"]] = "".join(pool.stream(request))

    threads = []
    for request in long:  # its slots full, and two more waiting
        threads.append(threading.Thread(target=ask, args=(town, request, Priority.PLANNING)))
        threads[-1].start()
        time.sleep(0.1)
    player = _ask("Say hello to the player.", max_tokens=8)
    threads.append(threading.Thread(target=ask, args=(voice, player, Priority.PLAYER)))
    threads[-1].start()
    for thread in threads:
        thread.join(180)
    assert shared.most_open == SLOTS, shared.most_open
    assert len(answers) == SLOTS + 3 and all(answers.values())
    # In order of going in: the first SLOTS, then the player's, then the two that waited.
    assert shared.order.index(player.messages[-1]["content"]) == SLOTS, shared.order


async def test_a_server_the_main_model_and_a_purpose_both_name_is_one_endpoint(tmp_path, embedder, servers):
    """The main model on one server; importance on the same one, the conversation on it
    and another: one endpoint for the shared server in all three pools, the other apart."""
    first, second = servers
    settings = make_settings(tmp_path, scenario_path=SKELETON, llm_backend="openai",
                             openai_base_urls=[first.base_url], model_routes={
                                 "importance": [first.base_url], "conversation": [first.base_url, second.base_url]})
    running = await start_server(settings, embedder=embedder)
    try:
        scheduler = running.scheduler
        main, importance, conversation = (scheduler.model, scheduler.serving("importance").model,
                                          scheduler.serving("conversation").model)
        assert all(isinstance(m, ModelPool) for m in (main, importance, conversation))
        assert main.endpoints[0] is importance.endpoints[0] is conversation.endpoints[0]
        assert conversation.endpoints[1].url == second.base_url and len(main.endpoints) == 1
        assert (await scheduler.complete(_ask("Say hello.", max_tokens=8), Priority.CONVERSATION,
                                         "conversation")).text.strip()
    finally:
        await running.stop()
