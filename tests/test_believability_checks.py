"""The believability benchmark's checks (bench/believability.py, with their labelled data
in bench/data/believability.json) on handwritten answers: each rule fires on an answer
that breaks it and not on one that keeps to it. The benchmark runs the real model; its
checks need none, so they are pinned here."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_checks_pass_their_self_test():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "believability.py"), "--self-test"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    outcome = json.loads(done.stdout)
    assert done.returncode == 0 and outcome["self_test"] == "passed", outcome["failed"]
    assert outcome["cases"] >= 80


def test_every_adversarial_line_s_role_patterns_compile():
    import re

    data = json.loads((ROOT / "bench" / "data" / "believability.json").read_text())
    for line in data["adversarial"]:
        for pattern in line.get("breaks_if_any", []):
            re.compile(pattern, re.IGNORECASE)


def test_every_agent_has_everyday_lines_whose_patterns_compile():
    import re

    data = json.loads((ROOT / "bench" / "data" / "believability.json").read_text())
    for agent in data["agents"]:
        assert len(agent["everyday"]) >= 5, agent["id"]
        for line in agent["everyday"]:
            for pattern in line.get("invent_if_any", []):
                re.compile(pattern, re.IGNORECASE)
            assert "keywords" not in line or line["keywords"], line


def test_everyday_answers_are_reported_apart_from_the_headline():
    """The headline figures are those of the lines and questions before the everyday lines
    (comparable with runs before them); the everyday lines' are in summary.everyday."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import believability
    finally:
        sys.path.remove(str(ROOT / "bench"))

    def row(category: str, grounded: bool) -> dict:
        return {"scenario": "s", "agent": "a", "category": category, "via": "chat", "question": "q?",
                "answer": "I'm fine.", "failed": {} if grounded else {"grounded": ["none"]},
                "in_character": True, "grounded": grounded, "form": True}

    def line(kind: str, first: float) -> dict:
        return {"agent": "a", "kind": kind, "first_token_s": first, "last_token_s": first + 1, "tokens": 5,
                "whole_s": first + 1}

    targets = {"in_character_breaks_max": 0, "grounded_min": 0.9, "invented_max": 0.02, "form_min": 0.95}
    out = believability.report([row("conversation", True), row("everyday", False), row("everyday", True)],
                               [line("first", 0.5), line("everyday", 3.0)], targets)
    assert out["summary"]["grounded"]["share"] == 1.0 and out["answers"] == 1
    assert out["summary"]["first_token_ms"]["all"]["p50"] == 500.0
    everyday = out["summary"]["everyday"]
    assert everyday["answers"] == 2 and everyday["grounded"]["passes"] == 1 and everyday["in_character_breaks"] == 0
    assert everyday["first_token_ms"]["p50"] == 3000.0
    assert [f["category"] for f in out["failures"]] == ["everyday"] and len(out["all_answers"]) == 3
