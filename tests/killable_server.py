"""A real server in a process of its own, for tests that kill it (kill -9) and start it
again on the same save: `python -m tests.killable_server DATA_DIR READY_FILE`.

Its model is the scripted one (tests/town_script.py), with two delays that make the
moments a crash can fall in last long enough to be hit: the answer to the player
streams a piece every PIECE_DELAY seconds, and rating the importance of what the
player and the agent said takes RATING_DELAY seconds (as when the model is busy
with the town: importance is its lowest priority). Everything else is the product:
both doors, the memory stream, the save.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from agent_server.llm.base import LLMRequest
from agent_server.memory import MiniLMEmbedder
from agent_server.server import start_server, wait_for_stop_signal
from agent_server.settings import PROJECT_ROOT, Settings
from tests.scripted_model import ScriptedModel
from tests.town_script import TownScript

PIECE_DELAY = 0.15
RATING_DELAY = 4.0
# What the tests' player says begins with this.
MARKER = "Remember the number"
ANSWER = "I will remember it. It is a good number to know. Thank you for telling me."
# How an agent greets the player it notices (TownScript's first line; the agents talk to
# whom they notice: the reaction below).
GREETING = TownScript().lines[0]


class BusyModel(ScriptedModel):
    def stream(self, request: LLMRequest) -> Iterator[str]:
        prompt = request.messages[-1]["content"]
        if request.purpose == "importance" and (MARKER in prompt or GREETING in prompt):
            time.sleep(RATING_DELAY)
        if not prompt.startswith(MARKER):
            yield from super().stream(request)
            return
        self.history.append(request)  # the player's line: answered in three sentences, slowly
        words = ANSWER.split(" ")
        for i, word in enumerate(words):
            time.sleep(PIECE_DELAY)
            yield word if i == len(words) - 1 else word + " "


async def main(data_dir: Path, ready_file: Path) -> None:
    settings = Settings(grpc_port=0, ws_port=0, data_dir=data_dir, importance_method="rating",
                        scenario_path=PROJECT_ROOT / "scenarios" / "skeleton.toml")
    running = await start_server(settings, model=BusyModel(TownScript(reaction="Talk to")), embedder=MiniLMEmbedder())
    await running.society.settle()  # the town has planned: the test starts from a quiet one
    partial = ready_file.with_name(ready_file.name + ".partial")
    partial.write_text(json.dumps({"ws": running.ws_url}))
    os.replace(partial, ready_file)
    await wait_for_stop_signal()
    await running.stop()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
