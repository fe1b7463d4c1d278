"""`tributary.console`: a command's logs go to a file, the terminal gets a few lines.

The capture works on file descriptors, so these tests write through real descriptors (a child
process, a logging handler opened on fd 2) and read what reached pytest's fd-level capture.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections import Counter

import pytest
from tributary import console
from tributary.dag_runner import RunOutcome

from include.demo import runner

CHILD = "import os, sys; os.write(1, b'child stdout\\n'); os.write(2, b'child stderr\\n')"

#: What an in-process run logs around a failing task (Airflow 3's dag.test format, abridged).
FAILED_RUN_LOG = """\
2026-11-30T00:11:19.204985Z [info     ] [DAG TEST] starting task_id=load_document map_index=-1 [airflow.sdk.definitions.dag] loc=dag.py:1501
2026-11-30T00:11:27.133868Z [error    ] Task failed with exception     [task] loc=task_runner.py:1639
Traceback (most recent call last):
  File "/work/main/plugins/tributary/inputs.py", line 171, in _resolve
    raise FileNotFoundError(given)
FileNotFoundError: landing/x.csv

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/airflow/sdk/execution_time/task_runner.py", line 1579, in _run
    result = _execute_task(context=context, ti=ti, log=log)
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/work/main/plugins/tributary/inputs.py", line 67, in _confined
    raise InputRejected(f"path outside the allowed roots: {given}")
tributary.inputs.InputRejected: path outside the allowed input roots: /etc/passwd
  (allowed: /work/main/include/sample)
2026-11-30T00:11:27.137003Z [info     ] ::group::Post Execute          [task] loc=task_runner.py:1640
2026-11-30T00:11:27.207829Z [info     ] [DAG TEST] end task task_id=load_document map_index=-1 [airflow.sdk.definitions.dag] loc=dag.py:1563
2026-11-30T00:11:28.204985Z [info     ] [DAG TEST] starting task_id=export_scale map_index=2 [airflow.sdk.definitions.dag] loc=dag.py:1501
2026-11-30T00:11:28.233868Z [error    ] Task failed with exception     [task] loc=task_runner.py:1639
Traceback (most recent call last):
  File "/work/main/plugins/tributary/mindtrails/export.py", line 9, in export
    raise ExportError("scale 'oa': the website answered 500")
tributary.mindtrails.export.ExportError: scale 'oa': the website answered 500
2026-11-30T00:11:28.307829Z [info     ] [DAG TEST] end task task_id=export_scale map_index=2 [airflow.sdk.definitions.dag] loc=dag.py:1563
"""

DBT_LOG = """\
\x1b[0m00:12:29  1 of 4 START sql view model platform_staging.stg_platform__load .......... [RUN]
\x1b[0m00:12:29  1 of 4 OK created sql view model platform_staging.stg_platform__load ..... [\x1b[32mCREATE VIEW\x1b[0m in 0.18s]
\x1b[0m00:12:29  2 of 4 PASS not_null_stg_platform__load_load_id ......................... [\x1b[32mPASS\x1b[0m in 0.09s]
\x1b[0m00:12:29  3 of 4 WARN 2 accepted_values_stg_platform__load_mode ................... [\x1b[33mWARN 2\x1b[0m in 0.05s]
\x1b[0m00:12:30  4 of 4 OK created sql incremental model platform.load_history ........... [\x1b[32mINSERT 0 3\x1b[0m in 0.2s]
\x1b[0m00:12:30  Done. PASS=2 WARN=1 ERROR=0 SKIP=0 NO-OP=0 TOTAL=4
"""


def test_a_child_process_and_an_earlier_handler_write_to_the_log_not_the_terminal(tmp_path, capfd):
    stderr_fd2 = open(2, "w", closefd=False)  # noqa: SIM115  (bound before the capture, like Airflow's)
    handler = logging.StreamHandler(stderr_fd2)
    logger = logging.getLogger("test_console.earlier")
    logger.addHandler(handler)
    path = tmp_path / "logs" / "run-x.log"
    try:
        with console.Capture(path) as capture:
            subprocess.run([sys.executable, "-c", CHILD], check=True)
            logger.warning("a record from a handler bound before")
            capture.say("a line for people")
    finally:
        logger.removeHandler(handler)
    out, err = capfd.readouterr()
    assert out == "a line for people\n" and err == ""
    log = path.read_text()
    for line in ("child stdout", "child stderr", "a record from a handler bound before", "a line for people"):
        assert line in log


def test_the_descriptors_come_back_and_an_error_leaving_names_the_log(tmp_path, capfd):
    path = tmp_path / "demo.log"
    with pytest.raises(RuntimeError), console.Capture(path):
        raise RuntimeError("boom")
    subprocess.run([sys.executable, "-c", CHILD], check=True)
    out, err = capfd.readouterr()
    assert out == "child stdout\n"
    assert err == f"log: {path}\nchild stderr\n"
    assert "child" not in path.read_text()


def test_streaming_copies_the_log_to_the_terminal_once(tmp_path, capfd):
    path = tmp_path / "verbose.log"
    with console.Capture(path) as capture:
        os.write(1, b"before streaming\n")  # (print would reach pytest's sys.stdout, not fd 1)
        capture.stream()  # replays the log from its start
        subprocess.run([sys.executable, "-c", CHILD], check=True)
        capture.say("a line for people")
    out, err = capfd.readouterr()
    assert out.splitlines() == ["before streaming", "child stdout", "child stderr", "a line for people"]
    assert err == ""
    assert path.read_text() == out


def test_progress_writes_one_line_per_step_and_the_log_marks_it(tmp_path, capfd):
    path = tmp_path / "demo.log"
    with console.Capture(path) as capture:
        progress = console.Progress(capture, total=31)
        for _ in range(6):
            progress.begin("polio_ingest", "nigeria_2016_01_long.csv")
            os.write(1, b"what the run logs\n")
            progress.end()
        progress.begin("socrata_publish", "a publication name far longer than the detail column")
        progress.end("✗")
    out = capfd.readouterr().out.splitlines()
    assert len(out) == 7
    assert out[5].startswith("[ 6/31] polio_ingest ") and "nigeria_2016_01_long.csv" in out[5]
    assert out[5].rstrip().endswith(" s") and "✓" in out[5]
    assert "✗" in out[6] and "a publication name far longer tha…" in out[6]
    assert "what the run logs" not in "\n".join(out)
    assert "[ 6/31] polio_ingest" in path.read_text()


def test_task_error_is_the_last_exception_of_that_task():
    assert console.task_error(FAILED_RUN_LOG, "load_document") == [
        "tributary.inputs.InputRejected: path outside the allowed input roots: /etc/passwd",
        "  (allowed: /work/main/include/sample)",
    ]
    assert console.task_error(FAILED_RUN_LOG, "export_scale[2]") == [
        "tributary.mindtrails.export.ExportError: scale 'oa': the website answered 500"]


def test_a_failure_summary_names_the_dag_the_task_and_its_error():
    outcome = RunOutcome("polio_ingest", "manual__1", "failed",
                         {"load_document": "failed", "refresh": "upstream_failed"},
                         {"load_document": 0.2, "refresh": None})
    lines = console.failure(outcome, FAILED_RUN_LOG)
    assert lines[0] == "polio_ingest failed at task load_document:"
    assert "InputRejected: path outside the allowed input roots: /etc/passwd" in lines[1]
    assert "refresh" not in "\n".join(lines)  # only the task that failed itself
    table = outcome.table().splitlines()
    assert table[1].split() == ["task", "state", "duration"]
    assert table[2].split() == ["load_document", "failed", "0.2", "s"]


def test_dbt_counts_models_and_tests_from_its_result_lines():
    counts = console.dbt_counts(DBT_LOG)
    assert (counts.models, counts.results["PASS"], counts.results["WARN"], counts.tests) == (2, 1, 1, 2)
    assert str(counts) == "2 models built, 2 tests run (1 passed, 1 warned)"
    assert str(counts + counts) == "4 models built, 4 tests run (2 passed, 2 warned)"


def test_a_domain_summary_stays_within_its_line_budget():
    loads = [runner.Load(f"raw_x.table_{i}", 1000, 900, 100, 0) for i in range(40)]
    published = [runner.Published(f"pub_{i}", f"demo-{i:04d}", 10, "succeeded") for i in range(12)]
    reports = [f"reports/x/2026-11-30/report_{i}.csv (12 bytes)" for i in range(9)]
    lines = runner.summary_lines(loads, console.DbtCounts(3, Counter(PASS=9)), published, reports)
    budget = 3 * (runner.SECTION_ROWS + 1) + 1  # loaded, published, reports (+ "… more"), dbt
    assert len(lines) == budget
    assert "… and 37 more tables: 37,000 rows in, 33,300 new" in "\n".join(lines)
    assert "… and 1 more report file" in runner.summary_lines([], console.DbtCounts(), [], reports[:4])[-1]
    assert runner.summary_lines([], console.DbtCounts(), [], []) == [
        "  loaded    nothing", "  dbt       no dbt models run"]
