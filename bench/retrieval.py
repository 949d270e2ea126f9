"""Retrieval latency over one agent's memory stream of 1k, 10k and 100k memories.

    .venv/bin/python bench/retrieval.py [--sizes 1000 10000 100000] [--runs 500]

Prints JSON: the machine, then per size the p50/p99 of one `retrieve` (limit 30,
all kinds) excluding the query's embedding (`retrieve_embedding` with a vector) and
including it (`retrieve` with a sentence, embedded by all-MiniLM-L6-v2), and the
relevance pass alone, by the faiss kernel retrieval uses and by the alternatives.

Memories: at 1k, real sentences embedded by the model; at 10k and 100k, random unit
vectors (scoring is exhaustive, so its cost does not depend on the vectors' values).
Importance is uniform in 1..10 and creation times spread over 30 game days.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np
import onnxruntime

from agent_server.memory.embedding import Embedder, MiniLMEmbedder, normalise_rows
from agent_server.memory.node import KINDS, NewMemory
from agent_server.memory.retrieval import Retriever
from agent_server.memory.stream import MemoryStore

DAY = 24 * 3600
REAL_UP_TO = 1000
QUERIES = [
    "What do you know about the Valentine's Day party?",
    "Who is running for mayor?",
    "What is Klaus working on?",
    "Where does Isabella work?",
    "What did Maria say this morning?",
]
PEOPLE = ["Isabella", "Klaus", "Maria", "Sam", "Tom", "Jennifer", "Carmen", "Abigail"]
ACTIONS = [
    "is making coffee at", "is reading a book in", "is talking about the election at", "is eating lunch at",
    "is cleaning the kitchen of", "is planning a party at", "is painting a picture near", "is studying in",
]
PLACES = ["Hobbs Cafe", "the library", "the park", "the pub", "the college dorm", "the market", "the pharmacy"]


class SyntheticMemories(Embedder):
    """The real model's name and queries, but random unit vectors while `synthetic` is set.

    Lets the store hold 100k memories without embedding 100k sentences, while a
    `retrieve` with a sentence still pays the real model's cost.
    """

    def __init__(self, model: MiniLMEmbedder, seed: int = 0) -> None:
        self.model, self.name, self.dim = model, model.name, model.dim
        self.synthetic = False
        self._rng = np.random.default_rng(seed)

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        if self.synthetic:
            return normalise_rows(self._rng.standard_normal((len(texts), self.dim)).astype(np.float32))
        return self.model.embed_batch(texts)


def resident_mb() -> float:
    """This process's resident memory now, MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.array(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p99_ms": round(float(np.percentile(ms, 99)), 3)}


def timed(call, runs: int, warmup: int = 20) -> dict[str, float]:
    for i in range(warmup):
        call(i)
    samples = []
    for i in range(runs):
        start = time.perf_counter()
        call(i)
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def fill(store: MemoryStore, embedder: SyntheticMemories, size: int, rng: np.random.Generator) -> None:
    embedder.synthetic = size > REAL_UP_TO
    for start in range(0, size, 5000):
        batch = []
        for i in range(start, min(size, start + 5000)):
            text = f"{PEOPLE[i % 8]} {ACTIONS[i // 8 % 8]} {PLACES[i // 64 % 7]} (memory {i})"
            batch.append(NewMemory("agent", KINDS[i % 4], text,
                                   created_at=int(rng.integers(0, 30 * DAY)), importance=int(rng.integers(1, 11))))
        store.add_many(batch)
    embedder.synthetic = False


def bench_size(size: int, runs: int, embedder: SyntheticMemories, workdir: Path) -> dict:
    rng = np.random.default_rng(size)
    with MemoryStore(workdir / f"bench-{size}.db", embedder) as store:
        resident_before = resident_mb()
        started = time.perf_counter()
        fill(store, embedder, size, rng)
        fill_seconds = time.perf_counter() - started
        # What the memories add to the server's memory (the store's in-memory part: each
        # agent's vectors and the index over them; the texts stay in SQLite).
        resident_added = resident_mb() - resident_before
        retriever = Retriever(store, embedder)
        now = 31 * DAY
        queries = normalise_rows(rng.standard_normal((64, embedder.dim)).astype(np.float32))
        excluding = timed(lambda i: retriever.retrieve_embedding("agent", queries[i % 64], now=now + i), runs)
        including = timed(lambda i: retriever.retrieve("agent", QUERIES[i % len(QUERIES)], now=now + i), runs)

        vectors = normalise_rows(rng.standard_normal((size, embedder.dim)).astype(np.float32))
        flat = faiss.IndexIDMap2(faiss.IndexFlatIP(embedder.dim))
        flat.add_with_ids(vectors, np.arange(size, dtype=np.int64))
        storage = faiss.downcast_index(flat.index)
        sims = np.empty(size, dtype=np.float32)

        def kernel(i: int) -> None:  # what AgentIndex.candidates runs
            faiss.fvec_inner_products_ny(
                faiss.swig_ptr(sims), faiss.swig_ptr(queries[i % 64]), storage.get_xb(), embedder.dim, size
            )

        relevance_pass = {
            "faiss_fvec_inner_products_ny (used)": timed(kernel, runs),
            "faiss_range_search_all": timed(lambda i: flat.range_search(queries[i % 64 : i % 64 + 1], -1e30), runs),
            "numpy_matvec": timed(lambda i: vectors @ queries[i % 64], runs),
        }
        reopen_started = time.perf_counter()
    with MemoryStore(workdir / f"bench-{size}.db", embedder):
        reopen_seconds = time.perf_counter() - reopen_started
    return {
        "memories": size,
        "vectors": "real all-MiniLM-L6-v2 embeddings" if size <= REAL_UP_TO else "synthetic random unit vectors",
        "retrieve_excluding_query_embedding": excluding,
        "retrieve_including_query_embedding": including,
        "relevance_pass_only": relevance_pass,
        "fill_seconds": round(fill_seconds, 2),
        "resident_mb_added": round(resident_added, 1),
        "open_and_rebuild_index_seconds": round(reopen_seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=500, help="timed retrievals per size (100k uses a fifth)")
    parser.add_argument("--embed-threads", type=int, default=1)
    args = parser.parse_args()

    embedder = SyntheticMemories(MiniLMEmbedder(intra_op_threads=args.embed_threads))
    report = {
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "faiss": faiss.__version__,
            "faiss_omp_threads": faiss.omp_get_max_threads(),
            "onnxruntime": onnxruntime.__version__,
            "embed_threads": args.embed_threads,
        },
        "retrieve": {"limit": 30, "kinds": "all", "weights": "1/1/1", "touches_results": True},
        "sizes": [],
    }
    with tempfile.TemporaryDirectory() as workdir:
        for size in args.sizes:
            runs = args.runs if size < 100_000 else max(50, args.runs // 5)
            report["sizes"].append({**bench_size(size, runs, embedder, Path(workdir)), "runs": runs})
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
