"""The proto contract: round trips, the data files, and generated code that is never stale."""

import filecmp
import subprocess
import sys

from google.protobuf import json_format

from agent_server.settings import PROJECT_ROOT
from simulacra.v1 import agents_pb2, scenario_pb2, town_pb2


def test_agent_command_round_trips_through_binary_and_canonical_json():
    command = agents_pb2.AgentCommand(
        agent_id="isabella",
        command_id="isabella-1",
        issued_at=28800,
        move_to=agents_pb2.MoveTo(place_id="hobbs_cafe.counter.coffee_machine", position=town_pb2.Vec3(x=-16, z=-12.6)),
        activity=agents_pb2.Activity(description="brew coffee", emoji="☕", duration_minutes=30),
        utterance=agents_pb2.Utterance(text="Good morning!", to_agent_id="john_lin"),
        conversation=agents_pb2.ConversationEvent(
            kind=agents_pb2.ConversationEvent.KIND_START, conversation_id="c1", participant_ids=["isabella", "john_lin"]
        ),
        reason="to open the cafe",
    )
    assert agents_pb2.AgentCommand.FromString(command.SerializeToString()) == command
    as_json = json_format.MessageToJson(command)
    assert '"moveTo"' in as_json and '"KIND_START"' in as_json  # canonical names
    assert json_format.Parse(as_json, agents_pb2.AgentCommand()) == command


def test_town_data_file_is_a_valid_town_message():
    text = (PROJECT_ROOT / "towns" / "skeleton.json").read_text()
    town = json_format.Parse(text, town_pb2.Town())
    assert town.places and all(p.id and p.name for p in town.places)
    again = json_format.Parse(json_format.MessageToJson(town), town_pb2.Town())
    assert again == town


def test_scenario_file_is_a_valid_scenario_message():
    from agent_server.scenario import Scenario

    scenario = Scenario.load(PROJECT_ROOT / "scenarios" / "skeleton.toml").proto
    assert len(scenario.agents) >= 3
    assert json_format.Parse(json_format.MessageToJson(scenario), scenario_pb2.Scenario()) == scenario


def test_generated_code_matches_the_protos(tmp_path):
    subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "gen_proto.py"), str(tmp_path)], check=True,
                   capture_output=True)
    fresh = sorted(p.relative_to(tmp_path) for p in (tmp_path / "simulacra").rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(PROJECT_ROOT)
        for p in (PROJECT_ROOT / "simulacra").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    assert fresh == committed, "run `make proto`: generated files differ from protos/"
    stale = [str(p) for p in fresh if not filecmp.cmp(tmp_path / p, PROJECT_ROOT / p, shallow=False)]
    assert not stale, f"run `make proto`: these generated files are stale: {stale}"
