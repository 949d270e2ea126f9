"""The paper's measurements, computed from a run's replay log (and its interviews).

Everything here is a pure function of the log's records, so the same log always gives
the same figures, and a test can check them against a hand-computed expectation.

- Information diffusion: who knows of each seed at the start and at the end. By memory,
  traced from who heard what (the ground truth): those whose memories hold one of the
  seed's topic words at the start know it; after that, an agent comes to know it when
  someone who knows tells it (a line that holds a topic word), or when it remembers
  someone who knows in a memory that holds one (it saw Isabella decorating for the
  party). A topic word that reaches a memory any other way is the model's own invention
  ("party" is a common word): it is counted apart, as mentioned without a source. By
  interview: the agent's answer; a "yes" from an agent that does not know is a
  hallucination.
- Relationship formation: the density of "a knows b" (a has a memory naming b), at the
  start and at the end; and by interview at the end.
- Coordination: of the agents who knew of a seed's event (a party) before it began, how
  many were at its place during it.
- Cost: model calls, tokens and model time per agent per game hour, by cognitive
  function, and wall time per game hour.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from agent_server.clock import SECONDS_PER_DAY

# What the paper reports for its two game days of Smallville (25 agents).
PAPER = {
    "diffusion": {"mayor": {"start": 0.04, "end": 0.32}, "party": {"start": 0.04, "end": 0.52}},
    "hallucination": 0.013,
    "density": {"start": 0.167, "end": 0.74},
    "coordination": {"invited": 12, "attended": 5},
}


@dataclass(frozen=True)
class Agent:
    id: str
    name: str

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


def _word_pattern(words: list[str]) -> re.Pattern[str]:
    """Any of `words` at the start of a word, case-insensitive: "valentine" finds
    "Valentine's", "mayor" finds "mayoral"."""
    alternatives = "|".join(re.escape(w.lower()) for w in words if w.strip())
    return re.compile(rf"\b(?:{alternatives})", re.IGNORECASE) if alternatives else re.compile(r"(?!x)x")


def agents_of(header: dict[str, Any]) -> list[Agent]:
    return [Agent(a["id"], a["name"]) for a in header["agents"]]


def name_patterns(agents: list[Agent]) -> dict[str, re.Pattern[str]]:
    """How a memory names each agent: its full name, or its first name when no other
    agent shares it."""
    firsts = defaultdict(int)
    for a in agents:
        firsts[a.first_name.lower()] += 1
    patterns = {}
    for a in agents:
        forms = [a.name] + ([a.first_name] if firsts[a.first_name.lower()] == 1 else [])
        patterns[a.id] = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")\b", re.IGNORECASE)
    return patterns


def first_knowing(records: list[dict[str, Any]], agent_ids: set[str], pattern: re.Pattern[str]) -> dict[str, int]:
    """For each agent, the game time of its earliest memory that matches `pattern`, from
    whatever source (the loose measure: see `spread`)."""
    first: dict[str, int] = {}
    for r in records:
        if r["type"] == "memory" and r.get("agent") in agent_ids \
                and r["t"] < first.get(r["agent"], r["t"] + 1) and pattern.search(r.get("text", "")):
            first[r["agent"]] = r["t"]
    return first


def spread(records: list[dict[str, Any]], agents: list[Agent], pattern: re.Pattern[str],
           start: int) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """Who came to know of a topic, and when, traced from who heard what; and how each
    heard it: ({agent: game time}, {listener: {"from", "t", "text", "via"}}).

    At `start`, an agent knows it when one of its memories matches `pattern` (the
    scenario gave it). Later, a listener knows it from a line that matches, said by an
    agent who already knew ("via": "said"); and an agent knows it from a memory that
    matches and names another agent who already knew ("via": "memory": it saw them
    doing it, or was told of it in a way the log has no line for)."""
    names = name_patterns(agents)
    ids = {a.id for a in agents}
    known: dict[str, int] = {}
    how: dict[str, dict[str, Any]] = {}

    def knew(agent: str | None, t: int) -> bool:
        return agent in known and known[agent] <= t

    for r in sorted(records, key=lambda r: r["t"]):  # stable: the log's order within a step
        t, text = r["t"], r.get("text", "")
        if r["type"] == "memory":
            agent = r.get("agent")
            if agent not in ids or agent in known or not pattern.search(text):
                continue
            if t <= start:
                known[agent] = t
                continue
            source = next((b for b, name in names.items() if b != agent and knew(b, t) and name.search(text)), None)
            if source is not None:
                known[agent] = t
                how[agent] = {"from": source, "t": t, "text": text, "via": "memory"}
        elif r["type"] == "utterance":
            speaker, listener = r.get("speaker"), r.get("to")
            if listener in ids and listener not in known and knew(speaker, t) and pattern.search(text):
                known[listener] = t
                how[listener] = {"from": speaker, "t": t, "text": text, "via": "said"}
    return known, how


def share_over_time(first: dict[str, int], n: int, times: list[int]) -> list[float]:
    known = sorted(first.values())
    return [bisect_right(known, t) / n if n else 0.0 for t in times]


def hourly_times(start: int, end: int) -> list[int]:
    return list(range(start, end + 1, 3600)) or [start]


def diffusion(header: dict[str, Any], records: list[dict[str, Any]], interviews: dict[str, Any] | None,
              start: int, end: int) -> list[dict[str, Any]]:
    agents = agents_of(header)
    ids = {a.id for a in agents}
    n = len(agents)
    out = []
    for i, seed in enumerate(header.get("seeds", [])):
        pattern = _word_pattern(seed.get("topic", []))
        first, how = spread(records, agents, pattern, start)
        knew_start = sorted(a for a, t in first.items() if t <= start)
        knew_end = sorted(a for a, t in first.items() if t <= end)
        mentioned = first_knowing(records, ids, pattern)
        unsourced = sorted(a for a, t in mentioned.items() if t <= end and a not in knew_end)
        entry: dict[str, Any] = {
            "seed_agent": seed.get("agentId", ""),
            "topic": seed.get("topic", []),
            "text": seed.get("text", ""),
            "memory": {"start": len(knew_start) / n, "end": len(knew_end) / n,
                       "knew_at_start": knew_start, "knew_at_end": knew_end},
            "first_knew_at": first,
            "heard_from": how,
            # Agents whose memories hold a topic word that came from no one who knew.
            "mentioned_without_source": {"end": len(unsourced) / n, "agents": unsourced},
        }
        answers = (interviews or {}).get("diffusion", [])
        if i < len(answers):
            said_yes = sorted(a for a, r in answers[i]["answers"].items() if r["knows"])
            hallucinated = sorted(a for a in said_yes if a not in knew_end)
            entry["interview"] = {
                "question": answers[i]["question"], "end": len(said_yes) / n, "said_yes": said_yes,
                "hallucinated": hallucinated, "agreement": sum(
                    (a in said_yes) == (a in knew_end) for a in ids) / n,
            }
        out.append(entry)
    return out


def first_acquainted(records: list[dict[str, Any]], agents: list[Agent]) -> dict[tuple[str, str], int]:
    """For each (a, b) where a has a memory naming b, the game time of the earliest one."""
    patterns = name_patterns(agents)
    ids = {a.id for a in agents}
    first: dict[tuple[str, str], int] = {}
    for r in records:
        if r["type"] != "memory" or r.get("agent") not in ids:
            continue
        text = r.get("text", "")
        for b, pattern in patterns.items():
            pair = (r["agent"], b)
            if b != r["agent"] and r["t"] < first.get(pair, r["t"] + 1) and pattern.search(text):
                first[pair] = r["t"]
    return first


def knows_pairs(first: dict[tuple[str, str], int], until: int) -> set[tuple[str, str]]:
    """(a, b) where a has a memory naming b, stored at or before `until`."""
    return {pair for pair, t in first.items() if t <= until}


def density(header: dict[str, Any], records: list[dict[str, Any]], interviews: dict[str, Any] | None,
            start: int, end: int) -> dict[str, Any]:
    agents = agents_of(header)
    n = len(agents)
    possible = n * (n - 1)
    first = first_acquainted(records, agents)
    at_start = knows_pairs(first, start)
    at_end = knows_pairs(first, end)
    out: dict[str, Any] = {
        "agents": n, "possible_pairs": possible,
        "memory": {"start": len(at_start) / possible if possible else 0.0,
                   "end": len(at_end) / possible if possible else 0.0,
                   "pairs_start": len(at_start), "pairs_end": len(at_end)},
        "new_acquaintances": sorted([a, b] for a, b in at_end - at_start),
    }
    said = (interviews or {}).get("relationships")
    if said:
        yes = {(a, b) for a, row in said.items() for b, r in row.items() if r["knows"]}
        out["interview"] = {"end": len(yes) / possible if possible else 0.0, "pairs": len(yes),
                            "claimed_without_memory": len(yes - at_end)}
    return out


def place_ancestry(town: dict[str, Any]) -> dict[str, list[str]]:
    """Each place id with itself and the ids of every place above it."""
    parent = {p["id"]: p.get("parentId", "") for p in town.get("places", [])}
    chains = {}
    for pid in parent:
        chain, at = [], pid
        while at and at not in chain:
            chain.append(at)
            at = parent.get(at, "")
        chains[pid] = chain
    return chains


def coordination(header: dict[str, Any], records: list[dict[str, Any]], end: int) -> list[dict[str, Any]]:
    agents = agents_of(header)
    ancestry = place_ancestry(header.get("town", {}))
    out = []
    for seed in header.get("seeds", []):
        event = seed.get("event")
        if not event:
            continue
        place, begins, ends = event.get("placeId", ""), int(event.get("startTime", 0)), int(event.get("endTime", 0))
        host = seed.get("agentId", "")
        first, _ = spread(records, agents, _word_pattern(seed.get("topic", [])), int(header["start_time"]))
        invited = sorted(a for a, t in first.items() if t < begins and a != host)
        present: set[str] = set()
        for r in records:
            if r["type"] == "step" and begins <= r["t"] <= ends:
                for a in r["agents"]:
                    if place in ancestry.get(a.get("place", ""), []):
                        present.add(a["id"])
        out.append({
            "seed_agent": host, "place": place, "start": begins, "end": ends,
            "reached": end >= ends,
            "invited": invited, "attended": sorted(a for a in invited if a in present),
            "attended_uninvited": sorted(a for a in present if a not in invited and a != host),
            "host_present": host in present,
        })
    return out


def cost(state: dict[str, Any], agents: int, game_hours: float) -> dict[str, Any]:
    """Model usage per agent per game hour, by purpose, from the run's usage totals."""
    usage: dict[str, dict[str, float]] = state.get("usage", {})
    per = agents * game_hours if agents and game_hours > 0 else 0.0
    total = defaultdict(float)
    by_purpose = {}
    for purpose, u in sorted(usage.items()):
        if purpose == "interview":
            continue  # the evaluation's own questions are not the town's cost
        by_purpose[purpose] = {k: (v / per if per else 0.0) for k, v in u.items()}
        for k, v in u.items():
            total[k] += v
    wall = float(state.get("wall_seconds", 0.0))
    return {
        "by_hour": _by_hour(state, agents),
        "per_agent_per_game_hour": {k: (v / per if per else 0.0) for k, v in total.items()},
        "by_purpose_per_agent_per_game_hour": by_purpose,
        "totals": dict(total),
        "wall_seconds": wall,
        "wall_seconds_per_game_hour": wall / game_hours if game_hours > 0 else 0.0,
        "interview_usage": usage.get("interview", {}),
        # The server's resident memory at the end of the run, and its peak (MB).
        "rss_mb": state.get("rss_mb"),
        "peak_rss_mb": state.get("peak_rss_mb"),
    }


def _by_hour(state: dict[str, Any], agents: int) -> list[dict[str, Any]]:
    """The pace between consecutive checkpoints (the first from the run's start, its
    start-up planning included): wall seconds, and per agent the calls and model
    seconds (the evaluation's interviews left out), with the function that cost most."""
    rows = []
    before: dict[str, Any] = {"game_time": state.get("start_time", 0), "wall_seconds": 0.0, "usage": {}}
    for checkpoint in state.get("checkpoints", []):
        spent = {p: {k: v - before["usage"].get(p, {}).get(k, 0) for k, v in u.items()}
                 for p, u in checkpoint["usage"].items() if p != "interview"}
        n = max(agents, 1)
        top = max(spent, key=lambda p: spent[p].get("model_seconds", 0), default="")
        rows.append({"from": before["game_time"], "to": checkpoint["game_time"],
                     "wall_seconds": round(checkpoint["wall_seconds"] - before["wall_seconds"], 1),
                     "calls_per_agent": round(sum(u.get("calls", 0) for u in spent.values()) / n, 2),
                     "model_seconds_per_agent": round(sum(u.get("model_seconds", 0) for u in spent.values()) / n, 2),
                     "costliest": top, "rss_mb": checkpoint.get("rss_mb")})
        before = checkpoint
    return rows


def world(state: dict[str, Any]) -> dict[str, Any]:
    """How the world ran (its own report, summed over the run's segments): lockstep or
    game speed, the real seconds it stood still for the minds, and the share of the
    agents' game time spent waiting for the server while the clock ran."""
    segments = state.get("world", [])
    minutes = sum(s.get("game_minutes", 0) for s in segments)
    waiting = sum(s.get("waiting_share", 0) * s.get("game_minutes", 0) for s in segments)
    return {"lockstep": state.get("lockstep", True), "segments": len(segments),
            "held_real_seconds": round(sum(s.get("held_real_seconds", 0) for s in segments), 1),
            "waiting_share": round(waiting / minutes, 4) if minutes else None,
            "frames_per_second": segments[-1].get("frames_per_second") if segments else None,
            "errors": sum(s.get("errors", 0) for s in segments)}


def battery_summary(interviews: dict[str, Any] | None) -> dict[str, Any]:
    by_category: dict[str, dict[str, int]] = defaultdict(lambda: {"asked": 0, "checked": 0, "passed": 0})
    for answers in (interviews or {}).get("battery", {}).values():
        for qa in answers:
            c = by_category[qa["category"]]
            c["asked"] += 1
            if "check" in qa:
                c["checked"] += 1
                c["passed"] += int(qa["check"]["passed"])
    return dict(by_category)


def activity(records: list[dict[str, Any]]) -> dict[str, Any]:
    counts = defaultdict(int)
    for r in records:
        counts[r["type"]] += 1
    kinds = defaultdict(int)
    for r in records:
        if r["type"] == "memory":
            kinds[r.get("kind", "")] += 1
    conversations = {r["conversation"] for r in records if r["type"] == "conversation" and r["event"] == "start"}
    return {"records": dict(counts), "memories_by_kind": dict(kinds), "conversations": len(conversations)}


def compute(header: dict[str, Any], records: list[dict[str, Any]], interviews: dict[str, Any] | None,
            state: dict[str, Any]) -> dict[str, Any]:
    """Every measurement of a run."""
    start = int(header["start_time"])
    end = max([start] + [r["t"] for r in records])
    game_hours = (end - start) / 3600
    agents = len(header["agents"])
    return {
        "scenario": header.get("scenario", ""),
        "ablation": state.get("ablation", "none"),
        "agents": agents,
        "start_time": start,
        "end_time": end,
        "game_hours": round(game_hours, 3),
        "game_days": round(game_hours / 24, 3),
        "finished": bool(state.get("finished", False)),
        "diffusion": diffusion(header, records, interviews, start, end),
        "density": density(header, records, interviews, start, end),
        "coordination": coordination(header, records, end),
        "battery": battery_summary(interviews),
        "cost": cost(state, agents, game_hours),
        "world": world(state),
        "activity": activity(records),
        "paper": PAPER,
    }


def timelines(header: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    """Hour by hour: the share knowing each seed, and the density (for the plots)."""
    start = int(header["start_time"])
    end = max([start] + [r["t"] for r in records])
    times = hourly_times(start, end)
    agents = agents_of(header)
    ids = {a.id for a in agents}
    seeds = {}
    for seed in header.get("seeds", []):
        first, _ = spread(records, agents, _word_pattern(seed.get("topic", [])), start)
        seeds[" ".join(seed.get("topic", [])[:2]) or seed.get("agentId", "")] = share_over_time(first, len(ids), times)
    possible = len(agents) * (len(agents) - 1) or 1
    known = sorted(first_acquainted(records, agents).values())
    return {
        "hours": [(t - start) / 3600 for t in times],
        "day_hours": [(t % SECONDS_PER_DAY) / 3600 for t in times],
        "diffusion": seeds,
        "density": [bisect_right(known, t) / possible for t in times],
    }
