"""llama.cpp's `llama-server` processes, started and stopped by Simulacra.

The reference inference engine for serving the model over HTTP: `simulacra serve
--spawn-llama-servers K` starts K of them on the configured GGUF, each on a free
loopback port, and uses them as one pool (llm/pool.py). `scripts/llama-server` (made
by scripts/install_llama_server.sh: Debian's llama.cpp-tools in the project's private
Debian root, or a llama-server on PATH) is what runs.
"""

from __future__ import annotations

import ctypes
import json
import logging
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from agent_server.errors import Unavailable
from agent_server.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

LLAMA_SERVER = PROJECT_ROOT / "scripts" / "llama-server"
# Tries at a free port, should another process take the one chosen before the server binds it.
_PORT_TRIES = 3


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before it runs llama-server: ask Linux to send it SIGTERM when the
    thread that started it ends, so a Simulacra server killed outright (SIGKILL, a
    crash) leaves no llama-server behind. They are started on the event loop's worker
    threads, which live as long as the loop. Elsewhere than Linux, nothing."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    """One llama-server process serving `model_path` on a loopback port.

    `slots`: requests it decodes together (its `--parallel`), each with a context of
    `ctx_per_slot` tokens; `threads`: CPU threads; `kv_cache_type`: how keys and values
    are kept (as the embedded model's setting)."""

    def __init__(self, model_path: Path, *, slots: int = 8, ctx_per_slot: int = 4096, threads: int = 2,
                 kv_cache_type: str = "q8_0", log_path: Path | None = None, executable: Path = LLAMA_SERVER,
                 api_key: str | None = None) -> None:
        self.model_path = Path(model_path)
        self.slots = slots
        self.ctx_per_slot = ctx_per_slot
        self.threads = threads
        self.kv_cache_type = kv_cache_type
        self.log_path = log_path
        self.executable = Path(executable)
        self.api_key = api_key
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible API root, for OpenAIHTTPModel."""
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self, port: int) -> list[str]:
        command = [
            str(self.executable), "--model", str(self.model_path), "--host", "127.0.0.1", "--port", str(port),
            "--parallel", str(self.slots), "--ctx-size", str(self.ctx_per_slot * self.slots),
            "--threads", str(self.threads), "--cache-type-k", self.kv_cache_type, "--no-webui",
        ]
        if self.api_key:
            command += ["--api-key", self.api_key]
        return command

    def start(self, timeout: float = 120.0) -> LlamaServer:
        """Start it and wait until it is ready to serve (its /health answers 200)."""
        if not self.executable.exists():
            raise Unavailable(f"{self.executable} is missing: run `bash scripts/install_llama_server.sh` "
                              "(make setup does)")
        if not self.model_path.is_file():
            raise Unavailable(f"no model file at {self.model_path}")
        for _ in range(_PORT_TRIES):
            self.port = _free_port()
            out = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
            try:
                self.process = subprocess.Popen(self.command(self.port), stdout=out, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
            finally:
                if self.log_path:
                    out.close()
            if self._wait_ready(timeout):
                log.info("llama-server serving %s on port %d (%d slots, pid %d)", self.model_path.name, self.port,
                         self.slots, self.process.pid)
                return self
        raise Unavailable(f"llama-server did not start (exit code {self.process.returncode}); see "
                          f"{self.log_path or 'its output'}")

    def _wait_ready(self, timeout: float) -> bool:
        """True once it answers; False if it exited (a port taken: try another)."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{self.port}/health", headers=headers)
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200 and json.loads(response.read()).get("status") == "ok":
                        return True
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(0.1)
        self.stop()
        raise Unavailable(f"llama-server did not answer within {timeout:g} s; see {self.log_path or 'its output'}")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """Stop it at once (SIGKILL), as a crash would."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self, grace: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()


def spawn_llama_servers(count: int, model_path: Path, *, threads: int, log_dir: Path | None = None,
                        **options) -> list[LlamaServer]:
    """Start `count` servers of `model_path`, sharing `threads` CPU threads between
    them, and wait until all serve; none is left running if one fails to start."""
    servers: list[LlamaServer] = []
    try:
        for i in range(count):
            log_path = log_dir / f"llama-server-{i}.log" if log_dir else None
            servers.append(LlamaServer(model_path, threads=max(1, threads // count), log_path=log_path,
                                       **options).start())
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers
