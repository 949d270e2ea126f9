"""`simulacra simulate`: a short headless run of a small seeded town on the real model and
real Godot, interrupted after its first checkpoint and resumed, produces every artifact;
the measurements in it are what the log gives; the log replays in Godot to the positions
it recorded; a bad scenario fails before anything is written."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from PIL import Image

from agent_server.evaluation import measures
from agent_server.evaluation.runlog import RunFolder, read_log
from agent_server.settings import PROJECT_ROOT
from tests.test_replay import run_replay

pytestmark = [pytest.mark.model, pytest.mark.godot, pytest.mark.slow]

TEA_PARTY = PROJECT_ROOT / "tests" / "data" / "tea_party.toml"
DAYS = "0.075"  # 108 game minutes, from 08:00: the tea party, 09:00 to 09:45, is in it
CHECKPOINT_MINUTES = "20"


def simulate(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent_server", "simulate", *args], capture_output=True,
                          text=True, cwd=PROJECT_ROOT, timeout=timeout)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[RunFolder, str, str]:
    """The run: started, stopped with Ctrl-C once it has a checkpoint, then resumed to the end."""
    folder = RunFolder(tmp_path_factory.mktemp("simulate") / "tea")
    first = subprocess.Popen(
        [sys.executable, "-m", "agent_server", "simulate", "--scenario", str(TEA_PARTY), "--days", DAYS,
         "--checkpoint-minutes", CHECKPOINT_MINUTES, "--out", str(folder.path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=PROJECT_ROOT)
    deadline = time.monotonic() + 600
    checkpoint = None
    while checkpoint is None:
        if first.poll() is not None or time.monotonic() > deadline:
            first.kill()
            pytest.fail(f"no checkpoint was written: {first.communicate()[0][-3000:]}")
        time.sleep(2)
        if folder.state_file.exists():
            checkpoint = json.loads(folder.state_file.read_text()).get("checkpoint_time")
    time.sleep(10)  # a little past the checkpoint: the resume must drop it
    first.send_signal(signal.SIGINT)
    out_first = first.communicate(timeout=120)[0]
    assert first.returncode == 130, out_first[-3000:]
    assert f"simulacra simulate --resume {folder.path}" in out_first

    second = simulate("--resume", str(folder.path))
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    return folder, out_first, second.stdout


def test_the_run_folder_holds_every_artifact(run):
    folder, _, output = run
    for path in (folder.replay, folder.interviews, folder.metrics, folder.report, folder.town_log,
                 folder.server_log, folder.town_report):
        assert path.exists() and path.stat().st_size > 0, path
    state = folder.read_state()
    assert state["finished"] is True
    assert state["model"].startswith("SmolLM2")
    for plot in ("diffusion", "density", "cost"):
        image = Image.open(folder.plots / f"{plot}.png")
        assert image.size[0] >= 600 and len(image.convert("RGB").getcolors(maxcolors=1 << 24)) > 20, plot
    report = folder.report.read_text()
    for heading in ("## Against the paper", "## Information diffusion", "## Relationships", "## Coordination",
                    "## Cost", "## Interview battery"):
        assert heading in report
    assert "plots/diffusion.png" in report
    assert "network density" in output and "model calls per agent per game hour" in output


def test_the_log_records_the_run_and_the_resume_drops_what_came_after_the_checkpoint(run):
    folder, _, _ = run
    header, records = read_log(folder.replay)
    state = folder.read_state()
    assert header["scenario"] == "tea_party" and len(header["agents"]) == 3
    assert header["seeds"][0]["event"]["placeId"] == "hobbs_cafe"
    [resume] = [r for r in records if r["type"] == "resume"]
    at = records.index(resume)
    # Everything the interrupted part recorded after its checkpoint is gone, and what it
    # records after is the resumed run's, from the checkpoint on. A memory carries the
    # time of what it records (docs/replay_log.md): one rated after it was held carries
    # an earlier time, an hour's plan the hour it plans; so memories are checked by
    # being in the log once (one held unrated at the checkpoint is stored after the
    # resume, and was logged before it only if the log was cut by time).
    assert all(r["t"] <= resume["from"] for r in records[:at] if r["type"] != "memory")
    assert all(r["t"] >= resume["from"] for r in records[at + 1:] if r["type"] != "memory")
    memories = [(r["agent"], r["kind"], r["text"], r["t"]) for r in records if r["type"] == "memory"]
    assert len(memories) == len(set(memories))
    steps = [r for r in records if r["type"] == "step"]
    assert {a["id"] for s in steps for a in s["agents"]} == {"isabella", "john_lin", "mei_lin"}
    times = [s["t"] for s in steps]
    assert len(times) - len(set(times)) <= 1  # one step per moment (the checkpoint's may come twice)
    assert steps[-1]["t"] >= state["end_time"] - 120  # the world ran to the end
    assert steps[-1]["t"] > resume["from"] + 1800  # ... well past the checkpoint
    seeded = [r for r in records if r["type"] == "memory" and r["t"] == header["start_time"]]
    assert any("tea party" in r["text"] for r in seeded if r["agent"] == "isabella")
    assert any(r["type"] == "command" for r in records[at:])  # the resumed minds go on deciding
    moved = {a["id"] for s in steps for a in s["agents"] if a["moving"]}
    assert moved, "nobody walked anywhere"


def test_the_metrics_are_what_the_log_gives(run):
    folder, _, _ = run
    header, records = read_log(folder.replay)
    interviews = json.loads(folder.interviews.read_text())
    recomputed = json.loads(json.dumps(measures.compute(header, records, interviews, folder.read_state())))
    assert json.loads(folder.metrics.read_text()) == recomputed
    [party] = recomputed["diffusion"]
    assert party["memory"]["knew_at_start"] == ["isabella"]
    assert party["memory"]["start"] == pytest.approx(1 / 3)
    assert recomputed["density"]["memory"]["pairs_start"] >= 2  # John and Mei are married
    [coordination] = recomputed["coordination"]
    assert coordination["reached"] is True
    assert recomputed["cost"]["per_agent_per_game_hour"]["calls"] > 0


def test_everyone_is_interviewed(run):
    folder, _, _ = run
    interviews = json.loads(folder.interviews.read_text())
    [party] = interviews["diffusion"]
    assert set(party["answers"]) == {"isabella", "john_lin", "mei_lin"}
    assert all(a["answer"] for a in party["answers"].values())
    assert set(interviews["relationships"]["john_lin"]) == {"isabella", "mei_lin"}
    for agent, answers in interviews["battery"].items():
        assert {a["category"] for a in answers} == {"self-knowledge", "memory", "plans", "reactions", "reflections"}
        assert all(a["answer"].strip() for a in answers), agent
        assert any("check" in a for a in answers)


def test_the_recorded_log_replays_to_the_recorded_positions(run, tmp_path):
    folder, _, _ = run
    report = tmp_path / "verify.json"
    result = run_replay("--log", str(folder.replay), "--verify", str(report))
    assert result.returncode == 0, result.stdout[-3000:]
    verified = json.loads(report.read_text())
    assert verified["passed"] and verified["max_error_m"] <= 0.01 and verified["seek_orders_identical"]
    assert verified["agents"] == 3 and verified["steps"] > 50


def test_the_report_can_be_written_again_and_runs_compared(run, tmp_path):
    folder, _, _ = run
    before = folder.metrics.read_text()
    compare = tmp_path / "compare.md"
    result = subprocess.run([sys.executable, "-m", "agent_server", "report", str(folder.path), str(folder.path),
                             "--out", str(compare)], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert folder.metrics.read_text() == before
    table = compare.read_text()
    assert "| density, end (memory) |" in table and "| model calls / agent / game hour |" in table


def test_a_finished_run_is_not_resumed(run):
    folder, _, _ = run
    result = simulate("--resume", str(folder.path), timeout=120)
    assert result.returncode == 1 and "has finished" in result.stderr


def test_a_bad_scenario_fails_before_anything_is_written(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(TEA_PARTY.read_text().replace('place = "hobbs_cafe"', 'place = "hobs_cafe"')
                   .replace("../../towns/", str(PROJECT_ROOT / "towns") + "/"))
    out = tmp_path / "run"
    result = simulate("--scenario", str(bad), "--days", "1", "--out", str(out), timeout=120)
    assert result.returncode == 1
    assert str(bad) in result.stderr and "seeds[0].event.place" in result.stderr
    assert "did you mean 'hobbs_cafe'" in result.stderr
    assert not out.exists()
