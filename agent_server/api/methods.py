"""The RPC table both doors share, read from the `simulacra.v1.Simulacra` descriptor."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf import message_factory
from google.protobuf.message import Message

from simulacra.v1 import service_pb2

SERVICE = service_pb2.DESCRIPTOR.services_by_name["Simulacra"]


@dataclass(frozen=True)
class Method:
    name: str
    request_type: type[Message]
    response_type: type[Message]
    server_streaming: bool

    @property
    def path(self) -> str:
        return f"/{SERVICE.full_name}/{self.name}"


METHODS: dict[str, Method] = {
    m.name: Method(
        name=m.name,
        request_type=message_factory.GetMessageClass(m.input_type),
        response_type=message_factory.GetMessageClass(m.output_type),
        server_streaming=m.server_streaming,
    )
    for m in SERVICE.methods
}
