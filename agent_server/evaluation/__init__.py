"""Evaluation: the headless runner (runner.py), its run folder and replay log
(runlog.py), the end-of-run interviews (interviews.py), the paper's measurements
(measures.py) and the report (report.py)."""
