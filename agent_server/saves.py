"""A simulation save: one SQLite file (WAL) holding the memory stream (memory/stream.py
writes its own tables) and, here, each mind's state, the conversations, and the clock.
Everything is committed as it changes, so a save survives the server being killed; a
conversation's record is committed together with the memories of what was said in it
(society.py), so after a kill the two agree."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from agent_server.errors import Unavailable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS minds (agent_id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class SaveFile:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._open: sqlite3.Connection | None = sqlite3.connect(self.path, isolation_level=None)
        self._open.execute("PRAGMA journal_mode=WAL")
        self._open.execute("PRAGMA synchronous=NORMAL")
        self._open.executescript(_SCHEMA)

    @property
    def _db(self) -> sqlite3.Connection:
        # A request still running on minds a LoadGame closed is told to ask again.
        if self._open is None:
            raise Unavailable("the save is closed (the simulation is closing or loading a save); ask again")
        return self._open

    def minds(self) -> dict[str, dict[str, Any]]:
        return {agent_id: json.loads(state) for agent_id, state in self._db.execute("SELECT agent_id, state FROM minds")}

    def save_mind(self, agent_id: str, state: dict[str, Any]) -> None:
        self._db.execute("INSERT OR REPLACE INTO minds VALUES (?, ?)", (agent_id, json.dumps(state)))

    def conversations(self) -> list[dict[str, Any]]:
        return [json.loads(data) for (data,) in self._db.execute("SELECT data FROM conversations ORDER BY rowid")]

    def save_conversation(self, conversation_id: str, data: dict[str, Any],
                          db: sqlite3.Connection | None = None) -> None:
        """`db`: another connection to the same file, whose transaction the record joins
        (the memory stream's, when the record is committed with the memories of what was
        said: MemoryStore.hold)."""
        (db or self._db).execute("INSERT OR REPLACE INTO conversations VALUES (?, ?)",
                                 (conversation_id, json.dumps(data)))

    def get(self, key: str, default: str | None = None) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def close(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None
