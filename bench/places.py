#!/usr/bin/env python3
"""Where agents go: how often the planner's choice of place for an action is one a
person would accept, on a labelled set of Smallville agents' actions.

Prints JSON: the machine, the model, and the share of actions whose chosen sector and
arena are acceptable (bench/data/places_labelled.json), how many went into someone
else's private room, the time per choice, and every choice that missed.

    .venv/bin/python bench/places.py [--model PATH | --server URL]

`--server`: the model behind an OpenAI-compatible server (its API root), as in
bench/importance.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent_server import places  # noqa: E402
from agent_server.importance import ImportanceRater  # noqa: E402
from agent_server.llm.base import LanguageModel  # noqa: E402
from agent_server.llm.llama_cpp import LlamaCppModel  # noqa: E402
from agent_server.llm.openai_http import OpenAIHTTPModel  # noqa: E402
from agent_server.memory import MemoryStore, MiniLMEmbedder, Retriever  # noqa: E402
from agent_server.mind import Faculties, Mind, MindState  # noqa: E402
from agent_server.options import MindOptions  # noqa: E402
from agent_server.places import PlaceChooser  # noqa: E402
from agent_server.scenario import Scenario  # noqa: E402
from agent_server.scheduler import LLMScheduler  # noqa: E402
from agent_server.settings import DEFAULT_MODEL  # noqa: E402
from agent_server.society import sectors_known_from_seed  # noqa: E402


async def measure(model: LanguageModel, embedder: MiniLMEmbedder | None = None) -> dict:
    """The planner's choices of place with `model`, against the labels."""
    data = json.loads((ROOT / "bench" / "data" / "places_labelled.json").read_text())
    scenario = Scenario.load(ROOT / data["scenario"])
    town = scenario.town
    scheduler = LLMScheduler(model)
    await scheduler.start()
    embedder = embedder or MiniLMEmbedder()
    chooser = PlaceChooser(scheduler, embedder, town, MindOptions(cache_places=False), scenario.residents())
    sector_ok = arena_ok = private = unknown = 0
    misses = []
    try:
        with tempfile.TemporaryDirectory() as tmp, MemoryStore(Path(tmp) / "bench.db", embedder) as memory:
            faculties = Faculties(scheduler=scheduler, memory=memory, retriever=Retriever(memory, embedder),
                                  importance=ImportanceRater(scheduler), town=town)
            started = time.perf_counter()
            for agent_id, action, chunk, accepted in data["cases"]:
                agent = scenario.agent(agent_id)
                mind = Mind(agent, faculties, MindState(known_sectors=sectors_known_from_seed(scenario, agent)))
                chosen = await chooser.choose_area(mind, action, chunk)
                sectors = {town.sector_of(a).id for a in accepted}
                if not sectors & set(mind.state.known_sectors):
                    unknown += 1
                sector_ok += town.sector_of(chosen).id in sectors
                arena_ok += chosen in accepted
                owners = chooser.residents.get(chosen, frozenset())
                private += bool(owners) and agent_id not in owners
                if chosen not in accepted:
                    misses.append({"agent": agent_id, "action": action, "chosen": chosen, "accepted": accepted})
            seconds = time.perf_counter() - started
    finally:
        await scheduler.close()
    cases = len(data["cases"])
    return {
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "model": model.name,
        "match_weight": places.PLACE_MATCH_WEIGHT,
        "cases": cases,
        "sector_accuracy": round(sector_ok / cases, 3),
        "arena_accuracy": round(arena_ok / cases, 3),
        "into_someone_elses_room": private,
        "target_sector_unknown_to_agent": unknown,
        "ms_per_choice": round(1000 * seconds / cases, 1),
        "misses": misses,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--server", help="an OpenAI-compatible model server's API root instead")
    parser.add_argument("--match-weight", type=float, default=places.PLACE_MATCH_WEIGHT,
                        help="how much a place's meaning counts beside the model's choice")
    args = parser.parse_args()
    places.PLACE_MATCH_WEIGHT = args.match_weight
    model = OpenAIHTTPModel.connect(args.server) if args.server else LlamaCppModel(args.model, n_ctx=2048)
    print(json.dumps(await measure(model), indent=1))


if __name__ == "__main__":
    asyncio.run(main())
