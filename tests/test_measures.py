"""The paper's measurements on a small hand-written replay log, against figures worked
out by hand from it (agent_server/evaluation/measures.py)."""

from __future__ import annotations

import json

import pytest

from agent_server.errors import DataError
from agent_server.evaluation import measures
from agent_server.evaluation.runlog import read_log, truncate_after

ANN, BOB, CAT = "ann", "bob", "cat"
HEADER = {
    "type": "header", "version": 1, "scenario": "picnic", "description": "", "start_date": "2023-02-13",
    "start_time": 0,
    "town": {"name": "Tiny", "places": [
        {"id": "park", "kind": "PLACE_KIND_SECTOR"},
        {"id": "park.bench", "parentId": "park", "kind": "PLACE_KIND_ARENA"},
        {"id": "home", "kind": "PLACE_KIND_SECTOR"},
    ]},
    "agents": [{"id": ANN, "name": "Ann Lee"}, {"id": BOB, "name": "Bob Stone"}, {"id": CAT, "name": "Cat Moore"}],
    "seeds": [{"agentId": ANN, "text": "Ann Lee is planning a picnic in the park.", "topic": ["picnic"],
               "event": {"placeId": "park", "startTime": 1000, "endTime": 2000}}],
}


def step(t: int, places: dict[str, str]) -> dict:
    return {"type": "step", "t": t, "agents": [
        {"id": a, "position": {"x": 0, "y": 0, "z": 0}, "place": p, "moving": False, "doing": "", "emoji": "",
         "conversation": ""} for a, p in places.items()]}


def memory(t: int, agent: str, text: str) -> dict:
    return {"type": "memory", "t": t, "agent": agent, "kind": "observation", "text": text, "importance": 3}


RECORDS = [
    memory(0, ANN, "Ann Lee is planning a picnic in the park."),
    memory(0, ANN, "Ann Lee is friends with Bob Stone."),
    step(0, {ANN: "home", BOB: "home", CAT: "home"}),
    {"type": "utterance", "t": 500, "conversation": "c1", "speaker": ANN, "to": BOB, "text": "Come to my Picnic!"},
    memory(500, BOB, 'Ann said: "Come to my Picnic!"'),
    memory(600, CAT, "Bob Stone is walking to the park"),
    memory(700, CAT, "Cat Moore is dreaming of a picnic"),  # from no one who knew: not knowing
    step(1500, {ANN: "park.bench", BOB: "park", CAT: "home"}),
    step(2500, {ANN: "home", BOB: "home", CAT: "park"}),
    memory(2600, CAT, "Bob Stone is packing a picnic basket"),  # Bob knew by then: Cat learns of it
    memory(3000, CAT, "There was a picnicking crowd in the park"),
]
INTERVIEWS = {
    "diffusion": [{"seed_agent": ANN, "question": "Do you know anything about a picnic?", "answers": {
        ANN: {"answer": "Yes, my picnic.", "knows": True},
        BOB: {"answer": "I don't know.", "knows": False},
        CAT: {"answer": "The picnic in the park.", "knows": True}}}],
    "relationships": {
        ANN: {BOB: {"knows": True}, CAT: {"knows": True}},
        BOB: {ANN: {"knows": True}, CAT: {"knows": False}},
        CAT: {ANN: {"knows": False}, BOB: {"knows": False}},
    },
    "battery": {ANN: [
        {"category": "self-knowledge", "question": "?", "answer": "I am Ann", "check": {"passed": True, "rule": ""}},
        {"category": "reactions", "question": "?", "answer": "..."},
    ]},
}
STATE = {"finished": True, "wall_seconds": 300.0, "usage": {
    "decompose": {"calls": 6, "prompt_tokens": 600, "completion_tokens": 120, "model_seconds": 3.0},
    "interview": {"calls": 50, "prompt_tokens": 5000, "completion_tokens": 500, "model_seconds": 20.0},
}}


@pytest.fixture(scope="module")
def metrics() -> dict:
    return measures.compute(HEADER, RECORDS, INTERVIEWS, STATE)


def test_diffusion_by_memory_and_by_interview(metrics):
    [picnic] = metrics["diffusion"]
    assert picnic["memory"]["knew_at_start"] == [ANN]
    assert picnic["memory"]["start"] == pytest.approx(1 / 3)
    # Bob heard it from Ann at 500. Cat's dream at 700 came from no one who knew; at 2600
    # she saw Bob, who knew, packing for it.
    assert picnic["memory"]["knew_at_end"] == [ANN, BOB, CAT]
    assert picnic["memory"]["end"] == pytest.approx(1.0)
    assert picnic["first_knew_at"] == {ANN: 0, BOB: 500, CAT: 2600}
    assert picnic["heard_from"] == {
        BOB: {"from": ANN, "t": 500, "text": "Come to my Picnic!", "via": "said"},
        CAT: {"from": BOB, "t": 2600, "text": "Bob Stone is packing a picnic basket", "via": "memory"},
    }
    assert picnic["mentioned_without_source"] == {"end": 0.0, "agents": []}  # Cat knows by the end
    interview = picnic["interview"]
    assert interview["said_yes"] == [ANN, CAT]
    assert interview["end"] == pytest.approx(2 / 3)
    assert interview["hallucinated"] == []  # Cat does know by the end
    assert interview["agreement"] == pytest.approx(2 / 3)  # Bob knows but says not


def test_a_topic_word_from_no_one_who_knew_is_not_knowing():
    """Knowing is traced from who heard what: a line about a picnic from someone who never
    heard of Ann's passes nothing on, and a hallucinated "yes" is one from an agent that
    does not know, whatever words its memories hold."""
    records = [
        memory(0, ANN, "Ann Lee is planning a picnic in the park."),
        {"type": "utterance", "t": 100, "conversation": "c1", "speaker": CAT, "to": BOB, "text": "A picnic, maybe?"},
        memory(100, BOB, 'Cat Moore said to Bob Stone: "A picnic, maybe?"'),
        memory(200, CAT, "Ann Lee is reading a book"),  # names Ann, who knows, but not the picnic
        {"type": "utterance", "t": 300, "conversation": "c2", "speaker": ANN, "to": CAT, "text": "My picnic is at noon"},
        memory(300, CAT, 'Ann Lee said to Cat Moore: "My picnic is at noon"'),
        step(400, {ANN: "home", BOB: "home", CAT: "home"}),
    ]
    interviews = {"diffusion": [{"seed_agent": ANN, "question": "Do you know anything about a picnic?",
                                 "answers": {a: {"answer": "A picnic.", "knows": True} for a in (ANN, BOB, CAT)}}]}
    [picnic] = measures.compute(HEADER, records, interviews, {"usage": {}})["diffusion"]
    assert picnic["first_knew_at"] == {ANN: 0, CAT: 300}
    assert picnic["heard_from"] == {CAT: {"from": ANN, "t": 300, "text": "My picnic is at noon", "via": "said"}}
    assert picnic["mentioned_without_source"] == {"end": pytest.approx(1 / 3), "agents": [BOB]}
    assert picnic["interview"]["hallucinated"] == [BOB]
    # Cat, who knows now, passes it on: Bob hears it from her.
    records += [{"type": "utterance", "t": 500, "conversation": "c3", "speaker": CAT, "to": BOB,
                 "text": "Ann's picnic is at noon"}]
    [picnic] = measures.compute(HEADER, records, interviews, {"usage": {}})["diffusion"]
    assert picnic["first_knew_at"] == {ANN: 0, CAT: 300, BOB: 500}
    assert picnic["heard_from"][BOB]["from"] == CAT
    assert picnic["interview"]["hallucinated"] == []


def test_density_by_memory_and_by_interview(metrics):
    density = metrics["density"]
    assert density["possible_pairs"] == 6
    # Start: Ann knows Bob. End: also Bob knows Ann ("Ann said" - a unique first name)
    # and Cat knows Bob.
    assert density["memory"]["pairs_start"] == 1
    assert density["memory"]["start"] == pytest.approx(1 / 6)
    assert density["memory"]["pairs_end"] == 3
    assert density["memory"]["end"] == pytest.approx(0.5)
    assert density["new_acquaintances"] == [[BOB, ANN], [CAT, BOB]]
    assert density["interview"]["pairs"] == 3
    assert density["interview"]["end"] == pytest.approx(0.5)
    assert density["interview"]["claimed_without_memory"] == 1  # Ann says she knows Cat


def test_coordination_counts_who_knew_beforehand_and_came(metrics):
    [picnic] = metrics["coordination"]
    assert picnic["invited"] == [BOB]  # Cat learned of it after it; her dream before it is no invitation
    assert picnic["attended"] == [BOB]  # inside "park", at "park" itself
    assert picnic["attended_uninvited"] == []  # Cat came to the park after it ended
    assert picnic["host_present"] is True  # at "park.bench", under "park"
    assert picnic["reached"] is True


def test_cost_per_agent_per_game_hour_leaves_the_interviews_out(metrics):
    hours = 3000 / 3600
    assert metrics["game_hours"] == pytest.approx(hours, abs=1e-3)
    cost = metrics["cost"]
    assert cost["per_agent_per_game_hour"]["calls"] == pytest.approx(6 / (3 * hours))
    assert cost["by_purpose_per_agent_per_game_hour"]["decompose"]["completion_tokens"] == pytest.approx(
        120 / (3 * hours))
    assert "interview" not in cost["by_purpose_per_agent_per_game_hour"]
    assert cost["wall_seconds_per_game_hour"] == pytest.approx(300 / hours)


def test_battery_counts_checks(metrics):
    assert metrics["battery"] == {"self-knowledge": {"asked": 1, "checked": 1, "passed": 1},
                                  "reactions": {"asked": 1, "checked": 0, "passed": 0}}


def test_timelines_give_the_share_hour_by_hour():
    series = measures.timelines(HEADER, RECORDS)
    assert series["hours"] == [0.0]  # the log is shorter than an hour past its start
    assert series["diffusion"]["picnic"] == [pytest.approx(1 / 3)]
    assert series["density"] == [pytest.approx(1 / 6)]


def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_read_log_names_the_bad_line(tmp_path):
    log = tmp_path / "replay.jsonl"
    _write(log, [HEADER, *RECORDS])
    header, records = read_log(log)
    assert header["scenario"] == "picnic" and len(records) == len(RECORDS)

    lines = log.read_text().split("\n")
    lines[3] = "{not json"
    log.write_text("\n".join(lines))
    with pytest.raises(DataError, match=r"replay\.jsonl:4: not a JSON record"):
        read_log(log)
    _write(log, RECORDS)
    with pytest.raises(DataError, match="the first record must be the header"):
        read_log(log)
    _write(log, [{**HEADER, "version": 99}])
    with pytest.raises(DataError, match="version 99"):
        read_log(log)


def test_a_line_cut_short_by_a_crash_is_dropped_and_resume_truncates(tmp_path):
    log = tmp_path / "replay.jsonl"
    _write(log, [HEADER, *RECORDS])
    with open(log, "a") as f:
        f.write('{"type": "memory", "t": 31')  # the run was killed mid-line
    assert len(read_log(log)[1]) == len(RECORDS)
    dropped = truncate_after(log, 1500)
    assert dropped == 4  # the step at 2500, the memories at 2600 and 3000, and the cut line
    assert [r["t"] for r in read_log(log)[1]] == [0, 0, 0, 500, 500, 600, 700, 1500]


def test_pace_by_hour_is_what_each_checkpoint_added():
    state = {"start_time": 25200, "usage": {}, "checkpoints": [
        {"game_time": 28800, "wall_seconds": 600.0, "rss_mb": 1300.0,
         "usage": {"day_plan": {"calls": 6, "model_seconds": 30.0}, "interview": {"calls": 9, "model_seconds": 9.0}}},
        {"game_time": 32400, "wall_seconds": 900.0, "rss_mb": 1320.0,
         "usage": {"day_plan": {"calls": 6, "model_seconds": 30.0}, "react": {"calls": 3, "model_seconds": 1.5}}},
    ]}
    rows = measures.cost(state, agents=3, game_hours=2)["by_hour"]
    assert rows == [
        {"from": 25200, "to": 28800, "wall_seconds": 600.0, "calls_per_agent": 2.0, "model_seconds_per_agent": 10.0,
         "costliest": "day_plan", "rss_mb": 1300.0},
        {"from": 28800, "to": 32400, "wall_seconds": 300.0, "calls_per_agent": 1.0, "model_seconds_per_agent": 0.5,
         "costliest": "react", "rss_mb": 1320.0},
    ]


def test_a_seed_is_asked_about_by_its_first_two_topic_words_with_their_article():
    from agent_server.evaluation.interviews import seed_question

    assert seed_question(["valentine", "party"], "")[1] == "a valentine party"
    assert seed_question(["election", "mayor"], "")[1] == "an election mayor"
    assert seed_question([], "Grace lost her dog.") == ("Do you know about this: {}?", "Grace lost her dog")
