"""The app_events and app_dimensions DAGs end to end (in-process runs, real Postgres, file lake),
plus the ingest steps and the sensor's trigger on an S3 lake (moto server on loopback)."""

import asyncio
import datetime as dt
import threading
import time

import pyarrow.parquet as pq
import pytest
from tributary import warehouse
from tributary.app_events import ingest, layout
from tributary.app_events.sensor import LakeObjectTrigger
from tributary.dag_runner import load_dag, run_dag

from tests.app_events.conftest import DAY, drop_dimensions, drop_export

FAST = {"wait_timeout_minutes": 1, "poke_interval_seconds": 1}


def _count(sql: str, *params) -> int:
    with warehouse.connect() as conn:
        return conn.execute(sql, params).fetchone()[0]


def _day_counts(day):
    return tuple(_count(f"select count(*) from {t} where event_date = %s", day)
                 for t in ("raw_app.event", "raw_app.event_property", "raw_app.by_mdn"))


def _drop_once_deferred(lake, tmp_path, since: dt.datetime) -> None:
    """Drop the day's export as soon as the sensor of a run started after ``since`` has deferred
    (its task instance records the method to resume), or after 45 s (the sensor waits 60)."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        with create_session() as session:
            deferred = session.query(TaskInstance).filter(
                TaskInstance.dag_id == "app_events", TaskInstance.task_id == "wait_for_export",
                TaskInstance.next_method.is_not(None), TaskInstance.start_date >= since).count()
        if deferred:
            time.sleep(1.5)  # past the trigger's first poke: it finds the file on a later one
            break
        time.sleep(0.3)
    drop_export(lake, tmp_path, DAY, 120, extra_lines=[(10, "0123|ragged")])


@pytest.mark.slow
def test_day_end_to_end_then_rerun_is_idempotent(fresh_warehouse, file_lake, tmp_path, capfd):
    drop_dimensions(file_lake)
    assert run_dag("app_dimensions").ok
    assert _count("select count(*) from raw_app.line_dim") == 60
    assert file_lake.list(layout.DIMENSIONS_PREFIX) == []  # archived after the commit

    # The file lands while the sensor is deferred: the trigger must notice it.
    load_dag("app_events")
    capfd.readouterr()
    late = threading.Thread(target=_drop_once_deferred, args=(file_lake, tmp_path, dt.datetime.now(dt.UTC)))
    late.start()
    outcome = run_dag("app_events", FAST, day=DAY)
    late.join()
    assert outcome.ok, outcome.table()
    assert "deferring until landing/app_events/amplitude_2024-05-20.txt.gz" in capfd.readouterr().out

    events, props, by_mdn = _day_counts(DAY)
    assert events == 120 and props > events and 0 < by_mdn <= events
    assert _count("select count(*) from raw_app.event where event_time is null") == 0
    rejects = _count("select count(*) from raw_app.reject where source = %s and line_number = 12 "
                     "and reason like 'expected 40 fields%%'", layout.file_name(DAY))
    assert rejects == 1
    assert not file_lake.exists(layout.landing_path(DAY))
    archived = file_lake.list("archive/app_events")
    assert len(archived) == 1 and archived[0].path.endswith(".txt.gz")
    assert file_lake.exists(layout.parquet_path("events", DAY))

    drop_export(file_lake, tmp_path, DAY, 120, extra_lines=[(10, "0123|ragged")])
    assert run_dag("app_events", FAST, day=DAY).ok
    assert _day_counts(DAY) == (events, props, by_mdn)
    assert _count("select count(*) from raw_app.reject") == 1
    assert _count("select count(*) from raw_app.export_file") == 1


@pytest.mark.slow
def test_corrupt_gzip_fails_the_day_and_keeps_the_file(fresh_warehouse, file_lake, tmp_path):
    local = drop_export(file_lake, tmp_path, DAY, 200)
    data = bytearray(local.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = b"\xff" * 64
    file_lake.put_bytes(layout.landing_path(DAY), bytes(data))

    outcome = run_dag("app_events", FAST, day=DAY)
    assert not outcome.ok
    assert outcome.task_states["clean_export"] == "failed"
    assert outcome.task_states["load_export"] != "success"
    assert file_lake.exists(layout.landing_path(DAY))
    assert _day_counts(DAY) == (0, 0, 0)
    assert _count("select count(*) from raw_app.export_file") == 0
    assert not file_lake.exists(layout.parquet_path("events", DAY))


@pytest.mark.slow
def test_sensor_times_out_when_nothing_arrives(fresh_warehouse, file_lake):
    outcome = run_dag("app_events", {"wait_timeout_minutes": 0, "poke_interval_seconds": 1}, day=DAY)
    assert outcome.task_states["wait_for_export"] == "failed"
    assert outcome.task_states["archive_export"] != "success"


def test_trigger_and_ingest_on_s3(fresh_warehouse, s3_lake, tmp_path):
    path = layout.landing_path(DAY)
    trigger = LakeObjectTrigger(s3_lake.url, path, deadline=time.time() + 0.5, poke_interval=0.2)
    assert asyncio.run(anext(trigger.run())).payload["status"] == "timeout"
    drop_export(s3_lake, tmp_path, DAY, 80)
    trigger = LakeObjectTrigger(s3_lake.url, path, deadline=time.time() + 30, poke_interval=0.2)
    assert asyncio.run(anext(trigger.run())).payload == {"status": "found", "path": path}

    archived = ingest.archive(s3_lake, DAY)
    summary = ingest.clean(s3_lake, DAY, archived)
    with pytest.raises(ingest.ExportError, match="landing file kept"), warehouse.connect() as conn:
        ingest.release_landing(conn, s3_lake, DAY, archived)  # not loaded yet
    with warehouse.transaction() as conn:
        ingest.load_day(conn, s3_lake, DAY, archived, summary)
    with warehouse.connect() as conn:
        assert ingest.release_landing(conn, s3_lake, DAY, archived)
    assert _day_counts(DAY)[0] == 80
    # COPY stores what the Parquet holds, value for value (nulls vs empty text, UTC times, floats).
    for dataset, table in ingest.TABLES.items():
        with s3_lake.local_copy(layout.parquet_path(dataset, day=DAY)) as local:
            staged = pq.read_table(local).to_pylist()
        with warehouse.connect() as conn:
            cur = conn.execute(f"select * from {table} where event_date = %s", [DAY])  # noqa: S608
            loaded = [dict(zip([c.name for c in cur.description], row, strict=True)) for row in cur]
        assert sorted(loaded, key=repr) == sorted(staged, key=repr) != [], table
    assert not s3_lake.exists(path) and s3_lake.exists(archived["archive"])
    assert dt.date.fromisoformat(summary["day"]) == DAY
