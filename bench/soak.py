#!/usr/bin/env python3
"""The soak: a scenario's agents (Smallville's 25 by default) in the real Godot world
at 60 game seconds per real second, not in lockstep (the world does not wait for the
minds), for a game day, while 8 players talk to the agents at once and one API client
floods the server with interviews. The server runs as `simulacra serve` in a process of
its own (its memory is measured alone, and a server that hangs cannot hang the soak);
the town is Godot headless with a player standing in it, as bench/town.py runs it.

- players: 8 WebSocket connections, each a player of its own name. A player walks up to
  an agent no other player is talking to (PrepareChat, as the town does), types for a
  few seconds (`--typing-s`), says a line, reads the answer and types the next, and
  after `--lines-per-visit` lines walks on (`--walk-s`) to another. Measured: the time
  from sending a line to its first visible words (the first streamed text that is not
  blank), p50, p95 and max, against the player's target (p50 <= 250 ms, p95 <= 500 ms
  after PrepareChat; reported as missed when missed, never failed on); each answer's
  tokens per second from its first visible words to its last (the model's tokenizer);
  errors by method and code. The player's line and PrepareChat are always admitted:
  a RESOURCE_EXHAUSTED for a player is a refusal, and the soak fails on any;
- flood: one gRPC connection keeps `--flood-in-flight` Interview requests in flight
  (96: more than max_waiting_per_client's 64, so its share is exceeded), a worker waiting
  `--flood-backoff-s` after a refusal. Counted: answers, refusals by the limit they
  name (max_waiting_per_client, max_model_queue, shed from the full queue), other
  codes, answer latency, the longest time between two answers;
- deadlock: every request has a timeout; the server's game clock (GetStats, which
  SyncWorld moves every real second) is sampled every 2 s and must keep advancing: a
  span of more than `--stall-s` real seconds without it advancing is a stall. A
  deadlock is a stall, a player request that times out (`--request-timeout-s`), or a
  server that does not stop within 120 s of SIGTERM;
- memory: the server's resident memory (/proc/<pid>/status), every `--rss-every-s`;
  warm-up is the first 10% of the game time measured. After it: the least-squares
  slope in MB per game hour, first, last and largest sample; "flat" when the slope is
  at most `--flat-mb-per-game-hour` (default 5: the memory stream's own growth, about
  2 KB per memory at a few hundred memories per game hour, is well below it); the
  memories stored are given beside it;
- nothing lost: once the server has stopped, every line a player said that was
  answered (its last chunk received) is looked up in the save (SQLite, read only): in
  the agent's conversation record with that player, followed by the answer the player
  was given, and in its memory stream, the line and the answer ('<player> said to
  <agent>: "<line>"', '<agent> said to <player>: "<answer>"', rated or still held for
  rating). An exchange missing from either is lost, and the soak fails.

Besides: the agents' share of game time spent waiting for the server (the town's
report), the model requests by purpose over the measured span, the machine and its
load average before and after. Prints one JSON object (progress goes to stderr); exits 1
on a deadlock, a lost line, a player refused or a town that did not start, 0 otherwise
(a missed latency target is reported, not failed). Timings need a quiet machine: on one
whose cores are shared, the model slows many times over (two threads on oversubscribed
cores), and a player's line can then outlast --request-timeout-s without any deadlock.

    .venv/bin/python bench/soak.py [--scenario smallville] [--game-hours 24] [--speed 60] [--players 8]
        [--agents N] [--flood-in-flight 96] [--out DIR]

A short run to see it work (the start-up is most of it: its agents' first memories and
plans), with a per-client limit the small flood exceeds:

    .venv/bin/python bench/soak.py --agents 2 --players 2 --game-hours 4 --lines-per-visit 2 \
        --flood-in-flight 8 --max-waiting-per-client 4
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import shlex
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import grpc
import numpy as np
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent_server.godot import town_args  # noqa: E402
from agent_server.scenario import Scenario  # noqa: E402
from agent_server.settings import load_settings  # noqa: E402
from bench.machine import machine  # noqa: E402
from bench.town import FOLLOW_UPS, LINES, TYPING_S  # noqa: E402
from simulacra.v1 import service_pb2, service_pb2_grpc  # noqa: E402

TARGET_P50_MS, TARGET_P95_MS = 250, 500
# Players' names: not the town's own player (Alex), and one each.
PLAYERS = ["Robin", "Sam", "Jordan", "Casey", "Morgan", "Riley", "Quinn", "Avery", "Jamie", "Taylor", "Drew", "Reese"]
QUESTIONS = ["What is your occupation?", "What are you planning to do today?", "Who do you live with?",
             "What did you do yesterday?", "How do you feel about your neighbours?", "What have you learned lately?",
             "What is the most important thing in your life?", "Who did you talk to today?"]
CLOCK_EVERY_S = 2.0
STATS_TIMEOUT_S = 10.0
PREPARE_TIMEOUT_S = 60.0
SERVER_UP_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 120.0
WARM_UP_SHARE = 0.10
PROGRESS_EVERY_S = 120.0
_BEGAN = time.monotonic()


def note(message: str) -> None:
    """Progress, on stderr (the JSON goes to stdout)."""
    print(f"soak [{time.monotonic() - _BEGAN:7.0f} s] {message}", file=sys.stderr, flush=True)


def percentile_ms(values: list[float], q: float) -> float | None:
    return round(1000 * float(np.percentile(values, q)), 1) if values else None


def latency(lines: list[dict], kinds: tuple[str, ...]) -> dict:
    firsts = [x["first_token_s"] for x in lines if x["kind"] in kinds and x.get("first_token_s") is not None]
    out = {"lines": len(firsts), "first_token_p50_ms": percentile_ms(firsts, 50),
           "first_token_p95_ms": percentile_ms(firsts, 95),
           "first_token_max_ms": round(1000 * max(firsts), 1) if firsts else None}
    out["target_met"] = (bool(firsts) and out["first_token_p50_ms"] <= TARGET_P50_MS
                         and out["first_token_p95_ms"] <= TARGET_P95_MS)
    return out


def proc_status(pid: int) -> dict:
    """VmRSS and VmHWM of a process, MB (empty once it is gone)."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return out


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)
    except (OSError, IndexError, ValueError):
        return None


def code_of(error: BaseException) -> str:
    if isinstance(error, grpc.aio.AioRpcError):
        return error.code().name
    if isinstance(error, asyncio.TimeoutError):
        return "CLIENT_TIMEOUT"
    if isinstance(error, ConnectionClosed):
        return "CONNECTION_CLOSED"
    return type(error).__name__


def limit_named(message: str) -> str:
    """Which admission limit a RESOURCE_EXHAUSTED names (agent_server/scheduler.py)."""
    if "shed" in message:
        return "max_model_queue (shed)"
    for limit in ("max_waiting_per_client", "max_model_queue"):
        if limit in message:
            return limit
    return "other"


class RequestError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


# ---- the server, the town, the clock ------------------------------------------------------

class Server:
    """`simulacra serve` in a process of its own, on ephemeral ports."""

    def __init__(self, scenario: Path, data_dir: Path, log: Path, env: dict[str, str], log_level: str) -> None:
        self.ready_file = data_dir / "ready.json"
        self.data_dir = data_dir
        self.log = open(log, "ab")
        self.process = None
        self.args = [sys.executable, "-m", "agent_server", "serve", "--scenario", str(scenario),
                     "--data-dir", str(data_dir), "--grpc-port", "0", "--ws-port", "0",
                     "--ready-file", str(self.ready_file), "--log-level", log_level]
        self.env = env
        self.grpc = self.ws = ""

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(*self.args, cwd=ROOT, env=self.env,
                                                            stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + SERVER_UP_TIMEOUT_S
        while not self.ready_file.exists():
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start (exit {self.process.returncode}); see {self.log.name}")
            await asyncio.sleep(0.2)
        ready = json.loads(self.ready_file.read_text())
        self.grpc, self.ws = ready["grpc"], ready["ws"]

    @property
    def pid(self) -> int:
        return self.process.pid

    async def stop(self) -> dict:
        """SIGTERM, and the seconds it took to stop (killed after STOP_TIMEOUT_S: hung)."""
        out = {"stop_seconds": None, "hung": False, "exit_code": None}
        if self.process is None or self.process.returncode is not None:
            out["exit_code"] = self.process.returncode if self.process else None
            return out
        began = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT_S)
        except asyncio.TimeoutError:
            out["hung"] = True
            self.process.kill()
            await self.process.wait()
        out["stop_seconds"] = round(time.perf_counter() - began, 1)
        out["exit_code"] = self.process.returncode
        self.log.close()
        return out


class Clock:
    """Samples GetStats every CLOCK_EVERY_S: the server's game time (moved by the town's
    SyncWorld), its memories and its model usage; finds the stalls."""

    def __init__(self, stub, metadata) -> None:
        self.stub = stub
        self.metadata = metadata
        self.game_time = 0
        self.stats = None
        self.samples: list[tuple[float, int]] = []  # (monotonic, game time)
        self.rtts: list[float] = []
        self.timeouts = 0
        self.errors: Counter = Counter()
        self.started = asyncio.Event()  # the clock has moved since the town started
        self.last_advance = time.monotonic()
        self.origin: int | None = None

    async def poll(self) -> service_pb2.ServerStats | None:
        sent = time.perf_counter()
        try:
            stats = await self.stub.GetStats(service_pb2.GetStatsRequest(), timeout=STATS_TIMEOUT_S,
                                             metadata=self.metadata)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                self.timeouts += 1
            else:
                self.errors[error.code().name] += 1
            return None
        self.rtts.append(time.perf_counter() - sent)
        now = time.monotonic()
        if stats.game_time > self.game_time:
            self.last_advance = now
            if self.origin is not None and stats.game_time > self.origin:
                self.started.set()
        self.game_time = max(self.game_time, stats.game_time)
        self.stats = stats
        self.samples.append((now, stats.game_time))
        return stats

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.poll()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), CLOCK_EVERY_S)

    def stalls(self, threshold_s: float, since: float, until: float) -> dict:
        """Spans over `threshold_s` real seconds in which the game time did not advance,
        between `since` (the clock first moved) and `until` (the town ended)."""
        points = [(t, g) for t, g in self.samples if since <= t <= until]
        stalls, longest = [], 0.0
        last_t, last_g = (points[0] if points else (since, 0))
        for t, g in points[1:] + [(until, None)]:
            if g is None or g > last_g:
                span = t - last_t
                longest = max(longest, span)
                if span > threshold_s:
                    stalls.append({"after_real_s": round(last_t - since, 1), "seconds": round(span, 1),
                                   "game_time": last_g})
                last_t, last_g = t, (g if g is not None else last_g)
        return {"stalls": stalls, "longest_without_advancing_s": round(longest, 1)}


async def wait_ready(clock: Clock, server: Server, timeout_s: float) -> float:
    started = time.perf_counter()
    while True:
        stats = await clock.poll()
        if stats is not None and stats.ready:
            return time.perf_counter() - started
        if server.process.returncode is not None:
            raise RuntimeError(f"the server exited ({server.process.returncode}) during start-up")
        if time.perf_counter() - started > timeout_s:
            raise RuntimeError(f"the agents did not plan within {timeout_s:.0f} s")
        await asyncio.sleep(1.0)


# ---- the players ---------------------------------------------------------------------------

class Gateway:
    """A WebSocket client of the gateway's envelope; replies are matched by id, so a
    request that timed out cannot be mistaken for the next one."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.url, self.headers = url, headers
        self.ws = None
        self._ids = itertools.count(1)
        self._replies: dict[str, asyncio.Queue] = {}
        self._reader: asyncio.Task | None = None

    async def open(self) -> None:
        self.ws = await connect(self.url, max_size=None, additional_headers=self.headers or None)
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self.ws is not None:
            await self.ws.close()

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                reply = json.loads(frame)
                queue = self._replies.get(str(reply.get("id")))
                if queue is not None:
                    queue.put_nowait(reply)
        except ConnectionClosed:
            pass
        finally:
            # Whoever waits for a reply hears at once that none will come.
            for queue in self._replies.values():
                queue.put_nowait(RequestError("CONNECTION_CLOSED", "the WebSocket connection closed"))

    async def replies(self, method: str, payload: dict, timeout_s: float):
        """The request's replies' payloads, until done; RequestError for an error reply,
        asyncio.TimeoutError past `timeout_s` for the whole."""
        request_id = str(next(self._ids))
        queue: asyncio.Queue = asyncio.Queue()
        self._replies[request_id] = queue
        deadline = time.monotonic() + timeout_s
        try:
            if self._reader is None or self._reader.done():
                raise RequestError("CONNECTION_CLOSED", "the WebSocket connection is closed")
            await self.ws.send(json.dumps({"id": request_id, "method": method, "payload": payload}))
            while True:
                reply = await asyncio.wait_for(queue.get(), max(deadline - time.monotonic(), 0.001))
                if isinstance(reply, BaseException):
                    raise reply
                if "error" in reply:
                    raise RequestError(reply["error"].get("code", "UNKNOWN"), reply["error"].get("message", ""))
                if "payload" in reply:
                    yield reply["payload"]
                if reply.get("done"):
                    return
        finally:
            self._replies.pop(request_id, None)


class Agents:
    """Who is free to be talked to: one player per agent at a time."""

    def __init__(self, ids: list[str]) -> None:
        self.free = list(ids)
        self.changed = asyncio.Condition()

    async def take(self, rng: random.Random, last: str | None) -> str:
        async with self.changed:
            await self.changed.wait_for(lambda: [a for a in self.free if a != last] or self.free)
            choices = [a for a in self.free if a != last] or self.free
            agent = rng.choice(choices)
            self.free.remove(agent)
            return agent

    async def give_back(self, agent: str) -> None:
        async with self.changed:
            self.free.append(agent)
            self.changed.notify_all()


class Player:
    def __init__(self, name: str, gateway: Gateway, clock: Clock, agents: Agents, args, tokens, seed: int) -> None:
        self.name, self.gateway, self.clock, self.agents, self.args = name, gateway, clock, agents, args
        self.tokens = tokens
        self.rng = random.Random(seed)
        self.lines: list[dict] = []  # every line said, answered or not
        self.errors: Counter = Counter()  # "Method CODE"
        self.timeouts: list[dict] = []
        self.visits = self.prepared = 0

    async def pause(self, stop: asyncio.Event, seconds: float) -> bool:
        try:
            await asyncio.wait_for(stop.wait(), seconds)
            return True
        except asyncio.TimeoutError:
            return False

    def failed(self, method: str, agent: str, error: BaseException) -> None:
        code = error.code if isinstance(error, RequestError) else code_of(error)
        self.errors[f"{method} {code}"] += 1
        if code == "CLIENT_TIMEOUT":
            self.timeouts.append({"player": self.name, "method": method, "agent": agent,
                                  "at_game_time": self.clock.game_time})

    async def prepare(self, agent: str) -> None:
        payload = {"agentId": agent, "playerName": self.name, "gameTime": self.clock.game_time}
        try:
            async for _ in self.gateway.replies("PrepareChat", payload, PREPARE_TIMEOUT_S):
                pass
            self.prepared += 1
        except (RequestError, asyncio.TimeoutError, ConnectionClosed) as error:
            self.failed("PrepareChat", agent, error)

    async def say(self, agent: str, text: str, kind: str) -> None:
        payload = {"agentId": agent, "text": text, "playerName": self.name, "gameTime": self.clock.game_time}
        line = {"player": self.name, "agent": agent, "kind": kind, "text": text, "answered": False,
                "first_token_s": None}
        self.lines.append(line)
        sent = time.perf_counter()
        first = last = None
        try:
            async for chunk in self.gateway.replies("Chat", payload, self.args.request_timeout_s):
                if chunk.get("text", "").strip():
                    last = time.perf_counter() - sent
                    first = first if first is not None else last
                if chunk.get("done"):
                    line["answer"] = chunk.get("fullText", "")
                    line["answered"] = True
        except (RequestError, asyncio.TimeoutError, ConnectionClosed) as error:
            self.failed("Chat", agent, error)
        line["first_token_s"] = first
        line["whole_s"] = round(time.perf_counter() - sent, 3)
        if line["answered"] and first is not None and last is not None and last > first:
            line["tokens_per_s"] = round(max(len(self.tokens(line["answer"])) - 1, 0) / (last - first), 1)

    async def run(self, stop: asyncio.Event) -> None:
        # Players arrive at different moments, not all at once.
        if await self.pause(stop, self.rng.uniform(0, self.args.walk_s + self.args.typing_s)):
            return
        last = None
        n = 0
        while not stop.is_set():
            if self.gateway.ws is None or self.gateway.ws.state.name != "OPEN":
                try:
                    await self.gateway.close()
                    await self.gateway.open()
                except (OSError, ConnectionClosed) as error:
                    self.failed("connect", "", error)
                    if await self.pause(stop, 5.0):
                        break
                    continue
            agent = await self.agents.take(self.rng, last)
            try:
                self.visits += 1
                await self.prepare(agent)  # walked up to the agent
                for k in range(self.args.lines_per_visit):
                    if await self.pause(stop, self.rng.uniform(0.7, 1.3) * self.args.typing_s):
                        return
                    text = LINES[n % len(LINES)] if k == 0 else FOLLOW_UPS[(n + k) % len(FOLLOW_UPS)]
                    await self.say(agent, text, "first" if k == 0 else "follow_up")
                n += 1
            finally:
                await self.agents.give_back(agent)
            last = agent
            if await self.pause(stop, self.rng.uniform(0.5, 1.5) * self.args.walk_s):
                return


# ---- the flood -----------------------------------------------------------------------------

class Flood:
    """One connection keeping `in_flight` interviews going."""

    def __init__(self, stub, agents: list[str], args, metadata, seed: int) -> None:
        self.stub, self.agents, self.args, self.metadata = stub, agents, args, metadata
        self.rng = random.Random(seed)
        self.sent = 0
        self.answered: list[tuple[float, float]] = []  # (monotonic when answered, seconds it took)
        self.codes: Counter = Counter()
        self.refused: Counter = Counter()
        self.cancelled = 0

    async def worker(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            request = service_pb2.InterviewRequest(agent_id=self.rng.choice(self.agents),
                                                   question=self.rng.choice(QUESTIONS))
            self.sent += 1
            sent = time.monotonic()
            try:
                await self.stub.Interview(request, timeout=self.args.flood_timeout_s, metadata=self.metadata)
                self.answered.append((time.monotonic(), time.monotonic() - sent))
                self.codes["OK"] += 1
                continue
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
            except grpc.aio.AioRpcError as error:
                code = error.code().name
                self.codes[code] += 1
                if code == "RESOURCE_EXHAUSTED":
                    self.refused[limit_named(error.details() or "")] += 1
            except Exception as error:  # noqa: BLE001 (counted, and the flood goes on)
                self.codes[type(error).__name__] += 1
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), self.args.flood_backoff_s)

    def report(self, since: float, until: float) -> dict:
        times = [t for t, _ in self.answered]
        gaps = np.diff([since, *times, until]) if self.answered or until > since else []
        took = [s for _, s in self.answered]
        return {"in_flight": self.args.flood_in_flight, "sent": self.sent, "answered": len(self.answered),
                "by_code": dict(sorted(self.codes.items())), "refused_by_limit": dict(sorted(self.refused.items())),
                "cancelled_at_the_end": self.cancelled,
                "answer_p50_ms": percentile_ms(took, 50), "answer_p95_ms": percentile_ms(took, 95),
                "longest_without_an_answer_s": round(float(max(gaps)), 1) if len(gaps) else None}


# ---- memory, loss ---------------------------------------------------------------------------

async def sample_rss(pid: int, clock: Clock, stop: asyncio.Event, every_s: float, series: list) -> None:
    while not stop.is_set():
        status = proc_status(pid)
        if "VmRSS" in status:
            memories = clock.stats.memories if clock.stats is not None else None
            series.append((time.monotonic(), clock.game_time, status["VmRSS"], memories))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)


def rss_report(series: list, since: float, until: float, origin_game: int, end_game: int, threshold: float,
               startup_peak: float | None) -> dict:
    """The server's RSS while the town ran (`since` to `until`, monotonic seconds)."""
    measured = [(g, mb, m) for t, g, mb, m in series if since <= t <= until]
    span_h = max(end_game - origin_game, 1) / 3600
    warm_until = origin_game + WARM_UP_SHARE * (end_game - origin_game)
    after = [(g, mb, m) for g, mb, m in measured if g >= warm_until]
    out = {"samples": len(measured), "startup_peak_mb": startup_peak,
           "warm_up_game_hours": round(WARM_UP_SHARE * span_h, 2),
           "flat_threshold_mb_per_game_hour": threshold}
    if measured:
        out["max_mb"] = max(mb for _, mb, _ in measured)
    if len(after) >= 3 and after[-1][0] > after[0][0]:
        hours = np.array([(g - origin_game) / 3600 for g, _, _ in after])
        mbs = np.array([mb for _, mb, _ in after])
        slope = float(np.polyfit(hours, mbs, 1)[0])
        out["after_warm_up"] = {"first_mb": after[0][1], "last_mb": after[-1][1], "max_mb": float(mbs.max()),
                                "slope_mb_per_game_hour": round(slope, 2)}
        out["flat"] = slope <= threshold
        known = [(g, m) for g, _, m in after if m is not None]
        if len(known) >= 2:
            out["after_warm_up"]["memories_first"] = known[0][1]
            out["after_warm_up"]["memories_last"] = known[-1][1]
    else:
        out["after_warm_up"] = None
        out["flat"] = None  # too few samples to say
    # The series itself, thinned to about 60 points: [game hours since the start, MB].
    step = max(len(measured) // 60, 1)
    out["series_game_h_mb"] = [[round((g - origin_game) / 3600, 3), mb] for g, mb, _ in measured[::step]]
    return out


def lost_lines(save: Path, lines: list[dict], names: dict[str, str]) -> dict:
    """Every answered line, looked up in the save: in the agent's conversation record
    with that player, followed by the answer the player was given, and in its memory
    stream, the line and the answer ('<player> said to <agent>: "<line>"' and
    '<agent> said to <player>: "<answer>"', rated or still held for rating). Each
    exchange found uses up what it was found in (a line said twice is looked for twice)."""
    db = sqlite3.connect(f"file:{save}?mode=ro", uri=True)
    try:
        recorded: Counter = Counter()
        for (data,) in db.execute("SELECT data FROM conversations"):
            c = json.loads(data)
            said = c.get("lines", [])
            for (speaker, name, text), (answerer, _, answer) in zip(said, said[1:]):
                if speaker == "player" and answerer in c.get("participant_ids", []):
                    recorded[(answerer, name, text, answer)] += 1
        rated: Counter = Counter(db.execute("SELECT agent_id, description FROM memories"))
        held: Counter = Counter(db.execute("SELECT agent_id, description FROM pending"))
    finally:
        db.close()
    out = {"answered_lines": 0, "missing_from_record": 0, "missing_from_memories": 0,
           "memories_held_unrated": 0, "lost": 0, "examples": []}

    def take(counter: Counter, key) -> bool:
        if counter[key] > 0:
            counter[key] -= 1
            return True
        return False

    for x in lines:
        if not x["answered"]:
            continue
        out["answered_lines"] += 1
        agent, player, text, answer = x["agent"], x["player"], x["text"], x.get("answer", "")
        name = names.get(agent, agent)
        in_record = take(recorded, (agent, player, text, answer))
        memories = [(agent, f'{player} said to {name}: "{text}"'), (agent, f'{name} said to {player}: "{answer}"')]
        found = []
        for memory in memories:
            if take(rated, memory):
                found.append("rated")
            elif take(held, memory):
                found.append("held")
                out["memories_held_unrated"] += 1
        in_memories = len(found) == 2
        out["missing_from_record"] += not in_record
        out["missing_from_memories"] += not in_memories
        if not (in_record and in_memories):
            out["lost"] += 1
            if len(out["examples"]) < 10:
                out["examples"].append({"agent": agent, "player": player, "text": text, "answer": answer,
                                        "in_record": in_record, "memories_found": found})
    return out


async def progress(clock: Clock, origin_game: int, players: list, flood, series: list, stop: asyncio.Event) -> None:
    while True:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), PROGRESS_EVERY_S)
        if stop.is_set():
            return
        lines = [x for p in players for x in p.lines]
        note(f"game hour {(clock.game_time - origin_game) / 3600:.2f}: {sum(x['answered'] for x in lines)} of "
             f"{len(lines)} player lines answered; flood {len(flood.answered)} answered, "
             f"{sum(flood.refused.values())} refused; server RSS {series[-1][2] if series else '?'} MB")


def usage_between(before, after) -> dict:
    b = {u.purpose: u for u in (before.usage if before is not None else [])}
    out = {}
    for u in (after.usage if after is not None else []):
        p = b.get(u.purpose)
        calls = u.calls - (p.calls if p else 0)
        if calls:
            out[u.purpose] = {"calls": calls,
                              "tokens": u.prompt_tokens + u.completion_tokens
                              - ((p.prompt_tokens + p.completion_tokens) if p else 0),
                              "model_seconds": round(u.model_seconds - (p.model_seconds if p else 0.0), 1)}
    return dict(sorted(out.items()))


# ---- the run -------------------------------------------------------------------------------

def scenario_for(args, folder: Path) -> tuple[Path, list[str]]:
    path = load_settings(scenario_path=args.scenario).scenario_path
    scenario = Scenario.load(path)
    ids = [a.id for a in scenario.proto.agents]
    if args.agents and args.agents < len(ids):
        from bench.believability import limited_scenario

        ids = ids[:args.agents]
        path = limited_scenario(scenario, ids, folder)
    return Path(path), ids


def tokenizer(model_path: Path):
    try:
        from llama_cpp import Llama

        vocabulary = Llama(model_path=str(model_path), vocab_only=True, verbose=False)
        return lambda text: vocabulary.tokenize(text.encode("utf-8"), add_bos=False, special=False)
    except Exception:  # no tokenizer: count words
        return lambda text: text.split()


async def soak(args, folder: Path) -> dict:
    env = dict(os.environ)
    if args.max_model_queue is not None:
        env["SIMULACRA_MAX_MODEL_QUEUE"] = str(args.max_model_queue)
    if args.max_waiting_per_client is not None:
        env["SIMULACRA_MAX_WAITING_PER_CLIENT"] = str(args.max_waiting_per_client)
    # The server's own settings (simulacra.toml, the environment), with these overrides.
    settings = load_settings(max_model_queue=args.max_model_queue, max_waiting_per_client=args.max_waiting_per_client)
    token = settings.auth_token.get_secret_value() if settings.auth_token is not None else None
    metadata = (("authorization", f"Bearer {token}"),) if token else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if token:
        env["SIMULACRA_AUTH_TOKEN"] = token  # the town reads it from there
    scenario, ids = scenario_for(args, folder)
    tokens = tokenizer(settings.model_path)

    out: dict = {"settings": {
        "scenario": args.scenario, "agents": len(ids), "game_hours": args.game_hours, "speed": args.speed,
        "realtime": True, "players": args.players, "lines_per_visit": args.lines_per_visit,
        "typing_s": args.typing_s, "walk_s": args.walk_s, "flood_in_flight": args.flood_in_flight,
        "flood_backoff_s": args.flood_backoff_s, "flood_timeout_s": args.flood_timeout_s,
        "request_timeout_s": args.request_timeout_s, "stall_s": args.stall_s, "rss_every_s": args.rss_every_s,
        "max_model_queue": settings.max_model_queue, "max_waiting_per_client": settings.max_waiting_per_client,
        "model": settings.model_path.name, "n_threads": settings.n_threads, "seed": args.seed}}
    server = Server(scenario, folder / "data", folder / "server.log", env, args.server_log_level)
    godot = None
    rss_series: list = []
    stop_sampling, stop_load = asyncio.Event(), asyncio.Event()
    tasks: list[asyncio.Task] = []
    gateways: list[Gateway] = []
    players: list[Player] = []
    channels: list = []
    godot_log = None
    try:
        wall = time.perf_counter()
        await server.start()
        note(f"server up (pid {server.pid}, gRPC {server.grpc}, {server.ws}); {len(ids)} agents starting")
        out["server_pid"] = server.pid
        # Two connections: the clock's and the flood's (channels to one target share
        # one unless told not to), and each player's WebSocket.
        clock_channel = grpc.aio.insecure_channel(server.grpc)
        flood_channel = grpc.aio.insecure_channel(server.grpc, options=[("grpc.use_local_subchannel_pool", 1)])
        channels += [clock_channel, flood_channel]
        clock = Clock(service_pb2_grpc.SimulacraStub(clock_channel), metadata)
        rss_startup: list = []
        startup_done = asyncio.Event()
        sampling = asyncio.create_task(sample_rss(server.pid, clock, startup_done, args.rss_every_s, rss_startup))
        out["startup_seconds"] = round(await wait_ready(clock, server, args.startup_timeout_s), 1)
        startup_done.set()
        await sampling
        note(f"the agents planned ahead in {out['startup_seconds']:.0f} s; starting the town")
        out["startup_rss_peak_mb"] = max((mb for _, _, mb, _ in rss_startup), default=None)
        names = {a.id: a.name for a in (await clock.stub.ListAgents(
            service_pb2.ListAgentsRequest(), timeout=STATS_TIMEOUT_S, metadata=metadata)).agents}

        # The town, headless, with a player standing in it; the clock starts with it.
        minutes = max(int(round(args.game_hours * 60)), 1)
        report = folder / "town_report.json"
        town_env = env
        with contextlib.suppress(ImportError):
            from agent_server.godot import town_environment

            town_env = {**town_environment(settings), **env}
        clock.origin = clock.game_time
        godot_log = open(folder / "godot.log", "ab")
        godot = await asyncio.create_subprocess_exec(
            *town_args(server.ws, headless=True, speed=args.speed,
                       extra=["--minutes", str(minutes), "--report", str(report), "--player"]),
            stdout=godot_log, stderr=godot_log, env=town_env)
        tasks.append(asyncio.create_task(clock.run(stop_sampling)))
        tasks.append(asyncio.create_task(sample_rss(server.pid, clock, stop_sampling, args.rss_every_s, rss_series)))
        town_started = time.monotonic()
        done = asyncio.create_task(godot.wait())
        started = asyncio.create_task(clock.started.wait())
        await asyncio.wait({done, started}, timeout=args.town_start_timeout_s, return_when=asyncio.FIRST_COMPLETED)
        town_up = started.done()
        if not town_up:
            # No clock to measure against: the town is ended, and no load is put on.
            started.cancel()
            out["town_did_not_start"] = {"exit_code": godot.returncode,
                                         "seconds": round(time.monotonic() - town_started, 1)}
            if godot.returncode is None:
                godot.terminate()
        out["town_start_seconds"] = round(time.monotonic() - town_started, 1)
        note(f"the town's clock runs (after {out['town_start_seconds']:.0f} s); {args.players if town_up else 0} "
             f"players and {args.flood_in_flight if town_up else 0} interviews in flight for {minutes} game minutes"
             if town_up else "the town's clock did not start")
        since, origin_game = time.monotonic(), clock.game_time
        before = clock.stats
        load_before = os.getloadavg()
        cpu_before = cpu_seconds(server.pid)

        # The load: the players and the flood.
        agents = Agents(ids)
        for i in range(args.players if town_up else 0):
            gateway = Gateway(server.ws, headers)
            await gateway.open()
            gateways.append(gateway)
            players.append(Player(PLAYERS[i % len(PLAYERS)] + ("" if i < len(PLAYERS) else str(i)), gateway, clock,
                                  agents, args, tokens, args.seed + i))
        load = [asyncio.create_task(p.run(stop_load)) for p in players]
        flood = Flood(service_pb2_grpc.SimulacraStub(flood_channel), ids, args, metadata, args.seed + 1000)
        flooding = [asyncio.create_task(flood.worker(stop_load)) for _ in range(args.flood_in_flight if town_up else 0)]

        tasks.append(asyncio.create_task(progress(clock, origin_game, players, flood, rss_series, stop_load)))
        expected_s = args.game_hours * 3600 / args.speed
        limit_s = 2 * expected_s + 300
        try:
            await asyncio.wait_for(asyncio.shield(done), limit_s)
        except asyncio.TimeoutError:
            out["town_overran"] = {"limit_s": round(limit_s), "game_hours_run": round(
                (clock.game_time - origin_game) / 3600, 2)}
            godot.terminate()
            await done
        until = time.monotonic()
        note(f"the town ended (exit {godot.returncode}); the players finish their lines")
        out["town_exit_code"] = godot.returncode
        measured_s = until - since
        end_game = clock.game_time
        cpu_after = cpu_seconds(server.pid)

        # The load stops: the lines under way finish (each bounded by its timeout),
        # the interviews in flight are cancelled.
        stop_load.set()
        for task in flooding:
            task.cancel()
        await asyncio.gather(*flooding, return_exceptions=True)
        _, late = await asyncio.wait(load, timeout=args.request_timeout_s + 30) if load else (None, set())
        for task in late:  # (waiting for an agent to be free, with more players than agents)
            task.cancel()
        await asyncio.gather(*load, return_exceptions=True)
        stop_sampling.set()
        await clock.poll()
        after = clock.stats
        await asyncio.gather(*tasks, return_exceptions=True)
        load_after = os.getloadavg()

        lines = [x for p in players for x in p.lines]
        errors = Counter()
        for p in players:
            errors.update(p.errors)
        refusals = sum(n for k, n in errors.items() if k.endswith("RESOURCE_EXHAUSTED"))
        timeouts = [t for p in players for t in p.timeouts]
        rates = [x["tokens_per_s"] for x in lines if x.get("tokens_per_s")]
        out["player_chat"] = {
            "target": {"first_token_p50_ms": TARGET_P50_MS, "first_token_p95_ms": TARGET_P95_MS},
            # The game's lines: all are said after PrepareChat (first lines a few
            # seconds after it, follow-ups in the conversation it prepared).
            **latency(lines, ("first", "follow_up")),
            "by_kind": {kind: latency(lines, (kind,)) for kind in ("first", "follow_up")},
            "tokens_per_second_p50": round(float(np.percentile(rates, 50)), 1) if rates else None,
            "tokens_per_second_mean": round(float(np.mean(rates)), 1) if rates else None,
            "lines_said": len(lines), "lines_answered": sum(x["answered"] for x in lines),
            "visits": sum(p.visits for p in players), "prepare_chats": sum(p.prepared for p in players),
            "errors_by_method_and_code": dict(sorted(errors.items())),
            "refusals": refusals,
            "per_player": {p.name: {"lines": len(p.lines), "answered": sum(x["answered"] for x in p.lines),
                                    "first_token_p50_ms": latency(p.lines, ("first", "follow_up"))[
                                        "first_token_p50_ms"]} for p in players},
        }
        out["flood"] = flood.report(since, until)
        town = json.loads(report.read_text()) if report.exists() else {}
        out["keeping_up"] = {"waiting_share": town.get("performance", {}).get("waiting_share"),
                             "town_fps": town.get("performance", {}).get("frames_per_second"),
                             "town_errors": len(town.get("errors", [])),
                             "town_errors_first": town.get("errors", [])[:5]}
        out["measured"] = {"real_seconds": round(measured_s, 1),
                           "game_hours": round((end_game - origin_game) / 3600, 2),
                           "game_seconds_per_real_second": round((end_game - origin_game) / max(measured_s, 1e-9), 1),
                           "server_cpu_seconds": (round(cpu_after - cpu_before, 1)
                                                  if cpu_after is not None and cpu_before is not None else None),
                           "load_average_before": [round(x, 2) for x in load_before],
                           "load_average_after": [round(x, 2) for x in load_after]}
        out["model_use"] = usage_between(before, after)
        stalls = clock.stalls(args.stall_s, since, until)
        out["deadlock"] = {"stall_threshold_s": args.stall_s, "clock_stalls": stalls["stalls"],
                           "longest_without_advancing_s": stalls["longest_without_advancing_s"],
                           "get_stats_timeouts": clock.timeouts,
                           "get_stats_errors": dict(clock.errors),
                           "get_stats_p95_ms": percentile_ms(clock.rtts, 95),
                           "get_stats_max_ms": round(1000 * max(clock.rtts), 1) if clock.rtts else None,
                           "player_request_timeouts": timeouts}
        out["rss"] = rss_report(rss_series, since, until, origin_game, end_game, args.flat_mb_per_game_hour,
                                out.get("startup_rss_peak_mb"))
        # The kernel's high-water mark (updated lazily, so never below a sample taken).
        out["rss"]["peak_mb"] = max([proc_status(server.pid).get("VmHWM", 0.0),
                                     *(mb for _, _, mb, _ in rss_startup + rss_series)])
    finally:
        stop_load.set()
        stop_sampling.set()
        for task in tasks:
            task.cancel()
        for gateway in gateways:
            with contextlib.suppress(Exception):
                await gateway.close()
        for channel in channels:
            await channel.close()
        if godot is not None and godot.returncode is None:
            godot.terminate()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(godot.wait(), 30)
        note("stopping the server")
        stopped = await server.stop()
        if godot_log is not None:
            godot_log.close()
    out["deadlock"] = out.get("deadlock", {})
    out["deadlock"]["server_stop"] = stopped
    out["deadlock"]["deadlock"] = bool(out["deadlock"].get("clock_stalls") or out["deadlock"].get(
        "player_request_timeouts") or stopped["hung"])
    saves = sorted((folder / "data").glob("*/simulation.db"))
    lines = [x for p in players for x in p.lines]
    out["lost"] = lost_lines(saves[0], lines, names) if saves else {"lost": None, "error": "no save found"}
    out["wall_seconds"] = round(time.perf_counter() - wall, 1)
    return out


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="smallville")
    parser.add_argument("--agents", type=int, default=None,
                        help="only the scenario's first N agents (a shorter start-up, for a short run)")
    parser.add_argument("--game-hours", type=float, default=24.0, help="game hours measured, after the start-up")
    parser.add_argument("--speed", type=float, default=60.0, help="game seconds per real second")
    parser.add_argument("--players", type=int, default=8, help="players talking at once, one WebSocket each")
    parser.add_argument("--lines-per-visit", type=int, default=3)
    parser.add_argument("--typing-s", type=float, default=TYPING_S,
                        help="real seconds a player takes to type a line (after walking up or reading)")
    parser.add_argument("--walk-s", type=float, default=10.0, help="real seconds between two visits")
    parser.add_argument("--flood-in-flight", type=int, default=96, help="interviews the flooding client keeps going")
    parser.add_argument("--flood-backoff-s", type=float, default=1.0, help="a flood worker's wait after a refusal")
    parser.add_argument("--flood-timeout-s", type=float, default=600.0)
    parser.add_argument("--request-timeout-s", type=float, default=300.0,
                        help="a player's line must be answered within this (else: deadlock)")
    parser.add_argument("--stall-s", type=float, default=60.0,
                        help="real seconds without the game clock advancing that count as a deadlock")
    parser.add_argument("--rss-every-s", type=float, default=10.0)
    parser.add_argument("--flat-mb-per-game-hour", type=float, default=5.0)
    parser.add_argument("--max-model-queue", type=int, default=None, help="the server's max_model_queue")
    parser.add_argument("--max-waiting-per-client", type=int, default=None,
                        help="the server's max_waiting_per_client")
    parser.add_argument("--startup-timeout-s", type=float, default=3600.0)
    parser.add_argument("--town-start-timeout-s", type=float, default=300.0)
    parser.add_argument("--server-log-level", default="WARNING")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None,
                        help="keep the save, the server's and the town's logs and the town's report here")
    args = parser.parse_args()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        folder = args.out.resolve()
        result = await soak(args, folder)
    else:
        folder = Path(tempfile.mkdtemp(prefix="soak-"))
        try:
            result = await soak(args, folder)
        except BaseException:
            print(f"soak: the logs are kept in {folder}", file=sys.stderr)
            raise
        shutil.rmtree(folder, ignore_errors=True)
    lost = result["lost"].get("lost")
    failures = []
    if result["deadlock"]["deadlock"]:
        failures.append("deadlock")
    if "town_did_not_start" in result:
        failures.append("the town's clock did not start")
    if lost is None or lost > 0:
        failures.append("lost")
    if result.get("player_chat", {}).get("refusals", 1):
        failures.append("player refused")
    out = {"benchmark": "soak", "command": shlex.join([sys.executable, *sys.argv]), "machine": machine(),
           **result, "failures": failures, "passed": not failures}
    print(json.dumps(out, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
