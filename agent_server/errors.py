"""Named failures of the domain, and the one place that maps them to status codes.

Domain code raises these; the gRPC door and the WebSocket gateway both translate
them with `status_of`, so a client sees the same code and reason through either.
"""

from __future__ import annotations

import grpc
from google.protobuf import json_format
from google.protobuf.message import DecodeError

# The longest reason a client is told; anything it sent is quoted shorter still (quoted).
MAX_REASON_CHARS = 500
# How much of a value the client sent an error message repeats.
QUOTE_CHARS = 40


class SimulacraError(Exception):
    """Base of every failure a client may be told about."""

    code: grpc.StatusCode = grpc.StatusCode.INTERNAL


class InvalidArgument(SimulacraError):
    """The request is malformed or a field is out of range."""

    code = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(SimulacraError):
    """The request names an agent, place or method that does not exist."""

    code = grpc.StatusCode.NOT_FOUND


class Unimplemented(SimulacraError):
    code = grpc.StatusCode.UNIMPLEMENTED


class ResourceExhausted(SimulacraError):
    """The request is too large, or the server is too busy to take it."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class Unauthenticated(SimulacraError):
    """The server wants a token and the client presented none, or a wrong one."""

    code = grpc.StatusCode.UNAUTHENTICATED


class Unavailable(SimulacraError):
    """The server is shutting down or the model is not loaded."""

    code = grpc.StatusCode.UNAVAILABLE


class DataError(SimulacraError):
    """A town or scenario file is invalid; raised at load time, never at run time."""

    code = grpc.StatusCode.FAILED_PRECONDITION


def quoted(value: object, limit: int = QUOTE_CHARS) -> str:
    """`value` as an error message quotes what a client sent: whole if short, else its
    first `limit` characters and its length (a 100,000-character id is not echoed)."""
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


def status_of(exc: BaseException) -> tuple[grpc.StatusCode, str]:
    """The status code and human-readable reason a client gets for an exception.
    A request that does not decode (protobuf wire bytes over gRPC, canonical JSON over
    the gateway) is the client's error, INVALID_ARGUMENT, never INTERNAL or UNKNOWN."""
    if isinstance(exc, SimulacraError):
        code, reason = exc.code, str(exc)
    elif isinstance(exc, DecodeError):
        code, reason = grpc.StatusCode.INVALID_ARGUMENT, f"the request does not decode as its message: {exc}"
    elif isinstance(exc, json_format.ParseError):
        code, reason = grpc.StatusCode.INVALID_ARGUMENT, f"payload does not match the request message: {exc}"
    else:
        return grpc.StatusCode.INTERNAL, f"internal error: {type(exc).__name__}"
    if len(reason) > MAX_REASON_CHARS:
        reason = reason[:MAX_REASON_CHARS - 3] + "..."
    return code, reason
