"""A run folder and its replay log (docs/replay_log.md).

    runs/<name>/
      run.json          what the run is (scenario, days, speed, settings) and how far it got
      replay.jsonl      the replay log: every step, command, line, conversation and memory
      interviews.json   the end-of-run interviews (diffusion, relationships, the battery)
      metrics.json      the measurements
      report.md         the report, with plots/*.png
      town.log          the Godot world's timeline
      town_report.json  the world's own figures for its last segment (frame rates, waiting)
      server.log        the agent server's log
      data/             the simulation's save, and saves/checkpoint.db to resume from
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_server.errors import DataError

LOG_VERSION = 1


@dataclass(frozen=True)
class RunFolder:
    path: Path

    @property
    def state_file(self) -> Path:
        return self.path / "run.json"

    @property
    def replay(self) -> Path:
        return self.path / "replay.jsonl"

    @property
    def interviews(self) -> Path:
        return self.path / "interviews.json"

    @property
    def metrics(self) -> Path:
        return self.path / "metrics.json"

    @property
    def report(self) -> Path:
        return self.path / "report.md"

    @property
    def plots(self) -> Path:
        return self.path / "plots"

    @property
    def data(self) -> Path:
        return self.path / "data"

    @property
    def town_log(self) -> Path:
        return self.path / "town.log"

    @property
    def town_report(self) -> Path:
        return self.path / "town_report.json"

    @property
    def server_log(self) -> Path:
        return self.path / "server.log"

    def exists(self) -> bool:
        return self.state_file.exists()

    def read_state(self) -> dict[str, Any]:
        if not self.state_file.exists():
            raise DataError(f"{self.path} is not a run folder: it has no run.json (start a run with "
                            "`simulacra simulate --scenario NAME --days N`)")
        try:
            return json.loads(self.state_file.read_text())
        except json.JSONDecodeError as exc:
            raise DataError(f"{self.state_file} is damaged: {exc}") from exc

    def write_state(self, state: dict[str, Any]) -> None:
        write_json(self.state_file, state)


def write_json(path: Path, data: Any) -> None:
    """Write JSON so that a crash leaves the old file or the new one, never half of one."""
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    os.replace(partial, path)


class LogWriter:
    """Appends records to a replay log, one JSON object per line, flushed as written so
    an interrupted run keeps all it recorded."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 (held open for the run)
        self.records = 0

    def write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._file.flush()
        self.records += 1

    def position(self) -> int:
        """The log's length in bytes, all written so far included."""
        return self._file.tell()

    def close(self) -> None:
        self._file.close()


def read_log(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header and the records of a replay log; a damaged log is a DataError naming
    the line. A last line cut short by a crash is dropped."""
    if not path.exists():
        raise DataError(f"{path}: no replay log there")
    header: dict[str, Any] | None = None
    records: list[dict[str, Any]] = []
    lines = path.read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if number >= len(lines) - 1:  # the last line, written as the run was killed
                break
            raise DataError(f"{path}:{number}: not a JSON record ({exc})") from exc
        if not isinstance(record, dict) or "type" not in record:
            raise DataError(f"{path}:{number}: a record must be an object with a \"type\"")
        if header is None:
            if record["type"] != "header":
                raise DataError(f"{path}:{number}: the first record must be the header")
            if record.get("version") != LOG_VERSION:
                raise DataError(f"{path}:{number}: replay log version {record.get('version')!r}; "
                                f"this version of Simulacra reads version {LOG_VERSION}")
            header = record
            continue
        if not isinstance(record.get("t"), int):
            raise DataError(f"{path}:{number}: a {record['type']} record needs a game time \"t\" in seconds")
        records.append(record)
    if header is None:
        raise DataError(f"{path}: empty replay log (no header)")
    return header, records


def truncate_after(path: Path, game_time: int) -> int:
    """Drop the records after `game_time` (what happened after the checkpoint a run goes
    on from did not happen in the resumed run); returns how many were dropped."""
    kept: list[str] = []
    dropped = 0
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            dropped += 1  # a line cut short by the crash
            continue
        if record.get("type") != "header" and record.get("t", 0) > game_time:
            dropped += 1
            continue
        kept.append(line)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    os.replace(partial, path)
    return dropped


def truncate_to(path: Path, size: int) -> int:
    """Cut the log back to its first `size` bytes, its length when the checkpoint a run
    goes on from was saved: what was logged after it did not happen in the resumed run,
    whatever its time (a memory carries the time of what it records, so one stored after
    the checkpoint may carry an earlier time, and is stored again after the resume).
    Returns how many records were dropped."""
    with open(path, "rb+") as log_file:
        dropped = log_file.read()[size:].count(b"\n")
        log_file.truncate(size)
    return dropped


def of_type(records: list[dict[str, Any]], *types: str) -> Iterator[dict[str, Any]]:
    return (r for r in records if r["type"] in types)
