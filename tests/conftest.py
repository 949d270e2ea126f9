from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect

from agent_server.memory import MemoryStore, MiniLMEmbedder
from agent_server.server import start_server
from agent_server.settings import DEFAULT_MODEL, PROJECT_ROOT, Settings
from tests.scripted_model import ScriptedModel
from tests.town_script import TownScript

ARTIFACTS = PROJECT_ROOT / ".artifacts"
# The three-agent scenario most tests run (the default is Smallville's 25).
SKELETON = PROJECT_ROOT / "scenarios" / "skeleton.toml"


def make_settings(tmp_path: Path, **overrides) -> Settings:
    overrides.setdefault("scenario_path", SKELETON)
    return Settings(grpc_port=0, ws_port=0, data_dir=tmp_path / "data", **overrides)


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture
def store(tmp_path, embedder):
    """An empty memory stream in a fresh save file."""
    with MemoryStore(tmp_path / "save.db", embedder) as store:
        yield store


@pytest.fixture
def town_script() -> TownScript:
    return TownScript()


@pytest.fixture
def scripted_model(town_script) -> ScriptedModel:
    return ScriptedModel(town_script)


async def start_scripted(tmp_path: Path, model: ScriptedModel, embedder, **overrides):
    """A real server (both doors, real memory) whose model is scripted; importance is
    read as the paper's 1-10 rating, which a scripted model can answer. Returns once
    the minds have planned ahead, so the test's own script starts from a quiet town."""
    running = await start_server(make_settings(tmp_path, importance_method="rating", **overrides),
                                 model=model, embedder=embedder)
    await running.society.settle()
    return running


@pytest_asyncio.fixture
async def scripted_server(tmp_path, scripted_model, embedder):
    running = await start_scripted(tmp_path, scripted_model, embedder)
    yield running
    await running.stop()


@pytest.fixture(scope="session")
def real_model_path() -> Path:
    if not DEFAULT_MODEL.is_file():
        pytest.fail(f"the default model is missing at {DEFAULT_MODEL}; `make setup` installs it")
    return DEFAULT_MODEL


class GatewayClient:
    """A minimal client of the WebSocket envelope, for tests."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self._ids = itertools.count(1)

    async def send_raw(self, frame) -> None:
        await self.ws.send(frame)

    async def recv(self, timeout: float = 60) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def call(self, method: str, payload: dict | None = None, timeout: float = 120) -> dict:
        request_id = str(next(self._ids))
        envelope = {"id": request_id, "method": method}
        if payload is not None:
            envelope["payload"] = payload
        await self.ws.send(json.dumps(envelope))
        reply = await self.recv(timeout)
        assert reply["id"] == request_id
        return reply

    async def stream(self, method: str, payload: dict, timeout: float = 120) -> list[dict]:
        request_id = str(next(self._ids))
        await self.ws.send(json.dumps({"id": request_id, "method": method, "payload": payload}))
        replies = []
        while True:
            reply = await self.recv(timeout)
            assert reply["id"] == request_id
            replies.append(reply)
            if reply["done"]:
                return replies


@pytest_asyncio.fixture
async def gateway(scripted_server):
    async with connect(scripted_server.ws_url, max_size=None) as ws:
        yield GatewayClient(ws)
