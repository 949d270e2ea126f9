"""Running the real thing for end-to-end tests: the agent server as its own process (the
real model), and the real Godot town headless against it."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import grpc
import pytest

from agent_server.settings import PROJECT_ROOT
from simulacra.v1 import service_pb2, service_pb2_grpc

GODOT = PROJECT_ROOT / "scripts" / "godot"
ERROR_MARKERS = ("SCRIPT ERROR", "Parse Error", "ERROR:")


@asynccontextmanager
async def stub(address: str):
    async with grpc.aio.insecure_channel(address) as channel:
        yield service_pb2_grpc.SimulacraStub(channel)


@contextmanager
def server_process(folder: Path, *extra: str) -> Iterator[dict]:
    """`simulacra serve` on free ports, with its save in `folder`; yields its addresses
    once every agent's day is planned, and checks that it stops cleanly on SIGTERM."""
    ready = folder / "ready.json"
    log_path = folder / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "agent_server", "serve", "--grpc-port", "0", "--ws-port", "0",
             "--ready-file", str(ready), "--data-dir", str(folder / "data"),
             *([] if "--scenario" in extra else ["--scenario", "skeleton"]), *extra],
            stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
        )
        try:
            deadline = time.monotonic() + 120
            while not ready.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start: {log_path.read_text()[-3000:]}")
                time.sleep(0.1)
            addresses = json.loads(ready.read_text()) | {"log": str(log_path)}
            _wait_until_days_are_planned(addresses["grpc"], deadline=time.monotonic() + 600)
            yield addresses
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=60)
    assert code == 0, f"server did not stop cleanly on SIGTERM: {log_path.read_text()[-3000:]}"


def _wait_until_days_are_planned(address: str, deadline: float) -> None:
    """The server plans every agent's day as it starts; a run begins once it has, as a
    game would start after a loading screen."""

    async def planned() -> bool:
        async with stub(address) as s:
            return (await s.GetStats(service_pb2.GetStatsRequest())).ready

    while not asyncio.run(planned()):
        if time.monotonic() > deadline:
            pytest.fail("the server did not plan the agents' days in time")
        time.sleep(2)


def town_command(server_ws: str, *, minutes: int | None, speed: float, report: Path, extra: tuple[str, ...] = (),
                 rendered: bool = False) -> list[str]:
    """The Godot command line for a run of the town: headless, or (rendered) drawing real
    frames with Mesa on a virtual screen (xvfb-run)."""
    if not GODOT.exists():
        pytest.fail("scripts/godot is missing: `make setup` installs Godot")
    report.unlink(missing_ok=True)
    args = [str(GODOT), "--path", str(PROJECT_ROOT / "godot_project")]
    if rendered:
        if not shutil.which("xvfb-run"):
            pytest.fail("xvfb-run is missing: `make setup` installs it (scripts/install_xvfb.sh)")
        # Mesa's llvmpipe offers OpenGL ES without GLX trouble; no sound card is needed.
        args = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", *args, "--rendering-driver", "opengl3_es",
                "--audio-driver", "Dummy"]
    else:
        args.insert(1, "--headless")
    args += ["--", "--headless-run", "--speed", str(speed), "--report", str(report), "--server", server_ws, *extra]
    if minutes is not None:
        args += ["--minutes", str(minutes)]
    return args


def start_town(server_ws: str, *, minutes: int, speed: float, report: Path) -> subprocess.Popen:
    """Godot headless running the town for `minutes` game minutes; output to a pipe."""
    return subprocess.Popen(
        town_command(server_ws, minutes=minutes, speed=speed, report=report),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "DISPLAY": ""},
    )


async def run_town_async(server_ws: str, *, report: Path, log: Path, timeout: float, **options) -> tuple[dict, str]:
    """Runs the town to its end without blocking the event loop (for a server running
    in this process); returns its report and output (also written to `log`). `env`
    adds to the town's environment."""
    environment = {**os.environ, **options.pop("env", {})}
    if not options.get("rendered"):
        environment["DISPLAY"] = ""
    process = await asyncio.create_subprocess_exec(
        *town_command(server_ws, report=report, **options),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=environment,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        output, _ = await process.communicate()
        log.write_text(output.decode(errors="replace"))
        pytest.fail(f"the town did not finish in {timeout:.0f} s: {output.decode(errors='replace')[-3000:]}")
    text = output.decode(errors="replace")
    log.write_text(text)
    assert process.returncode == 0, text[-4000:]
    return json.loads(report.read_text()), text


def finish_town(town: subprocess.Popen, report: Path, log: Path, timeout: float) -> tuple[dict, str]:
    """Wait for the town to end; returns its report and output (also written to `log`)."""
    output, _ = town.communicate(timeout=timeout)
    log.write_text(output)
    assert town.returncode == 0, output[-4000:]
    return json.loads(report.read_text()), output


def script_errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if any(m in line for m in ERROR_MARKERS)]
