"""Finding and starting the Godot town (godot_project/) from Python."""

from __future__ import annotations

import shutil

from agent_server.errors import SimulacraError
from agent_server.settings import PROJECT_ROOT

GODOT_PROJECT = PROJECT_ROOT / "godot_project"


def godot_binary() -> str:
    """scripts/godot (installed by `make setup`), else a godot on PATH."""
    wrapper = PROJECT_ROOT / "scripts" / "godot"
    if wrapper.exists():
        return str(wrapper)
    found = shutil.which("godot")
    if not found:
        raise SimulacraError("Godot not found: run `make setup` (scripts/install_godot.sh) or put godot 4.3+ on PATH")
    return found


def town_args(ws_url: str, *, headless: bool, speed: float, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The command line of the town (main/main.gd) against a server's WebSocket gateway."""
    args = [godot_binary(), *(["--headless"] if headless else []), "--path", str(GODOT_PROJECT),
            "--", "--server", ws_url, "--speed", str(speed)]
    if headless:
        args.append("--headless-run")
    return args + list(extra)
