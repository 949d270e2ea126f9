#!/usr/bin/env python3
"""Throughput of the embedded model: the same 8 requests decoded one at a time, then
batched 8 at a time (continuous batching), through the model scheduler.

The requests are the minds' own prompts (decomposing an hour, a day plan, conversation
lines, summaries of an agent and of a conversation), with their grammars and
temperatures, capped at --max-tokens completion tokens each. Both modes submit all 8
at once and use the same seeds, so they decode the same answers; they differ only in
how many sequences decode together.

Prints JSON: the machine (CPU model, cores, RAM, load average before and after), the
model, n_threads, and for each mode the completion tokens, wall seconds, aggregate
completion tokens per second (per wall second and per CPU second of this process, the
latter less sensitive to other processes on a busy machine), per-request latency p50
and p95 and first-token latency p50 and p95 (from submission), and where the model's
time went (decode steps and llama_decode calls, decoding, sampling); then the ratio batched / sequential.

    .venv/bin/python bench/throughput.py [--model PATH] [--threads N] [--batch 8] [--max-tokens 80]
        [--kv-cache-type q8_0|f16] [--prompt-chunk 128]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent_server.llm.base import LLMRequest
from agent_server.llm.llama_cpp import PROMPT_CHUNK, LlamaCppModel
from agent_server.prompts import converse, day_plan, decompose, summary
from agent_server.scheduler import LLMScheduler, Priority
from agent_server.settings import DEFAULT_MODEL
from bench.machine import machine

ISABELLA = ("Isabella Rodriguez is the owner of Hobbs Cafe, friendly and outgoing. She loves to make people "
            "feel welcome and is planning a Valentine's Day party at the cafe.")
KLAUS = ("Klaus Mueller is a student of sociology at Oak Hill College, curious and a little shy. He is writing "
         "a research paper on the effects of gentrification in low-income communities.")
MEMORIES = [
    "Isabella Rodriguez is making coffee for a customer",
    "Klaus Mueller is reading a book at the library",
    "Maria Lopez said the Valentine's Day party sounds like fun",
    "Isabella Rodriguez is decorating the cafe with flowers",
    "Klaus Mueller talked about his research paper on gentrification",
    "Isabella Rodriguez feels the cafe is busier than last month",
]
LINES = [("Isabella Rodriguez", "Good morning Klaus! The usual coffee?"),
         ("Klaus Mueller", "Yes please, and a croissant. I have a long day at the library.")]


def requests(max_tokens: int) -> list[tuple[str, LLMRequest]]:
    built = [
        ("decompose", decompose.build(name="Isabella Rodriguez", summary=ISABELLA, clock="08:00",
                                      chunk="open Hobbs Cafe and serve breakfast to the regulars")),
        ("decompose", decompose.build(name="Klaus Mueller", summary=KLAUS, clock="10:00",
                                      chunk="work on his research paper at the library")),
        ("day_plan", day_plan.plan_request(name="Klaus Mueller", summary=KLAUS, yesterday="studied all day",
                                           today="Tuesday February 14", wake_hour=8)),
        ("converse", converse.utterance_request(name="Isabella Rodriguez", summary=ISABELLA, clock="08:15",
                                                doing="serving coffee", other="Klaus Mueller",
                                                memories=MEMORIES[1::2], lines=LINES)),
        ("converse", converse.utterance_request(name="Klaus Mueller", summary=KLAUS, clock="08:16",
                                                doing="buying coffee", other="Isabella Rodriguez",
                                                memories=MEMORIES[0::2], lines=LINES[:1])),
        ("summary", summary.build("Isabella Rodriguez", MEMORIES)),
        ("summary", summary.build("Klaus Mueller", MEMORIES[1:])),
        ("converse_summary", converse.summary_request("Isabella Rodriguez", "Klaus Mueller", LINES)),
    ]
    return [(kind, dataclasses.replace(r, max_tokens=min(r.max_tokens, max_tokens))) for kind, r in built]


def percentiles(values: list[float]) -> dict:
    return {"p50": round(float(np.percentile(values, 50)), 3), "p95": round(float(np.percentile(values, 95)), 3)}


async def run_mode(model: LlamaCppModel, batch: list[tuple[str, LLMRequest]], max_batch: int, seed: int) -> dict:
    model.reseed(seed)
    engine = model.engine
    steps, decodes, decode, sample = engine.steps, engine.decodes, engine.decode_seconds, engine.sample_seconds
    scheduler = LLMScheduler(model, max_batch=max_batch)
    await scheduler.start()
    texts: list[str] = [""] * len(batch)
    first: list[float] = [0.0] * len(batch)
    done: list[float] = [0.0] * len(batch)

    async def one(index: int, kind: str, request: LLMRequest) -> None:
        pieces = []
        async for piece in scheduler.stream(request, Priority.PLANNING, kind):
            if not pieces:
                first[index] = time.perf_counter() - started
            pieces.append(piece)
        done[index] = time.perf_counter() - started
        texts[index] = "".join(pieces)

    try:
        cpu = time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(one(i, kind, r) for i, (kind, r) in enumerate(batch)))
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
    finally:
        await scheduler.close()
    tokens = sum(s.completion_tokens for s in scheduler.stats.values())
    return {
        "max_batch": max_batch,
        "completion_tokens": tokens,
        "prompt_tokens": sum(s.prompt_tokens for s in scheduler.stats.values()),
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "tokens_per_second": round(tokens / wall, 2),
        "tokens_per_cpu_second": round(tokens / cpu, 2),
        "latency_seconds": percentiles(done),
        "first_token_seconds": percentiles(first),
        "decode_steps": engine.steps - steps,
        "decode_calls": engine.decodes - decodes,  # a step makes one per size of piece in it
        "decode_seconds": round(engine.decode_seconds - decode, 2),
        "sample_seconds": round(engine.sample_seconds - sample, 2),
        "answers": texts,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=80)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--kv-cache-type", default="q8_0", help="how keys are cached: q8_0 (default) or f16")
    parser.add_argument("--prompt-chunk", type=int, default=PROMPT_CHUNK, help="prompt tokens per decode step")
    parser.add_argument("--answers", action="store_true", help="include every answer's text")
    args = parser.parse_args()
    load_before = os.getloadavg()
    model = LlamaCppModel(args.model, n_ctx=2048, n_threads=args.threads, parallel=args.batch,
                          kv_cache_type=args.kv_cache_type, prompt_chunk=args.prompt_chunk)
    batch = requests(args.max_tokens)
    "".join(model.stream(LLMRequest(messages=[{"role": "user", "content": "Hello"}], max_tokens=4)))  # warm up
    sequential = await run_mode(model, batch, 1, args.seed)
    batched = await run_mode(model, batch, args.batch, args.seed)
    model.close()
    same = sum(a == b for a, b in zip(sequential["answers"], batched["answers"], strict=True))
    if not args.answers:
        for mode in (sequential, batched):
            del mode["answers"]
    result = {
        "benchmark": "throughput",
        "machine": {**machine(), "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "model": model.name,
        "n_threads": args.threads,
        "kv_cache_type": args.kv_cache_type,
        "prompt_chunk": args.prompt_chunk,
        "requests": [kind for kind, _ in batch],
        "max_tokens": args.max_tokens,
        "sequential": sequential,
        "batched": batched,
        "identical_answers": f"{same}/{len(batch)}",
        "ratio_tokens_per_second": round(batched["tokens_per_second"] / sequential["tokens_per_second"], 2),
        "ratio_tokens_per_cpu_second": round(batched["tokens_per_cpu_second"] / sequential["tokens_per_cpu_second"], 2),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
