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
