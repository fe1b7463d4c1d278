"""`make run` (`python -m tributary.cli run`): quiet, a task table, and on failure the failing task,
its error and the log; everything Airflow logged is in ``.local/logs/run-<dag>-<time>.log``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_a_failed_run_names_its_task_error_and_log_and_keeps_the_rest_in_the_log():
    home = Path(os.environ["TRIBUTARY_TEST_TMP"]) / "cli_run_home"  # its .local: logs land here
    result = subprocess.run(
        [sys.executable, "-m", "tributary.cli", "run", "--dag", "polio_ingest",
         "--conf", '{"path": "/etc/passwd"}'],
        env={**os.environ, "TRIBUTARY_HOME": str(home)}, capture_output=True, text=True, timeout=900)
    assert result.returncode == 1, result.stdout + result.stderr
    logs = sorted((home / "logs").glob("run-polio_ingest-*.log"))
    assert len(logs) == 1
    out = result.stdout.splitlines()
    assert out[0] == f"polio_ingest: running; logs in {logs[0]}"
    assert out[2].split() == ["task", "state", "duration"]
    assert out[3].split()[:2] == ["load_document", "failed"]
    assert "polio_ingest failed at task load_document:" in out
    assert any(line.strip().startswith("tributary.inputs.InputRejected: path outside the allowed input "
                                       "roots: /etc/passwd") for line in out)
    assert out[-1].startswith("polio_ingest failed in ") and out[-1].endswith(f"log: {logs[0]}")
    assert len(out) <= 10 and result.stderr == ""
    log = logs[0].read_text()
    assert "[DAG TEST] starting task_id=load_document" in log and "Traceback" in log
