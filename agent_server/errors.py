"""Named failures of the domain, and the one place that maps them to status codes.

Domain code raises these; the gRPC door and the WebSocket gateway both translate
them with `status_of`, so a client sees the same code and reason through either.
"""

from __future__ import annotations

import grpc


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


class Unavailable(SimulacraError):
    """The server is shutting down or the model is not loaded."""

    code = grpc.StatusCode.UNAVAILABLE


class DataError(SimulacraError):
    """A town or scenario file is invalid; raised at load time, never at run time."""

    code = grpc.StatusCode.FAILED_PRECONDITION


def status_of(exc: BaseException) -> tuple[grpc.StatusCode, str]:
    """The status code and human-readable reason a client gets for an exception."""
    if isinstance(exc, SimulacraError):
        return exc.code, str(exc)
    return grpc.StatusCode.INTERNAL, f"internal error: {type(exc).__name__}"
