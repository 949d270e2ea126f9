"""How far a seed's news goes in one round of meetings: each scenario's seed holder meets
each of a few neighbours once, with the real server, minds and model.

The two-day run measures the town's social life end to end, but it takes hours and its
figures mix everything (who meets whom, when, how long they talk). This isolates the
step it all rests on: a person who has news, or an event to invite people to, meets
someone. For every seed of every scenario run (a party, a candidacy, a lost dog, a club
vote; none of their words are known here), the holder talks with each listener in turn,
one conversation each, the holder speaking first, on the first day before the event.
Counted per seed:
- `brought_up`: conversations in which the holder chose its seed as the topic (the topic
  record's key: an event it hosts, or its own news), and what it chose instead;
- `said`: conversations in which the holder's lines carry one of the seed's topic words
  (the scenario's own keywords, as the evaluation's diffusion counts them);
- for an event: `heard` (the listener keeps it as an event at the seed's place and start
  time), `heard_wrong` (it keeps an event from the holder at another place or time),
  and `going` (it decided to go);
- for news: `heard` (a listener's memory of the holder's line carries a topic word).

Prints one JSON object. Run it on a quiet machine (it is about quality, but it takes
minutes: about 15 for the three default scenarios with six listeners each):

    .venv/bin/python bench/spread.py > bench/results/spread.json
    .venv/bin/python bench/spread.py --scenarios lost_dog --listeners 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from google.protobuf import json_format  # noqa: E402

from agent_server.clock import format_game_time  # noqa: E402
from agent_server.evaluation.measures import _word_pattern  # noqa: E402
from agent_server.scenario import Scenario  # noqa: E402
from agent_server.server import load_model, start_server  # noqa: E402
from agent_server.settings import DEFAULT_MODEL, load_settings  # noqa: E402
from agent_server.topics import _key  # noqa: E402
from bench.believability import limited_scenario  # noqa: E402
from bench.machine import machine  # noqa: E402

log = logging.getLogger("spread")

DEFAULT_SCENARIOS = ("smallville", "lost_dog", "chess_club_election")
# The first conversation's hour on the first day, and the game minutes between two.
FIRST_TALK_HOUR = 9
TALK_EVERY_S = 15 * 60
READY_TIMEOUT_S = 1800


def _is_seed_topic(record: dict, seed) -> bool:
    """Whether a topic record is the holder's own seed: the event it hosts (an invitation),
    or the seed's own news."""
    if seed.event.place_id:
        return record["topic"].startswith("inviting ") and (
            record.get("key") in (None, f"event:{seed.event.place_id}:{seed.event.start_time}"))
    news = " ".join(seed.text.split())
    return record.get("key", "news:" + _key(news) if news in record["topic"] else "") == "news:" + _key(news)


def _cast(scenario: Scenario, listeners: int) -> tuple[list[str], dict[str, list[str]]]:
    """The holders of seeds with topic words, and each one's listeners: the first agents of
    the scenario who are not that holder (the same for every run)."""
    holders = list(dict.fromkeys(s.agent_id for s in scenario.proto.seeds if s.topic))
    others = {h: [a.id for a in scenario.agents if a.id != h][:listeners] for h in holders}
    kept = list(dict.fromkeys(holders + [a for ids in others.values() for a in ids]))
    return kept, others


async def run_scenario(name: str, model, settings, embedder, listeners: int, seed: int) -> dict:
    scenario = Scenario.load(ROOT / "scenarios" / f"{name}.toml")
    kept, others = _cast(scenario, listeners)
    out: dict = {"agents": len(kept), "seeds": []}
    with tempfile.TemporaryDirectory() as folder:
        path = limited_scenario(scenario, kept, Path(folder))
        # limited_scenario turns a relationship with someone left out into a seed of the
        # one kept; here such a seed would be offered as news, which in the whole town it
        # is not (it is a relationship): it is left out.
        limited = Scenario.load(path)
        ties = {" ".join(r.description.split()) for r in scenario.proto.relationships}
        kept_seeds = [s for s in limited.proto.seeds if " ".join(s.text.split()) not in ties]
        del limited.proto.seeds[:]
        limited.proto.seeds.extend(kept_seeds)
        path.write_text(json_format.MessageToJson(limited.proto))
        settings = load_settings(scenario_path=path, data_dir=Path(folder) / "saves", grpc_port=0, ws_port=0,
                                 seed=seed, model_path=settings.model_path, n_threads=settings.n_threads)
        model.reseed(seed)
        started = time.perf_counter()
        server = await start_server(settings, model=model, embedder=embedder)
        try:
            society = server.society
            while not society.ready:
                if time.perf_counter() - started > READY_TIMEOUT_S:
                    raise TimeoutError(f"{name}: the agents did not plan within {READY_TIMEOUT_S} s")
                await asyncio.sleep(0.5)
            await society.settle()
            out["startup_seconds"] = round(time.perf_counter() - started, 1)
            topics: list[dict] = []
            society.f.journal.subscribe(lambda r: topics.append(r) if r["type"] == "topic" else None)
            day_start = scenario.proto.start_time - scenario.proto.start_time % 86400
            now = max(scenario.proto.start_time, day_start + FIRST_TALK_HOUR * 3600)
            for seed_proto in scenario.proto.seeds:
                if not seed_proto.topic:
                    continue
                holder = society.minds[seed_proto.agent_id]
                pattern = _word_pattern(list(seed_proto.topic))
                event = seed_proto.event if seed_proto.event.place_id else None
                row: dict = {"holder": holder.id, "topic_words": list(seed_proto.topic),
                             "event": None if event is None else {
                                 "place": event.place_id, "start": format_game_time(event.start_time)},
                             "conversations": 0, "brought_up": 0, "said": 0, "heard": 0, "going": 0,
                             "heard_wrong": 0, "chose_instead": {}, "lines": []}
                seconds = 0.0
                for listener_id in others[holder.id]:
                    listener = society.minds[listener_id]
                    topics.clear()
                    began = time.perf_counter()
                    conversation = society.dialogue.new_conversation([holder.id, listener.id], now)
                    holder.in_conversation = listener.in_conversation = conversation.id
                    try:
                        await society.dialogue.converse(holder, listener, conversation, lambda: now,
                                                        lambda *_: None)
                    finally:
                        holder.in_conversation = listener.in_conversation = ""
                    await society.settle()
                    seconds += time.perf_counter() - began
                    row["conversations"] += 1
                    chosen = next((t for t in topics if t["agent"] == holder.id), None)
                    if chosen is not None and _is_seed_topic(chosen, seed_proto):
                        row["brought_up"] += 1
                    elif chosen is not None:
                        kind = (chosen.get("key") or chosen["topic"]).split(":")[0].split(" (")[0]
                        row["chose_instead"][kind] = row["chose_instead"].get(kind, 0) + 1
                    said = [t for sid, _, t in conversation.lines if sid == holder.id]
                    if any(pattern.search(t) for t in said):
                        row["said"] += 1
                    if event is not None:
                        theirs = [e for e in listener.state.heard_events if e.teller == holder.name]
                        right = [e for e in theirs if e.start == event.start_time
                                 and society.town.sector_of(e.place_id).id == society.town.sector_of(event.place_id).id]
                        row["heard"] += bool(right)
                        row["going"] += any(e.going for e in right)
                        row["heard_wrong"] += bool(theirs) and not right
                    else:
                        row["heard"] += any(m.kind == "dialogue" and m.description.startswith(holder.name)
                                            and pattern.search(m.description)
                                            for m in society.f.memory.recent(listener.id, 40))
                    row["lines"].append({"listener": listener.id, "topic": chosen["topic"] if chosen else None,
                                         "said": said})
                    now += TALK_EVERY_S
                n = row["conversations"] or 1
                row["shares"] = {k: round(row[k] / n, 3) for k in ("brought_up", "said", "heard", "going",
                                                                   "heard_wrong")}
                row["seconds_per_conversation"] = round(seconds / n, 1)
                out["seeds"].append(row)
                log.info("%s %s: brought up %d/%d, said %d, heard %d, going %d", name, holder.id,
                         row["brought_up"], n, row["said"], row["heard"], row["going"])
        finally:
            await server.stop()
    return out


def _totals(scenarios: dict) -> dict:
    rows = [r for s in scenarios.values() for r in s["seeds"]]
    n = sum(r["conversations"] for r in rows) or 1
    events = [r for r in rows if r["event"] is not None]
    n_events = sum(r["conversations"] for r in events) or 1
    return {"conversations": sum(r["conversations"] for r in rows),
            "brought_up": round(sum(r["brought_up"] for r in rows) / n, 3),
            "said": round(sum(r["said"] for r in rows) / n, 3),
            "heard": round(sum(r["heard"] for r in rows) / n, 3),
            "event_going": round(sum(r["going"] for r in events) / n_events, 3),
            "event_heard_wrong": round(sum(r["heard_wrong"] for r in events) / n_events, 3)}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--scenarios", nargs="+", default=list(DEFAULT_SCENARIOS))
    parser.add_argument("--listeners", type=int, default=6, help="listeners each seed holder meets")
    parser.add_argument("--seed", type=int, default=1234, help="sampling seed")
    parser.add_argument("--threads", type=int, default=None,
                        help="model threads (default: the server's); 1 where other work shares the cores")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)

    settings = load_settings(model_path=args.model, seed=args.seed, n_threads=args.threads)
    wall = time.perf_counter()
    load_before = os.getloadavg()
    model = await asyncio.to_thread(load_model, settings)
    from agent_server.memory import MiniLMEmbedder

    embedder = await asyncio.to_thread(MiniLMEmbedder)
    scenarios = {}
    for name in args.scenarios:
        scenarios[name] = await run_scenario(name, model, settings, embedder, args.listeners, args.seed)
    out = {"benchmark": "spread", "machine": {**machine(), "load_average_before": [round(x, 2) for x in load_before],
                                              "load_average_after": [round(x, 2) for x in os.getloadavg()]},
           "model": model.name, "threads": settings.n_threads, "listeners": args.listeners, "wall_seconds": round(time.perf_counter() - wall, 1),
           "totals": _totals(scenarios), "scenarios": scenarios}
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
