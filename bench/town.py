#!/usr/bin/env python3
"""The town under load: a scenario's agents (Smallville's 25 by default) in the real
Godot world at 1 game minute per real second, not in lockstep (the world does not wait
for the minds, as in a game), while a player talks to one agent after another.

The player stands in the town where the game puts it, so agents far from it think in less
detail (agent_server/detail.py), as in a game; the baseline has no level of detail.

Measured over --minutes game minutes, after the start-up (first memories and the first
day plans; its duration is given apart), against the real-time targets:

- player chat: time from sending the player's line (gRPC, loopback) to its first streamed
  token, p50 and p95 (target p50 <= 250 ms, p95 <= 500 ms). The player behaves as in the
  game: walking up to an agent makes the town call PrepareChat; a few seconds later
  (typing) comes the first line, and a few seconds after the answer a follow-up. Every
  other visit skips PrepareChat ("cold": an API client that never calls it); those
  lines are reported apart;
- keeping up: the share of the agents' game time spent waiting for the server to say
  what they do next, from the world's own count (target <= 5%);
- economy: model requests and tokens per agent per game hour (target <= 10 requests);
- footprint: the server's resident memory, now and at its peak (target <= 1.5 GB after
  two game days; here after the measured span).

`--baseline` also runs the same town the way the original research code did, and every
figure is given as a ratio to it: one agent thinks at a time (all minds share one lock),
no batched decoding (llm_parallel 1), no cached place choices. Each mode gets a fresh
save, so both start from the same town.

    .venv/bin/python bench/town.py [--scenario smallville] [--minutes 120] [--speed 60] [--baseline]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

import grpc
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent_server.clock import format_game_time  # noqa: E402
from agent_server.evaluation.runner import process_memory_mb  # noqa: E402
from agent_server.godot import town_args  # noqa: E402
from agent_server.server import start_server  # noqa: E402
from agent_server.settings import load_settings  # noqa: E402
from bench.machine import machine  # noqa: E402
from simulacra.v1 import service_pb2, service_pb2_grpc  # noqa: E402

LINES = ["Hello! How is your day going?", "What are you working on today?", "Have you heard any news in town?",
         "Do you know a good place for lunch?", "What do you think of this town?"]
FOLLOW_UPS = ["That sounds nice. And later today?", "Who else should I meet here?", "Thanks! Anything else?"]
# Real seconds the player takes to type a line, after walking up or reading an answer.
TYPING_S = 3.0


def rss_mb() -> dict:
    current, peak = process_memory_mb()
    return {"current_mb": current, "peak_mb": peak}


def usage_of(scheduler) -> dict:
    return {p: dataclasses.asdict(u) for p, u in scheduler.stats.items()}


def usage_between(before: dict, after: dict) -> dict:
    out = {}
    for purpose, u in after.items():
        b = before.get(purpose, {})
        out[purpose] = {k: v - b.get(k, 0) for k, v in u.items()}
    return out


def waits_of(planner, waited_before: dict, waits_before: dict) -> dict:
    """The NextActions answered since: how many, their mean real time, and the seconds
    spent on each cause (planning.Planner.waited)."""
    asks = planner.waits["all"] - waits_before.get("all", 0)
    seconds = {k: round(v - waited_before.get(k, 0.0), 2) for k, v in planner.waited.items()}
    return {"asks": asks, "mean_ms": round(1000 * seconds.get("all", 0.0) / max(asks, 1), 1),
            "seconds_by_cause": {k: v for k, v in sorted(seconds.items()) if k != "all"},
            "asks_by_cause": {k: planner.waits[k] - waits_before.get(k, 0) for k in sorted(planner.waits) if k != "all"}}


async def player(grpc_address: str, agents: list[str], every_s: float, stop: asyncio.Event,
                 game_time, prepare: bool = True) -> list[dict]:
    """Visits one agent after another; returns each line's first-token latency, with
    its kind: "first" (after PrepareChat), "follow_up" (the same conversation's next
    line) or "cold" (no PrepareChat). Without `prepare` (the baseline, which the
    original code had no such call for), no visit calls PrepareChat."""
    said = []

    async def pause(seconds: float) -> bool:
        try:
            await asyncio.wait_for(stop.wait(), seconds)
            return True
        except asyncio.TimeoutError:
            return False

    async with grpc.aio.insecure_channel(grpc_address) as channel:
        stub = service_pb2_grpc.SimulacraStub(channel)

        async def line(agent: str, text: str, kind: str) -> None:
            request = service_pb2.ChatRequest(agent_id=agent, text=text, player_name="Alex", game_time=game_time())
            sent = time.perf_counter()
            first = None
            async for chunk in stub.Chat(request):
                if first is None and chunk.text:
                    first = time.perf_counter() - sent
            said.append({"agent": agent, "kind": kind,
                         "first_token_s": round(first if first is not None else float("nan"), 4),
                         "whole_s": round(time.perf_counter() - sent, 3)})

        i = 0
        while not await pause(every_s):
            agent = agents[i % len(agents)]
            if i % 2 or not prepare:
                await line(agent, LINES[i % len(LINES)], "cold")
            else:
                await stub.PrepareChat(service_pb2.PrepareChatRequest(agent_id=agent, player_name="Alex",
                                                                      game_time=game_time()))
                if await pause(TYPING_S):
                    break
                await line(agent, LINES[i % len(LINES)], "first")
                if await pause(TYPING_S):
                    break
                await line(agent, FOLLOW_UPS[i % len(FOLLOW_UPS)], "follow_up")
            i += 1
    return said


def latency(said: list[dict], kinds: tuple[str, ...]) -> dict:
    firsts = [s["first_token_s"] for s in said if s["kind"] in kinds and s["first_token_s"] == s["first_token_s"]]
    return {"lines": len(firsts),
            "first_token_p50_ms": round(1000 * float(np.percentile(firsts, 50)), 1) if firsts else None,
            "first_token_p95_ms": round(1000 * float(np.percentile(firsts, 95)), 1) if firsts else None}


async def run_mode(args, baseline: bool, settings: dict | None = None) -> dict:
    """One town run; `settings` are more server settings (bench/scale.py runs the town on
    model servers)."""
    with tempfile.TemporaryDirectory() as data:
        overrides = dict(scenario_path=args.scenario, data_dir=Path(data), grpc_port=0, ws_port=0, **(settings or {}))
        if baseline:
            overrides |= dict(baseline=True, llm_parallel=1)
        settings = load_settings(**overrides)
        started = time.perf_counter()
        server = await start_server(settings)
        try:
            while not server.society.ready:
                await asyncio.sleep(1)
            startup_s = time.perf_counter() - started
            before, wall = usage_of(server.scheduler), time.perf_counter()
            planner = server.society.planner
            waits_before = (dict(planner.waited), dict(planner.waits))
            slow_before = len(planner.slow_waits)
            report = Path(data) / "town_report.json"
            godot = await asyncio.create_subprocess_exec(
                *town_args(server.ws_url, headless=True, speed=args.speed,
                           extra=["--minutes", str(args.minutes), "--report", str(report), "--player"]),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            stop = asyncio.Event()
            agents = list(server.society.minds)
            talking = asyncio.create_task(player(f"127.0.0.1:{server.grpc_port}", agents, args.chat_every, stop,
                                                 lambda: server.society.world.game_time, prepare=not baseline))
            await godot.wait()
            stop.set()
            said = await talking
            # Where each line's wait went on the server, in the order the lines were said
            # (one at a time): finishing PrepareChat's work, reading whether what the agent
            # knows answers it, the model's first piece, the first words shown.
            for line, timing in zip(said, list(server.society.dialogue.player_timings)[-len(said):]):
                line["server_ms"] = {k: round(1000 * v, 1) for k, v in timing.items()
                                     if isinstance(v, float)}
                line["how"], line["tries"] = timing["how"], timing["tries"]
            wall = time.perf_counter() - wall
            used = usage_between(before, usage_of(server.scheduler))
            asks = waits_of(planner, *waits_before)
            asks["slow"] = [{"agent": a, "game_time": format_game_time(t), "cause": c, "seconds": w}
                            for a, t, c, w in list(planner.slow_waits)[slow_before:]]
            town = json.loads(report.read_text()) if report.exists() else {}
        finally:
            await server.stop()
    hours = args.minutes / 60
    n = len(agents)
    background = {p: u for p, u in used.items() if not p.startswith("player_chat")}
    calls = sum(u["calls"] for u in background.values())
    tokens = sum(u["prompt_tokens"] + u["completion_tokens"] for u in background.values())
    chat = used.get("player_chat", {})
    per_line = max(chat.get("calls", 0), 1)
    return {
        "mode": "baseline" if baseline else "simulacra",
        "agents": n, "game_minutes": args.minutes, "speed": args.speed, "wall_seconds": round(wall, 1),
        "startup_seconds": round(startup_s, 1),
        # The target is for the game's lines (first after PrepareChat, and follow-ups);
        # the baseline's are all cold.
        "player_chat": {**latency(said, ("cold",) if baseline else ("first", "follow_up")),
                        "by_kind": {kind: latency(said, (kind,)) for kind in ("first", "follow_up", "cold")},
                        # Where a line's first token goes, on the server, per line: waiting for
                        # the model (it finishes the scoring it is doing, pauses the batch), then
                        # from admission to the first token (the prompt's evaluation).
                        "server_ms_per_line": {
                            "prompt_tokens": round(chat.get("prompt_tokens", 0) / per_line, 1),
                            "prompt_tokens_found_warm": round(chat.get("reused_tokens", 0) / per_line, 1),
                            "queue": round(1000 * chat.get("queue_seconds", 0) / per_line, 1),
                            "to_first_token": round(1000 * chat.get("first_result_seconds", 0) / per_line, 1)},
                        "lines_said": said},
        "keeping_up": {"waiting_share": town.get("performance", {}).get("waiting_share"),
                       "town_fps": town.get("performance", {}).get("frames_per_second"),
                       # Where the waiting went, on the server: each NextAction's real time,
                       # by what it waited for.
                       "next_action": asks},
        "economy": {"requests_per_agent_per_game_hour": round(calls / (n * hours), 2),
                    "tokens_per_agent_per_game_hour": round(tokens / (n * hours), 1),
                    "by_purpose_calls_per_agent_per_game_hour": {
                        p: round(u["calls"] / (n * hours), 2) for p, u in sorted(background.items())}},
        "footprint": rss_mb(),
    }


def ratios(ours: dict, base: dict) -> dict:
    def ratio(a, b):
        return round(a / b, 3) if a is not None and b else None

    return {
        "player_first_token_p50": ratio(ours["player_chat"]["first_token_p50_ms"],
                                        base["player_chat"]["first_token_p50_ms"]),
        "waiting_share": ratio(ours["keeping_up"]["waiting_share"], base["keeping_up"]["waiting_share"]),
        "requests_per_agent_per_game_hour": ratio(ours["economy"]["requests_per_agent_per_game_hour"],
                                                  base["economy"]["requests_per_agent_per_game_hour"]),
        "startup_seconds": ratio(ours["startup_seconds"], base["startup_seconds"]),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="smallville")
    parser.add_argument("--minutes", type=int, default=120,
                        help="game minutes measured (after start-up; two hours include an hour's turn)")
    parser.add_argument("--speed", type=float, default=60.0, help="game seconds per real second")
    parser.add_argument("--chat-every", type=float, default=15.0, help="real seconds between the player's lines")
    parser.add_argument("--baseline", action="store_true", help="also run the baseline, and give ratios")
    args = parser.parse_args()
    out = {"benchmark": "town", "machine": machine(), "targets": {
        "player_first_token_p50_ms": 250, "player_first_token_p95_ms": 500, "waiting_share": 0.05,
        "requests_per_agent_per_game_hour": 10, "rss_mb": 1536}}
    ours = await run_mode(args, baseline=False)
    out["simulacra"] = ours
    if args.baseline:
        base = await run_mode(args, baseline=True)
        out["baseline"] = base
        out["ratio_to_baseline"] = ratios(ours, base)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
