#!/usr/bin/env python3
"""Chaos: the real server killed with kill -9 at random moments while a town, a player
and an API client use it, and started again on the same save each time. Not in the
default suite (`make bench`): it measures whether saves survive crashes, not speed.

The server is its own process, `python -m agent_server serve` (what `simulacra serve`
runs), on ephemeral ports, with a fresh data directory, a small scenario (the tea party's
three neighbours by default) and a named save, the real default model and embedder.
Once the agents have planned their day (the game's loading screen), three clients use it,
as a game does:

- the town (WebSocket, as the Godot town): a game clock at 1 game minute per real
  second; every real second a SyncWorld with each agent's place and what it perceives
  (the others in the same part of town, doing what they do, and the player when it is
  there), and a NextAction for each agent whose activity is over;
- the player (WebSocket): walks up to one agent after another (the agents there see it),
  PrepareChat, then two lines, each carrying a number to remember that no other line
  carries ("Remember the number 48213. ..."), read as they stream;
- an API client (gRPC): Interview and InspectAgent, one agent after another, and
  GetStats.

At --kills random moments (seeded: --seed; each a uniform draw from --window seconds
after the server opened its doors) the bench reads the save (SQLite, a read-only
connection beside the server's), notes what was in flight, and sends SIGKILL to the
server process itself. It then reads the save as the kill left it (a copy of the
database and its WAL) and starts the server again on it. Checked at every kill:

- reopened: the server starts on the save and opens its doors (`reopen_s`: from the
  start of the process); a save that does not reopen ends the run; died_before_kill: the
  server had exited on its own before the kill came;
- memories_lost: every memory committed before the kill, in this life or an earlier
  one, is still there with the same text (ids are never reused); pending_lost: every
  memory held before it was rated (the `pending` table) is still held, or stored with
  its importance;
- record_lines_lost: every line of a conversation's record committed before the kill
  is still in it;
- conversations_disagreeing (the definition of tests/test_heard_is_durable.py, over
  every conversation): each line of a record is in the memories (stored or held) of
  every agent in the conversation ('<speaker> said to <listener>: "<line>"'), and each
  such memory, and each conversation summary memory, is in a record of a conversation
  that agent took part in. An exchange is wholly in both places or in neither;
- seen_without_memory: what a mind's saved state says the agent last saw of each thing
  is in its observations (a reaction's observation is stored before the state is);
- duplicate_memories (reported, not a fault of the issue's invariants): the same memory
  (agent, kind, text, game time) in two rows, stored or held. What is stored before the
  mind's state that says it was done (an observation before `last_seen`) is done again
  after a kill between the two, and when the town reports the same moment again (a kill
  before its clock moved on) the second is the same memory; the scripted model's plans,
  made again, repeat their words at their hour's start;
- the player's lines: one whose answer was acknowledged (the last ChatChunk, done, came
  back) is in the record and the memories (acknowledged_lost counts those in neither);
  one in flight at the kill may be in both or in neither (both counted, not faults);
  none is in one place only (lines_in_one_place_only).

A fault stays in the save, so every later check finds it again: a kill's record gives
the faults in the save then (`counts`) and those first found then (`new`); the totals
count each fault once.

After the last kill the server is started once more and given --settle-timeout
seconds to rate what the kills left unrated (unsettled_after_restart: held memories from
before that start still unrated), then stopped with SIGTERM (a clean stop exits 0), and
the save is checked a last time.

Prints one JSON object: the settings, the machine, every kill (time into the run, the
seconds after the doors opened, what each client was doing, what the save held, the
checks, the seconds to reopen), every line the player said and where the kill left it,
the totals, and the violations; exits 1 if there is any (the data directory, with the
save and the server's log, is then kept). A run takes the first start (first memories
and day plans on a fresh save: minutes with the real model) and, per kill, the window's
mean plus a restart (2-5 s measured). `--scripted` runs the server with the tests'
scripted model (slow answers to the player, slow ratings of what is said to and by it,
agents that talk when they meet), a quick check of the bench for developers: its figures
are not a measurement.

    .venv/bin/python bench/chaos.py [--kills 20] [--seed 1] [--scenario tests/data/tea_party.toml]
        [--model PATH] [--window 5 25] [--settle-timeout 300] [--keep] [--scripted]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import re
import shlex
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent_server.settings import DEFAULT_MODEL  # noqa: E402
from bench.machine import machine  # noqa: E402
from simulacra.v1 import service_pb2, service_pb2_grpc  # noqa: E402

SAVE = "chaos"
PLAYER = "Ann"
PLAYER_ID = "player"  # how agents perceive the player (dialogue.PLAYER_ID)
# Every player line starts with this (the scripted model answers such lines slowly).
MARKER = "Remember the number"
SPEED = 60.0  # game seconds per real second, as the game
TICK_S = 1.0  # real seconds between the town's SyncWorlds
NEAR_M = 2.0  # how far apart those in one part of town are (within talking distance)
WALK_S, TYPING_S, READING_S = 1.0, 3.0, 2.0  # the player's pauses
API_EVERY_S = 3.0  # the API client's pause between agents
QUESTIONS = ("What number did Ann ask you to remember?", "What have you been doing today?",
             "Who have you talked to today?")
FIRST_START_TIMEOUT_S = 1200  # a fresh save: first memories and every agent's day plan
REOPEN_TIMEOUT_S = 300
STOP_TIMEOUT_S = 60
EXAMPLES = 5  # of each violation, in a kill's record
_SAID = re.compile(r'^(?P<speaker>.+?) said to (?P<listener>.+?): "(?P<text>.*)"$', re.DOTALL)
_SUMMARY = re.compile(r"^Conversation with (?P<other>.+?): (?P<summary>.*)$", re.DOTALL)


# ---- the server process --------------------------------------------------------------

class ServerProcess:
    """The server in a process of its own; `pid` is the server's Python itself (no shell)."""

    def __init__(self, command: list[str], ready: Path, log: Path) -> None:
        self.command, self.ready, self.log = command, ready, log
        self.process: subprocess.Popen | None = None
        self.started = 0.0

    def start(self) -> None:
        self.ready.unlink(missing_ok=True)
        with open(self.log, "a") as log:
            log.write(f"\n==== chaos: starting the server at {time.strftime('%H:%M:%S')} ====\n")
            log.flush()
            self.process = subprocess.Popen(self.command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.started = time.monotonic()

    async def opened(self, timeout: float) -> dict | None:
        """The addresses from the ready file once the doors are open; None if the process
        exited or the time ran out first."""
        deadline = time.monotonic() + timeout
        while not self.ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                return None
            await asyncio.sleep(0.05)
        return json.loads(self.ready.read_text())

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> int:
        if self.alive:
            os.kill(self.process.pid, signal.SIGKILL)
        return self.process.wait()

    def stop(self, timeout: float) -> int | None:
        """SIGTERM, as a user stops it; the exit code, or None if it did not stop in time
        (it is then killed)."""
        if not self.alive:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            return None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def server_command(args, data_dir: Path, ready: Path) -> list[str]:
    if args.scripted:
        return [sys.executable, str(Path(__file__).resolve()), "--serve-scripted", str(data_dir), str(ready),
                str(args.scenario), SAVE]
    return [sys.executable, "-m", "agent_server", "serve", "--grpc-port", "0", "--ws-port", "0",
            "--ready-file", str(ready), "--data-dir", str(data_dir), "--scenario", str(args.scenario),
            "--save", SAVE, "--model", str(args.model), "--n-threads", str(args.threads)]


async def serve_scripted(data_dir: Path, ready: Path, scenario: Path, save: str) -> None:
    """--scripted: the real server (both doors, the memory stream, the save) with the
    tests' scripted model, whose answers to the player's lines stream slowly and whose
    ratings of what the player said take seconds (tests/killable_server.py); agents
    here also talk to whoever they meet, and greet the player, and rating what they say
    to the player unasked takes as long."""
    from agent_server.memory import MiniLMEmbedder
    from agent_server.server import start_server, wait_for_stop_signal
    from agent_server.settings import Settings
    from tests.killable_server import RATING_DELAY, BusyModel
    from tests.town_script import TownScript

    class Busier(BusyModel):
        def stream(self, request):
            prompt = request.messages[-1]["content"]
            if request.purpose == "importance" and f"said to {PLAYER}" in prompt and MARKER not in prompt:
                time.sleep(RATING_DELAY)  # what an agent says to the player unasked (a greeting) too
            yield from super().stream(request)

    class Sociable(TownScript):
        def react_choice(self, options: list[str]) -> str:
            return next((o for o in options if o.startswith("Talk")), options[0])

    settings = Settings(grpc_port=0, ws_port=0, data_dir=data_dir, scenario_path=scenario, save_name=save,
                        importance_method="rating")
    running = await start_server(settings, model=Busier(Sociable()), embedder=MiniLMEmbedder())
    partial = ready.with_name(ready.name + ".partial")
    partial.write_text(json.dumps({"grpc": f"{settings.host}:{running.grpc_port}", "ws": running.ws_url}))
    os.replace(partial, ready)
    await wait_for_stop_signal()
    await running.stop()


# ---- the save, read beside the server --------------------------------------------------

Row = tuple[str, str, str, int]  # agent, kind, description, created_at


@dataclass
class SaveState:
    memories: dict[int, Row]
    pending: dict[int, Row]
    conversations: dict[str, dict]
    last_seen: dict[str, dict[str, str]]

    def counts(self) -> dict:
        return {"memories": len(self.memories), "pending": len(self.pending),
                "conversations": len(self.conversations),
                "conversation_lines": sum(len(c["lines"]) for c in self.conversations.values())}


def read_save(path: Path, *, live: bool) -> SaveState:
    """The save in one read transaction. `live`: beside the running server (read-only);
    else a copy of the file and its WAL is read, as the kill left them, so the server
    starting again opens them untouched."""
    if live:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30, isolation_level=None)
        return _read(db)
    with tempfile.TemporaryDirectory(prefix="chaos-read-") as folder:
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{path}{suffix}")
            if source.exists():
                shutil.copy2(source, Path(folder) / f"simulation.db{suffix}")
        return _read(sqlite3.connect(Path(folder) / "simulation.db", timeout=30, isolation_level=None))


def _read(db: sqlite3.Connection) -> SaveState:
    try:
        db.execute("BEGIN")
        memories = {i: (a, k, d, t) for i, a, k, d, t in
                    db.execute("SELECT id, agent_id, kind, description, created_at FROM memories")}
        pending = {i: (a, k, d, t) for i, a, k, d, t in
                   db.execute("SELECT id, agent_id, kind, description, created_at FROM pending")}
        conversations = {}
        for (data,) in db.execute("SELECT data FROM conversations ORDER BY rowid"):
            record = json.loads(data)
            conversations[record["id"]] = record
        last_seen = {agent: json.loads(state).get("last_seen", {})
                     for agent, state in db.execute("SELECT agent_id, state FROM minds")}
        db.execute("COMMIT")
    finally:
        db.close()
    return SaveState(memories, pending, conversations, last_seen)


@dataclass
class Durable:
    """All that was ever read committed, over every life: none of it may be lost."""

    memories: dict[int, Row] = field(default_factory=dict)
    pending: dict[int, Row] = field(default_factory=dict)
    lines: dict[str, list] = field(default_factory=dict)  # conversation id -> its record's lines

    def learn(self, state: SaveState) -> None:
        self.memories.update(state.memories)
        self.pending.update(state.pending)
        for cid, record in state.conversations.items():
            if len(record["lines"]) >= len(self.lines.get(cid, [])):
                self.lines[cid] = [list(line) for line in record["lines"]]


CHECKS = ("memories_lost", "pending_lost", "record_lines_lost", "conversations_disagreeing", "seen_without_memory",
          "duplicate_memories")


def check(durable: Durable, state: SaveState) -> tuple[dict, dict[str, set]]:
    """What of `durable` `state` lost, and whether its records and memories agree: the
    counts and a few examples of each, and a key for each fault (a fault stays in the
    save: the next kill's check finds it again, and the totals count it once)."""
    stored_rows = set(state.memories.values())
    found: dict[str, list[tuple[object, dict]]] = {}
    found["memories_lost"] = [(i, {"id": i, "was": row, "now": state.memories.get(i)})
                              for i, row in durable.memories.items() if state.memories.get(i) != row]
    found["pending_lost"] = [(i, {"pending_id": i, "row": row}) for i, row in durable.pending.items()
                             if state.pending.get(i) != row and row not in stored_rows]
    rows: dict[Row, list[str]] = {}
    for i, row in state.memories.items():
        rows.setdefault(row, []).append(f"memory {i}")
    for i, row in state.pending.items():
        rows.setdefault(row, []).append(f"pending {i}")
    found["duplicate_memories"] = [(row, {"row": row, "rows": where}) for row, where in rows.items() if len(where) > 1]
    found["record_lines_lost"] = []
    for cid, lines in durable.lines.items():
        now = state.conversations.get(cid, {}).get("lines", [])
        if [list(line) for line in now[:len(lines)]] != lines:
            found["record_lines_lost"].append(
                (cid, {"conversation": cid, "lines_before": len(lines), "lines_now": len(now)}))
    found["conversations_disagreeing"] = disagreements(state)
    observed = {(a, d) for a, k, d, _ in itertools.chain(state.memories.values(), state.pending.values())
                if k == "observation"}
    found["seen_without_memory"] = [((agent, text), {"agent": agent, "seen": text})
                                    for agent, seen in state.last_seen.items() for text in seen.values()
                                    if (agent, text) not in observed]
    report = {"counts": {k: len(v) for k, v in found.items()},
              "examples": {k: [detail for _, detail in v[:EXAMPLES]] for k, v in found.items() if v}}
    return report, {k: {key for key, _ in v} for k, v in found.items()}


def disagreements(state: SaveState) -> list[tuple[object, dict]]:
    """Conversations whose record and memories disagree (tests/test_heard_is_durable.py:
    a line is in the record if and only if it is in the memories): a record's line
    missing from the memories of an agent in it, and memories of lines (or a summary)
    that no record of that agent's conversations holds, grouped by agent and time (one
    conversation's memories all carry the time they were written)."""
    dialogue: dict[str, set[tuple[str, int]]] = {}
    for agent, kind, description, created_at in itertools.chain(state.memories.values(), state.pending.values()):
        if kind == "dialogue":
            dialogue.setdefault(agent, set()).add((description, created_at))
    said: dict[str, set[tuple[str, str]]] = {}  # agent -> (speaker name, text) of what it remembers
    for agent, memories in dialogue.items():
        said[agent] = {(m["speaker"], m["text"]) for d, _ in memories if (m := _SAID.match(d))}
    details = []
    for cid, record in state.conversations.items():
        agents = [p for p in record["participant_ids"] if p != PLAYER_ID]
        missing = [{"agent": agent, "speaker": name, "line": text} for _, name, text in record["lines"]
                   for agent in agents if (name, text) not in said.get(agent, set())]
        if missing:
            details.append((("record", cid),
                            {"conversation": cid, "record_lines_without_memories": missing[:EXAMPLES]}))
    orphans: dict[tuple[str, int], list[str]] = {}
    for agent, memories in dialogue.items():
        records = [r for r in state.conversations.values() if agent in r["participant_ids"]]
        lines = {(name, text) for r in records for _, name, text in r["lines"]}
        summaries = {r.get("summary", "") for r in records}
        for description, created_at in memories:
            if m := _SAID.match(description):
                if (m["speaker"], m["text"]) not in lines:
                    orphans.setdefault((agent, created_at), []).append(description)
            elif (m := _SUMMARY.match(description)) and m["summary"] not in summaries:
                orphans.setdefault((agent, created_at), []).append(description)
    details += [(("memories", agent, at), {"agent": agent, "created_at": at, "memories_without_record": d[:EXAMPLES]})
                for (agent, at), d in sorted(orphans.items())]
    return details


def where_said(text: str, agent: str, state: SaveState) -> tuple[bool, bool]:
    """Whether the player's line is in the record, and in the agent's memories."""
    in_record = any(speaker == PLAYER_ID and said == text
                    for r in state.conversations.values() if agent in r["participant_ids"]
                    for speaker, _, said in r["lines"])
    in_memories = any(a == agent and k == "dialogue" and (m := _SAID.match(d)) and m["speaker"] == PLAYER
                      and m["text"] == text
                      for a, k, d, _ in itertools.chain(state.memories.values(), state.pending.values()))
    return in_record, in_memories


# ---- the clients -----------------------------------------------------------------------

class Gateway:
    """A WebSocket client of the envelope (protos/README.md) whose requests may overlap."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self._ids = itertools.count(1)
        self._waiting: dict[str, asyncio.Queue] = {}
        self.closed = False
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                reply = json.loads(frame)
                queue = self._waiting.get(reply.get("id"))
                if queue is not None:
                    queue.put_nowait(reply)
        except Exception:  # the server was killed: the connection closed without a close frame
            pass
        finally:
            self.closed = True
            for queue in self._waiting.values():
                queue.put_nowait(None)  # the connection is gone

    async def stream(self, method: str, payload: dict):
        """Each reply to one request, until its last (done); raises ConnectionError if the
        connection closes first, RuntimeError with the error's code if it fails."""
        if self.closed:
            raise ConnectionError("the connection closed")
        request_id = str(next(self._ids))
        queue = self._waiting[request_id] = asyncio.Queue()
        try:
            await self.ws.send(json.dumps({"id": request_id, "method": method, "payload": payload}))
            while True:
                reply = await queue.get()
                if reply is None:
                    raise ConnectionError("the connection closed")
                if "error" in reply:
                    raise RuntimeError(reply["error"].get("code", "ERROR"))
                yield reply
                if reply["done"]:
                    return
        finally:
            del self._waiting[request_id]

    async def call(self, method: str, payload: dict) -> dict:
        result = {}
        async for reply in self.stream(method, payload):
            result = reply.get("payload", result)
        return result

    def close(self) -> None:
        self._reader.cancel()


@dataclass
class AgentInTown:
    id: str
    name: str
    place: str
    doing: str = ""
    until: int = -1  # game time the activity ends
    asking: bool = False


class Town:
    """What the game keeps across the server's lives: the clock, where everyone is and
    what they do, where the player is. `run` is one life's WebSocket client."""

    def __init__(self, agents: list[AgentInTown], game_time: int) -> None:
        self.agents = {a.id: a for a in agents}
        self.game_time = self.started_at = game_time
        self.player_near: str | None = None  # the agent the player is visiting
        self.syncs = 0
        self.next_actions = 0
        self.errors: dict[str, int] = {}

    @staticmethod
    def area(place_id: str) -> str:
        return place_id.split(".")[0]

    def _perceptions(self, agent: AgentInTown) -> list[dict]:
        seen = [{"agent": {"agentId": o.id, "activity": o.doing or "standing around"}, "distance": NEAR_M}
                for o in self.agents.values() if o.id != agent.id and self.area(o.place) == self.area(agent.place)]
        visited = self.agents.get(self.player_near or "")
        if visited is not None and self.area(visited.place) == self.area(agent.place):
            seen.append({"agent": {"agentId": PLAYER_ID, "activity": "standing nearby"}, "distance": NEAR_M})
        return seen

    def _apply(self, command: dict) -> None:
        agent = self.agents.get(command.get("agentId", ""))
        place = command.get("moveTo", {}).get("placeId")
        if agent is None or not place:
            return  # an utterance or a conversation's start or end: the world shows it
        activity = command.get("activity", {})
        agent.place, agent.doing = place, activity.get("description", "")
        agent.until = self.game_time + 60 * max(1, int(activity.get("durationMinutes", 5)))

    def _error(self, exc: BaseException) -> None:
        key = str(exc) if isinstance(exc, RuntimeError) else type(exc).__name__
        self.errors[key] = self.errors.get(key, 0) + 1

    async def run(self, gateway: Gateway, status: dict) -> None:
        tasks: set[asyncio.Task] = set()

        async def next_action(agent: AgentInTown) -> None:
            try:
                self._apply(await gateway.call("NextAction", {"agentId": agent.id, "gameTime": self.game_time}))
                self.next_actions += 1
            except (RuntimeError, ConnectionError) as exc:
                self._error(exc)
            finally:
                agent.asking = False

        try:
            while True:
                status["doing"] = "SyncWorld"
                states = [{"agentId": a.id, "placeId": a.place, "perceptions": self._perceptions(a)}
                          for a in self.agents.values()]
                try:
                    reply = await gateway.call("SyncWorld", {"gameTime": self.game_time, "playerName": PLAYER,
                                                             "agents": states})
                    self.syncs += 1
                    for command in reply.get("commands", []):
                        self._apply(command)
                except RuntimeError as exc:
                    self._error(exc)
                for agent in self.agents.values():
                    if agent.until <= self.game_time and not agent.asking:
                        agent.asking = True
                        task = asyncio.create_task(next_action(agent))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                status["doing"] = "between ticks"
                status["next_actions_in_flight"] = sum(a.asking for a in self.agents.values())
                await asyncio.sleep(TICK_S)
                self.game_time += int(SPEED * TICK_S)
                status["game_time"] = self.game_time
        finally:
            for task in tasks:
                task.cancel()


@dataclass
class Line:
    life: int
    agent: str
    text: str
    sent_s: float  # into the run
    first_text_s: float | None = None
    acknowledged: bool = False  # the last ChatChunk (done) came back
    answer: str = ""
    error: str = ""
    place: str = ""  # where the kill that ended its life left it: both, neither, record only, memories only


async def player(life: int, gateway: Gateway, town: Town, numbers: random.Random, status: dict,
                 said: list[Line], clock) -> None:
    """Visits one agent after another: walks up, PrepareChat, two lines, walks away."""
    for visit in itertools.count():
        agent = list(town.agents)[(life + visit) % len(town.agents)]
        status.update(doing="walking up", agent=agent, line=None)
        town.player_near = agent
        await asyncio.sleep(WALK_S)
        status["doing"] = "PrepareChat"
        try:
            await gateway.call("PrepareChat", {"agentId": agent, "playerName": PLAYER, "gameTime": town.game_time})
        except RuntimeError as exc:
            status["last_error"] = str(exc)
        status["doing"] = "typing"
        await asyncio.sleep(TYPING_S)
        for template in (f"{MARKER} {{n}}. My name is {PLAYER} and I keep bees by the river.",
                         f"{MARKER} {{n}}, it opens my garden gate. What are you doing this afternoon?"):
            line = Line(life, agent, template.format(n=numbers.randrange(10_000, 100_000)), clock())
            said.append(line)
            status.update(doing="waiting for the first words", line=line.text)
            sent = time.monotonic()
            try:
                async for reply in gateway.stream("Chat", {"agentId": agent, "text": line.text,
                                                           "playerName": PLAYER, "gameTime": town.game_time}):
                    payload = reply.get("payload", {})
                    if payload.get("text") and line.first_text_s is None:
                        line.first_text_s = round(time.monotonic() - sent, 3)
                        status["doing"] = "answer streaming"
                    if payload.get("done"):
                        line.acknowledged, line.answer = True, payload.get("fullText", "")
                        status["doing"] = "answer acknowledged"
            except RuntimeError as exc:
                line.error = str(exc)
            status["doing"] = "reading"
            await asyncio.sleep(READING_S)
        town.player_near = None
        status.update(doing="walking away", line=None)
        await asyncio.sleep(WALK_S)


async def api_client(address: str, agents: list[str], status: dict, errors: dict, opened: float) -> None:
    """Interviews one agent after another over gRPC, inspects it, and notes when the
    restarted server is ready (every agent planned)."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub = service_pb2_grpc.SimulacraStub(channel)
        for i in itertools.count():
            agent = agents[i % len(agents)]
            try:
                status["doing"] = "GetStats"
                stats = await stub.GetStats(service_pb2.GetStatsRequest())
                if stats.ready and status.get("ready_after_reopen_s") is None:
                    status["ready_after_reopen_s"] = round(time.monotonic() - opened, 2)
                status.update(doing="Interview", agent=agent)
                await stub.Interview(service_pb2.InterviewRequest(agent_id=agent,
                                                                  question=QUESTIONS[i % len(QUESTIONS)]))
                status["interviews"] = status.get("interviews", 0) + 1
                status["doing"] = "InspectAgent"
                await stub.InspectAgent(service_pb2.InspectAgentRequest(agent_id=agent))
            except grpc.aio.AioRpcError as exc:
                errors[exc.code().name] = errors.get(exc.code().name, 0) + 1
            status["doing"] = "idle"
            await asyncio.sleep(API_EVERY_S)


async def wait_until_ready(address: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    async with grpc.aio.insecure_channel(address) as channel:
        stub = service_pb2_grpc.SimulacraStub(channel)
        while time.monotonic() < deadline:
            with contextlib.suppress(grpc.aio.AioRpcError):
                if (await stub.GetStats(service_pb2.GetStatsRequest())).ready:
                    return True
            await asyncio.sleep(1)
    return False


async def town_agents(address: str) -> tuple[list[AgentInTown], int, str]:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = service_pb2_grpc.SimulacraStub(channel)
        listed = await stub.ListAgents(service_pb2.ListAgentsRequest())
        stats = await stub.GetStats(service_pb2.GetStatsRequest())
    return ([AgentInTown(a.id, a.name, a.home_place_id) for a in listed.agents], stats.game_time, stats.model)


# ---- the run ---------------------------------------------------------------------------

async def run(args) -> dict:
    rng = random.Random(args.seed)
    delays = [round(rng.uniform(*args.window), 2) for _ in range(args.kills)]
    numbers = random.Random(args.seed + 1)
    data_dir = Path(tempfile.mkdtemp(prefix="simulacra-chaos-"))
    server = ServerProcess(server_command(args, data_dir, data_dir / "ready.json"), data_dir / "ready.json",
                           data_dir / "server.log")
    save = data_dir / SAVE / "simulation.db"
    began = time.monotonic()

    def clock() -> float:
        return round(time.monotonic() - began, 2)

    out: dict = {"benchmark": "chaos", "machine": machine(), "load_average_before": os.getloadavg(),
                 "command": shlex.join([sys.executable, *sys.argv]), "server_command": shlex.join(server.command),
                 "settings": {"kills": args.kills, "seed": args.seed, "scenario": str(args.scenario),
                              "mode": ("scripted: the tests' scripted model, a check of the bench, not a measurement"
                                       if args.scripted else "real: the default model and embedder"),
                              "model": "scripted" if args.scripted else str(args.model),
                              "n_threads": None if args.scripted else args.threads,
                              "kill_window_s": list(args.window), "kill_delays_s": delays,
                              "game_speed": SPEED, "save": SAVE}}
    kills: list[dict] = []
    said: list[Line] = []
    durable = Durable()
    faults: dict[str, set] = {k: set() for k in CHECKS}  # each fault found, once
    town: Town | None = None
    api_errors: dict[str, int] = {}
    reopen_failures = 0
    final: dict = {}
    try:
        server.start()
        addresses = await server.opened(FIRST_START_TIMEOUT_S)
        if addresses is None or not await wait_until_ready(addresses["grpc"], FIRST_START_TIMEOUT_S):
            raise SystemExit(f"chaos: the server did not start on a fresh save:\n{server.log_tail()}")
        out["startup_s"] = clock()
        agents, game_time, model_name = await town_agents(addresses["grpc"])
        out["settings"]["model_name"] = model_name
        out["settings"]["agents"] = [a.id for a in agents]
        town = Town(agents, game_time)
        opened = time.monotonic()
        for n, delay in enumerate(delays, 1):
            statuses: dict[str, dict] = {"town": {}, "player": {}, "api": {}}
            try:
                connection = await connect(addresses["ws"], max_size=None)
            except Exception as exc:  # the doors opened, and closed again
                reopen_failures += 1
                kills.append({"kill": n, "t_s": clock(), "connect_failed": repr(exc), "server_alive": server.alive,
                              "server_log_tail": server.log_tail()})
                break
            gateway = Gateway(connection)
            tasks = [asyncio.create_task(town.run(gateway, statuses["town"])),
                     asyncio.create_task(player(n, gateway, town, numbers, statuses["player"], said, clock)),
                     asyncio.create_task(api_client(addresses["grpc"], [a.id for a in agents], statuses["api"],
                                                    api_errors, opened))]
            await asyncio.sleep(max(0.0, delay - (time.monotonic() - opened)))
            failed = [repr(t.exception()) for t in tasks if t.done() and not t.cancelled() and t.exception()]
            before = read_save(save, live=True)
            in_flight = {k: dict(v) for k, v in statuses.items()}
            at = clock()
            killed_rc = server.kill9()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            gateway.close()
            with contextlib.suppress(Exception):
                await connection.close()
            durable.learn(before)
            after = read_save(save, live=False)
            checks, keys = check(durable, after)
            checks["new"] = {k: len(keys[k] - faults[k]) for k in CHECKS}
            for k in CHECKS:
                faults[k] |= keys[k]
            durable.learn(after)
            lines = {}
            for line in (x for x in said if x.life == n):
                in_record, in_memories = where_said(line.text, line.agent, after)
                place = "both" if in_record and in_memories else "neither" if not (in_record or in_memories) else \
                    "record only" if in_record else "memories only"
                key = f"{'acknowledged' if line.acknowledged else 'in flight'}: {place}"
                lines[key] = lines.get(key, 0) + 1
                line.place = place
            record = {"kill": n, "t_s": at, "after_doors_open_s": round(time.monotonic() - opened, 2),
                      "planned_delay_s": delay, "killed_pid": server.process.pid, "exit": killed_rc,
                      "in_flight": in_flight, "client_failures": failed, "save_before_kill": before.counts(),
                      "save_after_kill": after.counts(), "player_lines": lines, "checks": checks}
            kills.append(record)
            server.start()
            addresses = await server.opened(REOPEN_TIMEOUT_S)
            opened = time.monotonic()
            if addresses is None:
                reopen_failures += 1
                record["reopened"] = False
                record["server_log_tail"] = server.log_tail()
                break
            record["reopened"] = True
            record["reopen_s"] = round(opened - server.started, 2)
        else:
            final = await settle_and_stop(server, save, durable, args.settle_timeout, clock, faults)
    finally:
        if server.alive:
            server.kill9()
    out["wall_s"] = clock()
    out["load_average_after"] = os.getloadavg()
    out["kills"] = kills
    out["final"] = final
    out["player_lines"] = [{"life": x.life, "agent": x.agent, "sent_s": x.sent_s, "text": x.text,
                            "first_text_s": x.first_text_s, "acknowledged": x.acknowledged,
                            "after_the_kill": x.place or None, **({"error": x.error} if x.error else {})}
                           for x in said]
    reopens = [k["reopen_s"] for k in kills if "reopen_s" in k]
    acknowledged = [x for x in said if x.acknowledged]
    placed = [x for x in said if x.place]
    totals = {
        "kills": len(kills), "reopened": len(reopens), "reopen_failures": reopen_failures,
        # The server had exited on its own when the kill came.
        "died_before_kill": sum(k.get("exit", -signal.SIGKILL) != -signal.SIGKILL for k in kills),
        "reopen_s_p50": round(statistics.median(reopens), 2) if reopens else None,
        "reopen_s_max": max(reopens, default=None),
        **{k: len(faults[k]) for k in CHECKS},  # distinct faults over every check
        "player_lines_sent": len(said), "player_lines_acknowledged": len(acknowledged),
        "acknowledged_in_both": sum(x.place == "both" for x in acknowledged),
        "acknowledged_lost": sum(x.place == "neither" for x in acknowledged),
        "in_flight_in_both": sum(x.place == "both" for x in placed if not x.acknowledged),
        "in_flight_in_neither": sum(x.place == "neither" for x in placed if not x.acknowledged),
        "lines_in_one_place_only": sum(x.place in ("record only", "memories only") for x in placed),
        "player_first_text_s_p50": (round(statistics.median(f), 2)
                                    if (f := [x.first_text_s for x in said if x.first_text_s is not None]) else None),
        "town": {"syncs": town.syncs if town else 0, "next_actions": town.next_actions if town else 0,
                 "game_minutes": (town.game_time - town.started_at) // 60 if town else 0,
                 "errors": town.errors if town else {}},
        "api_errors": api_errors,
        "memories_at_end": final.get("save", {}).get("memories"),
        "conversations_at_end": final.get("save", {}).get("conversations"),
    }
    out["totals"] = totals
    # duplicate_memories is reported, not a violation: see the module's docstring.
    violations = {k: totals[k] for k in ("reopen_failures", "died_before_kill", "memories_lost", "pending_lost",
                                         "record_lines_lost", "conversations_disagreeing", "seen_without_memory",
                                         "acknowledged_lost", "lines_in_one_place_only") if totals[k]}
    if final.get("unsettled_after_restart"):
        violations["unsettled_after_restart"] = final["unsettled_after_restart"]
    if final and final.get("clean_stop_exit") != 0:
        violations["clean_stop_exit"] = final.get("clean_stop_exit")
    out["violations"] = violations
    out["ok"] = not violations
    keep = args.keep or bool(violations)
    out["data_dir"] = str(data_dir) if keep else None
    if not keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    return out


async def settle_and_stop(server: ServerProcess, save: Path, durable: Durable, timeout: float, clock,
                          faults: dict[str, set]) -> dict:
    """After the last restart: what the kills left unrated is rated (within `timeout`),
    the server stops on SIGTERM, and the closed save is checked once more."""
    held = set(read_save(save, live=True).pending)
    began = time.monotonic()
    left = held
    while left and time.monotonic() - began < timeout:
        await asyncio.sleep(1)
        left = held & set(read_save(save, live=True).pending)
    settle_s = round(time.monotonic() - began, 2)
    rc = server.stop(STOP_TIMEOUT_S)
    state = read_save(save, live=False)
    checks, keys = check(durable, state)
    checks["new"] = {k: len(keys[k] - faults[k]) for k in CHECKS}
    for k in CHECKS:
        faults[k] |= keys[k]
    return {"held_at_restart": len(held), "unsettled_after_restart": len(left), "settle_s": settle_s,
            "clean_stop_exit": rc, "t_s": clock(), "save": state.counts(), "checks": checks}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-scripted":
        data_dir, ready, scenario, save = sys.argv[2:6]
        asyncio.run(serve_scripted(Path(data_dir), Path(ready), Path(scenario), save))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20, help="how many times the server is killed (kill -9)")
    parser.add_argument("--seed", type=int, default=1, help="seeds the kill moments and the player's numbers")
    parser.add_argument("--scenario", type=Path, default=ROOT / "tests" / "data" / "tea_party.toml")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--threads", type=int, default=max(1, os.cpu_count() or 1), help="the model's CPU threads")
    parser.add_argument("--window", type=float, nargs=2, default=(5.0, 25.0), metavar=("MIN", "MAX"),
                        help="a kill comes this many seconds after the doors open (uniform)")
    parser.add_argument("--settle-timeout", type=float, default=300.0,
                        help="seconds the last restart has to rate what the kills left unrated")
    parser.add_argument("--keep", action="store_true", help="keep the data directory (kept anyway on a violation)")
    parser.add_argument("--scripted", action="store_true",
                        help="the tests' scripted model: a quick check of the bench, not a measurement")
    args = parser.parse_args()
    if args.kills < 1 or args.window[0] < 0 or args.window[1] < args.window[0]:
        parser.error("--kills must be at least 1, and --window MIN MAX with 0 <= MIN <= MAX")
    args.scenario = args.scenario.resolve()
    out = asyncio.run(run(args))
    print(json.dumps(out, indent=2))
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
