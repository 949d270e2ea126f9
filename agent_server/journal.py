"""The journal: what happens in the simulation, as it happens, as plain records.

The minds and the society write to it (a step of the world, a command, a line said, a
conversation starting or ending, a memory stored); whoever wants the story subscribes.
The headless runner writes it into a run's replay log (docs/replay_log.md) and computes
its measurements from that. With no one subscribed, recording costs nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Record = dict[str, Any]


class Journal:
    def __init__(self) -> None:
        self._sinks: list[Callable[[Record], None]] = []

    @property
    def listening(self) -> bool:
        return bool(self._sinks)

    def subscribe(self, sink: Callable[[Record], None]) -> None:
        self._sinks.append(sink)

    def unsubscribe(self, sink: Callable[[Record], None]) -> None:
        if sink in self._sinks:
            self._sinks.remove(sink)

    def record(self, type_: str, t: int, **fields: Any) -> None:
        """One record: its type, the game time, and its fields (docs/replay_log.md)."""
        if not self._sinks:
            return
        record = {"type": type_, "t": int(t), **fields}
        for sink in list(self._sinks):
            try:
                sink(record)
            except Exception:  # a broken listener must not stop the minds
                log.exception("a journal listener failed on a %s record", type_)
