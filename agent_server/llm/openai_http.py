"""A backend that calls an OpenAI-compatible HTTP server instead of running the model in process.

Works with llama.cpp's `llama-server`, llama-cpp-python's server and vLLM, which run
bigger models, or on a GPU, or on another machine. Answers are streamed: one POST to
`/chat/completions` with `stream: true`, read back as server-sent events.

The server must constrain sampling with GBNF grammars: every prompt that is parsed
relies on it, and a server that ignores the grammar gives answers the parsers refuse.
There is no standard field for it, so its name is an option (`grammar_field`):

- `grammar` (the default): llama-server and llama-cpp-python's server;
- `structured_outputs.grammar`: vLLM 0.12 and later (a dotted name nests);
- `guided_grammar`: older vLLM.

Ollama takes no grammar, so it cannot serve this project.

Several requests may be in flight at once (`concurrency`: the server's slot count
where it reports one, as llama-server does at /props, else 1, or the
`max_in_flight` given); every request opens a connection of its own, so the
scheduler may call `stream` from several threads.

Option scoring reads the model's probabilities where the server lets it, as the
in-process model does: each option is forced as the answer, token by token (the
server's `/tokenize`, then a grammar of token ids, as llama-server takes them), and
the server reports each forced token's log-probability (the OpenAI `logprobs` field:
the model's own distribution, before the grammar). One request per option, sent
together up to the server's free places (its concurrency less the requests this
backend has open there, and less the one place kept for the player's work unless
the scoring is the player's): the options share the prompt, and llama-server keeps a
prompt warm in the slot that evaluated it, so options scored one after the other
evaluate it once, while options scored together each take a slot of their own and
evaluate it there (unless that slot still holds it), in one batch. Forcing an option by its text
instead lets the server spell it in other tokens (a greedy "B" then "lue" for "Blue"),
which was seen 12 nats off, so a server that cannot force tokens (or gives no
log-probabilities) is scored greedily: one grammar-constrained choice, and `connect`
says so.

An answer that ends with an assistant message continues it (llama-server does so by
itself; vLLM is told with `continue_final_message`): how a pool re-sends an answer
cut off mid-way to another server.

Only the standard library is used. Every failure to reach or understand the server
is `Unavailable` (a `ModelServerError` when the server answered with an error), so
callers see the same code whichever backend runs.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import logging
import socket
import threading
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import replace
from typing import Any, Literal
from urllib.parse import urlsplit

from agent_server.errors import Unavailable
from agent_server.llm.base import PLAYER_PRIORITY, LanguageModel, LLMRequest, running_priority

log = logging.getLogger(__name__)

_MAX_LINE = 1 << 20  # one server-sent event line; a chunk is a few hundred bytes
_EXCERPT = 300  # characters of an error body kept in a message
_MAX_JSON = 16 << 20  # a whole (non-streamed) answer with its log-probabilities
_TOKENIZED = 4096  # options whose tokens are kept

# How option scoring reads the server (see the module's docstring).
Scoring = Literal["tokens", "greedy"]


class ModelServerError(Unavailable):
    """The model server answered, but with an error status or a stream that breaks the protocol."""

    def __init__(self, message: str, *, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class OpenAIHTTPModel(LanguageModel):
    """A model served over HTTP. Blocking, like every backend: the scheduler runs it on its thread.

    Constructing it does no I/O; `connect` also checks the server before the first request.
    """

    # An answer ending with the assistant's message goes on from it (see the module's doc).
    continues_answers = True

    def __init__(
        self,
        base_url: str,
        model: str = "",
        *,
        api_key: str | None = None,
        grammar_field: str = "grammar",
        seed: int = 1234,
        connect_timeout: float = 5.0,
        read_timeout: float = 120.0,
        max_in_flight: int = 0,
        options_at_once: int = 0,
    ) -> None:
        """`base_url` ends where `/chat/completions` starts, e.g. http://127.0.0.1:8080/v1.
        `read_timeout` bounds each wait for the server, the first token's included.
        `max_in_flight`: requests sent at once (0: the server's slot count, read by
        `connect`, else 1). `options_at_once`: the most options of one scoring sent
        together (0: as many as the server has free places; 1: one after another)."""
        url = urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"the model server URL must be http(s)://host[:port]/path, not {base_url!r}")
        if not grammar_field or not all(grammar_field.split(".")):
            raise ValueError(f"grammar_field must be a field name, or dotted names, not {grammar_field!r}")
        self.name = model
        self.base_url = base_url.rstrip("/")
        self._url = url
        self._path = url.path.rstrip("/")
        # Where llama-server's own endpoints (/props, /tokenize) are: the API root's parent.
        self._root = self._path.removesuffix("/v1")
        self._api_key = api_key
        self._grammar_path = grammar_field.split(".")
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        # Each request samples with the next seed, as the in-process backend does.
        self._seeds = itertools.count(seed)
        if max_in_flight < 0:
            raise ValueError(f"max_in_flight must be 0 (the server's slots) or more, not {max_in_flight}")
        self._max_in_flight = max_in_flight
        self.concurrency = max(1, max_in_flight)
        self.scoring: Scoring = "greedy"
        self._tokens: OrderedDict[str, list[int]] = OrderedDict()
        # Requests this backend has open on the server now (answers and scored options),
        # from every thread; and the most options of one scoring sent together (None:
        # as many as the server has free places, see score_options_in_steps).
        self._lock = threading.Lock()
        self.open_requests = 0
        if options_at_once < 0:
            raise ValueError(f"options_at_once must be 0 (as many as free) or more, not {options_at_once}")
        self.scoring_width: int | None = options_at_once or None

    @property
    def reads_probabilities(self) -> bool:  # type: ignore[override]
        return self.scoring != "greedy"

    @classmethod
    def connect(cls, base_url: str, model: str = "", **options: Any) -> OpenAIHTTPModel:
        """A backend whose server has answered: start-up fails at once if it is unreachable,
        as it does for a missing model file. Without `model`, the first model the server lists."""
        backend = cls(base_url, model, **options)
        served = backend.served_models()
        if not model:
            if not served:
                raise Unavailable(f"the model server at {backend.base_url} lists no model; set the model name")
            backend.name = served[0]
        elif model not in served:
            # llama.cpp servers answer with their one model whatever the name; vLLM will refuse it.
            log.warning("model %r is not among those %s lists: %s", model, backend.base_url, served)
        slots = backend.server_slots()
        if not backend._max_in_flight:
            backend.concurrency = slots or 1
        backend.scoring = backend.probe_scoring()
        log.info("using model %s at %s: %d request(s) at once%s; options scored %s", backend.name, backend.base_url,
                 backend.concurrency, f" of the server's {slots} slots" if slots else "", {
                     "tokens": "from the model's probabilities, token by token",
                     "greedy": "greedily: the server cannot force an option's tokens or gives no log-probabilities, "
                               "so importance, place choice and yes/no questions read one constrained choice "
                               "instead of the model's probabilities",
                 }[backend.scoring])
        if backend.scoring == "greedy":
            log.warning("the model server at %s gives no log-probabilities of forced tokens; option scoring falls "
                        "back to one greedy choice", backend.base_url)
        return backend

    def server_slots(self) -> int | None:
        """How many requests the server decodes at once, where it says (llama-server's
        /props `total_slots`); None otherwise."""
        try:
            props = self._get_json(self._root + "/props")
        except Unavailable:
            return None
        slots = props.get("total_slots") if isinstance(props, dict) else None
        return slots if isinstance(slots, int) and slots > 0 else None

    def probe_scoring(self) -> Scoring:
        """How this server lets options be scored: forced token by token, or greedily."""
        probe = LLMRequest(messages=[{"role": "user", "content": "Say yes."}])
        try:
            self._tokenize("yes")
            self._option_logprobs(probe, "yes")
            return "tokens"
        except Unavailable:
            return "greedy"

    def score_options_in_steps(self, request: LLMRequest, options: list[str], *,
                               per_token: bool = False) -> Iterator[list[float] | None]:
        """Log-probability of each option as the answer (see LanguageModel.score_options),
        one request per option, as many at once as the server has free places
        (options_at_once), pausing (a None) as each is scored. A failure of any fails
        the whole (a pool re-does it elsewhere)."""
        if self.scoring == "greedy":
            yield super().score_options(request, options, per_token=per_token)
            return
        width = self.options_at_once(len(options))
        logprobs: list[list[float]] = []
        if width == 1:
            for i, option in enumerate(options):
                if i:
                    yield None
                logprobs.append(self._option_logprobs(request, option))
        else:
            for option in options:  # (kept: the threads below find them)
                self._tokenize(option)
            sending = ThreadPoolExecutor(max_workers=width, thread_name_prefix="llm-option")
            try:
                futures = [sending.submit(self._option_logprobs, request, option) for option in options]
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        future.result()  # the first failure fails the scoring
                    if pending:
                        yield None
                logprobs = [future.result() for future in futures]
            finally:  # also when the caller stops listening: what is sent ends, the rest is not sent
                sending.shutdown(wait=True, cancel_futures=True)
        scores = [sum(lp) / len(lp) if per_token else sum(lp) for lp in logprobs]
        yield scores

    def score_options(self, request: LLMRequest, options: list[str], *, per_token: bool = False) -> list[float]:
        *_, scores = self.score_options_in_steps(request, options, per_token=per_token)
        return scores

    def options_at_once(self, count: int) -> int:
        """How many of `count` options to score together now: the server's places not
        taken by this backend's open requests, less one kept for the player's work
        (unless this thread runs the player's), at least one, at most `scoring_width`."""
        keep = 1 if self.concurrency > 1 and running_priority() != PLAYER_PRIORITY else 0
        with self._lock:
            free = self.concurrency - self.open_requests - keep
        return max(1, min(count, free, self.scoring_width or count))

    @contextlib.contextmanager
    def _open(self) -> Iterator[None]:
        """Counts a request open on the server (open_requests)."""
        with self._lock:
            self.open_requests += 1
        try:
            yield
        finally:
            with self._lock:
                self.open_requests -= 1

    def _option_logprobs(self, request: LLMRequest, option: str) -> list[float]:
        """The log-probability of each of `option`'s tokens, forced as the answer."""
        tokens = self._tokenize(option)
        forced = "root ::= " + " ".join(f"<[{token}]>" for token in tokens)
        body = self._body(replace(request, max_tokens=len(tokens), temperature=0.0, grammar=forced, stop=[]),
                          stream=False)
        body["logprobs"] = True
        with self._open():
            answer = self._post_json(self._path + "/chat/completions", body)
        try:
            entries = answer["choices"][0]["logprobs"]["content"]
            logprobs = [float(e["logprob"]) for e in entries]
        except (KeyError, IndexError, TypeError, ValueError):
            raise ModelServerError(
                f"the model server at {self.base_url} gave no log-probabilities for a forced answer", status=200,
                body=json.dumps(answer)[:_EXCERPT]) from None
        if len(logprobs) < len(tokens):
            raise ModelServerError(f"the model server at {self.base_url} did not force the option's tokens",
                                   status=200)
        return logprobs[: len(tokens)]

    def _tokenize(self, text: str) -> list[int]:
        """llama-server's tokens for `text` (no special tokens), kept for the next time."""
        with self._lock:  # options scored together read it from several threads
            if (tokens := self._tokens.get(text)) is not None:
                self._tokens.move_to_end(text)
                return tokens
        answer = self._post_json(self._root + "/tokenize",
                                 {"content": text, "add_special": False, "parse_special": False})
        tokens = answer.get("tokens") if isinstance(answer, dict) else None
        if not isinstance(tokens, list) or not tokens or not all(isinstance(t, int) for t in tokens):
            raise ModelServerError(f"the model server at {self.base_url} does not tokenize", status=200)
        with self._lock:
            self._tokens[text] = tokens
            if len(self._tokens) > _TOKENIZED:
                self._tokens.popitem(last=False)
        return tokens

    def _get_json(self, path: str) -> Any:
        return self._read_json(*self._send("GET", path, absolute=True))

    def _post_json(self, path: str, body: dict[str, Any]) -> Any:
        return self._read_json(*self._send("POST", path, body, absolute=True))

    def _read_json(self, connection: http.client.HTTPConnection, response: http.client.HTTPResponse) -> Any:
        try:
            return json.loads(response.read(_MAX_JSON))
        except ValueError as exc:
            raise ModelServerError(f"the model server at {self.base_url} answered with something not JSON",
                                   status=response.status) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise self._stopped_answering(exc) from exc
        finally:
            connection.close()

    def answers(self, timeout: float = 2.0) -> None:
        """Whether the server is back: it lists its models within `timeout` seconds, else
        Unavailable (how a pool tries a server whose back-off is over, without a request)."""
        self.served_models(timeout=timeout)

    def served_models(self, *, timeout: float | None = None) -> list[str]:
        """The model names the server lists at /models."""
        connection, response = self._send("GET", "/models", timeout=timeout)
        try:
            listing = json.loads(response.read())
            return [entry["id"] for entry in listing["data"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelServerError(f"{self.base_url}/models is not an OpenAI model list", status=200) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise self._stopped_answering(exc) from exc
        finally:
            connection.close()

    def stream(self, request: LLMRequest) -> Iterator[str]:
        # Sent at the first next(), like the in-process backend; closing the generator
        # (a consumer that stops listening) closes the connection, and the server stops.
        with self._open():
            yield from self._streamed(request)

    def _streamed(self, request: LLMRequest) -> Iterator[str]:
        connection, response = self._send("POST", "/chat/completions", self._body(request))
        try:
            finished = False
            for event, data in _server_sent_events(response):
                if event == "error":  # llama-server reports a failure mid-stream this way
                    raise ModelServerError(
                        f"the model server failed mid-answer: {_excerpt(data)}", status=response.status, body=data
                    )
                if data == "[DONE]":
                    return
                piece, finish_reason = _parse_chunk(data, response.status)
                if piece:
                    yield piece
                finished = finished or bool(finish_reason)
            if not finished:
                raise Unavailable(f"the model server at {self.base_url} closed the stream before the answer ended")
        except (OSError, http.client.HTTPException) as exc:
            raise self._stopped_answering(exc) from exc
        finally:
            response.close()
            connection.close()

    def _body(self, request: LLMRequest, *, stream: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.name,
            "messages": request.messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": next(self._seeds),
            "stream": stream,
        }
        if request.messages and request.messages[-1].get("role") == "assistant":
            # Continue the answer begun there (vLLM's fields; llama-server does it anyway).
            body["continue_final_message"] = True
            body["add_generation_prompt"] = False
        if request.stop:
            body["stop"] = list(request.stop)
        if request.grammar:
            *parents, leaf = self._grammar_path
            target = body
            for name in parents:
                target = target.setdefault(name, {})
            target[leaf] = request.grammar
        return body

    def _stopped_answering(self, exc: BaseException) -> Unavailable:
        return Unavailable(
            f"the model server at {self.base_url} stopped answering: {_reason(exc, self._read_timeout)}"
        )

    def _send(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, absolute: bool = False,
        timeout: float | None = None,
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """An open connection and a 200 response; every failure raises, with the connection closed.
        `path` follows the API root, or (`absolute`) is the whole path on the server. `timeout`
        bounds each wait instead of the connect and read timeouts."""
        if not absolute:
            path = self._path + path
        connection_class = (
            http.client.HTTPSConnection if self._url.scheme == "https" else http.client.HTTPConnection
        )
        connect_timeout = self._connect_timeout if timeout is None else min(timeout, self._connect_timeout)
        read_timeout = self._read_timeout if timeout is None else timeout
        connection = connection_class(self._url.hostname, self._url.port, timeout=connect_timeout)
        headers = {"Accept": "text/event-stream" if body and body.get("stream") else "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            try:
                connection.connect()
            except OSError as exc:
                reason = _reason(exc, connect_timeout)
                raise Unavailable(f"cannot reach the model server at {self.base_url}: {reason}") from exc
            connection.sock.settimeout(read_timeout)
            try:
                connection.request(method, path, body=payload, headers=headers)
                response = connection.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                raise self._stopped_answering(exc) from exc
            if response.status != 200:
                try:
                    text = response.read(64 * 1024).decode("utf-8", "replace")
                except (OSError, http.client.HTTPException):
                    text = ""
                raise ModelServerError(
                    f"the model server answered {method} {self._url.scheme}://{self._url.netloc}{path} with HTTP "
                    f"{response.status} "
                    f"{response.reason}: {_excerpt(text)}",
                    status=response.status,
                    body=text,
                )
        except BaseException:
            connection.close()
            raise
        return connection, response


def _server_sent_events(response: http.client.HTTPResponse) -> Iterator[tuple[str, str]]:
    """(event name, data) for each event of a text/event-stream body, until it ends."""
    event, data = "message", []
    while True:
        raw = response.readline(_MAX_LINE)
        if not raw:
            break
        if not raw.endswith(b"\n") and len(raw) >= _MAX_LINE:
            raise ModelServerError(f"the model server sent a stream line over {_MAX_LINE} bytes", status=200)
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise ModelServerError("the model server sent a stream that is not UTF-8", status=200) from exc
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
            continue
        if line.startswith(":"):  # a comment: keep-alive pings
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "data":
            data.append(value)
        elif field == "event":
            event = value
        elif field == "error":  # not standard SSE, but how llama-server reports a failure
            event, data = "error", [value]
    if data:
        yield event, "\n".join(data)


def _parse_chunk(data: str, status: int) -> tuple[str | None, str | None]:
    """The content piece and the finish reason of one `chat.completion.chunk`."""
    try:
        chunk = json.loads(data)
    except ValueError:
        raise ModelServerError(
            f"the model server sent a stream event that is not JSON: {_excerpt(data)}", status=status, body=data
        ) from None
    if isinstance(chunk, dict) and "error" in chunk:  # vLLM reports a failure mid-stream this way
        raise ModelServerError(f"the model server failed mid-answer: {_excerpt(data)}", status=status, body=data)
    try:
        choices = chunk["choices"]
        if not choices:  # a usage-only chunk
            return None, None
        piece = (choices[0].get("delta") or {}).get("content")
        finish_reason = choices[0].get("finish_reason")
        if isinstance(piece, (str, type(None))) and isinstance(finish_reason, (str, type(None))):
            return piece, finish_reason
    except (KeyError, TypeError, AttributeError, IndexError):
        pass
    raise ModelServerError(
        f"the model server sent an event that is not a chat completion chunk: {_excerpt(data)}",
        status=status,
        body=data,
    )


def _reason(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"nothing within {timeout:g} s"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror})"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the connection was closed without an answer"
    if isinstance(exc, http.client.IncompleteRead):
        return "the connection was closed mid-answer"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _excerpt(text: str) -> str:
    """An error body made short and readable: the message of an OpenAI or FastAPI error, else the text."""
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        error = parsed.get("error", parsed.get("detail", parsed))
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            text = error["message"]
        elif isinstance(error, str):
            text = error
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"
