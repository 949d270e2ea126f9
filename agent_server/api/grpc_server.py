"""The canonical door: a grpc.aio server over SimulacraService."""

from __future__ import annotations

import contextlib
import logging

import grpc

from agent_server.api.access import AUTH_HEADER, Access
from agent_server.api.methods import METHODS, SERVICE, Method
from agent_server.errors import status_of
from agent_server.scheduler import serving_client
from agent_server.service import SimulacraService

log = logging.getLogger(__name__)


def _handler(service: SimulacraService, method: Method, access: Access) -> grpc.RpcMethodHandler:
    implementation = getattr(service, method.name)

    # The request's bytes are decoded in the handler, not by gRPC's deserializer, so
    # that bytes which do not decode (bad UTF-8, corrupt wire format) are mapped with
    # every other error (errors.status_of: INVALID_ARGUMENT), not reported as UNKNOWN.
    # Each RPC runs in a task of its own: the model requests it makes count against
    # its connection's share of the model queue (scheduler.serving_client). A server
    # with a token checks it before anything else (api/access.py).
    async def unary(data: bytes, context: grpc.aio.ServicerContext):
        serving_client(context.peer())
        try:
            _authenticate(context, access)
            return await implementation(method.request_type.FromString(data))
        except Exception as exc:
            await _abort(context, method, exc)

    async def streaming(data: bytes, context: grpc.aio.ServicerContext):
        serving_client(context.peer())
        try:
            _authenticate(context, access)
            request = method.request_type.FromString(data)
            async with contextlib.aclosing(implementation(request)) as messages:
                async for message in messages:
                    yield message
        except Exception as exc:
            await _abort(context, method, exc)

    make = grpc.unary_stream_rpc_method_handler if method.server_streaming else grpc.unary_unary_rpc_method_handler
    return make(
        streaming if method.server_streaming else unary,
        request_deserializer=None,  # the raw bytes
        response_serializer=method.response_type.SerializeToString,
    )


def _authenticate(context: grpc.aio.ServicerContext, access: Access) -> None:
    if access.token is None:
        return
    presented = next((value for key, value in context.invocation_metadata() or () if key == AUTH_HEADER), None)
    access.check(presented if isinstance(presented, str) else None)


async def _abort(context: grpc.aio.ServicerContext, method: Method, exc: Exception) -> None:
    if isinstance(exc, grpc.aio.AbortError):
        raise exc
    code, reason = status_of(exc)
    if code == grpc.StatusCode.INTERNAL:
        log.exception("%s failed", method.name)
    await context.abort(code, reason)


async def start_grpc(
    service: SimulacraService, host: str, port: int, max_message_bytes: int, access: Access = Access(),
) -> tuple[grpc.aio.Server, int]:
    """Start serving; returns the server and the port it bound (port 0 picks one). With
    TLS in `access` the port is a secure one."""
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max(max_message_bytes, 16 << 20)),
        ]
    )
    handlers = {name: _handler(service, method, access) for name, method in METHODS.items()}
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE.full_name, handlers),))
    credentials = access.grpc_credentials()
    address = f"{host}:{port}"
    bound = server.add_secure_port(address, credentials) if credentials else server.add_insecure_port(address)
    if bound == 0:
        raise OSError(f"cannot bind gRPC to {host}:{port}")
    await server.start()
    return server, bound
