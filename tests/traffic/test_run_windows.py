"""Run windows through DAG runs (the 3-day window and simulate are in test_dags): bad params fail
before any work, a run without dates picks up from the last processed day, two intraday runs
load each row once, one failed day fails the run after the other days went through."""

from __future__ import annotations

import psycopg
import pytest
from tributary.dag_runner import run_dag
from tributary.errors import BadInput
from tributary.traffic import pipeline
from tributary.traffic.run_window import MAX_WINDOW_DAYS, explicit_window, resolve
from tributary.traffic.stages import BadItems, StageOptions

from tests.traffic.helpers import WT_ROWS_PER_DAY, catalog, count, day, land_bluetooth, window

pytestmark = pytest.mark.slow


def ready_days(url: str, source: str) -> set:
    return {k[4] for k in catalog(url) if k[0] == "ready" and k[1] == source}


def test_bad_window_params_fail_before_any_work(fresh_warehouse, file_lake):
    for conf, message in (({"start_date": "2024-13-01"}, "not a YYYY-MM-DD date"),
                          (window(2, 0), "is before start_date"),
                          ({"start_date": "2020-01-01", "end_date": "2024-01-01"},
                           f"more than {MAX_WINDOW_DAYS}"),
                          ({"end_date": "2024-06-01"}, "needs a start_date"),
                          ({"start_date": "2999-01-01"}, "in the future"),
                          (window(0, 0, intraday=True), "not both")):
        with pytest.raises(BadInput, match=message):
            explicit_window(conf, day(2))
    outcome = run_dag("traffic_unit_data", window(2, 0))
    assert not outcome.ok
    assert outcome.task_states == {"plan": "failed", "retrieve": "upstream_failed"}
    assert count(fresh_warehouse, "select count(*) from lake.catalog") == 0


def test_a_run_without_dates_picks_up_from_the_last_processed_day(traffic_env, file_lake):
    pipeline.run_days("unit_data", day(0), day(3))
    pipeline.run_days("wavetronix", day(0), day(1))
    first = catalog(traffic_env, with_processing=True)
    with psycopg.connect(traffic_env) as conn:
        planned = resolve("wavetronix", {}, run_type="manual", run_day=day(2), today=day(2), conn=conn)
        assert planned.days == (day(0), day(1), day(2))
        assert resolve("wavetronix", {}, run_type="scheduled", run_day=day(2), today=day(2),
                       conn=conn).days == (day(2),)

    # A manual run for day 2 without dates: the counts of days 1 and 2 are caught up.
    outcome = run_dag("traffic_wavetronix", day=day(2))
    assert outcome.ok, outcome.table()
    assert ready_days(traffic_env, "wt") == {day(0), day(1), day(2)}
    after = catalog(traffic_env, with_processing=True)
    assert all(after[k] == first[k] for k in first)  # day 0 was done: nothing rewritten
    assert count(traffic_env, "select count(*) from raw_traffic.wt_publish") == 3 * WT_ROWS_PER_DAY


def test_two_intraday_runs_in_one_day_load_each_row_once(traffic_env, file_lake):
    pipeline.run_days("unit_data", day(2), day(3))
    noon = f"{day(2)} 12:00"
    with psycopg.connect(traffic_env) as conn:  # the afternoon has not arrived yet
        conn.execute("create table afternoon as select * from vendor_wavetronix.detector_counts"
                     " where \"curDateTime\" > %s", (noon,))
        conn.execute("delete from vendor_wavetronix.detector_counts where \"curDateTime\" > %s", (noon,))
    morning = run_dag("traffic_wavetronix", {"intraday": True}, day=day(2))
    assert morning.ok, morning.table()
    staged_morning = count(traffic_env, "select count(*) from raw_traffic.wt_publish")
    with psycopg.connect(traffic_env) as conn:
        conn.execute("insert into vendor_wavetronix.detector_counts select * from afternoon")
        expected_volume = conn.execute(
            "select sum(volume::int) from vendor_wavetronix.detector_counts"
            " where \"curDateTime\"::date = %s and \"intName\" = (select min(\"intName\")"
            " from vendor_wavetronix.detector_counts)", (day(2),)).fetchone()[0]
    evening = run_dag("traffic_wavetronix", {"intraday": True}, day=day(2))
    assert evening.ok, evening.table()

    assert 0 < staged_morning < WT_ROWS_PER_DAY
    assert count(traffic_env, "select count(*) from raw_traffic.wt_publish") == WT_ROWS_PER_DAY
    with psycopg.connect(traffic_env) as conn:
        parts = conn.execute(
            "select id_base, (metadata->>'rows')::int from lake.catalog where repository = 'raw'"
            " and data_source = 'wt' and id_base like 'wavetronix%%' order by id_base").fetchall()
        # each vendor row sits in exactly one part: the evening read only what came after the mark
        assert len(parts) == 2 and sum(n for _, n in parts) == count(
            traffic_env, "select count(*) from vendor_wavetronix.detector_counts"
                         f" where \"curDateTime\"::date = '{day(2)}'")
        # the day's measure per intersection sums both parts
        volume = conn.execute(
            "select value from perfmet.obs where data_source = 'wt' and collection_date = %s"
            " and sensor_name = (select min(\"intName\") from vendor_wavetronix.detector_counts)",
            (day(2),)).fetchone()[0]
    assert volume == expected_volume
    # nothing new since: the next intraday ingest has nothing to do
    (report,) = pipeline.run_window_days(pipeline.stage("wavetronix", "ingest"), [day(2)], StageOptions())
    assert not report.done and len(report.skipped) == 2


def test_one_failed_day_does_not_stop_the_others_and_fails_the_run(traffic_env, file_lake, sample):
    placed = land_bluetooth(file_lake, sample, [0, 1, 2])
    victim = next(f"landing/bluetooth/{n}" for n in placed if f"{day(1):%m-%d-%Y}" in n)
    file_lake.put_bytes(victim, file_lake.get_bytes(victim)[:-9])  # cut off mid-line
    pipeline.run_days("unit_data", day(0), day(3))
    outcome = run_dag("traffic_bluetooth", window(0, 2))
    assert not outcome.ok
    states = outcome.task_states
    assert states["standardize"] == "failed" and states["items_failed"] == "failed"
    assert states["ready"] == "success" and states["publish"] == "success"
    bt_ready = [k for k in catalog(traffic_env) if k[0] == "ready" and k[1] == "bt"]
    assert sorted(k[4] for k in bt_ready) == [day(0)] * 3 + [day(1)] * 2 + [day(2)] * 3
    with psycopg.connect(traffic_env) as conn:  # an intraday run starts at the newest day landed
        assert resolve("bluetooth", {"intraday": True}, run_type="manual", run_day=day(1),
                       today=day(2), conn=conn).days == (day(2),)
        with pytest.raises(BadInput, match="intraday applies to"):
            resolve("gridsmart", {"intraday": True}, run_type="manual", run_day=day(1),
                    today=day(2), conn=conn)
    # The stage's failure names the failed day (the retry or re-run redoes only it).
    with pytest.raises(BadItems, match=rf"1 of 3 day\(s\) failed: {day(1)} "):
        pipeline.run_window_days(pipeline.stage("bluetooth", "standardize"),
                                 [day(0), day(1), day(2)], StageOptions())
