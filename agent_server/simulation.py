"""The running simulation: one save file opened as minds (the Society and what it thinks
with), and the named saves beside it that the game stores and restores.

A save file is one SQLite database holding the memory stream, each mind's state, the
conversations and the clock (saves.py, memory/stream.py). A named save is a consistent
copy of it (SQLite's backup API) with the world's snapshot (positions, current
commands, the clock; the game sends it) stored in its meta table. Loading one closes
the live minds, puts the copy in the live file's place and opens the minds again, so
the server and the world restore together.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import shutil
import sqlite3
import time
from pathlib import Path

from agent_server.detail import LevelOfDetail
from agent_server.errors import DataError, InvalidArgument, NotFound, Unavailable, quoted
from agent_server.importance import ImportanceRater
from agent_server.journal import Journal
from agent_server.memory import Embedder, MemoryStore, RetrievalWeights, Retriever
from agent_server.mind import Faculties
from agent_server.options import MindOptions
from agent_server.saves import SaveFile
from agent_server.scenario import Scenario
from agent_server.scheduler import LLMScheduler
from agent_server.society import Society
from simulacra.v1 import service_pb2

log = logging.getLogger(__name__)

# Matched whole (fullmatch: "$" would let "ok\n" through): no path separators, no more than 64 characters.
SAVE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
SAVES_FOLDER = "saves"
_WORLD_KEY = "world_snapshot"
_SAVED_AT_KEY = "saved_at"


class Simulation:
    """The live save of one scenario and the minds opened on it."""

    def __init__(self, scenario: Scenario, path: Path, scheduler: LLMScheduler, embedder: Embedder, *,
                 weights: RetrievalWeights, importance_method: str, options: MindOptions,
                 journal: Journal | None = None) -> None:
        self.scenario = scenario
        # What happens is recorded here across loads (a run's replay log listens).
        self.journal = journal or Journal()
        self.path = Path(path)
        self.scheduler = scheduler
        self.embedder = embedder
        self._weights = weights
        self._importance_method = importance_method
        self._options = options
        self.society: Society | None = None

    @property
    def saves_dir(self) -> Path:
        return self.path.parent / SAVES_FOLDER

    async def open(self) -> Society:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        memory = MemoryStore(self.path, self.embedder)
        faculties = Faculties(
            scheduler=self.scheduler,
            memory=memory,
            retriever=Retriever(memory, self.embedder, weights=self._weights),
            importance=ImportanceRater(self.scheduler, method=self._importance_method),
            town=self.scenario.town,
            journal=self.journal,
            start_date=self.scenario.proto.start_date,
            detail=LevelOfDetail(self._options),
        )
        society = Society(self.scenario, faculties, SaveFile(self.path), self._options)
        await society.open()
        self.society = society
        return society

    async def close(self) -> None:
        if self.society is None:
            return
        society, self.society = self.society, None
        await society.close()
        society.f.memory.close()
        society.save.close()

    # ---- named saves -------------------------------------------------------------

    async def save_as(self, name: str, world: service_pb2.WorldSnapshot) -> service_pb2.SaveInfo:
        """Store the minds as they are now, with the world's snapshot, under `name`."""
        target = self._slot(name)
        society = self.current()
        await society.remembered()  # what the player just said belongs in the save
        society.checkpoint()
        self.saves_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".tmp")
        society.f.memory.snapshot(partial)
        saved_at = int(time.time())
        with _connect(partial) as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                       (_WORLD_KEY, base64.b64encode(world.SerializeToString()).decode("ascii")))
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (_SAVED_AT_KEY, str(saved_at)))
        os.replace(partial, target)
        log.info("saved the simulation as %r at game time %d", name, society.world.game_time)
        return service_pb2.SaveInfo(name=name, game_time=society.world.game_time, saved_at=saved_at)

    async def load(self, name: str) -> tuple[service_pb2.SaveInfo, service_pb2.WorldSnapshot]:
        """Replace the live minds by the ones saved under `name`; returns the save and its world."""
        source = self._slot(name)
        if not source.exists():
            raise NotFound(f"no save named {quoted(name)}; ListSaves gives the saves there are")
        info, world = read_save(source)  # checks the file before anything is closed
        await self.close()
        copy = self.path.with_name(self.path.name + ".loading")
        shutil.copyfile(source, copy)
        for suffix in ("-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
        os.replace(copy, self.path)
        await self.open()
        # Before the reopened minds think (their work starts at the next await).
        self.journal.record("load", info.game_time, save=name)
        log.info("loaded the save %r (game time %d)", name, info.game_time)
        return info, world

    def list_saves(self) -> list[service_pb2.SaveInfo]:
        saves = []
        for path in self.saves_dir.glob("*.db") if self.saves_dir.exists() else []:
            try:
                saves.append(read_save(path)[0])
            except DataError as exc:
                log.warning("skipping a save that cannot be read: %s", exc)
        return sorted(saves, key=lambda s: s.saved_at, reverse=True)

    def _slot(self, name: str) -> Path:
        if not SAVE_NAME.fullmatch(name or ""):
            raise InvalidArgument(f"save name {quoted(name)} is not valid: use 1-64 letters, digits, '_', '-' or '.'")
        if name.startswith("."):
            raise InvalidArgument(f"save name {quoted(name)} must not start with '.'")
        return self.saves_dir / f"{name}.db"

    def current(self) -> Society:
        if self.society is None:
            raise Unavailable("the simulation is not open (a save is being loaded): try again shortly")
        return self.society


def read_save(path: Path) -> tuple[service_pb2.SaveInfo, service_pb2.WorldSnapshot]:
    """A named save's description and world snapshot; DataError when it is not a save."""
    try:
        with _connect(path) as db:
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise DataError(f"{path}: not a simulation save ({exc})") from exc
    world = service_pb2.WorldSnapshot()
    if _WORLD_KEY in meta:
        try:
            world.ParseFromString(base64.b64decode(meta[_WORLD_KEY]))
        except Exception as exc:  # a damaged snapshot is a damaged save
            raise DataError(f"{path}: the world snapshot is damaged ({exc})") from exc
    game_time = int(meta.get("game_time", world.game_time))
    info = service_pb2.SaveInfo(name=path.stem, game_time=game_time, saved_at=int(meta.get(_SAVED_AT_KEY, 0)))
    return info, world


class _connect:
    """A short-lived SQLite connection that commits and closes on exit."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=rw", uri=True)

    def __enter__(self) -> sqlite3.Connection:
        return self._db

    def __exit__(self, *exc_info: object) -> None:
        try:
            if exc_info[0] is None:
                self._db.commit()
        finally:
            self._db.close()
