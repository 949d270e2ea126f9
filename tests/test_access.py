"""Who may use the API (agent_server/api/access.py): a server listening off this machine
must have a token, and then both doors refuse any client that does not present it;
TLS encrypts both doors; the Godot town sends the token and trusts the certificate.

Real servers on ephemeral ports, real gRPC channels and WebSocket connections, a real
self-signed certificate (openssl), and the real Godot town headless. The minds' model
is scripted: what is tested is who gets in, not what the agents say.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import ssl
import subprocess
import sys

import grpc
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from agent_server.api.access import Access, ExposureError, check_exposure, is_loopback
from agent_server.server import start_server
from agent_server.settings import PROJECT_ROOT
from simulacra.v1 import service_pb2, service_pb2_grpc
from tests import town_harness as harness
from tests.conftest import ARTIFACTS, GatewayClient, make_settings, start_scripted
from tests.scripted_model import ScriptedModel
from tests.town_script import TownScript

TOKEN = "s3cret-token-of-the-town-0123456789"


def test_loopback_addresses_are_told_from_the_rest():
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "", "*", "8.8.8.8", "192.168.1.10", "no-such-host.invalid"):
        assert not is_loopback(host), host


def test_a_server_off_this_machine_without_a_token_is_refused():
    with pytest.raises(ExposureError, match="without a token"):
        check_exposure("0.0.0.0", Access())
    check_exposure("0.0.0.0", Access(token=TOKEN))
    check_exposure("127.0.0.1", Access())
    with pytest.raises(ExposureError, match="both tls_cert and tls_key"):
        check_exposure("127.0.0.1", Access(tls_cert=PROJECT_ROOT / "README.md"))


def test_the_command_refuses_to_serve_off_the_box_without_a_token(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "SIMULACRA_AUTH_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "agent_server", "serve", "--host", "0.0.0.0", "--grpc-port", "0", "--ws-port", "0",
         "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, env=environment, cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert "refusing to listen on '0.0.0.0' without a token" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_short_token_is_refused_by_the_settings(tmp_path):
    with pytest.raises(ValueError, match="at least 16 characters"):
        make_settings(tmp_path, auth_token="short")


async def test_a_wildcard_address_without_a_token_fails_before_the_model_loads(tmp_path, embedder):
    # No model is given and none is loaded: the check comes first.
    with pytest.raises(ExposureError):
        await start_server(make_settings(tmp_path, host="0.0.0.0"), embedder=embedder)


@pytest.fixture
async def guarded(tmp_path, embedder):
    """A server on every address, with a token."""
    running = await start_scripted(tmp_path, ScriptedModel(TownScript()), embedder, host="0.0.0.0", auth_token=TOKEN)
    yield running
    await running.stop()


async def _list_agents(port: int, metadata=None, credentials=None) -> list[str]:
    target = f"127.0.0.1:{port}"
    channel = (grpc.aio.secure_channel(target, credentials, options=[("grpc.ssl_target_name_override", "localhost")])
               if credentials else grpc.aio.insecure_channel(target))
    async with channel:
        stub = service_pb2_grpc.SimulacraStub(channel)
        reply = await stub.ListAgents(service_pb2.ListAgentsRequest(), metadata=metadata, timeout=30)
        return [a.id for a in reply.agents]


async def test_grpc_asks_every_call_for_the_token(guarded):
    port = guarded.grpc_port
    for metadata in (None, (("authorization", "Bearer wrong-token-wrong-token"),), (("authorization", ""),)):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await _list_agents(port, metadata)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED, metadata
        assert TOKEN not in info.value.details()
    # A streaming call is refused the same way, before it does anything.
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = service_pb2_grpc.SimulacraStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            async for _ in stub.Chat(service_pb2.ChatRequest(agent_id="isabella", text="Hi", player_name="Sam")):
                pass
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert await _list_agents(port, (("authorization", f"Bearer {TOKEN}"),)) == ["isabella", "john_lin", "mei_lin"]


async def test_the_gateway_admits_a_token_in_the_handshake_and_refuses_a_wrong_one(guarded):
    async with connect(guarded.ws_url, additional_headers={"Authorization": f"Bearer {TOKEN}"}) as ws:
        reply = await GatewayClient(ws).call("ListAgents", {})
        assert [a["id"] for a in reply["payload"]["agents"]] == ["isabella", "john_lin", "mei_lin"]
    with pytest.raises(InvalidStatus) as info:
        async with connect(guarded.ws_url, additional_headers={"Authorization": "Bearer not-the-token-at-all"}):
            pass
    assert info.value.response.status_code == 401


async def test_the_gateway_admits_a_token_in_the_first_frame(guarded):
    async with connect(guarded.ws_url) as ws:
        client = GatewayClient(ws)
        await client.send_raw(json.dumps({"id": "hello", "token": TOKEN}))
        assert await client.recv() == {"id": "hello", "done": True}
        reply = await client.call("ListAgents", {})
        assert "payload" in reply
    # The token may come with the first request itself.
    async with connect(guarded.ws_url) as ws:
        client = GatewayClient(ws)
        await client.send_raw(json.dumps({"id": "1", "token": TOKEN, "method": "ListAgents", "payload": {}}))
        reply = await client.recv()
        assert reply["id"] == "1" and len(reply["payload"]["agents"]) == 3


@pytest.mark.parametrize("first", [
    {"id": "1", "method": "ListAgents", "payload": {}},
    {"id": "1", "token": "not-the-token-at-all", "method": "ListAgents", "payload": {}},
    {"id": "1", "token": 12345},
])
async def test_the_gateway_refuses_a_first_frame_without_the_token_and_closes(guarded, first):
    async with connect(guarded.ws_url) as ws:
        client = GatewayClient(ws)
        await client.send_raw(json.dumps(first))
        reply = await client.recv()
        assert reply["error"]["code"] == "UNAUTHENTICATED", reply
        assert reply["id"] == "1" and "payload" not in reply
        with pytest.raises(ConnectionClosed):
            await client.recv(timeout=10)
        assert ws.close_code == 1008


async def test_the_server_stays_up_for_the_right_client_after_wrong_ones(guarded):
    for _ in range(20):
        async with connect(guarded.ws_url) as ws:
            await ws.send(json.dumps({"id": "x", "token": "guess-guess-guess-guess"}))
            await ws.recv()
    assert await _list_agents(guarded.grpc_port, (("authorization", f"Bearer {TOKEN}"),))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple:
    """A self-signed certificate for localhost and 127.0.0.1."""
    if not shutil.which("openssl"):
        pytest.fail("openssl is needed to make the test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


async def test_tls_on_both_doors(tmp_path, embedder, certificate):
    cert, key = certificate
    running = await start_scripted(tmp_path, ScriptedModel(TownScript()), embedder, auth_token=TOKEN,
                                   tls_cert=cert, tls_key=key)
    try:
        assert running.ws_url.startswith("wss://")
        trusted = grpc.ssl_channel_credentials(root_certificates=cert.read_bytes())
        bearer = (("authorization", f"Bearer {TOKEN}"),)
        assert len(await _list_agents(running.grpc_port, bearer, trusted)) == 3
        # In clear, the secure port does not answer.
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await _list_agents(running.grpc_port, bearer)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        context = ssl.create_default_context(cafile=str(cert))
        async with connect(running.ws_url, ssl=context, additional_headers={"Authorization": f"Bearer {TOKEN}"}) as ws:
            assert "payload" in await GatewayClient(ws).call("ListAgents", {})
        # A client that does not trust the certificate does not get in.
        with pytest.raises(ssl.SSLCertVerificationError):
            async with connect(running.ws_url, ssl=ssl.create_default_context()):
                pass
    finally:
        await running.stop()


@pytest.mark.godot
async def test_the_godot_town_sends_the_token_over_tls(tmp_path, embedder, certificate):
    """The real town, headless, against a server with a token and TLS: it connects (the
    addon sends the token from SIMULACRA_AUTH_TOKEN and trusts SIMULACRA_TLS_CA) and its
    agents get their actions."""
    cert, key = certificate
    running = await start_scripted(tmp_path, ScriptedModel(TownScript()), embedder, auth_token=TOKEN,
                                   tls_cert=cert, tls_key=key)
    folder = ARTIFACTS / "town_tls"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        url = f"wss://localhost:{running.ws_port}"
        report, output = await harness.run_town_async(
            url, report=folder / "report.json", log=folder / "godot.log", timeout=300, minutes=20, speed=60,
            env={"SIMULACRA_AUTH_TOKEN": TOKEN, "SIMULACRA_TLS_CA": str(cert)})
    finally:
        await running.stop()
    assert not harness.script_errors(output), output[-3000:]
    assert f"connected to {url}" in output, output[-3000:]
    assert report["exit_code"] == 0 and not report["errors"], report["errors"]
    assert report["agents"] and all(agent["commands"] for agent in report["agents"]), report["agents"]


@pytest.mark.godot
async def test_the_godot_town_with_a_wrong_token_is_refused(tmp_path, embedder, caplog):
    running = await start_scripted(tmp_path, ScriptedModel(TownScript()), embedder, auth_token=TOKEN)
    folder = ARTIFACTS / "town_no_token"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        town = await asyncio.create_subprocess_exec(
            *harness.town_command(running.ws_url, minutes=5, speed=60, report=folder / "report.json"),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "DISPLAY": "", "SIMULACRA_AUTH_TOKEN": "not-the-token-at-all"})
        try:
            output, _ = await asyncio.wait_for(town.communicate(), 20)
        except TimeoutError:
            town.kill()
            output, _ = await town.communicate()
    finally:
        await running.stop()
    (folder / "godot.log").write_text(output.decode(errors="replace"))
    gateway = [r.getMessage() for r in caplog.records if r.name == "agent_server.api.gateway"]
    assert any("refused a handshake" in line and "wrong token" in line for line in gateway), gateway
    assert not any(line.startswith("gateway: client") and "connected" in line for line in gateway), gateway
