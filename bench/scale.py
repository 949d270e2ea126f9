#!/usr/bin/env python3
"""Scaling out on model servers: the same work in process, on one llama-server with 8
slots, and on a pool of two, on this machine.

Prints JSON:
- throughput: the throughput benchmark's 8 requests (bench/throughput.py: the minds'
  own prompts, grammars and temperatures), submitted at once through the scheduler at
  a background priority: completion tokens per second, per-request latency and first
  token, in process (continuous batching, 8 at a time) vs one llama-server (8 slots;
  the scheduler keeps one for the player, so background work holds 7) vs two servers
  (8 slots each, the CPU threads shared between them);
- agreement: bench/importance.py and bench/places.py with the model in process and
  through one llama-server (scores read from its log-probabilities): Spearman of the
  contrast method and place accuracies, and their differences (target: within 0.02);
- failover: a pool of two servers answering the 8 requests, then 16 (the 8 twice), when
  one is killed (SIGKILL) a second in: requests lost and re-sent, how long after the
  kill the other server began each re-sent one (target: no request lost, none waits
  over 10 s), and the same run's latencies with no kill;
- town (unless --no-town): bench/town.py's run (Smallville's 25 at 60x with a player)
  on each of the three: start-up, the agents' waiting share, the player's first token,
  and requests and tokens per agent per game hour.

On two CPU cores, servers of the same model cannot be faster than the model in
process: they share the same cores. The figures say what serving costs and that
nothing is lost; the capacity plan in the README says what a GPU engine gives.

    .venv/bin/python bench/scale.py [--town-minutes 60] [--no-town]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent_server.llm.base import LanguageModel, LLMRequest  # noqa: E402
from agent_server.llm.llama_cpp import LlamaCppModel  # noqa: E402
from agent_server.llm.llama_server import LlamaServer, spawn_llama_servers  # noqa: E402
from agent_server.llm.openai_http import OpenAIHTTPModel  # noqa: E402
from agent_server.llm.pool import ModelPool  # noqa: E402
from agent_server.memory import MiniLMEmbedder  # noqa: E402
from agent_server.scheduler import LLMScheduler, Priority  # noqa: E402
from agent_server.settings import DEFAULT_MODEL  # noqa: E402
from bench import importance, places, town  # noqa: E402
from bench.machine import machine  # noqa: E402
from bench.throughput import requests  # noqa: E402

THREADS = os.cpu_count() or 2
SLOTS = 8


def percentiles(values: list[float]) -> dict:
    return {"p50": round(float(np.percentile(values, 50)), 2), "p95": round(float(np.percentile(values, 95)), 2)}


@contextlib.contextmanager
def served(count: int, log_dir: Path) -> Iterator[list[LlamaServer]]:
    servers = spawn_llama_servers(count, DEFAULT_MODEL, threads=THREADS, slots=SLOTS, ctx_per_slot=2048,
                                  log_dir=log_dir)
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


def model_engine(model: LanguageModel) -> bool:
    return getattr(model, "engine", None) is not None


def remote(servers: list[LlamaServer]) -> LanguageModel:
    urls = [s.base_url for s in servers]
    return OpenAIHTTPModel.connect(urls[0]) if len(urls) == 1 else ModelPool.connect(urls)


async def run_requests(model: LanguageModel, batch: list[tuple[str, LLMRequest]],
                       during=None) -> dict:
    """Submit every request at once; tokens per second, latencies, and the longest time
    any request went without a piece. `during`: a coroutine run beside them (a kill)."""
    scheduler = LLMScheduler(model)
    await scheduler.start()
    first = [float("nan")] * len(batch)
    done = [float("nan")] * len(batch)
    gaps = [0.0] * len(batch)
    errors: list[str] = []

    async def one(i: int, kind: str, request: LLMRequest) -> None:
        last = time.perf_counter()
        try:
            async for _ in scheduler.stream(request, Priority.PLANNING, kind):
                now = time.perf_counter()
                gaps[i] = max(gaps[i], now - last)
                last = now
                if first[i] != first[i]:
                    first[i] = now - started
            done[i] = time.perf_counter() - started
        except Exception as exc:  # a lost request: counted, not raised
            errors.append(f"{kind}: {exc}")

    try:
        started = time.perf_counter()
        await asyncio.gather(*(one(i, kind, r) for i, (kind, r) in enumerate(batch)),
                             *([during] if during else []))
        wall = time.perf_counter() - started
    finally:
        await scheduler.close()
    tokens = sum(s.completion_tokens for s in scheduler.stats.values())
    finished = [d for d in done if d == d]
    return {
        "requests": len(batch), "completed": len(finished), "lost": len(errors), "errors": errors[:5],
        # In process, the engine decodes up to max_batch together; a server's requests
        # are in flight at once (one place kept for the player).
        "requests_together_at_most": scheduler.max_batch if model_engine(model) else scheduler.concurrency,
        "completion_tokens": tokens, "wall_seconds": round(wall, 2),
        "tokens_per_second": round(tokens / wall, 2),
        "latency_seconds": percentiles(finished) if finished else None,
        "first_token_seconds": percentiles([f for f in first if f == f]) if finished else None,
        "longest_wait_for_a_piece_seconds": round(max(gaps), 2),
    }


async def throughput(log_dir: Path, max_tokens: int) -> dict:
    batch = requests(max_tokens)
    out = {}
    model = LlamaCppModel(DEFAULT_MODEL, n_ctx=2048, n_threads=THREADS, parallel=SLOTS)
    try:
        out["in_process"] = await run_requests(model, batch)
    finally:
        model.close()
    for count, label in ((1, "one_llama_server"), (2, "two_llama_servers")):
        with served(count, log_dir) as servers:
            out[label] = await run_requests(remote(servers), batch)
    return out


async def agreement(log_dir: Path, embedder: MiniLMEmbedder) -> dict:
    model = LlamaCppModel(DEFAULT_MODEL, n_ctx=2048)
    try:
        local = {"importance": await importance.measure(model), "places": await places.measure(model, embedder)}
    finally:
        model.close()
    with served(1, log_dir) as servers:
        backend = OpenAIHTTPModel.connect(servers[0].base_url)
        server = {"importance": await importance.measure(backend), "places": await places.measure(backend, embedder)}

    def figures(r: dict) -> dict:
        return {"importance_spearman_contrast": r["importance"]["methods"]["contrast"]["spearman_raw"],
                "importance_spearman_rating": r["importance"]["methods"]["rating"]["spearman_raw"],
                "places_sector_accuracy": r["places"]["sector_accuracy"],
                "places_arena_accuracy": r["places"]["arena_accuracy"],
                "ms_per_importance_event": r["importance"]["methods"]["contrast"]["ms_per_event"],
                "ms_per_place_choice": r["places"]["ms_per_choice"]}

    a, b = figures(local), figures(server)
    differences = {k: round(b[k] - a[k], 3) for k in a if not k.startswith("ms_")}
    return {"in_process": a, "one_llama_server": b, "difference": differences,
            "within_0.02": all(abs(d) <= 0.02 for k, d in differences.items() if k != "importance_spearman_rating")}


async def failover(log_dir: Path, max_tokens: int, kill_after_s: float, copies: int) -> dict:
    """The throughput requests (`copies` times over) on a pool of two, one server killed
    `kill_after_s` into the run; beside the same run with no kill."""
    batch = requests(max_tokens) * copies
    with served(2, log_dir) as servers:
        unharmed = await run_requests(ModelPool.connect([s.base_url for s in servers]), batch)
    with served(2, log_dir) as servers:
        pool = ModelPool.connect([s.base_url for s in servers])

        async def kill() -> None:
            await asyncio.sleep(kill_after_s)
            killed["in_flight_on_the_killed_server"] = pool.status()[0]["in_flight"]
            killed["at"] = time.monotonic()
            await asyncio.to_thread(servers[0].kill)

        killed: dict = {}
        result = await run_requests(pool, batch, during=kill())
    at = killed.pop("at")
    return {**result, **killed, "killed_after_seconds": kill_after_s, "resent": pool.resent,
            # Answers on the survivor that gave their slot to a re-sent request.
            "displaced": pool.displaced,
            # From the kill until the other server began to answer each re-sent request (its
            # first token): what the agents waiting for them waited for the dead server.
            "waited_for_the_killed_server_seconds": {
                "max": round(max((resumed - at for _, resumed in pool.recoveries), default=0.0), 2),
                "after_the_failure_was_seen_max": round(max((r - f for f, r in pool.recoveries), default=0.0), 2)},
            "servers": pool.status(),
            "without_a_kill": {k: unharmed[k] for k in ("completed", "wall_seconds", "latency_seconds")}}


async def town_on(args, label: str, settings: dict) -> dict:
    targs = argparse.Namespace(scenario="smallville", minutes=args.town_minutes, speed=60.0, chat_every=15.0)
    run = await town.run_mode(targs, baseline=False, settings=settings)
    return {"startup_seconds": run["startup_seconds"],
            "waiting_share": run["keeping_up"]["waiting_share"],
            "player_first_token_p50_ms": run["player_chat"]["first_token_p50_ms"],
            "player_first_token_p95_ms": run["player_chat"]["first_token_p95_ms"],
            "player_lines": run["player_chat"]["lines"],
            "requests_per_agent_per_game_hour": run["economy"]["requests_per_agent_per_game_hour"],
            "tokens_per_agent_per_game_hour": run["economy"]["tokens_per_agent_per_game_hour"],
            "rss_mb": run["footprint"]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-tokens", type=int, default=80)
    parser.add_argument("--town-minutes", type=int, default=60)
    parser.add_argument("--no-town", action="store_true", help="skip the three town runs (about 20 minutes)")
    parser.add_argument("--parts", default="throughput,agreement,failover,town",
                        help="which measurements, comma-separated")
    parser.add_argument("--town-on", default="in_process,one_llama_server,two_llama_servers",
                        help="which of the town runs, comma-separated")
    parser.add_argument("--kill-after", type=float, default=1.0, help="seconds into the failover run")
    args = parser.parse_args()
    load_before = os.getloadavg()
    out: dict = {"benchmark": "scale", "machine": machine(), "model": DEFAULT_MODEL.name, "slots_per_server": SLOTS,
                 "threads": THREADS}
    parts = set(args.parts.split(",")) - ({"town"} if args.no_town else set())
    embedder = MiniLMEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        if "throughput" in parts:
            out["throughput"] = await throughput(log_dir, args.max_tokens)
            print(json.dumps(out["throughput"]), file=sys.stderr, flush=True)
        if "agreement" in parts:
            out["agreement"] = await agreement(log_dir, embedder)
            print(json.dumps(out["agreement"]), file=sys.stderr, flush=True)
        # One request per slot of the two servers, then twice that (the survivor then
        # holds twice its slots: the re-sent wait for a slot as well as for the failure).
        if "failover" in parts:
            out["failover"] = {f"{len(requests(1)) * copies}_requests": await failover(
                log_dir, args.max_tokens, args.kill_after, copies) for copies in (1, 2)}
            print(json.dumps(out["failover"]), file=sys.stderr, flush=True)
        if "town" in parts:
            out["town"] = {}
            for label, settings in (("in_process", {}),
                                    ("one_llama_server", {"spawn_llama_servers": 1, "llama_server_slots": SLOTS}),
                                    ("two_llama_servers", {"spawn_llama_servers": 2, "llama_server_slots": SLOTS})):
                if label not in args.town_on.split(","):
                    continue
                out["town"][label] = await town_on(args, label, settings)
                print(json.dumps({label: out["town"][label]}), file=sys.stderr, flush=True)
    out["machine"]["load_average_before"] = [round(x, 2) for x in load_before]
    out["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
