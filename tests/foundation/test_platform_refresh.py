"""The dbt chain runs as Airflow tasks through cosmos, and a failing run ends at once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from tributary import warehouse
from tributary.dag_runner import run_dag


@pytest.mark.slow
def test_platform_refresh_builds_load_history(fresh_warehouse):
    with warehouse.transaction() as conn:
        conn.execute("create table raw_platform.sample (id int primary key)")
        warehouse.load(conn, "raw_platform.sample", ["id"], [(i,) for i in range(25)])
        warehouse.load(conn, "raw_platform.sample", ["id"], [(i,) for i in range(30)],
                       mode="insert_new", key=["id"])
    outcome = run_dag("platform_refresh")
    assert outcome.ok, outcome.table()
    # One task per model, each running `dbt build` on it: the model, then its tests.
    assert sorted(outcome.task_states) == [f"platform_models.{m}_model_build" for m in
                                           ("int_platform__load_daily", "load_history", "publication_status",
                                            "stg_platform__load", "stg_platform__publish_run")]
    with warehouse.connect() as conn:
        row = conn.execute(
            "select loads, rows_in, inserted from platform.load_history where target = 'raw_platform.sample'"
        ).fetchone()
    assert row == (2, 55, 30)


@pytest.mark.slow
def test_make_run_stops_at_the_first_failure_without_retrying(fresh_warehouse):
    with warehouse.transaction() as conn:  # a load mode the staging model's tests reject
        conn.execute("insert into raw_platform.load values (gen_random_uuid(), 'raw_x.y', 'bogus',"
                     " 1, 1, 0, 0, now(), 0.1)")
    result = subprocess.run([sys.executable, "-m", "tributary.cli", "run", "--dag", "platform_refresh"],
                            env=os.environ.copy(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    header = max(i for i, line in enumerate(lines) if line.startswith("platform_refresh run "))
    assert lines[header].endswith(": failed")
    # the task table: a header row, then "  <task>  <state>  <seconds> s" per task
    rows = [line.split() for line in lines[header + 2:] if line.startswith("  ")]
    assert lines[header + 1].split() == ["task", "state", "duration"]
    states = {row[0]: row[1] for row in rows}
    # DEFAULT_ARGS asks for retries; `make run` switches them off, so the model whose tests fail
    # is final ("failed", not "up_for_retry") and everything downstream stops at once.
    assert states["platform_models.stg_platform__load_model_build"] == "failed"
    assert states["platform_models.int_platform__load_daily_model_build"] == "upstream_failed"
    assert states["platform_models.load_history_model_build"] == "upstream_failed"
