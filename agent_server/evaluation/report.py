"""The run report: Markdown for people, with PNG plots, beside the paper's figures.

`write_report(run)` reads a run folder (its log, interviews and state), computes the
measurements, and writes metrics.json, report.md and plots/. `compare(runs)` puts
several runs side by side (the ablations).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import logging

import matplotlib

logging.getLogger("matplotlib").setLevel(logging.WARNING)  # its font scan is not the run's news
matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt  # noqa: E402

from agent_server.clock import calendar_time  # noqa: E402
from agent_server.evaluation import measures  # noqa: E402
from agent_server.evaluation.runlog import RunFolder, read_log, write_json  # noqa: E402


def load_interviews(run: RunFolder) -> dict[str, Any] | None:
    import json

    if not run.interviews.exists():
        return None
    return json.loads(run.interviews.read_text())


def write_report(run: RunFolder) -> dict[str, Any]:
    header, records = read_log(run.replay)
    state = run.read_state()
    interviews = load_interviews(run)
    metrics = measures.compute(header, records, interviews, state)
    write_json(run.metrics, metrics)
    run.plots.mkdir(exist_ok=True)
    series = measures.timelines(header, records)
    plots = _plots(run.plots, series, metrics)
    run.report.write_text(_markdown(header, metrics, interviews, plots, state), encoding="utf-8")
    return metrics


# ---- plots ---------------------------------------------------------------------------

def _plots(folder: Path, series: dict[str, Any], metrics: dict[str, Any]) -> dict[str, str]:
    made = {}
    hours = series["hours"]

    fig, ax = plt.subplots(figsize=(7, 3.5))
    for label, shares in series["diffusion"].items():
        ax.plot(hours, [100 * s for s in shares], label=label, linewidth=2)
    ax.set_xlabel("game hours since the start")
    ax.set_ylabel("agents who know (%)")
    ax.set_ylim(0, 100)
    ax.set_title("Information diffusion (by memory)")
    ax.grid(alpha=0.3)
    if series["diffusion"]:
        ax.legend()
    made["diffusion"] = _save(fig, folder / "diffusion.png")

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(hours, series["density"], color="tab:green", linewidth=2, label="this run (memory)")
    paper = metrics["paper"]["density"]
    ax.axhline(paper["end"], color="gray", linestyle="--", label=f"paper, end ({paper['end']})")
    ax.axhline(paper["start"], color="gray", linestyle=":", label=f"paper, start ({paper['start']})")
    ax.set_xlabel("game hours since the start")
    ax.set_ylabel("network density")
    ax.set_ylim(0, 1)
    ax.set_title("Relationship formation: who knows whom")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    made["density"] = _save(fig, folder / "density.png")

    by_purpose = metrics["cost"]["by_purpose_per_agent_per_game_hour"]
    if by_purpose:
        names = sorted(by_purpose, key=lambda p: by_purpose[p].get("calls", 0), reverse=True)
        fig, ax = plt.subplots(figsize=(7, 3.5))
        ax.barh(names, [by_purpose[p].get("calls", 0) for p in names], color="tab:orange")
        ax.invert_yaxis()
        ax.set_xlabel("model calls per agent per game hour")
        ax.set_title("Cost by cognitive function")
        ax.grid(alpha=0.3, axis="x")
        made["cost"] = _save(fig, folder / "cost.png")
    return made


def _save(fig, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return f"plots/{path.name}"


# ---- Markdown ------------------------------------------------------------------------

def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _markdown(header: dict[str, Any], m: dict[str, Any], interviews: dict[str, Any] | None,
              plots: dict[str, str], state: dict[str, Any]) -> str:
    names = {a["id"]: a["name"] for a in header["agents"]}
    when = header.get("start_date", "")
    out = [
        f"# Simulacra run: {header.get('scenario', '')}",
        "",
        f"{header.get('description', '')}".strip(),
        "",
        f"- From {calendar_time(m['start_time'], when)} to {calendar_time(m['end_time'], when)}: "
        f"{m['game_hours']:.1f} game hours ({m['game_days']:.2f} days), {m['agents']} agents"
        + ("" if m["finished"] else " (**the run did not finish**)"),
        f"- Model: {state.get('model', '?')}; ablation: {m['ablation']}; world speed {state.get('speed', '?')} "
        "game seconds per real second (Godot headless), "
        + (f"in lockstep (it stood still {m['world']['held_real_seconds'] / 60:.1f} min for the minds)"
           if m["world"]["lockstep"] else "at game speed, not waiting for the minds")
        + (f"; agents waited for the server {_pct(m['world']['waiting_share'])} of their game time"
           if m["world"]["waiting_share"] is not None else ""),
        f"- Wall time: {m['cost']['wall_seconds'] / 60:.1f} min "
        f"({m['cost']['wall_seconds_per_game_hour']:.0f} s per game hour)"
        + (f"; server memory {m['cost']['rss_mb']:.0f} MB at the end, {m['cost']['peak_rss_mb']:.0f} MB at most"
           if m["cost"].get("rss_mb") else ""),
        f"- Recorded: {m['activity']['records'].get('step', 0)} world steps, "
        f"{m['activity']['records'].get('memory', 0)} memories, {m['activity']['conversations']} conversations, "
        f"{m['activity']['records'].get('utterance', 0)} lines said",
        "",
        "## Against the paper",
        "",
        "| measurement | this run, start | this run, end | paper, start | paper, end |",
        "|---|---|---|---|---|",
    ]
    paper = m["paper"]
    for d in m["diffusion"]:
        key = "party" if any("party" in t or "valentine" in t for t in d["topic"]) else \
            "mayor" if any(t in ("mayor", "election", "candidacy") for t in d["topic"]) else ""
        ref = paper["diffusion"].get(key, {})
        label = f"knows of {names.get(d['seed_agent'], d['seed_agent'])}'s {' / '.join(d['topic'][:2])}"
        interview = f"; interview {_pct(d['interview']['end'])}" if "interview" in d else ""
        out.append(f"| {label} (memory{'; interview' if interview else ''}) | {_pct(d['memory']['start'])} | "
                   f"{_pct(d['memory']['end'])}{interview} | "
                   f"{_pct(ref['start']) if ref else '-'} | {_pct(ref['end']) if ref else '-'} |")
    hall = [d["interview"] for d in m["diffusion"] if "interview" in d]
    if hall:
        total = sum(len(h["hallucinated"]) for h in hall)
        asked = len(hall) * m["agents"]
        out.append(f"| interview answers claiming knowledge the agent lacks | | {_pct(total / asked)} "
                   f"({total} of {asked}) | | {paper['hallucination'] * 100:.1f}% |")
    dens = m["density"]
    interview = f"; interview {dens['interview']['end']:.3f}" if "interview" in dens else ""
    out.append(f"| network density (memory{'; interview' if interview else ''}) | {dens['memory']['start']:.3f} | "
               f"{dens['memory']['end']:.3f}{interview} | {paper['density']['start']} | {paper['density']['end']} |")
    for c in m["coordination"]:
        result = f"{len(c['attended'])} of {len(c['invited'])}" if c["reached"] else "not reached"
        out.append(f"| came to {names.get(c['seed_agent'], c['seed_agent'])}'s event (of those who knew) | | "
                   f"{result} | | {paper['coordination']['attended']} of {paper['coordination']['invited']} |")
    out += ["", "Knowing by memory is the ground truth, traced from who heard what: the agents whose memories "
            "hold one of the seed's topic words at the start know it; after that, an agent knows it once someone "
            "who knew told it (a line with a topic word), or once it remembers someone who knew in a memory "
            "with a topic word (it saw them preparing). A topic word that reached a memory any other way is the "
            "model's own invention; those agents are listed apart, as mentioning it without a source. "
            "Knowing by interview, for a seed: the agent's answer in its own words speaks of the topic without "
            "saying it does not know (all answers are below). For a person: the agent's yes or no to \"Do you "
            "know …?\", read from the model's probabilities of Yes and No, calibrated against the same question "
            "about no one (\"N/A\"). Both are only as good as the model answering.", ""]

    if "diffusion" in plots:
        out += [f"![diffusion]({plots['diffusion']})", ""]
    out += ["## Information diffusion", ""]
    for d in m["diffusion"]:
        out.append(f"### {names.get(d['seed_agent'], d['seed_agent'])}: {d['text']}")
        out.append("")
        out.append(f"Knew at the start: {', '.join(names.get(a, a) for a in d['memory']['knew_at_start']) or 'no one'}. "
                   f"Knew at the end: {', '.join(names.get(a, a) for a in d['memory']['knew_at_end']) or 'no one'}.")
        out.append("")
        unsourced = d.get("mentioned_without_source", {}).get("agents", [])
        if unsourced:
            out.append(f"Mentioned a {' or '.join(d['topic'][:2])} without a source (the model's own words, not "
                       f"counted as knowing): {', '.join(names.get(a, a) for a in unsourced)}.")
            out.append("")
        if d["heard_from"]:
            out.append("Who first heard it from whom:")
            out.append("")
            for listener, h in sorted(d["heard_from"].items(), key=lambda kv: kv[1]["t"]):
                if h.get("via") == "memory":
                    out.append(f"- {calendar_time(h['t'], when)}: {names.get(listener, listener)} remembered, of "
                               f"{names.get(h['from'], h['from'])}: \"{h['text']}\"")
                else:
                    out.append(f"- {calendar_time(h['t'], when)}: {names.get(h['from'], h['from'])} to "
                               f"{names.get(listener, listener)}: \"{h['text']}\"")
            out.append("")
        if "interview" in d:
            i = d["interview"]
            out.append(f"Interview, \"{i['question']}\": yes from {len(i['said_yes'])} of {m['agents']}; "
                       f"agrees with memory for {_pct(i['agreement'])}; claimed without a memory: "
                       f"{', '.join(names.get(a, a) for a in i['hallucinated']) or 'no one'}.")
            out.append("")
            for agent_id, answer in sorted(interviews_answers(interviews, d).items()):
                out.append(f"- {names.get(agent_id, agent_id)}: {answer['answer']} "
                           f"({'knows' if answer['knows'] else 'does not know'})")
            out.append("")
    out += ["## Relationships", ""]
    if "density" in plots:
        out += [f"![density]({plots['density']})", ""]
    out.append(f"{dens['memory']['pairs_start']} of {dens['possible_pairs']} ordered pairs knew each other at the "
               f"start, {dens['memory']['pairs_end']} at the end (by memory).")
    if "interview" in dens:
        out.append(f" By interview, {dens['interview']['pairs']} pairs say they know each other; "
                   f"{dens['interview']['claimed_without_memory']} of those have no memory of the other.")
    out.append("")
    if dens["new_acquaintances"]:
        out.append("New acquaintances: " + "; ".join(
            f"{names.get(a, a)} → {names.get(b, b)}" for a, b in dens["new_acquaintances"][:40])
            + (" …" if len(dens["new_acquaintances"]) > 40 else ""))
        out.append("")
    out += ["## Coordination", ""]
    if not m["coordination"]:
        out += ["The scenario has no seed with an event.", ""]
    for c in m["coordination"]:
        out.append(f"{names.get(c['seed_agent'], c['seed_agent'])}'s event at `{c['place']}`, "
                   f"{calendar_time(c['start'], when)}–{calendar_time(c['end'], when)[-5:]}: "
                   + (f"{len(c['invited'])} agents knew of it beforehand, {len(c['attended'])} of them came "
                      f"({', '.join(names.get(a, a) for a in c['attended']) or 'no one'}); came without knowing: "
                      f"{', '.join(names.get(a, a) for a in c['attended_uninvited']) or 'no one'}; host there: "
                      f"{'yes' if c['host_present'] else 'no'}." if c["reached"] else "the run ended before it."))
        out.append("")
    out += ["## Cost", ""]
    cost = m["cost"]
    per = cost["per_agent_per_game_hour"]
    out.append(f"Per agent per game hour: {per.get('calls', 0):.1f} model calls, "
               f"{per.get('prompt_tokens', 0):.0f} prompt tokens, {per.get('completion_tokens', 0):.0f} generated "
               f"tokens, {per.get('model_seconds', 0):.1f} s of model time. Wall time per game hour: "
               f"{cost['wall_seconds_per_game_hour']:.0f} s.")
    out.append("")
    if "cost" in plots:
        out += [f"![cost]({plots['cost']})", ""]
    out += ["| function | calls | prompt tokens | generated tokens | model s |", "|---|---|---|---|---|"]
    for purpose, u in sorted(cost["by_purpose_per_agent_per_game_hour"].items(),
                             key=lambda kv: kv[1].get("calls", 0), reverse=True):
        out.append(f"| {purpose} | {u.get('calls', 0):.2f} | {u.get('prompt_tokens', 0):.0f} | "
                   f"{u.get('completion_tokens', 0):.0f} | {u.get('model_seconds', 0):.2f} |")
    out.append("")
    if cost.get("by_hour"):
        out += ["Pace from checkpoint to checkpoint (the first includes the start-up planning):", "",
                "| game time | wall s | calls per agent | model s per agent | costliest | RSS MB |",
                "|---|---|---|---|---|---|"]
        for row in cost["by_hour"]:
            out.append(f"| {calendar_time(row['from'], when)}–{calendar_time(row['to'], when)[-5:]} | "
                       f"{row['wall_seconds']:.0f} | {row['calls_per_agent']:.1f} | "
                       f"{row['model_seconds_per_agent']:.1f} | {row['costliest']} | "
                       f"{row['rss_mb'] if row['rss_mb'] is not None else ''} |")
        out.append("")
    out += ["## Interview battery", ""]
    if not interviews:
        out += ["No interviews were held (the run did not finish, or ran with `--interviews none`).", ""]
    else:
        out += ["| category | asked | checked | passed |", "|---|---|---|---|"]
        for category, c in m["battery"].items():
            out.append(f"| {category} | {c['asked']} | {c['checked']} | {c['passed']} |")
        out += ["", "Checks are word matches against what the run knows (stated with each); answers without a "
                "check are for people to judge.", ""]
        for agent_id, answers in interviews.get("battery", {}).items():
            out.append(f"### {names.get(agent_id, agent_id)}")
            out.append("")
            for qa in answers:
                mark = ""
                if "check" in qa:
                    mark = f" ({'✔' if qa['check']['passed'] else '✘'} {qa['check']['rule']})"
                out.append(f"- *{qa['category']}*: **{qa['question']}** {qa['answer']!s}{mark}")
            out.append("")
    return "\n".join(out) + "\n"


def interviews_answers(interviews: dict[str, Any] | None, entry: dict[str, Any]) -> dict[str, Any]:
    for asked in (interviews or {}).get("diffusion", []):
        if asked["seed_agent"] == entry["seed_agent"] and asked["question"] == entry["interview"]["question"]:
            return asked["answers"]
    return {}


# ---- side by side --------------------------------------------------------------------

def compare(runs: list[RunFolder], out: Path) -> str:
    """A Markdown table of several runs' measurements (the ablations), written to `out`."""
    import json

    rows = []
    for run in runs:
        if not run.metrics.exists():
            write_report(run)
        rows.append((run, json.loads(run.metrics.read_text())))
    lines = ["# Runs side by side", "",
             "| | " + " | ".join(f"{m['ablation']} ({run.path.name})" for run, m in rows) + " |",
             "|---|" + "---|" * len(rows)]

    def row(label: str, values: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(values) + " |")

    row("game hours", [f"{m['game_hours']:.1f}" for _, m in rows])
    seeds = max((len(m["diffusion"]) for _, m in rows), default=0)
    for i in range(seeds):
        topic = next((" / ".join(m["diffusion"][i]["topic"][:2]) for _, m in rows if i < len(m["diffusion"])), "")
        row(f"knows of {topic}, end (memory)",
            [_pct(m["diffusion"][i]["memory"]["end"]) if i < len(m["diffusion"]) else "-" for _, m in rows])
        row(f"knows of {topic}, end (interview)",
            [_pct(m["diffusion"][i]["interview"]["end"]) if i < len(m["diffusion"]) and "interview"
             in m["diffusion"][i] else "-" for _, m in rows])
    row("density, end (memory)", [f"{m['density']['memory']['end']:.3f}" for _, m in rows])
    row("density, end (interview)",
        [f"{m['density']['interview']['end']:.3f}" if "interview" in m["density"] else "-" for _, m in rows])
    row("came to the event / knew", [", ".join(f"{len(c['attended'])}/{len(c['invited'])}" for c in m["coordination"])
                                     or "-" for _, m in rows])
    row("battery checks passed", [f"{sum(c['passed'] for c in m['battery'].values())}/"
                                  f"{sum(c['checked'] for c in m['battery'].values())}" for _, m in rows])
    row("model calls / agent / game hour",
        [f"{m['cost']['per_agent_per_game_hour'].get('calls', 0):.1f}" for _, m in rows])
    row("reflections stored", [str(m["activity"]["memories_by_kind"].get("reflection", 0)) for _, m in rows])
    row("conversations", [str(m["activity"]["conversations"]) for _, m in rows])
    text = "\n".join(lines) + "\n"
    out.write_text(text, encoding="utf-8")
    return text
