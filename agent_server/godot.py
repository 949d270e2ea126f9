"""Finding and starting the Godot town (godot_project/) from Python."""

from __future__ import annotations

import os
import shutil

from agent_server.errors import SimulacraError
from agent_server.settings import PROJECT_ROOT, Settings

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


def town_environment(settings: Settings) -> dict[str, str]:
    """The town's environment: the token the server asks for, and its certificate to
    trust over wss:// (godot_project/addons/simulacra/agent_client.gd reads both)."""
    environment = dict(os.environ)
    if settings.auth_token is not None:
        environment["SIMULACRA_AUTH_TOKEN"] = settings.auth_token.get_secret_value()
    if settings.tls_cert is not None:
        environment["SIMULACRA_TLS_CA"] = str(settings.tls_cert.resolve())
    return environment
