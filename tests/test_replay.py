"""The replay of a run in Godot (godot_project/replay/): a recorded replay log
(docs/replay_log.md) played back with no server and no model.

Headless, `--verify` seeks to every step of tests/data/replay_tea_party.jsonl (in the log's
order, backwards, shuffled, and playing through) and checks that every NPC stands where the
log has it and that every way shows the same town; rendered under Xvfb, a screenshot at a
time when the agents are far apart, with the inspector open, is a real frame and shows that
agent as the log has it. Bad logs end with exit code 2 and a message naming the file and
the line.

The log was recorded by `simulacra simulate --scenario tests/data/tea_party.toml --days
0.08` (the three neighbours of the skeleton town, two game hours on the default model);
the expectations are read from the log itself.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from agent_server.settings import PROJECT_ROOT
from tests import town_harness as harness
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.godot]

REPLAY_LOG = PROJECT_ROOT / "tests" / "data" / "replay_tea_party.jsonl"
SCENE = "res://replay/replay.tscn"
MAX_ERROR_M = 0.01
MEMORIES_SHOWN = 30


def replay_command(*args: str, rendered: bool = False) -> list[str]:
    """The Godot command line for the replay scene: headless, or (rendered) drawing real
    frames with Mesa on a virtual screen, as town_harness.town_command runs the town."""
    if not harness.GODOT.exists():
        pytest.fail("scripts/godot is missing: `make setup` installs Godot")
    command = [str(harness.GODOT), "--path", str(PROJECT_ROOT / "godot_project")]
    if rendered:
        command = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", *command, "--rendering-driver", "opengl3_es",
                   "--audio-driver", "Dummy"]
    else:
        command.insert(1, "--headless")
    return [*command, SCENE, "--", *args]


def run_replay(*args: str, rendered: bool = False, cwd: Path | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess:
    """Runs the replay to its end; its output (stdout and stderr) in .stdout. A relative
    path in args is taken from cwd, as from a shell there (the replay reads $PWD)."""
    environment = {**os.environ}
    if not rendered:
        environment["DISPLAY"] = ""
    if cwd is not None:
        environment["PWD"] = str(cwd)
    return subprocess.run(replay_command(*args, rendered=rendered), cwd=cwd, env=environment, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)


def read_log(path: Path = REPLAY_LOG) -> list[dict]:
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            records.append(json.loads(line))
    return records


def in_time_order(records: list[dict], type_: str) -> list[dict]:
    """Records of one type in the replay's order: by game time, ties in the log's order."""
    return sorted((r for r in records[1:] if r.get("type") == type_), key=lambda r: r["t"])


def flat_distance(a: dict, b: dict) -> float:
    return math.hypot(a.get("x", 0.0) - b.get("x", 0.0), a.get("z", 0.0) - b.get("z", 0.0))


def spread_out_step(records: list[dict]) -> dict:
    """The step at which the agents stand farthest apart (the closest pair is farthest)."""
    def closest_pair(step: dict) -> float:
        positions = [entry.get("position", {}) for entry in step["agents"]]
        return min((flat_distance(a, b) for a, b in itertools.combinations(positions, 2)), default=0.0)
    return max(in_time_order(records, "step"), key=closest_pair)


def test_the_log_is_a_replay_log():
    records = read_log()
    header = records[0]
    assert header["type"] == "header" and header["version"] == 1
    assert header["town"]["places"] and header["agents"]
    steps = in_time_order(records, "step")
    assert len(steps) >= 60, "the replay tests want a run of an hour or more"
    kinds = {r["type"] for r in records}
    assert {"command", "conversation", "utterance", "memory"} <= kinds
    step = spread_out_step(records)
    assert len(step["agents"]) >= 2
    assert min(flat_distance(a.get("position", {}), b.get("position", {}))
               for a, b in itertools.combinations(step["agents"], 2)) > 5.0, "the agents never stand apart"


@pytest.fixture(scope="module")
def verified(tmp_path_factory) -> tuple[dict, str]:
    """--verify over the whole log, with relative paths from the caller's folder."""
    folder = tmp_path_factory.mktemp("verify")
    result = run_replay("--log", os.path.relpath(REPLAY_LOG, folder), "--verify", "verify.json", cwd=folder)
    artifacts = ARTIFACTS / "replay"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "verify.log").write_text(result.stdout)
    report_path = folder / "verify.json"
    assert report_path.exists(), result.stdout[-4000:]
    shutil.copy(report_path, artifacts / "verify.json")
    report = json.loads(report_path.read_text())
    assert result.returncode == 0, f"{json.dumps(report, indent=1)[:4000]}\n{result.stdout[-3000:]}"
    return report, result.stdout


def test_verify_puts_every_npc_where_the_log_has_it(verified):
    report, output = verified
    records = read_log()
    assert harness.script_errors(output) == []
    assert report["passed"] is True
    assert report["log"] == str(REPLAY_LOG)
    # One NPC per agent: the header's, and any other the steps place (the player).
    listed = {a["id"] for a in records[0]["agents"]}
    assert report["agents"] == len(listed | {e["id"] for r in records if r["type"] == "step" for e in r["agents"]})
    assert report["records"] == len(records)
    steps = in_time_order(records, "step")
    if not any(r["type"] == "resume" for r in records):
        assert report["steps"] == len(steps)
        assert report["positions_compared"] == sum(len(s["agents"]) for s in steps)
    assert report["mismatches"] == []
    assert 0.0 <= report["max_error_m"] <= MAX_ERROR_M
    print("verify:", {k: report[k] for k in ("steps", "max_error_m", "mean_seek_ms", "slowest_seek_ms", "duration_s")})


def test_seeking_in_any_order_shows_the_same_town(verified):
    report, _ = verified
    assert report["seek_orders_identical"] is True
    orders = report["orders"]
    assert set(orders) == {"log", "backwards", "shuffled", "played"}
    for name, order in orders.items():
        assert order["identical"] is True, f"{name}: first differs at {order.get('first_difference_t')}"
    assert orders["backwards"]["seeks"] == orders["shuffled"]["seeks"] == report["steps"]
    # Playing through goes frame by frame: many more times than there are steps.
    assert orders["played"]["frames"] > report["steps"]
    assert report["mean_seek_ms"] < 5.0


def test_verify_catches_an_npc_away_from_its_logged_place(tmp_path):
    """A second step of the same time moves one agent by half a metre: the replay shows
    the later one (records of the same time apply in the log's order), so the first is
    off by 0.5 m, and --verify says so and fails."""
    lines = [line for line in REPLAY_LOG.read_text(encoding="utf-8").splitlines() if line.strip()]
    step_lines = [i for i, line in enumerate(lines) if json.loads(line)["type"] == "step"]
    index = step_lines[len(step_lines) // 2]
    step = json.loads(lines[index])
    moved = json.loads(lines[index])
    agent = moved["agents"][0]
    agent["position"]["x"] = agent["position"].get("x", 0.0) + 0.5
    doctored = tmp_path / "doctored.jsonl"
    doctored.write_text("\n".join(lines[:index + 1] + [json.dumps(moved)] + lines[index + 1:]) + "\n", encoding="utf-8")
    result = run_replay("--log", str(doctored), "--verify", str(tmp_path / "verify.json"))
    assert result.returncode == 1, result.stdout[-3000:]
    report = json.loads((tmp_path / "verify.json").read_text())
    assert report["passed"] is False
    assert report["max_error_m"] == pytest.approx(0.5, abs=MAX_ERROR_M)
    assert [(m["line"], m["t"], m["agent"]) for m in report["mismatches"]] == [(index + 1, step["t"], agent["id"])]
    assert report["seek_orders_identical"] is True
    assert harness.script_errors(result.stdout) == []


def test_a_log_cut_off_mid_line_plays_without_its_last_line(tmp_path):
    lines = [line for line in REPLAY_LOG.read_text(encoding="utf-8").splitlines() if line.strip()]
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(lines[:40]) + "\n" + lines[40][: len(lines[40]) // 2], encoding="utf-8")
    result = run_replay("--log", str(cut), "--verify", str(tmp_path / "verify.json"))
    assert result.returncode == 0, result.stdout[-3000:]
    assert "line 41 is unfinished" in result.stdout
    report = json.loads((tmp_path / "verify.json").read_text())
    assert report["records"] == 40 and report["passed"] is True


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


BAD_LOGS = {
    # name: (how to write it from the good log's lines, the line named, words in the message)
    "missing": (None, None, "no such file"),
    "empty": (lambda lines: "", None, "empty"),
    "garbage": (lambda lines: "\n".join(lines[:2] + ["this is not JSON {"] + lines[2:]) + "\n", 3, "not JSON"),
    "not_an_object": (lambda lines: "\n".join(lines[:3] + ["[1, 2, 3]"] + lines[3:]) + "\n", 4, "not a JSON object"),
    "no_header": (lambda lines: "\n".join(lines[1:]) + "\n", 1, "not the header"),
    "unknown_version": (lambda lines: "\n".join(
        [json.dumps(json.loads(lines[0]) | {"version": 99})] + lines[1:]) + "\n", 1, "unknown replay log version 99"),
    "no_time": (lambda lines: "\n".join(lines[:2] + ['{"type": "memory", "agent": "x"}'] + lines[2:]) + "\n", 3,
                "without its game time"),
}


@pytest.mark.parametrize("name", sorted(BAD_LOGS))
def test_a_bad_log_exits_2_naming_the_file_and_the_line(tmp_path, name):
    write, line, words = BAD_LOGS[name]
    path = tmp_path / f"{name}.jsonl"
    if write is not None:
        path.write_text(write(_lines(REPLAY_LOG)), encoding="utf-8")
    result = run_replay("--log", str(path), "--verify", str(tmp_path / "verify.json"), timeout=120)
    assert result.returncode == 2, result.stdout[-3000:]
    assert not (tmp_path / "verify.json").exists()
    message = next((l for l in result.stdout.splitlines() if l.startswith("replay: ")), "")
    where = f"{path}:{line}:" if line is not None else f"{path}:"
    assert where in message and words in message, result.stdout[-2000:]
    assert harness.script_errors(result.stdout) == []


def test_without_a_log_it_says_what_it_needs(tmp_path):
    result = run_replay(timeout=120)
    assert result.returncode == 2
    assert "--log PATH is required" in result.stdout


@pytest.fixture(scope="module")
def rendered_shot(tmp_path_factory) -> tuple[dict, dict, str, str]:
    if not shutil.which("xvfb-run"):
        pytest.skip("xvfb-run is missing: `make setup` installs it (scripts/install_xvfb.sh)")
    records = read_log()
    step = spread_out_step(records)
    # The agent with the most to show by then: memories and lines.
    said = {a["id"]: sum(1 for r in records[1:] if r["t"] <= step["t"] and (
        r.get("agent") == a["id"] or r.get("speaker") == a["id"])) for a in records[0]["agents"]}
    agent_id = max(said, key=lambda agent: said[agent])
    folder = ARTIFACTS / "replay"
    folder.mkdir(parents=True, exist_ok=True)
    shot, report_path = folder / "replay_spread_out.png", folder / "replay_spread_out.json"
    shot.unlink(missing_ok=True)
    report_path.unlink(missing_ok=True)
    result = run_replay("--log", str(REPLAY_LOG), "--at", str(step["t"]), "--inspect", agent_id,
                        "--screenshot", str(shot), "--report", str(report_path), rendered=True)
    (folder / "replay_spread_out.log").write_text(result.stdout)
    assert result.returncode == 0, result.stdout[-4000:]
    return json.loads(report_path.read_text()), step, agent_id, result.stdout


def test_screenshot_of_the_agents_far_apart_is_a_real_frame(rendered_shot):
    report, step, _, output = rendered_shot
    assert harness.script_errors(output) == []
    assert report["t"] == step["t"] and report["renderer"] == "opengl3_es"
    image = np.asarray(Image.open(report["screenshot"]).convert("RGB"), dtype=np.float32)
    assert image.shape[:2] == (720, 1280)
    colours = len(np.unique(image.reshape(-1, 3).astype(np.uint8), axis=0))
    assert colours > 500, f"only {colours} colours"
    assert image.std() > 12, f"too uniform (std {image.std():.1f})"
    # The NPCs drawn are where the log has them at that step.
    shown = {npc["id"]: npc["position"] for npc in report["npcs"]}
    for entry in step["agents"]:
        assert flat_distance(shown[entry["id"]], entry.get("position", {})) <= MAX_ERROR_M, entry["id"]


def test_the_inspector_shows_the_agent_as_the_log_has_it(rendered_shot):
    report, step, agent_id, _ = rendered_shot
    records = read_log()
    agent = next(a for a in records[0]["agents"] if a["id"] == agent_id)
    inspector = report["inspector"]
    assert inspector["agent"] == agent_id
    assert inspector["title"] == agent.get("name", agent_id)
    view = inspector["view"]
    memories = [m for m in in_time_order(records, "memory") if m["agent"] == agent_id and m["t"] <= step["t"]]
    assert view["memory_count"] == len(memories)
    assert [m["text"] for m in view["memories"]] == [m["text"] for m in reversed(memories)][:MEMORIES_SHOWN]
    assert [m["importance"] for m in view["memories"]] == [m["importance"] for m in reversed(memories)][:MEMORIES_SHOWN]
    highlighted = [npc["id"] for npc in report["npcs"] if npc["highlighted"]]
    assert highlighted == [agent_id]
    conversation = view["conversation"]
    if conversation:
        said = [u["text"] for u in in_time_order(records, "utterance")
                if u["conversation"] == conversation["id"] and u["t"] <= step["t"]]
        assert [line["text"] for line in conversation["lines"]] == said
