"""`simulacra`: the command line.

  simulacra serve   run the agent server (gRPC + WebSocket gateway)
  simulacra run     run the server and the Godot town together; headless with a live
                    timeline when there is no display
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sys
from pathlib import Path

from agent_server.errors import SimulacraError
from agent_server.server import serve, start_server, wait_for_stop_signal
from agent_server.settings import PROJECT_ROOT, Settings, load_settings

GODOT_PROJECT = PROJECT_ROOT / "godot_project"


def _add_settings_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--grpc-port", type=int, help="gRPC port (0: any free port)")
    parser.add_argument("--ws-port", type=int, help="WebSocket gateway port (0: any free port)")
    parser.add_argument("--model", dest="model_path", help="GGUF model file, or a file name in models/")
    parser.add_argument("--llm-backend", choices=["llama_cpp", "openai"],
                        help="in-process model, or an OpenAI-compatible server")
    parser.add_argument("--openai-base-url", help="model server API root, e.g. http://127.0.0.1:8080/v1")
    parser.add_argument("--openai-model", help="model name on that server (default: the first it lists)")
    parser.add_argument("--scenario", dest="scenario_path", help="scenario file, or a name in scenarios/ (smallville)")
    parser.add_argument("--save", dest="save_name", help="which save in the data directory to run or resume")
    parser.add_argument("--data-dir", help="where simulation saves are kept")
    parser.add_argument("--n-threads", type=int, help="CPU threads for the model")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING, ...")


def _settings(args: argparse.Namespace) -> Settings:
    names = ["host", "grpc_port", "ws_port", "model_path", "scenario_path", "data_dir", "n_threads", "log_level",
             "llm_backend", "openai_base_url", "openai_model", "save_name"]
    return load_settings(**{n: getattr(args, n) for n in names})


def godot_binary() -> str:
    wrapper = PROJECT_ROOT / "scripts" / "godot"
    if wrapper.exists():
        return str(wrapper)
    found = shutil.which("godot")
    if not found:
        raise SimulacraError("Godot not found: run `make setup` (scripts/install_godot.sh) or put godot 4.3+ on PATH")
    return found


async def run_town(settings: Settings, *, headless: bool, minutes: int | None, speed: float, report: Path | None) -> int:
    """Serve, start the Godot town against this server, and stop when either ends."""
    running = await start_server(settings)
    # The town opens at once: the agents plan their day in the background, and each
    # starts moving as soon as its own plan is ready (the HUD says when all are).
    print(f"simulacra: server ready on {running.ws_url}; starting the town"
          f"{' headless' if headless else ''} while the agents plan their day", flush=True)
    args = [godot_binary(), "--path", str(GODOT_PROJECT)]
    if headless:
        args.insert(1, "--headless")
    args += ["--", "--server", running.ws_url, "--speed", str(speed)]
    if headless:
        args.append("--headless-run")
    if minutes:
        args += ["--minutes", str(minutes)]
    if report:
        args += ["--report", str(report.resolve())]
    godot = await asyncio.create_subprocess_exec(*args)
    stop = asyncio.create_task(wait_for_stop_signal())
    finished = asyncio.create_task(godot.wait())
    await asyncio.wait({stop, finished}, return_when=asyncio.FIRST_COMPLETED)
    if not finished.done():
        godot.terminate()
        await finished
    stop.cancel()
    await running.stop()
    return godot.returncode or 0


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
    args = parser.parse_args(argv)

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
        headless = args.headless if args.headless is not None else not os.environ.get("DISPLAY")
        return asyncio.run(run_town(settings, headless=headless, minutes=args.minutes, speed=args.speed, report=args.report))
    except SimulacraError as exc:
        print(f"simulacra: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
