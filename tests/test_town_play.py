"""The game end to end: Smallville's 25 NPCs in the real Godot town against the real
server, with a scripted player who walks up to an NPC through the input actions, talks
(the reply streams into the chat panel), leaves, and inspects it.

Headless, and rendered under Xvfb with Mesa for screenshots: the town overview by day
and by night, the conversation with the chat panel open, and the inspector. The
minds' model is scripted here (control flow, quick); tests/test_player_chat.py plays
the same with the real model.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image

from agent_server.scenario import Scenario
from agent_server.settings import PROJECT_ROOT
from tests import town_harness as harness
from tests.conftest import ARTIFACTS, start_scripted
from tests.scripted_model import ScriptedModel
from tests.town_script import TownScript

pytestmark = [pytest.mark.godot]

SMALLVILLE = PROJECT_ROOT / "scenarios" / "smallville.toml"
LINE = "Hello! What are you up to today?"
SHOTS = ("overview_day", "overview_night", "chat", "inspector")


async def _play(tmp_path, embedder, *, name: str, minutes: int | None, rendered: bool) -> tuple[dict, str]:
    server = await start_scripted(tmp_path, ScriptedModel(TownScript()), embedder, scenario_path=SMALLVILLE)
    folder = ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    extra = ("--autopilot", "nearest", "--say", LINE, "--player-name", "Alex")
    if rendered:
        extra += ("--screenshots", str(folder / "screenshots"))
    try:
        report, output = await harness.run_town_async(
            server.ws_url, report=folder / "report.json", log=folder / "godot.log", timeout=600,
            minutes=minutes, speed=60, extra=extra, rendered=rendered)
    finally:
        await server.stop()
    bad = harness.script_errors(output)
    assert not bad, "\n".join(bad[:20])
    return report, output


@pytest.fixture(scope="module")
async def headless_play(tmp_path_factory, embedder):
    return await _play(tmp_path_factory.mktemp("play"), embedder, name="play_headless", minutes=40, rendered=False)


@pytest.fixture(scope="module")
async def rendered_play(tmp_path_factory, embedder):
    return await _play(tmp_path_factory.mktemp("shots"), embedder, name="play_rendered", minutes=None, rendered=True)


def _steps(report: dict) -> dict[str, dict]:
    return {step["step"]: step for step in report["player"]["steps"]}


def test_smallville_has_25_npcs_and_every_place_is_reachable(headless_play):
    report, _ = headless_play
    scenario = Scenario.load(SMALLVILLE)
    assert len(report["agents"]) == 25
    assert sorted(a["id"] for a in report["agents"]) == sorted(a.id for a in scenario.agents)
    assert report["navmesh"]["unreachable_places"] == []
    assert report["errors"] == []


def test_npcs_walk_to_server_given_places(headless_play):
    report, _ = headless_play
    scenario = Scenario.load(SMALLVILLE)
    arrived = 0
    for agent in report["agents"]:
        assert agent["commands"], f"{agent['id']} received no command"
        for command in agent["commands"]:
            if command.get("moveTo"):
                assert command["moveTo"]["placeId"] in scenario.town
        for trip in agent["trips"]:
            assert trip["outcome"] in ("arrived", "interrupted", "unfinished"), f"{agent['id']}: {trip}"
            if trip["arrived"]:
                arrived += 1
                assert trip["distance_to_destination"] <= 1.0
                assert trip["max_step"] < 0.2
    assert arrived >= 10, f"only {arrived} trips arrived"


def test_the_player_walks_up_talks_and_the_reply_streams_into_the_chat_panel(headless_play):
    report, _ = headless_play
    player = report["player"]
    assert player["ok"], player
    steps = _steps(report)
    assert steps["walked"]["metres"] > 0
    # Talking pauses the NPC, and it turns to face the player.
    assert steps["chat_opened"]["npc_paused"] is True
    assert steps["reply"]["npc_still_paused"] is True
    assert steps["reply"]["npc_faces_player_deg"] < 20
    # The line was typed into the panel key by key; the answer came in several chunks.
    transcript = player["transcript"]
    assert [line["speaker_id"] for line in transcript[-2:]] == ["player", player["target"]]
    assert transcript[-2]["text"] == LINE
    reply = transcript[-1]
    assert reply["done"] and not reply["error"]
    assert reply["chunks"] >= 3 and reply["text"] == "I am fine, thank you."
    assert 0 <= reply["first_chunk_ms"] <= steps["reply"]["total_ms"]
    # The NPC's bubble shows the answer too.
    assert steps["reply"]["bubble"].endswith("I am fine, thank you.") or "fine" in steps["reply"]["bubble"]
    # Leaving ends the conversation; the NPC goes back to what it was doing.
    assert steps["left"]["chat_open"] is False and steps["left"]["npc_resumed"] is True
    target = next(a for a in report["agents"] if a["id"] == player["target"])
    talks = [c for c in target["conversations"] if c["with"] == ["player"]]
    assert talks and talks[-1]["outcome"] == "ended"


def test_the_inspector_opens_on_the_npc(headless_play):
    report, _ = headless_play
    inspected = _steps(report)["inspected"]
    assert inspected["showing"] == report["player"]["target"] and inspected["loaded"] is True


def test_quick_save_and_load_put_the_world_back(headless_play):
    saved = _steps(headless_play[0])["saved_and_loaded"]
    assert saved["moved_m"] > 1.0  # the player walked off after saving...
    assert saved["player_back_m"] < 0.3  # ...and loading put it back
    assert 0 <= saved["clock_after_load_s"] < 300  # the clock too: back to the save, give or take the wait


def test_frame_rate_with_25_npcs_headless(headless_play):
    report, _ = headless_play
    performance = report["performance"]
    print("headless:", performance)
    assert performance["npcs"] == 25
    assert performance["physics_frames_per_second"] > 30


def _image(path: str) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)


def test_screenshots_are_real_frames(rendered_play):
    report, _ = rendered_play
    assert report["player"]["ok"], report["player"]
    shots = report["player"]["screenshots"]
    assert sorted(shots) == sorted(SHOTS)
    for name in SHOTS:
        image = _image(shots[name])
        assert image.shape[:2] == (720, 1280), name
        # Not blank, not one colour: a drawn scene has many colours and contrast.
        colours = len(np.unique(image.reshape(-1, 3).astype(np.uint8), axis=0))
        assert colours > 500, f"{name}: only {colours} colours"
        assert image.std() > 12, f"{name}: too uniform (std {image.std():.1f})"
    # Night is darker than day.
    assert _image(shots["overview_night"]).mean() < 0.75 * _image(shots["overview_day"]).mean()
    print("rendered:", report["performance"])
