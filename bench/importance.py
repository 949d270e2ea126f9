#!/usr/bin/env python3
"""How well the model's importance ratings agree with people's, on a labelled set.

Prints JSON: the machine, the model, and for each rating method the Spearman rank
correlation with the labels in bench/data/importance_labelled.json, the time per
event, and (for "contrast") the linear fit that maps its scores onto 1..10.

    .venv/bin/python bench/importance.py [--model PATH | --server URL]

`--server`: the model behind an OpenAI-compatible server (its API root, e.g.
http://127.0.0.1:8080/v1), scored from the log-probabilities it gives (bench/scale.py
compares the two).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent_server.importance import ImportanceRater  # noqa: E402
from agent_server.llm.base import LanguageModel  # noqa: E402
from agent_server.llm.llama_cpp import LlamaCppModel  # noqa: E402
from agent_server.llm.openai_http import OpenAIHTTPModel  # noqa: E402
from agent_server.scheduler import LLMScheduler  # noqa: E402
from agent_server.settings import DEFAULT_MODEL  # noqa: E402


def spearman(a: list[float], b: list[float]) -> float:
    def ranks(values: list[float]) -> np.ndarray:
        order = np.argsort(values, kind="stable")
        result = np.empty(len(values))
        sorted_values = np.asarray(values)[order]
        i = 0
        while i < len(values):  # average ranks for ties
            j = i
            while j + 1 < len(values) and sorted_values[j + 1] == sorted_values[i]:
                j += 1
            result[order[i : j + 1]] = (i + j) / 2
            i = j + 1
        return result

    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


async def measure(model: LanguageModel) -> dict:
    """Each rating method's agreement with the labels, with `model`."""
    data = json.loads((ROOT / "bench" / "data" / "importance_labelled.json").read_text())
    events = [e for e, _ in data["events"]]
    labels = [float(g) for _, g in data["events"]]
    scheduler = LLMScheduler(model)
    await scheduler.start()
    result = {
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "model": model.name,
        "events": len(events),
        "methods": {},
    }
    try:
        for method in ("contrast", "rating"):
            rater = ImportanceRater(scheduler, method=method)
            started = time.perf_counter()
            raw = await rater.raw_scores(events)
            seconds = time.perf_counter() - started
            ratings = await rater.rate(events)
            entry = {
                "spearman_raw": round(spearman(raw, labels), 3),
                "spearman_ratings": round(spearman([float(r) for r in ratings], labels), 3),
                "ms_per_event": round(1000 * seconds / len(events), 1),
                "ratings": ratings,
            }
            if method == "contrast":
                slope, offset = np.polyfit(raw, labels, 1)
                entry["fit"] = {"offset": round(float(offset), 2), "scale": round(float(slope), 3)}
            result["methods"][method] = entry
    finally:
        await scheduler.close()
    result["labels"] = [int(x) for x in labels]
    return result


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--server", help="an OpenAI-compatible model server's API root instead")
    args = parser.parse_args()
    model = OpenAIHTTPModel.connect(args.server) if args.server else LlamaCppModel(args.model, n_ctx=2048)
    print(json.dumps(await measure(model), indent=1))


if __name__ == "__main__":
    asyncio.run(main())
