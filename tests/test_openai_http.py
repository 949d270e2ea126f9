"""The HTTP backend against a real OpenAI-compatible server: llama-cpp-python's own,
serving the default model in a subprocess on a free loopback port. The failure tests
that need a server misbehaving use a tiny local HTTP server, or none at all."""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent_server.clock import format_game_time
from agent_server.errors import Unavailable
from agent_server.llm import grammar
from agent_server.llm.base import LLMRequest
from agent_server.llm.openai_http import ModelServerError, OpenAIHTTPModel
from agent_server.prompts import day_plan, decompose
from agent_server.scenario import Scenario
from agent_server.scheduler import LLMScheduler, Priority
from agent_server.settings import DEFAULT_MODEL
from tests.conftest import SKELETON

pytestmark = pytest.mark.model

API_KEY = "test-key"
ALIAS = "smollm2-135m"
COLORS = ["red", "green", "blue", "yellow"]
ENDLESS = 'root ::= "a" root | "a"'  # an answer that only max_tokens can end


@dataclass
class ModelServer:
    base_url: str
    process: subprocess.Popen
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_model_server(log: Path) -> ModelServer:
    port = _free_port()
    options = {
        "--model": str(DEFAULT_MODEL),
        "--model_alias": ALIAS,
        "--host": "127.0.0.1",
        "--port": str(port),
        "--api_key": API_KEY,
        # Requests queue rather than cut the running one short, so closing a stream is what stops it.
        "--interrupt_requests": "false",
    }
    command = [sys.executable, "-m", "llama_cpp.server", *(part for option in options.items() for part in option)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    server = ModelServer(f"http://127.0.0.1:{port}/v1", process, log)
    probe = urllib.request.Request(f"{server.base_url}/models", headers={"Authorization": f"Bearer {API_KEY}"})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the model server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(probe, timeout=2):
                return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    _stop(server)
    pytest.fail(f"the model server did not answer within 120 s:\n{log.read_text()[-3000:]}")


def _stop(server: ModelServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="module")
def model_server(tmp_path_factory) -> Iterator[ModelServer]:
    if not DEFAULT_MODEL.is_file():
        pytest.fail(f"the default model is missing at {DEFAULT_MODEL}; `make setup` installs it")
    server = _start_model_server(tmp_path_factory.mktemp("model_server") / "server.log")
    try:
        yield server
    finally:
        _stop(server)


@pytest.fixture
def backend(model_server) -> OpenAIHTTPModel:
    return OpenAIHTTPModel.connect(model_server.base_url, api_key=API_KEY, read_timeout=60)


def _ask(content: str, **options) -> LLMRequest:
    return LLMRequest(messages=[{"role": "user", "content": content}], **options)


DONE = b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\ndata: [DONE]\n\n'


@contextmanager
def _canned_server(body: bytes, received: list[dict] | None = None) -> Iterator[str]:
    """A local HTTP server answering every request with 200 and `body`, then closing;
    the JSON request bodies are appended to `received`."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            if received is not None:
                received.append(request)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_connect_takes_the_model_the_server_lists(backend):
    assert backend.name == ALIAS


def test_a_server_without_log_probabilities_is_scored_greedily_and_says_so(model_server, caplog):
    with caplog.at_level("WARNING"):
        backend = OpenAIHTTPModel.connect(model_server.base_url, api_key=API_KEY, read_timeout=60)
    assert backend.scoring == "greedy" and not backend.reads_probabilities
    assert "no log-probabilities" in caplog.text
    scores = backend.score_options(_ask("Pick a colour."), COLORS)
    assert sorted(scores)[-1] == 0.0 and scores.count(0.0) == 1 and all(s in (0.0, float("-inf")) for s in scores)


def test_answer_streams_in_several_pieces(backend):
    pieces = list(backend.stream(_ask("Tell me about the town bakery.", max_tokens=32)))
    assert len(pieces) >= 3, pieces
    assert "".join(pieces).strip()


def test_choice_grammar_gives_exactly_one_option(backend):
    request = _ask("What is your favourite colour?", temperature=1.0, grammar="root ::= " + grammar.one_of(COLORS))
    answers = [backend.complete(request).text for _ in range(8)]
    assert all(answer in COLORS for answer in answers), answers


def _plan_requests() -> Iterator[LLMRequest]:
    """The real day-plan and decomposition prompts for each agent: multi-line grammars
    with numbered items, times and durations."""
    scenario = Scenario.load(SKELETON)
    for agent in scenario.agents:
        summary = f"{agent.name}. {agent.persona}"
        yield day_plan.plan_request(name=agent.name, summary=summary, yesterday="", today="day 1", wake_hour=7)
        yield decompose.build(name=agent.name, summary=summary, clock=format_game_time(9 * 3600),
                              chunk="work for the morning")


def _parse(request: LLMRequest, text: str):
    """ValueError if the answer is not of the grammar's shape."""
    if "step by step" not in request.messages[-1]["content"]:
        items = day_plan.parse_plan(text)
        assert 5 <= len(items) <= 8
        return items
    steps = decompose.parse(text)
    assert sum(minutes for minutes, _ in steps) == 60
    return steps


def test_planning_answers_parse_for_every_agent(backend):
    for request in _plan_requests():
        _parse(request, backend.complete(request).text)


def test_max_tokens_bounds_the_answer(backend):
    pieces = list(backend.stream(_ask("Write.", grammar=ENDLESS, max_tokens=5)))
    assert 1 <= len(pieces) <= 5, pieces


def test_stop_sequence_ends_the_answer(backend):
    request = _ask("Count.", grammar='root ::= "one two three four"', stop=["three"])
    assert backend.complete(request).text == "one two "


def test_the_request_carries_the_options_and_a_fresh_seed_each_time():
    received: list[dict] = []
    with _canned_server(DONE, received) as base_url:
        backend = OpenAIHTTPModel(base_url, "big-model", grammar_field="structured_outputs.grammar", seed=5)
        request = _ask("Hello", max_tokens=12, temperature=0.3, stop=["\n"], grammar='root ::= "hi"')
        assert backend.complete(request).text == ""
        backend.complete(request)
    first, second = received
    assert first == {
        "model": "big-model",
        "messages": [{"role": "user", "content": "Hello"}],
        "max_tokens": 12,
        "temperature": 0.3,
        "seed": 5,
        "stream": True,
        "stop": ["\n"],
        "structured_outputs": {"grammar": 'root ::= "hi"'},
    }
    assert second["seed"] == 6


def test_the_same_seed_gives_the_same_answers(model_server):
    def answers(seed: int) -> list[str]:
        backend = OpenAIHTTPModel(model_server.base_url, ALIAS, api_key=API_KEY, seed=seed)
        request = _ask("Describe your morning.", temperature=1.2, max_tokens=16)
        return [backend.complete(request).text for _ in range(3)]

    assert answers(7) == answers(7)


def test_stopping_early_closes_the_connection(backend):
    # Generating the whole endless answer takes tens of seconds; the server only stops
    # early, and so takes the next request at once, if the connection is closed.
    stream = backend.stream(_ask("Write.", grammar=ENDLESS, max_tokens=1500))
    assert [next(stream) for _ in range(3)]
    stream.close()
    started = time.monotonic()
    assert backend.complete(_ask("Pick.", grammar="root ::= " + grammar.one_of(COLORS))).text in COLORS
    assert time.monotonic() - started < 10


def test_an_error_status_is_a_named_error_with_status_and_reason(model_server):
    backend = OpenAIHTTPModel(model_server.base_url, ALIAS, api_key="wrong-key")
    with pytest.raises(ModelServerError) as caught:
        backend.complete(_ask("Hello"))
    assert caught.value.status == 401
    assert "HTTP 401" in str(caught.value) and "Invalid API key" in str(caught.value)
    assert isinstance(caught.value, Unavailable)


def test_a_closed_port_is_unavailable_at_once():
    base_url = f"http://127.0.0.1:{_free_port()}/v1"
    started = time.monotonic()
    with pytest.raises(Unavailable, match="connection refused") as at_connect:
        OpenAIHTTPModel.connect(base_url)
    with pytest.raises(Unavailable, match="connection refused") as at_stream:
        list(OpenAIHTTPModel(base_url, "any").stream(_ask("Hello")))
    assert time.monotonic() - started < 2
    assert base_url in str(at_connect.value) and base_url in str(at_stream.value)


def test_a_server_that_never_answers_times_out():
    with socket.socket() as silent:  # accepts connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        backend = OpenAIHTTPModel(f"http://127.0.0.1:{silent.getsockname()[1]}/v1", "any", read_timeout=0.5)
        started = time.monotonic()
        with pytest.raises(Unavailable, match=r"nothing within 0.5 s"):
            list(backend.stream(_ask("Hello")))
        assert time.monotonic() - started < 3


def test_a_stream_that_is_not_chat_chunks_is_a_named_error():
    with (
        _canned_server(b"data: this is not JSON\n\n") as base_url,
        pytest.raises(ModelServerError, match="not JSON: this is not JSON"),
    ):
        list(OpenAIHTTPModel(base_url, "any").stream(_ask("Hello")))


def test_an_error_event_mid_stream_is_a_named_error_with_the_servers_message():
    # How llama-server reports a failure once the answer has started.
    event = b'error: {"code": 500, "message": "the request exceeds the context size", "type": "server_error"}\n\n'
    with (
        _canned_server(event) as base_url,
        pytest.raises(ModelServerError, match="failed mid-answer: the request exceeds the context size"),
    ):
        list(OpenAIHTTPModel(base_url, "any").stream(_ask("Hello")))


def test_a_stream_cut_before_its_end_is_unavailable():
    chunk = b'data: {"choices": [{"index": 0, "delta": {"content": "Hel"}, "finish_reason": null}]}\n\n'
    with _canned_server(chunk) as base_url:
        stream = OpenAIHTTPModel(base_url, "any").stream(_ask("Hello"))
        assert next(stream) == "Hel"
        with pytest.raises(Unavailable, match="closed the stream before the answer ended"):
            next(stream)


async def test_the_scheduler_runs_the_backend(backend):
    scheduler = LLMScheduler(backend)
    await scheduler.start()
    try:
        chat = _ask("Say hello.", max_tokens=16)
        pieces = [piece async for piece in scheduler.stream(chat, Priority.PLAYER, "chat")]
        assert len(pieces) >= 2 and "".join(pieces).strip()
        assert scheduler.stats["chat"].completion_tokens == len(pieces)
        request = next(_plan_requests())
        answer = await scheduler.complete(request, Priority.PLANNING, "day_plan")
        _parse(request, answer.text)
        # No probabilities over HTTP: scoring falls back to one greedy, grammar-constrained choice.
        scores = await scheduler.score_options(_ask("Favourite colour?"), COLORS, Priority.IMPORTANCE, "score")
        assert sorted(scores) == [float("-inf")] * 3 + [0.0]
    finally:
        await scheduler.close()


def test_a_resent_request_takes_the_slot_of_the_latest_answer_no_more_urgent_than_it():
    """Who gives a full server's slot to a re-sent request (no server needed): the answer
    of the lowest priority, the latest come, that is neither re-sent, nor scoring, nor
    more urgent, nor displaced before."""
    from agent_server.llm.pool import ModelPool, _Attempt

    model = OpenAIHTTPModel("http://127.0.0.1:9/v1", "m", max_in_flight=3)
    pool = ModelPool([model])
    endpoint = pool.endpoints[0]

    def place(priority: int, arrival: int, *, resent: bool = False, displaceable: bool = True) -> _Attempt:
        attempt = _Attempt(lambda: priority, arrival, resent=resent, displaceable=displaceable)
        endpoint.in_flight += 1
        pool._placed(endpoint, attempt)
        return attempt

    player, planning, scoring = place(0, 5), place(4, 1), place(6, 7, displaceable=False)
    assert pool.displaced == 0  # within the slots: nothing is displaced
    first = place(4, 0, resent=True)
    assert planning.displaced.is_set() and planning.displacer is first and not player.displaced.is_set()
    second = place(4, 2, resent=True)  # none left behind it: it waits its turn
    assert pool.displaced == 1 and not player.displaced.is_set() and not scoring.displaced.is_set()
    urgent = place(0, 3, resent=True)  # the player's own, re-sent: ahead of the later player answer
    assert player.displaced.is_set() and player.displacer is urgent and pool.displaced == 2
    assert not second.displaced.is_set() and not first.displaced.is_set()

    # A priority is read as it is when the slots are full: an answer hastened after it
    # was placed (the player now waits on it) is no longer the one to give way.
    pool = ModelPool([OpenAIHTTPModel("http://127.0.0.1:9/v1", "m", max_in_flight=1)])
    endpoint = pool.endpoints[0]
    hastened = {"priority": 4}
    answer = _Attempt(lambda: hastened["priority"], 0, resent=False, displaceable=True)
    endpoint.in_flight += 1
    pool._placed(endpoint, answer)
    hastened["priority"] = 0
    endpoint.in_flight += 1
    pool._placed(endpoint, _Attempt(lambda: 4, 1, resent=True, displaceable=True))
    assert not answer.displaced.is_set() and pool.displaced == 0
