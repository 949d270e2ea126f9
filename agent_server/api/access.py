"""Who may use the API: the bind address, the token both doors ask for, and TLS.

On a loopback address only programs on this machine reach the server, and a token is
optional. On any other address one is required: the server refuses to start without
it (`check_exposure`). When a token is set, every gRPC call carries it in its
metadata (`authorization: Bearer <token>`) and every WebSocket connection presents it,
in its handshake's Authorization header or in its first frame's "token"
(protos/README.md); anything else is refused with UNAUTHENTICATED. TLS (a certificate
and key) encrypts both doors; the token alone travels in clear without it.
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

import grpc

from agent_server.errors import SimulacraError, Unauthenticated

# The metadata key (gRPC) and header (WebSocket handshake) that carry the token.
AUTH_HEADER = "authorization"
BEARER = "Bearer "


class ExposureError(SimulacraError):
    """The server would listen off this machine without a token, or TLS is half set."""


@dataclass(frozen=True)
class Access:
    """The token (None: no token asked for) and the TLS certificate and key (None: plain)."""

    token: str | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    def admits(self, presented: str | None) -> bool:
        """Whether a client that presented `presented` (a bare token or an Authorization
        value "Bearer <token>") may use the API. Compared in constant time."""
        if self.token is None:
            return True
        if not presented:
            return False
        if presented.startswith(BEARER):
            presented = presented[len(BEARER):]
        return hmac.compare_digest(presented.strip().encode(), self.token.encode())

    def check(self, presented: str | None) -> None:
        if not self.admits(presented):
            raise Unauthenticated(
                "this server wants a token: " + ("the one presented is wrong" if presented else "none was presented")
            )

    def server_ssl_context(self) -> ssl.SSLContext | None:
        """The WebSocket gateway's TLS context, or None for plain ws://."""
        if not self.tls:
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.tls_cert, self.tls_key)
        return context

    def grpc_credentials(self):
        """gRPC server credentials, or None for an insecure port."""
        if not self.tls:
            return None
        return grpc.ssl_server_credentials([(self.tls_key.read_bytes(), self.tls_cert.read_bytes())])


def is_loopback(host: str) -> bool:
    """Whether every address `host` binds to is this machine's own. An empty host or a
    wildcard (0.0.0.0, ::) listens everywhere; a name counts only if all it resolves to
    is loopback."""
    if host in ("", "0.0.0.0", "::", "*"):
        return False
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def check_exposure(host: str, access: Access) -> None:
    """Refuse a set-up that would expose the API: a non-loopback address without a
    token, or a certificate without its key (or the reverse), or files that are not there."""
    if (access.tls_cert is None) != (access.tls_key is None):
        raise ExposureError("TLS needs both tls_cert and tls_key (or neither)")
    for path in (access.tls_cert, access.tls_key):
        if path is not None and not path.is_file():
            raise ExposureError(f"TLS file not found: {path}")
    if access.token is None and not is_loopback(host):
        raise ExposureError(
            f"refusing to listen on {host!r} without a token: anyone who reaches it could drive, save over or load "
            "any simulation. Set auth_token (SIMULACRA_AUTH_TOKEN) or bind to 127.0.0.1"
        )
