"""A host meeting a neighbour invites them, with the real default model: in at least one
of a few conversations the host chooses its dinner as the topic, the neighbour keeps it
(where and when, from the calendar the host knows), decides to go, and its next day
holds the dinner at the cafe, where the world walks it."""

from __future__ import annotations

import pytest

from agent_server.server import start_server
from agent_server.settings import PROJECT_ROOT
from tests.conftest import make_settings

pytestmark = pytest.mark.model

SCENARIO = PROJECT_ROOT / "tests" / "data" / "dinner_invitation.toml"
TEN_AM = 10 * 3600
TOMORROW_SIX_PM = 24 * 3600 + 18 * 3600
CONVERSATIONS = 3


async def test_a_host_invites_a_neighbour_whose_next_day_holds_the_event(tmp_path, real_model_path, embedder):
    running = await start_server(make_settings(tmp_path, model_path=real_model_path, scenario_path=SCENARIO),
                                 embedder=embedder)
    try:
        society = running.society
        await society.settle()
        host, neighbour = society.minds["isabella"], society.minds["john_lin"]
        topics: list[dict] = []
        society.f.journal.subscribe(lambda r: topics.append(r) if r["type"] == "topic" else None)
        for i in range(CONVERSATIONS):
            now = TEN_AM + 1800 * i
            conversation = society.dialogue.new_conversation([host.id, neighbour.id], now)
            await society.dialogue.converse(host, neighbour, conversation, lambda: now, lambda *_: None)
            if neighbour.state.heard_events:
                break
        assert any(t["agent"] == "isabella" and t["topic"].startswith("inviting John Lin to the dinner")
                   for t in topics), topics
        [event] = neighbour.state.heard_events
        assert (event.place_id, event.start, event.teller) == ("hobbs_cafe", TOMORROW_SIX_PM, "Isabella Rodriguez")
        assert event.going
        assert any("told John Lin about the dinner at Hobbs Cafe" in m.description
                   for m in society.f.memory.recent("john_lin", 20))
        step = await society.next_action("john_lin", TOMORROW_SIX_PM + 10 * 60)
        assert neighbour.chunk_at(TOMORROW_SIX_PM).description == "go to the dinner at Hobbs Cafe"
        assert society.town.sector_of(step.move_to.place_id).id == "hobbs_cafe"
    finally:
        await running.stop()
