"""`simulacra`: the command line.

  simulacra serve   run the agent server (gRPC + WebSocket gateway)
  simulacra run     run the server and the Godot town together; headless with a live
                    timeline when there is no display
  simulacra simulate
                    run a scenario headless for days, then interview the agents and
                    write a run folder: replay log, measurements, report with plots
  simulacra report  write a run's report again, or put several runs side by side
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from agent_server.errors import SimulacraError
from agent_server.godot import town_args, town_environment
from agent_server.server import serve, start_server, wait_for_stop_signal
from agent_server.settings import Settings, load_settings


class _RouteAction(argparse.Action):
    """--model-route PURPOSE=URL[,URL...], repeated: the model_routes setting."""

    def __call__(self, parser, namespace, value, option_string=None) -> None:
        purpose, _, urls = str(value).partition("=")
        if not purpose or not urls:
            parser.error(f"{option_string} takes PURPOSE=URL[,URL...], not {value!r}")
        routes = dict(getattr(namespace, self.dest) or {})
        routes[purpose.strip()] = [u.strip() for u in urls.split(",") if u.strip()]
        setattr(namespace, self.dest, routes)


def _add_settings_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--grpc-port", type=int, help="gRPC port (0: any free port)")
    parser.add_argument("--ws-port", type=int, help="WebSocket gateway port (0: any free port)")
    parser.add_argument("--model", dest="model_path", help="GGUF model file, or a file name in models/")
    parser.add_argument("--voice-model", dest="voice_model_path",
                        help="a second GGUF for what the player reads (chat, greetings, interviews, debriefs)")
    parser.add_argument("--llm-backend", choices=["llama_cpp", "openai"],
                        help="in-process model, or an OpenAI-compatible server")
    parser.add_argument("--openai-base-url", help="model server API root, e.g. http://127.0.0.1:8080/v1")
    parser.add_argument("--openai-base-urls", nargs="+", metavar="URL",
                        help="several model servers of one model, used as a pool")
    parser.add_argument("--openai-model", help="model name on that server (default: the first it lists)")
    parser.add_argument("--model-route", dest="model_routes", action=_RouteAction, metavar="PURPOSE=URL[,URL...]",
                        help="serve a cognitive function (importance, decompose, conversation, interview, ...; voice "
                             "for what the player reads) on model servers of its own; repeat for others")
    parser.add_argument("--spawn-llama-servers", type=int, metavar="K",
                        help="start K llama-server processes on the model and use them as the pool")
    parser.add_argument("--scenario", dest="scenario_path", help="scenario file, or a name in scenarios/ (smallville)")
    parser.add_argument("--save", dest="save_name", help="which save in the data directory to run or resume")
    parser.add_argument("--data-dir", help="where simulation saves are kept")
    parser.add_argument("--n-threads", type=int, help="CPU threads for the model")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING, ...")


_SETTINGS_FLAGS = ["host", "grpc_port", "ws_port", "model_path", "voice_model_path", "scenario_path", "data_dir", "n_threads",
                   "log_level", "llm_backend", "openai_base_url", "openai_base_urls", "openai_model", "save_name",
                   "spawn_llama_servers", "model_routes"]


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(**{n: getattr(args, n) for n in _SETTINGS_FLAGS})


async def run_town(settings: Settings, *, headless: bool, minutes: int | None, speed: float, report: Path | None) -> int:
    """Serve, start the Godot town against this server, and stop when either ends."""
    running = await start_server(settings)
    # The town opens at once: the agents plan their day in the background, and each
    # starts moving as soon as its own plan is ready (the HUD says when all are).
    print(f"simulacra: server ready on {running.ws_url}; starting the town"
          f"{' headless' if headless else ''} while the agents plan their day", flush=True)
    extra = []
    if minutes:
        extra += ["--minutes", str(minutes)]
    if report:
        extra += ["--report", str(report.resolve())]
    args = town_args(running.ws_url, headless=headless, speed=speed, extra=extra)
    godot = await asyncio.create_subprocess_exec(*args, env=town_environment(settings))
    stop = asyncio.create_task(wait_for_stop_signal())
    finished = asyncio.create_task(godot.wait())
    await asyncio.wait({stop, finished}, return_when=asyncio.FIRST_COMPLETED)
    if not finished.done():
        godot.terminate()
        await finished
    stop.cancel()
    await running.stop()
    return godot.returncode or 0


async def _simulate(args: argparse.Namespace) -> int:
    from agent_server.evaluation.runner import RunOptions, simulate

    if args.resume:
        return await simulate(resume=args.resume)
    given = {n: getattr(args, n) for n in _SETTINGS_FLAGS if n != "scenario_path"}
    options = RunOptions(scenario=args.scenario_path or "", days=args.days, speed=args.speed, out=args.out,
                         ablation=args.ablation, interviews=not args.no_interviews, lockstep=not args.realtime,
                         checkpoint_minutes=args.checkpoint_minutes,
                         settings={k: (str(v) if isinstance(v, Path) else v) for k, v in given.items()
                                   if v is not None and k not in ("host", "grpc_port", "ws_port", "data_dir",
                                                                  "save_name")})
    return await simulate(options)


def _report(runs: list[Path], out: Path | None) -> int:
    from agent_server.evaluation.report import compare, write_report
    from agent_server.evaluation.runlog import RunFolder

    try:
        folders = [RunFolder(r) for r in runs]
        for run in folders:
            write_report(run)
            print(f"simulacra: wrote {run.report}")
        if len(folders) > 1:
            target = out or folders[0].path.parent / "compare.md"
            compare(folders, target)
            print(f"simulacra: runs side by side in {target}")
    except SimulacraError as exc:
        print(f"simulacra: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="simulacra", description="Generative-agent NPCs for Godot games.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the agent server")
    _add_settings_flags(serve_cmd)
    serve_cmd.add_argument("--ready-file", type=Path, help="write the bound addresses here as JSON once serving")
    run_cmd = commands.add_parser("run", help="run the server and the Godot town")
    _add_settings_flags(run_cmd)
    run_cmd.add_argument("--headless", action="store_true", default=None,
                         help="no window; print a live timeline (the default without a display)")
    run_cmd.add_argument("--minutes", type=int, help="stop after this many game minutes")
    run_cmd.add_argument("--speed", type=float, default=60.0, help="game seconds per real second (default 60)")
    run_cmd.add_argument("--report", type=Path, help="write the town's JSON report here")
    sim_cmd = commands.add_parser(
        "simulate", help="run a scenario headless for days and measure it (a run folder with a report)")
    _add_settings_flags(sim_cmd)
    sim_cmd.add_argument("--days", type=float, default=2.0, help="game days to run (default 2; 0.25 is six hours)")
    sim_cmd.add_argument("--speed", type=float, default=60.0,
                         help="game seconds per real second in the world (default 60, the game's own)")
    sim_cmd.add_argument("--out", type=Path, help="the run folder (default runs/<scenario>-<date>-<time>)")
    sim_cmd.add_argument("--ablation", default="none", choices=["none", "no-reflection", "no-planning", "no-topics", "no-routine"],
                         help="run without reflection, planning, topic choice or routines, to compare")
    sim_cmd.add_argument("--no-interviews", action="store_true", help="skip the end-of-run interviews")
    sim_cmd.add_argument("--realtime", action="store_true",
                         help="the world runs at game speed without waiting for the minds (what a player would see "
                              "on this machine); by default it waits (lockstep), so a run is the same on any machine")
    sim_cmd.add_argument("--checkpoint-minutes", type=int, default=60,
                         help="game minutes between checkpoints to resume from (default 60)")
    sim_cmd.add_argument("--resume", type=Path, metavar="RUN_FOLDER",
                         help="go on with an interrupted run from its last checkpoint")
    report_cmd = commands.add_parser("report", help="write a run's report again; several runs: side by side")
    report_cmd.add_argument("runs", nargs="+", type=Path, help="run folders")
    report_cmd.add_argument("--out", type=Path, help="where the side-by-side table goes (default runs/compare.md)")
    args = parser.parse_args(argv)
    if args.command == "report":
        return _report(args.runs, args.out)

    try:
        settings = _settings(args)
    except Exception as exc:  # pydantic's message names the bad option
        print(f"simulacra: invalid settings: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        if args.command == "serve":
            asyncio.run(serve(settings, args.ready_file))
            return 0
        if args.command == "simulate":
            return asyncio.run(_simulate(args))
        headless = args.headless if args.headless is not None else not os.environ.get("DISPLAY")
        return asyncio.run(run_town(settings, headless=headless, minutes=args.minutes, speed=args.speed, report=args.report))
    except SimulacraError as exc:
        print(f"simulacra: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
