"""What the player said is durable: after kill -9 at any moment around a Chat, each
exchange is wholly in both the conversation record and the agent's memory stream, or
in neither. A real server process (tests/killable_server.py: both doors, the memory
stream, the save; a scripted model whose importance ratings of the player's lines take
seconds, as on a busy model), killed and started again on the same save."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from agent_server.memory import MemoryStore
from agent_server.saves import SaveFile
from agent_server.settings import PROJECT_ROOT
from tests.conftest import GatewayClient
from tests.killable_server import GREETING, MARKER, RATING_DELAY

AGENT = "isabella"


class ServerProcess:
    def __init__(self, data_dir: Path, log: Path) -> None:
        self.ready = data_dir / "ready.json"
        self.ready.unlink(missing_ok=True)
        self._log = open(log, "a")
        self.process = subprocess.Popen([sys.executable, "-m", "tests.killable_server", str(data_dir), str(self.ready)],
                                        cwd=PROJECT_ROOT, stdout=self._log, stderr=subprocess.STDOUT)

    async def url(self) -> str:
        deadline = time.monotonic() + 180
        while not self.ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start (exit {self.process.returncode}); see {self._log.name}")
            await asyncio.sleep(0.1)
        return json.loads(self.ready.read_text())["ws"]

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._log.close()


async def inspect(url: str) -> tuple[list[str], list[str]]:
    """The agent's conversation lines (the record) and its recent memories."""
    async with connect(url, max_size=None) as ws:
        payload = (await GatewayClient(ws).call("InspectAgent", {"agentId": AGENT}))["payload"]
    lines = [line["text"] for c in payload.get("conversations", []) for line in c.get("lines", [])]
    return lines, [m["description"] for m in payload.get("recentMemories", [])]


async def chat_and_kill(server: ServerProcess, text: str, moment: float | None) -> None:
    """Say `text`; kill the server `moment` seconds after the answer is done (None: as
    soon as its first words arrive, mid-answer)."""
    async with connect(await server.url(), max_size=None) as ws:
        gateway = GatewayClient(ws)
        request_id = "1"
        await gateway.send_raw(json.dumps({"id": request_id, "method": "Chat",
                                           "payload": {"agentId": AGENT, "text": text, "playerName": "Ann"}}))
        while True:
            reply = await gateway.recv(60)
            assert reply["id"] == request_id and "error" not in reply, reply
            if moment is None and not reply["done"]:
                break
            if reply["done"]:
                await asyncio.sleep(moment)
                break
    server.kill()


async def test_each_exchange_is_in_the_record_and_the_memories_or_in_neither_after_kill_9(tmp_path, embedder):
    data_dir, log = tmp_path / "data", tmp_path / "server.log"
    # When the server is killed after the player's line: mid-answer, as the answer ends,
    # while its importance is being rated, and after it was stored.
    moments = {f"{MARKER} 1001.": None, f"{MARKER} 2002.": 0.0, f"{MARKER} 3003.": RATING_DELAY / 4,
               f"{MARKER} 4004.": RATING_DELAY * 2}
    for text, moment in moments.items():
        await chat_and_kill(ServerProcess(data_dir, log), text, moment)

    server = ServerProcess(data_dir, log)  # started once more on the same save
    try:
        url = await server.url()
        # What was left unrated is rated on restart (the model takes RATING_DELAY per
        # rating): wait until the agent's recent memories agree with its conversations.
        deadline = time.monotonic() + 30 * RATING_DELAY
        while time.monotonic() < deadline:
            lines, memories = await inspect(url)
            if all(any(text in line for line in lines) == any(text in m for m in memories) for text in moments):
                break
            await asyncio.sleep(0.5)
    finally:
        server.kill()
    # The save itself, read with the product's own classes.
    [path] = data_dir.glob("*/simulation.db")
    with MemoryStore(path, embedder) as store:
        memories = [n.description for n in store.all(AGENT)]
    save = SaveFile(path)
    lines = [line[2] for c in save.conversations() for line in c["lines"]]
    save.close()
    found = {text: (any(text in line for line in lines), any(text in m for m in memories)) for text in moments}
    disagree = {text: f"record {r}, memories {m}" for text, (r, m) in found.items() if r != m}
    assert not disagree, f"the record and the memory stream disagree after kill -9: {disagree}"
    # Cut off mid-answer, the exchange left nothing; once the answer was whole, it stays.
    assert [text for text, (in_record, _) in found.items() if in_record] == list(moments)[1:]
    with MemoryStore(path, embedder) as store:
        assert store.pending() == []  # what a kill left unrated was rated and embedded on restart


async def test_what_an_agent_saw_is_in_its_memories_when_its_mind_says_it_saw_it_after_kill_9(tmp_path, embedder):
    """An observation is in the memory stream before the mind's state (which keeps what
    was last seen of each thing, so that it is not stored again) can be saved with it."""
    data_dir, log = tmp_path / "data", tmp_path / "server.log"
    seen = f"showing a note: {MARKER} 5005"
    server = ServerProcess(data_dir, log)
    try:
        async with connect(await server.url(), max_size=None) as ws:
            gateway = GatewayClient(ws)
            now = int((await gateway.call("GetStats"))["payload"].get("gameTime", 0))
            perception = {"object": {"placeId": "hobbs_cafe.counter", "state": seen}, "distance": 1.0}
            reply = await gateway.call("SyncWorld", {"gameTime": now, "agents": [
                {"agentId": AGENT, "placeId": "hobbs_cafe.counter", "perceptions": [perception]}]})
            assert "error" not in reply, reply
            # The game asks what the agent does next meanwhile: the mind's state is saved.
            reply = await gateway.call("NextAction", {"agentId": AGENT, "gameTime": now})
            assert "error" not in reply, reply
            await asyncio.sleep(RATING_DELAY / 4)  # the observation's rating is under way
    finally:
        server.kill()
    [path] = data_dir.glob("*/simulation.db")
    save = SaveFile(path)
    last_seen = save.minds()[AGENT]["last_seen"]
    save.close()
    assert seen in last_seen.get("hobbs_cafe.counter", "")  # the mind's state says it was seen...

    server = ServerProcess(data_dir, log)  # ...so, started again, the agent remembers it
    try:
        url = await server.url()
        deadline = time.monotonic() + 10 * RATING_DELAY
        while not any(seen in m for m in (await inspect(url))[1]) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
    finally:
        server.kill()
    with MemoryStore(path, embedder) as store:
        assert [n.description for n in store.all(AGENT) if seen in n.description] == \
            [f"the counter in Hobbs Cafe is {seen}"]  # once


async def test_a_greeting_to_the_player_is_in_the_record_and_the_memories_or_in_neither_after_kill_9(tmp_path):
    """An agent that notices the player greets it; the server is killed while the
    greeting's importance is being rated (RATING_DELAY): the record holds the line
    exactly when the memory stream does (before, the memory was written first and the
    record after the rating, so a kill between left them disagreeing for good)."""
    data_dir, log = tmp_path / "data", tmp_path / "server.log"
    server = ServerProcess(data_dir, log)
    async with connect(await server.url(), max_size=None) as ws:
        gateway = GatewayClient(ws)
        now = int((await gateway.call("GetStats", {}))["payload"].get("gameTime", 0))
        await gateway.call("SyncWorld", {"gameTime": now, "playerName": "Ann", "agents": [
            {"agentId": AGENT, "placeId": "hobbs_cafe", "perceptions": [
                {"agent": {"agentId": "player", "activity": "standing nearby"}, "distance": 2.0}]}]})
        [path] = data_dir.glob("*/simulation.db")
        deadline = time.monotonic() + 60
        while not _held_greetings(path):
            assert time.monotonic() < deadline, "the agent did not greet the player"
            await asyncio.sleep(0.05)
        await asyncio.sleep(RATING_DELAY / 4)  # the rating is under way
    server.kill()
    save = SaveFile(path)
    lines = [line[2] for c in save.conversations() for line in c["lines"]]
    save.close()
    assert GREETING in lines, "the greeting is held in the memory stream but not in the conversation record"


def _held_greetings(path: Path) -> list[str]:
    """Greetings written to the save and not yet rated, read beside the running server."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            rows = db.execute("SELECT description FROM pending WHERE description LIKE ?", (f"%{GREETING}%",))
            return [r[0] for r in rows]
        except sqlite3.OperationalError:  # not created yet
            return []
