"""The WebSocket gateway: the same API for clients without gRPC, such as GDScript.

Frames carry the service's proto messages in the canonical proto3 JSON mapping inside
a small envelope (protos/README.md). Every request is answered, errors included, with
the code and reason gRPC would give; a bad frame never closes the connection, but a
frame larger than max_frame_bytes is refused at the socket, as gRPC refuses such a
message: the connection closes with code 1009 (message too big) and a reason that
gives the frame's size and the limit. JSON is bounded in depth before it is parsed.
Requests on one connection run concurrently and are matched to replies by id.

A server with a token (api/access.py) admits a connection whose handshake carries it
(`Authorization: Bearer <token>`; a wrong one is refused there with HTTP 401), or whose
first frame does (`{"id": ..., "token": "<token>"}`, with or without a request in the
same frame). A first frame without it, or with a wrong one, is answered UNAUTHENTICATED
and the connection closes (1008, policy violation).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import weakref
from http import HTTPStatus
from typing import Any

import grpc
from google.protobuf import json_format
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from agent_server.api.access import AUTH_HEADER, Access
from agent_server.api.methods import METHODS, Method
from agent_server.errors import InvalidArgument, Unimplemented, quoted, status_of
from agent_server.scheduler import serving_client
from agent_server.service import SimulacraService

log = logging.getLogger(__name__)

# The deepest nesting of objects and arrays a frame may have: the envelope and the
# deepest request message (a world snapshot's perceptions) need about ten.
MAX_JSON_DEPTH = 32
# The longest request id, in characters (a string, or an integer's digits).
MAX_ID_CHARS = 128
# How long a connection may stay open before presenting the token a server wants.
AUTH_WAIT_S = 30.0
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_PAIRS = str.maketrans("[{]}", "(())")


class Gateway:
    def __init__(self, service: SimulacraService, max_frame_bytes: int, access: Access = Access()) -> None:
        self._service = service
        self._max_frame_bytes = max_frame_bytes
        self._access = access
        # Connections whose handshake carried the token.
        self._admitted: weakref.WeakSet[ServerConnection] = weakref.WeakSet()

    async def start(self, host: str, port: int) -> tuple[Server, int]:
        server = await serve(
            self._serve_connection,
            host,
            port,
            # One limit on both doors: a larger frame closes the connection (1009).
            max_size=self._max_frame_bytes,
            ping_interval=20,
            ping_timeout=60,
            process_request=self._handshake,
            ssl=self._access.server_ssl_context(),
        )
        bound = next(iter(server.sockets)).getsockname()[1]
        return server, bound

    def _handshake(self, ws: ServerConnection, request: Request) -> Response | None:
        """A token in the handshake admits the connection; a wrong one is refused (401)."""
        if self._access.token is None:
            return None
        presented = request.headers.get(AUTH_HEADER)
        if presented is None:
            return None  # it may come in the first frame
        if not self._access.admits(presented):
            log.warning("gateway: refused a handshake from %s with a wrong token", ws.remote_address)
            return ws.respond(HTTPStatus.UNAUTHORIZED, "wrong token\n")
        self._admitted.add(ws)
        return None

    async def _serve_connection(self, ws: ServerConnection) -> None:
        peer = ws.remote_address
        log.info("gateway: client %s connected", peer)
        # The connection's requests (tasks started below) count as this client's.
        serving_client(f"ws {peer[0]}:{peer[1]}" if isinstance(peer, tuple) else f"ws {id(ws)}")
        tasks: set[asyncio.Task] = set()

        def answer(frame: str | bytes) -> None:
            task = asyncio.create_task(self._answer(ws, frame))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        try:
            if self._access.token is not None and ws not in self._admitted:
                first = await self._first_frame(ws)
                if first is None:
                    return
                if first:
                    answer(first)
            async for frame in ws:
                answer(frame)
        except ConnectionClosed:
            pass
        finally:
            for task in tasks:
                task.cancel()
            log.info("gateway: client %s disconnected", peer)

    async def _first_frame(self, ws: ServerConnection) -> str | None:
        """Read the token from the first frame. Returns the frame if it also holds a
        request, "" if it held only the token (answered here), None if the connection
        was refused (answered UNAUTHENTICATED, and closed)."""
        try:
            frame = await asyncio.wait_for(ws.recv(), AUTH_WAIT_S)
        except TimeoutError:
            await ws.close(1008, f"no token within {AUTH_WAIT_S:.0f} s")
            return None
        request_id = ""
        try:
            envelope = self._envelope(frame)
            request_id = _request_id(envelope)
            token = envelope.get("token")
            self._access.check(token if isinstance(token, str) else None)
        except Exception as exc:
            log.warning("gateway: refused client %s: %s", ws.remote_address, exc)
            await self._send_error(ws, request_id, exc)
            await ws.close(1008, "unauthenticated")
            return None
        if "method" in envelope:
            return frame
        await self._send(ws, request_id, done=True)
        return ""

    async def _answer(self, ws: ServerConnection, frame: str | bytes) -> None:
        request_id = ""
        try:
            envelope = self._envelope(frame)
            request_id = _request_id(envelope)
            method, payload = _method_and_payload(envelope)
            request = _parse(payload, method)
            implementation = getattr(self._service, method.name)
            if method.server_streaming:
                # Closed at once when the client goes: what the stream was doing ends now.
                async with contextlib.aclosing(implementation(request)) as messages:
                    async for message in messages:
                        await self._send(ws, request_id, done=False, payload=message)
                await self._send(ws, request_id, done=True)
            else:
                await self._send(ws, request_id, done=True, payload=await implementation(request))
        except ConnectionClosed:
            return
        except Exception as exc:
            await self._send_error(ws, request_id, exc)

    def _envelope(self, frame: str | bytes) -> dict:
        if isinstance(frame, bytes):
            raise InvalidArgument("binary frames are not supported; send the JSON envelope as a text frame")
        _check_depth(frame)
        try:
            envelope = json.loads(frame)
        except json.JSONDecodeError as exc:
            raise InvalidArgument(f"frame is not valid JSON: {exc}") from None
        except (ValueError, RecursionError) as exc:  # an integer of thousands of digits
            raise InvalidArgument(f"frame is not JSON this server reads: {exc}") from None
        if not isinstance(envelope, dict):
            raise InvalidArgument('frame must be a JSON object: {"id": ..., "method": ..., "payload": {...}}')
        return envelope

    async def _send(self, ws: ServerConnection, request_id: str, *, done: bool, payload=None) -> None:
        reply: dict[str, Any] = {"id": request_id, "done": done}
        if payload is not None:
            reply["payload"] = json_format.MessageToDict(payload)
        await ws.send(json.dumps(reply, ensure_ascii=False))

    async def _send_error(self, ws: ServerConnection, request_id: str, exc: BaseException) -> None:
        code, reason = status_of(exc)
        if code == grpc.StatusCode.INTERNAL:
            log.error("gateway request %s failed", request_id, exc_info=exc)
        try:
            await ws.send(json.dumps({"id": request_id, "done": True, "error": {"code": code.name, "message": reason}}))
        except ConnectionClosed:
            pass


def _check_depth(frame: str) -> None:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH, before it is parsed (a parser
    recursing 1,000 levels down fails the server's way, not the client's). Outside
    strings, the brackets' innermost pairs are removed MAX_JSON_DEPTH times: a pair
    still there was nested deeper."""
    if frame.count("[") + frame.count("{") <= MAX_JSON_DEPTH:
        return
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", frame)).translate(_PAIRS)
    for _ in range(MAX_JSON_DEPTH):
        inner = brackets.replace("()", "")
        if inner == brackets:
            return
        brackets = inner
    if "()" in brackets:
        raise InvalidArgument(f"frame is nested deeper than {MAX_JSON_DEPTH} levels")


def _request_id(envelope: dict) -> str:
    request_id = envelope.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, (str, int)):
        raise InvalidArgument('"id" must be a string (or an integer)')
    request_id = str(request_id)
    if len(request_id) > MAX_ID_CHARS:
        raise InvalidArgument(f'"id" is longer than {MAX_ID_CHARS} characters')
    return request_id


def _parse(payload: dict, method: Method):
    """The request message from its canonical JSON. What the JSON parser let through but
    the message cannot hold (an integer too large for a float field, a lone surrogate
    escape in a name or a string) is the client's error, not the server's."""
    try:
        return json_format.ParseDict(payload, method.request_type())
    except (OverflowError, UnicodeError, ValueError, SystemError) as exc:
        cause = exc.__cause__ or exc.__context__ or exc
        raise InvalidArgument(
            f"payload does not match the request message: {type(cause).__name__}: {quoted(cause, 80)}") from None


def _method_and_payload(envelope: dict) -> tuple[Method, dict]:
    name = envelope.get("method")
    if not isinstance(name, str) or name not in METHODS:
        raise Unimplemented(f"unknown method {quoted(name)}; known: {', '.join(METHODS)}")
    payload = envelope.get("payload", {})
    if not isinstance(payload, dict):
        raise InvalidArgument('"payload" must be a JSON object')
    return METHODS[name], payload
