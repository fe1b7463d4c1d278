"""Bad input is never retried: a DAG run with retries=1 on a corrupt export ends after one try
of the failing task (the corpus asserts `BadInput` for every other case at library level)."""

from __future__ import annotations

import datetime as dt
import time

import psycopg
import pytest
from tributary.app_events import layout
from tributary.dag_runner import run_dag

pytestmark = pytest.mark.slow


def tries(run_id: str) -> dict[str, int]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(TaskInstance).filter(TaskInstance.run_id == run_id).all()
        return {ti.task_id: ti.try_number for ti in rows}


def test_a_corrupt_export_fails_once_without_retry(fresh_warehouse, file_lake):
    day = dt.date(2024, 7, 1)
    data = b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4  # a gzip header, then garbage
    file_lake.put_bytes(layout.landing_path(day), data)
    started = time.monotonic()
    outcome = run_dag("app_events", {"wait_timeout_minutes": 1, "poke_interval_seconds": 1},
                      day=day, retries=1)
    assert outcome.task_states["clean_export"] == "failed", outcome.table()
    assert outcome.task_states["load_export"] == "upstream_failed"
    assert tries(outcome.run_id)["clean_export"] == 1  # retries=1, yet one try only
    assert time.monotonic() - started < 90  # no retry delay waited out
    assert file_lake.get_bytes(layout.landing_path(day)) == data
    with psycopg.connect(fresh_warehouse) as conn:
        assert conn.execute("select count(*) from raw_app.event").fetchone()[0] == 0
