"""The headless runner: `simulacra simulate --scenario smallville --days 2`.

It runs the agent server in this process and the Godot town headless against it (the
same scenes as the game, so pathfinding and perception are real), shows its progress,
and writes a run folder (runlog.py): the replay log as things happen, a checkpoint save
every game hour, then the interviews, the measurements and the report.

An interrupted run (Ctrl-C, a crash, a reboot) goes on with `--resume RUN_FOLDER`:
the minds and the world are loaded from the last checkpoint (the game's own LoadGame),
and the replay log drops what came after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import resource
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from agent_server.clock import SECONDS_PER_DAY, calendar_time
from agent_server.errors import DataError, SimulacraError
from agent_server.evaluation.interviews import interview_everyone
from agent_server.evaluation.report import write_report
from agent_server.evaluation.runlog import LOG_VERSION, LogWriter, RunFolder, truncate_after, truncate_to, write_json
from agent_server.godot import town_args, town_environment
from agent_server.journal import Journal
from agent_server.scenario import Scenario
from agent_server.server import RunningServer, start_server
from agent_server.settings import PROJECT_ROOT, Settings, load_settings
from agent_server.simulation import read_save
from simulacra.v1 import agents_pb2, service_pb2

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint"
SAVE_NAME = "run"
ABLATIONS = {
    "none": {},
    "no-reflection": {"reflection": False},
    "no-planning": {"planning": False},
    "no-topics": {"topic_choice": False},
    "no-routine": {"routine": False},
}
PROGRESS_S = 2.0
# The pace is shown once this much game time has gone by.
MIN_PLAYED_FOR_RATE_S = 600
# Godot has this long to take up the town and start its clock before the run gives up.
START_TIMEOUT_S = 300.0


@dataclass
class RunOptions:
    scenario: str = ""
    days: float = 2.0
    speed: float = 60.0
    out: Path | None = None
    ablation: str = "none"
    interviews: bool = True
    # True: the world waits for the minds (the same run on any machine). False: it runs
    # at game speed whatever the minds manage, as a player would see it on this machine.
    lockstep: bool = True
    checkpoint_minutes: int = 60
    # Settings given on the command line (model, threads, ...): kept in run.json.
    settings: dict[str, Any] = field(default_factory=dict)


class Runner:
    def __init__(self, run: RunFolder, state: dict[str, Any], settings: Settings) -> None:
        self.run = run
        self.state = state
        self.settings = settings
        self.journal = Journal()
        self.server: RunningServer | None = None
        self.writer: LogWriter | None = None
        self._segment_started = time.monotonic()
        # What earlier segments of the run had used by the checkpoint this one goes on from.
        self._base_usage: dict[str, dict[str, float]] = state.get("checkpoint_usage", {})
        self._base_wall: float = state.get("checkpoint_wall_seconds", 0.0)
        self._last_checkpoint = 0
        self._stopping = asyncio.Event()

    # ---- the run ---------------------------------------------------------------------

    async def go(self) -> int:
        resuming = self.state.get("checkpoint_time") is not None
        if resuming:
            info, _ = read_save(self.run.data / SAVE_NAME / "saves" / f"{CHECKPOINT}.db")
            size = self.state.get("checkpoint_log_bytes")
            dropped = (truncate_to(self.run.replay, size) if size is not None  # runs before it was kept: by time
                       else truncate_after(self.run.replay, info.game_time))
            print(f"simulacra: resuming {self.run.path} from its checkpoint at "
                  f"{calendar_time(info.game_time, self.state['start_date'])} ({dropped} later records dropped)",
                  flush=True)
        self.writer = LogWriter(self.run.replay)
        if not resuming:
            # The header first: the minds start storing memories as soon as they open.
            self.writer.write(self._header(Scenario.load(self.settings.scenario_path)))
            self.journal.subscribe(self.writer.write)
        self.server = await start_server(self.settings, journal=self.journal)
        try:
            if resuming:
                # What the live save (later than the checkpoint) thinks before Godot's
                # --load puts minds and world back is not part of the resumed run: the log
                # listens from the load on.
                self.journal.subscribe(self._after_the_load)
            self.state["model"] = self.server.scheduler.model.name
            code = await self._run_world(resuming)
            if code != 0:
                return code
            self.state["finished"] = True
            self._account()
            self.run.write_state(self.state)
            if self.state.get("interviews", True):
                print("simulacra: the run is over; interviewing every agent", flush=True)
                started = time.monotonic()
                answers = await interview_everyone(self.server.society)
                write_json(self.run.interviews, answers)
                self.state["interview_seconds"] = round(time.monotonic() - started, 1)
                self._account(include_interviews=True)
                self.run.write_state(self.state)
        finally:
            self.journal.unsubscribe(self.writer.write)
            self.journal.unsubscribe(self._after_the_load)
            self.writer.close()
            await self.server.stop()
        metrics = write_report(self.run)
        print(f"simulacra: report written to {self.run.report}", flush=True)
        _print_summary(metrics)
        return 0

    async def _run_world(self, resuming: bool) -> int:
        assert self.server is not None
        extra = ["--until", str(self.state["end_time"]), "--report", str(self.run.town_report.resolve())]
        if self.state.get("lockstep", True):
            extra.append("--lockstep")
        if resuming:
            extra += ["--load", CHECKPOINT]
        args = town_args(self.server.ws_url, headless=True, speed=self.state["speed"], extra=extra)
        with open(self.run.town_log, "a") as town_log:
            godot = await asyncio.create_subprocess_exec(*args, stdout=town_log, stderr=asyncio.subprocess.STDOUT,
                                                         env=town_environment(self.settings))
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self._stopping.set)
            self._last_checkpoint = self.state.get("checkpoint_time") or self.server.society.world.game_time
            watcher = asyncio.create_task(self._watch())
            finished = asyncio.create_task(godot.wait())
            stopping = asyncio.create_task(self._stopping.wait())
            try:
                await asyncio.wait({finished, stopping}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(sig)
                watcher.cancel()
                stopping.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
                if not finished.done():
                    godot.terminate()
                    await finished
        _clear_progress()
        if self._stopping.is_set():
            print(f"simulacra: interrupted; go on with `simulacra simulate --resume {self.run.path}`", flush=True)
            return 130
        self._read_town_report()
        if godot.returncode != 0:
            print(f"simulacra: the town stopped with exit code {godot.returncode} (see {self.run.town_log}); "
                  f"go on from the last checkpoint with `simulacra simulate --resume {self.run.path}`",
                  file=sys.stderr, flush=True)
            return 1
        return 0

    def _after_the_load(self, record: dict[str, Any]) -> None:
        """Until the checkpoint is loaded, nothing; then the resume record, and from then
        on everything."""
        assert self.writer is not None
        if record["type"] == "load" and record.get("save") == CHECKPOINT:
            self.journal.unsubscribe(self._after_the_load)
            self.writer.write({"type": "resume", "t": record["t"], "from": record["t"]})
            self.journal.subscribe(self.writer.write)

    def _read_town_report(self) -> None:
        """The world's own figures (frame rates, how long agents waited for the server,
        how long the world stood still for them), one entry per segment of the run."""
        try:
            report = json.loads(self.run.town_report.read_text())
        except (OSError, json.JSONDecodeError):
            return
        segments = self.state.setdefault("world", [])
        segments.append({**report.get("performance", {}), "game_minutes": report.get("game_minutes", 0),
                         "errors": len(report.get("errors", []))})

    async def _watch(self) -> None:
        """Progress, and a checkpoint every `checkpoint_minutes` of game time."""
        assert self.server is not None
        start, end = self.state["start_time"], self.state["end_time"]
        began_at = time.monotonic()
        began_game = self.server.society.world.game_time
        every = self.state.get("checkpoint_minutes", 60) * 60
        last_line = 0.0
        while True:
            await asyncio.sleep(PROGRESS_S)
            society = self.server.society
            now = society.world.game_time
            if now >= self._last_checkpoint + every and now < end:
                await self._checkpoint()
            elapsed = time.monotonic() - began_at
            played = max(0, now - began_game)
            per_hour = elapsed / (played / 3600) if played >= MIN_PLAYED_FOR_RATE_S else 0.0
            remaining = per_hour * max(0, end - now) / 3600
            done = (now - start) / max(1, end - start)
            waiting = "" if society.ready else " · the agents are planning their day"
            line = (f"{calendar_time(now, self.state['start_date'])} {_bar(done)} {100 * done:3.0f}% · "
                    f"{(now - start) / 3600:.1f} of {(end - start) / 3600:.0f} game hours · "
                    + (f"{per_hour:.0f} s per game hour · about {remaining / 60:.0f} min left" if per_hour else
                       "starting") + waiting)
            if sys.stdout.isatty():
                print("\r" + line.ljust(120), end="", flush=True)
            elif time.monotonic() - last_line >= 60:
                print(line, flush=True)
                last_line = time.monotonic()

    async def _checkpoint(self) -> None:
        """A save to resume from: the minds (SQLite copy) and the world as last reported."""
        assert self.server is not None
        society = self.server.society
        world = service_pb2.WorldSnapshot(game_time=society.world.game_time, speed=self.state["speed"])
        for record in society.world.agents.values():
            state = agents_pb2.AgentState()
            state.CopyFrom(record.state)
            del state.perceptions[:]
            world.agents.append(state)
            if record.current is not None:
                world.current_commands.append(record.current)
        await self.server.simulation.save_as(CHECKPOINT, world)
        # The log as long as it was when the minds were saved (nothing runs between the
        # save's copy and here): a resume cuts it back to this.
        assert self.writer is not None
        self.state["checkpoint_log_bytes"] = self.writer.position()
        self._last_checkpoint = world.game_time
        self.state["checkpoint_time"] = world.game_time
        self._account()
        self.state["checkpoint_usage"] = self.state["usage"]
        self.state["checkpoint_wall_seconds"] = self.state["wall_seconds"]
        # The run's pace hour by hour (a night hour costs little, a busy afternoon much):
        # what had been used by each checkpoint.
        self.state.setdefault("checkpoints", []).append({
            "game_time": world.game_time, "wall_seconds": self.state["wall_seconds"],
            "rss_mb": self.state.get("rss_mb"),
            "usage": {p: {"calls": u.get("calls", 0), "model_seconds": u.get("model_seconds", 0)}
                      for p, u in self.state["usage"].items()}})
        self.run.write_state(self.state)

    def _account(self, include_interviews: bool = False) -> None:
        """Usage and wall time so far: what earlier segments had at their last checkpoint,
        plus this segment's."""
        assert self.server is not None
        usage = {p: dict(u) for p, u in self._base_usage.items()}
        for purpose, stats in self.server.scheduler.stats.items():
            if purpose == "interview" and not include_interviews:
                continue
            into = usage.setdefault(purpose, {})
            for key, value in dataclasses.asdict(stats).items():
                into[key] = round(into.get(key, 0) + value, 3)
        self.state["usage"] = usage
        if not include_interviews:
            self.state["wall_seconds"] = round(self._base_wall + time.monotonic() - self._segment_started, 1)
            # The server runs in this process: its resident memory now, and the most it
            # has held in any segment of the run.
            rss, peak = process_memory_mb()
            self.state["rss_mb"] = rss
            self.state["peak_rss_mb"] = max(peak, self.state.get("peak_rss_mb", 0.0))

    def _header(self, scenario: Scenario) -> dict[str, Any]:
        proto = scenario.proto
        return {
            "type": "header", "version": LOG_VERSION, "scenario": proto.name, "description": proto.description,
            "start_date": proto.start_date, "start_time": proto.start_time, "end_time": self.state["end_time"],
            "player_goal": proto.player_goal,
            "town": json_format.MessageToDict(scenario.town.proto),
            "agents": [json_format.MessageToDict(a) for a in proto.agents],
            "seeds": [json_format.MessageToDict(s) for s in proto.seeds],
            "relationships": [json_format.MessageToDict(r) for r in proto.relationships],
            "settings": {"ablation": self.state["ablation"], "speed": self.state["speed"],
                         "lockstep": self.state["lockstep"],
                         "model": (self.settings.openai_model or "(the server's)") if self.settings.llm_backend ==
                         "openai" else self.settings.model_path.stem, "seed": self.settings.seed},
        }


# ---- entry points --------------------------------------------------------------------

def new_run(options: RunOptions) -> tuple[RunFolder, dict[str, Any], Settings]:
    if options.ablation not in ABLATIONS:
        raise SimulacraError(f"unknown ablation {options.ablation!r}; use one of {', '.join(ABLATIONS)}")
    if not 0 < options.days <= 30:
        raise SimulacraError(f"--days {options.days} is out of range: give 0 < days <= 30 (0.25 is six hours)")
    if options.speed <= 0:
        raise SimulacraError("--speed must be positive (game seconds per real second)")
    base = load_settings(**_given(options.settings, options.scenario))
    scenario = Scenario.load(base.scenario_path)  # a bad scenario fails here, before anything is written
    name = options.out or PROJECT_ROOT / "runs" / (
        f"{scenario.proto.name}-{time.strftime('%Y%m%d-%H%M%S')}"
        + ("" if options.ablation == "none" else f"-{options.ablation}"))
    run = RunFolder(Path(name))
    if run.exists() or run.replay.exists():
        raise SimulacraError(f"{run.path} already holds a run: resume it with --resume {run.path}, "
                             "or give another --out")
    run.path.mkdir(parents=True, exist_ok=True)
    start = scenario.proto.start_time
    state = {
        "scenario": str(base.scenario_path), "scenario_name": scenario.proto.name, "days": options.days,
        "speed": options.speed, "ablation": options.ablation, "interviews": options.interviews,
        "lockstep": options.lockstep,
        "checkpoint_minutes": options.checkpoint_minutes, "settings": options.settings,
        "start_date": scenario.proto.start_date, "start_time": start,
        "end_time": start + int(options.days * SECONDS_PER_DAY),
        "checkpoint_time": None, "finished": False, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    run.write_state(state)
    return run, state, _run_settings(run, state)


def resume_run(path: Path) -> tuple[RunFolder, dict[str, Any], Settings]:
    run = RunFolder(Path(path))
    state = run.read_state()
    if state.get("finished"):
        raise SimulacraError(f"{run.path} has finished; `simulacra report {run.path}` writes its report again")
    if state.get("checkpoint_time") is None:
        raise SimulacraError(f"{run.path} stopped before its first checkpoint (a game hour in); start it again")
    if not (run.data / SAVE_NAME / "saves" / f"{CHECKPOINT}.db").exists():
        raise DataError(f"{run.path}: its checkpoint save is missing")
    return run, state, _run_settings(run, state)


def _given(settings: dict[str, Any], scenario: str) -> dict[str, Any]:
    given = {k: v for k, v in settings.items() if v is not None}
    if scenario:
        given["scenario_path"] = scenario
    return given


def _run_settings(run: RunFolder, state: dict[str, Any]) -> Settings:
    return load_settings(**_given(state.get("settings", {}), state["scenario"]), data_dir=run.data,
                         save_name=SAVE_NAME, grpc_port=0, ws_port=0, level_of_detail=False,
                         **ABLATIONS[state["ablation"]])


def process_memory_mb() -> tuple[float, float]:
    """This process's resident memory now and at its peak, MB."""
    current = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
    peak = max(current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # sampled apart: never below
    return round(current, 1), round(peak, 1)


async def simulate(options: RunOptions | None = None, resume: Path | None = None) -> int:
    run, state, settings = resume_run(resume) if resume else new_run(options or RunOptions())
    _log_to(run.server_log, settings.log_level)
    print(f"simulacra: {'resuming' if resume else 'running'} {state['scenario_name']} for {state['days']} game days "
          f"headless ({state['ablation']}) into {run.path}", flush=True)
    return await Runner(run, state, settings).go()


def _log_to(path: Path, level: str) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())


def _bar(done: float, width: int = 24) -> str:
    filled = int(round(width * min(1.0, max(0.0, done))))
    return "▕" + "█" * filled + "░" * (width - filled) + "▏"


def _clear_progress() -> None:
    if sys.stdout.isatty():
        print("\r" + " " * 120 + "\r", end="", flush=True)


def _print_summary(metrics: dict[str, Any]) -> None:
    for d in metrics["diffusion"]:
        line = f"  knows of {' / '.join(d['topic'][:2])}: {100 * d['memory']['start']:.0f}% -> " \
               f"{100 * d['memory']['end']:.0f}% (memory)"
        if "interview" in d:
            line += f", {100 * d['interview']['end']:.0f}% (interview)"
        print(line)
    dens = metrics["density"]
    print(f"  network density: {dens['memory']['start']:.3f} -> {dens['memory']['end']:.3f} (memory)"
          + (f", {dens['interview']['end']:.3f} (interview)" if "interview" in dens else ""))
    for c in metrics["coordination"]:
        print(f"  came to the event: {len(c['attended'])} of {len(c['invited'])} who knew"
              if c["reached"] else "  the event was not reached")
    print(f"  {metrics['cost']['per_agent_per_game_hour'].get('calls', 0):.1f} model calls per agent per game hour, "
          f"{metrics['cost']['wall_seconds_per_game_hour']:.0f} s wall per game hour")
