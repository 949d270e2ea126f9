"""The game end to end: Smallville's 25 NPCs in the real Godot town against the real
server, with a scripted player who walks up to an NPC through the input actions, talks
(the reply streams into the chat panel), leaves, and inspects it.

Headless, and rendered under Xvfb with Mesa for screenshots: the town overview by day
and by night, the conversation with the chat panel open, and the inspector. The
minds' model is scripted here (control flow, quick); tests/test_player_chat.py plays
the same with the real model.

A rehearsal (scenarios/ask_for_a_raise.toml) runs too, rendered: the goal panel shows
the scenario's goal, and the scripted player asks "How did I do?" before and after
talking with Dana; the feedback panel shows what the server answered.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from agent_server.scenario import Scenario
from agent_server.settings import PROJECT_ROOT
from agent_server.society import Society
from tests import town_harness as harness
from tests.conftest import ARTIFACTS, start_scripted
from tests.scripted_model import ScriptedModel
from tests.town_script import TownScript

pytestmark = [pytest.mark.godot]

SMALLVILLE = PROJECT_ROOT / "scenarios" / "smallville.toml"
RAISE = PROJECT_ROOT / "scenarios" / "ask_for_a_raise.toml"
LINE = "Hello! What are you up to today?"
SHOTS = ("overview_day", "overview_night", "chat", "inspector")
RAISE_LINE = "Dana, could we talk about my salary?"
FEEDBACK = "You came with numbers, Alex, and that helped. Next time, ask me for a date to decide by."


async def _play(tmp_path, embedder, *, name: str, minutes: int | None, rendered: bool, scenario=SMALLVILLE,
                model: ScriptedModel | None = None, player: tuple[str, ...] = ("--autopilot", "nearest", "--say", LINE,
                                                                               "--player-name", "Alex"),
                ) -> tuple[dict, str]:
    server = await start_scripted(tmp_path, model or ScriptedModel(TownScript()), embedder, scenario_path=scenario)
    # PrepareChat calls, counted on every society the run opens (the autopilot's
    # LoadGame replaces the one it talked to).
    prepared: list[str] = []
    prepare_chat = Society.prepare_chat

    def counting(society, agent_id, player, now):
        prepared.append(agent_id)
        return prepare_chat(society, agent_id, player, now)

    Society.prepare_chat = counting
    folder = ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    extra = player
    if rendered:
        extra += ("--screenshots", str(folder / "screenshots"))
    try:
        report, output = await harness.run_town_async(
            server.ws_url, report=folder / "report.json", log=folder / "godot.log", timeout=600,
            minutes=minutes, speed=60, extra=extra, rendered=rendered)
        detail = server.society.f.detail
        report["server_detail"] = {"distant": sorted(detail.distant), "saved": dict(detail.saved)}
        report["chats_prepared"] = len(prepared)
    finally:
        Society.prepare_chat = prepare_chat
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


@pytest.fixture(scope="module")
async def rehearsal_play(tmp_path_factory, embedder):
    """The raise rehearsal, rendered: the scripted player asks for feedback (F2) before
    talking to Dana and after; Dana's feedback is scripted (the answer to the request
    whose purpose is "debrief")."""
    script = TownScript()

    def respond(request):
        if request.purpose == "debrief":
            return FEEDBACK
        return script(request)

    model = ScriptedModel(respond)
    # No --player-name: the scenario casts the player as Alex Rivera.
    report, output = await _play(
        tmp_path_factory.mktemp("rehearsal"), embedder, name="play_rehearsal", minutes=None, rendered=True,
        scenario=RAISE, model=model, player=("--autopilot", "dana_whitfield", "--say", RAISE_LINE, "--debrief"))
    return report, output, model


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
    # Walking up to the NPC made the server get its side of the conversation ready.
    assert report["chats_prepared"] >= 1
    # Talking pauses the NPC, and it turns to face the player.
    assert steps["chat_opened"]["npc_paused"] is True
    assert steps["reply"]["npc_still_paused"] is True
    assert steps["reply"]["npc_faces_player_deg"] < 20
    # The line was typed into the panel key by key; the answer came a whole sentence at a
    # time (this one-sentence answer: its sentence, then the chunk that ends the answer).
    transcript = player["transcript"]
    assert [line["speaker_id"] for line in transcript[-2:]] == ["player", player["target"]]
    assert transcript[-2]["text"] == LINE
    reply = transcript[-1]
    assert reply["done"] and not reply["error"]
    assert reply["chunks"] >= 2 and reply["text"] == "I am fine, thank you."
    assert 0 <= reply["first_chunk_ms"] <= steps["reply"]["total_ms"]
    # The NPC's bubble shows the answer too.
    assert steps["reply"]["bubble"].endswith("I am fine, thank you.") or "fine" in steps["reply"]["bubble"]
    # Leaving ends the conversation; the NPC goes back to what it was doing.
    assert steps["left"]["chat_open"] is False and steps["left"]["npc_resumed"] is True
    target = next(a for a in report["agents"] if a["id"] == player["target"])
    talks = [c for c in target["conversations"] if c["with"] == ["player"]]
    assert talks and talks[-1]["outcome"] == "ended"


def test_the_world_tells_the_server_which_npcs_are_far_from_the_player(headless_play):
    report, _ = headless_play
    detail = report["server_detail"]
    # The world reports who is far from the player and off screen (AgentState.distant):
    # the player stands among a few NPCs, the rest of the town is far. (What a distant
    # mind does differently is tested in tests/test_minds.py.)
    assert 10 <= len(detail["distant"]) < 25


def test_the_inspector_opens_on_the_npc(headless_play):
    report, _ = headless_play
    inspected = _steps(report)["inspected"]
    assert inspected["showing"] == report["player"]["target"] and inspected["loaded"] is True


def test_quick_save_and_load_put_the_world_back(headless_play):
    saved = _steps(headless_play[0])["saved_and_loaded"]
    assert saved["moved_m"] > 1.0  # the player walked off after saving...
    assert saved["player_back_m"] < 0.3  # ...and loading put it back
    assert 0 <= saved["clock_after_load_s"] < 300  # the clock too: back to the save, give or take the wait


def test_a_plain_town_shows_no_goal_panel(headless_play):
    report, _ = headless_play
    assert report["rehearsal"]["scenario"] == "smallville"
    assert report["rehearsal"]["player_goal"] == "" and report["rehearsal"]["shown"] is False
    assert report["player"]["goal_panel"]["shown"] is False and report["player"]["goal_panel"]["goal_text"] == ""
    assert "F2" not in report["player"]["hints"]


def test_frame_rate_with_25_npcs_headless(headless_play):
    report, _ = headless_play
    performance = report["performance"]
    print("headless:", performance)
    assert performance["npcs"] == 25
    assert performance["physics_frames_per_second"] > 30


def test_a_crowd_at_a_place_does_not_keep_a_newcomer_out(tmp_path):
    """Twelve NPCs walk to one desk, one a second; the last comes from the far end of
    the building. Those standing there must not keep it out: avoidance gives way near
    the place and when it leads nowhere. At 12 frames a second avoidance answers only
    every few physics steps, as on a loaded machine, where newcomers used to stall."""
    report = tmp_path / "crowd.json"
    command = [str(harness.GODOT), "--headless", "--max-fps", "12", "--path", str(PROJECT_ROOT / "godot_project"),
               "res://tools/crowd_check.tscn", "--", "--town", str(PROJECT_ROOT / "towns" / "smallville.json"),
               "--place", "oak_hill_apartments.rodriguez_apartment.desk", "--count", "12", "--every", "1.0",
               "--timeout", "90", "--last-from", "oak_hill_apartments.burton_apartment.bed", "--report", str(report)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, env={**os.environ, "DISPLAY": ""})
    assert not harness.script_errors(run.stdout + run.stderr), run.stdout + run.stderr
    trips = json.loads(report.read_text())["trips"]
    assert len(trips) == 12
    # Every NPC's line and trip, shown in full when the test fails (pytest shortens
    # the assertion's message).
    print(run.stdout)
    print(json.dumps(trips, indent=1))
    for trip in trips:
        assert trip["outcome"] == "arrived", trip
        assert trip["distance_to_destination"] <= 0.1, trip
    assert run.returncode == 0, run.stdout


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


def test_a_rehearsal_shows_the_player_s_goal(rehearsal_play):
    report, output, _ = rehearsal_play
    scenario = Scenario.load(RAISE).proto
    assert report["player"]["ok"], report["player"]
    assert report["errors"] == []
    panel = report["player"]["goal_panel"]  # as the run started
    assert panel["shown"] is True and panel["collapsed"] is False
    assert panel["scenario"] == "ask_for_a_raise"
    assert panel["goal_text"] == scenario.player_goal
    assert panel["description_text"] == scenario.description
    assert "G goal" in report["player"]["hints"] and "F2" in report["player"]["hints"]
    # G folds it away and back; at the end of the run it is still there.
    before = _steps(report)["debrief_before_talking"]
    assert before["folded_with_g"] is True and before["unfolded_with_g"] is True
    assert report["rehearsal"]["shown"] is True and report["rehearsal"]["goal_text"] == scenario.player_goal


def test_the_debrief_shows_each_character_s_feedback(rehearsal_play):
    report, output, model = rehearsal_play
    steps = _steps(report)
    # Before any conversation there is no one to hear from.
    before = steps["debrief_before_talking"]
    assert before["state"] == "empty" and before["message"].startswith("Talk to someone first")
    assert before["waiting_message"].startswith("Asking")
    # After talking with Dana: her words as the server returned them, and the lines exchanged.
    assert report["player"]["target"] == "dana_whitfield"
    assert [line["text"] for line in report["player"]["transcript"][-2:]] == [RAISE_LINE, "I am fine, thank you."]
    debrief = report["player"]["debrief"]
    assert debrief["feedback_state"] == "shown" and debrief["feedback_message"] == ""
    assert debrief["waiting_message"].startswith("Asking")
    [dana] = debrief["feedback"]
    assert (dana["agent_id"], dana["name"], dana["feedback"]) == ("dana_whitfield", "Dana Whitfield", FEEDBACK)
    assert dana["lines_exchanged"] == 2  # Alex's line and Dana's answer
    assert any(RAISE_LINE in memory for memory in dana["memories_used"])
    # The server asked the model once for Dana, with what was said, and Godot's timeline says so.
    [asked] = [r for r in model.history if r.purpose == "debrief"]
    assert f'Alex Rivera: "{RAISE_LINE}"' in asked.messages[-1]["content"]
    assert "You are Dana Whitfield." in asked.messages[0]["content"]
    assert f'debrief: Dana Whitfield (2 lines with the player): "{FEEDBACK}"' in output
    # Escape closed the feedback again.
    assert steps["debrief_closed"]["feedback_open"] is False


def test_the_debrief_screenshot_is_a_real_frame(rehearsal_play):
    report, _, _ = rehearsal_play
    image = _image(report["player"]["screenshots"]["debrief"])
    assert image.shape[:2] == (720, 1280)
    assert len(np.unique(image.reshape(-1, 3).astype(np.uint8), axis=0)) > 500 and image.std() > 12
    # The panel keeps to the right of the screen, out of the middle, and has grown with
    # the feedback; it is drawn: its dark background hides the town under it.
    x, y, width, height = (round(v) for v in report["player"]["debrief"]["rect"])
    assert x > 1280 * 0.6 and x + width <= 1280 and y + height <= 720
    assert height > report["player"]["goal_panel"]["rect"][3]
    assert image[y:y + height, x:x + width].mean() < 80
