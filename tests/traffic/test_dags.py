"""The DAGs as Airflow runs them: unit data and a source DAG staging a 3-day window that its
publication sends to the local SODA server (and a simulated run writes as CSV), and a run with one
bad item failing while the other items go all the way through."""

from __future__ import annotations

import csv
import io
import json

import psycopg
import pytest
from tributary.dag_runner import run_dag
from tributary.socrata.soda import csv_text
from tributary.traffic import pipeline
from tributary.traffic.pipeline import portal_datasets

from include.standins.socrata_session import standin_session
from tests.traffic.helpers import WT_ROWS_PER_DAY, catalog, count, day, land_bluetooth, window

pytestmark = pytest.mark.slow


def test_a_three_day_window_in_one_run_that_its_publication_sends_and_simulate_writes_as_csv(
        traffic_env, file_lake, dbt, monkeypatch):
    # The README's connection setting: the vendor table named in a postgres connection's extra
    # (the Postgres hook would hand the key to the driver: `invalid connection option "table"`).
    with psycopg.connect(traffic_env, autocommit=True) as conn:
        conn.execute("create view vendor_wavetronix.counts_feed as"
                     " select * from vendor_wavetronix.detector_counts")
    info = psycopg.conninfo.conninfo_to_dict(traffic_env)
    monkeypatch.setenv("AIRFLOW_CONN_WAVETRONIX", json.dumps(
        {"conn_type": "postgres", "host": info["host"], "port": int(info.get("port") or 5432),
         "login": info.get("user"), "password": info.get("password"), "schema": info["dbname"],
         "extra": {"table": "vendor_wavetronix.counts_feed"}}))

    assert run_dag("traffic_unit_data", window(0, 2)).ok
    outcome = run_dag("traffic_wavetronix", window(0, 2))
    assert outcome.ok, outcome.table()
    assert outcome.task_states["items_failed"] == "skipped"
    assert {k[4] for k in catalog(traffic_env) if k[0] == "ready" and k[1] == "wt"} == {
        day(0), day(1), day(2)}
    staged = count(traffic_env, "select count(*) from raw_traffic.wt_publish")
    assert staged == 3 * WT_ROWS_PER_DAY
    (report,) = pipeline.run_days("wavetronix", day(0), day(1), stages=("publish",))
    assert report.skipped and not report.done  # already staged: nothing done twice
    assert count(traffic_env, "select count(distinct stage) from perfmet.job where data_source = 'wt'") == 4
    # What traffic_refresh builds, then the declared publication sends the mart's rows.
    dbt("run", "--select", "wavetronix_counts_open_data")
    with standin_session(portal_datasets()) as portal:
        sent = run_dag("socrata_publish", {"publication": "traffic_wavetronix"})
        assert sent.ok, sent.table()
        rows = portal.all_rows("i626-g7ub")
    assert len(rows) == staged
    assert {r["timebin"][-2:] for r in rows} <= {"00", "15", "30", "45"}
    assert "lake_item" not in rows[0] and "collection_date" not in rows[0]  # bookkeeping stays home

    # simulate (with force: the day is staged already) writes the CSVs the publication would
    # send where a simulated publication writes them, and stages nothing.
    staged_at = count(traffic_env, "select max(published_at)::text from raw_traffic.publication")
    outcome = run_dag("traffic_wavetronix", window(1, 1, simulate=True, force=True))
    assert outcome.ok, outcome.table()
    files = [o.path for o in file_lake.list("socrata/simulate/i626-g7ub/")]
    assert files and all(p.endswith(".csv") for p in files)
    simulated = [r for p in files for r in csv.DictReader(io.StringIO(file_lake.get_bytes(p).decode()))]
    assert len(simulated) == WT_ROWS_PER_DAY
    assert {r["curdatetime"][:10] for r in simulated} == {day(1).isoformat()}
    assert set(simulated[0]) == set(rows[0])  # the portal's columns, no bookkeeping
    # written as the publication writes a dry run: the very values it sent for that day
    sent = {r["row_id"]: {k: csv_text(v) for k, v in r.items()} for r in rows}
    assert {r["row_id"]: r for r in simulated} == {r["row_id"]: sent[r["row_id"]] for r in simulated}
    assert count(traffic_env, "select max(published_at)::text from raw_traffic.publication") == staged_at


def test_a_bad_item_fails_the_run_after_the_others_went_through(traffic_env, file_lake, sample):
    placed = land_bluetooth(file_lake, sample, [0])
    victim = f"landing/bluetooth/{placed[1]}"
    file_lake.put_bytes(victim, file_lake.get_bytes(victim)[:-9])  # cut off mid-line
    pipeline.run_days("unit_data", day(0), day(1))
    outcome = run_dag("traffic_bluetooth", day=day(0), conf={"simulate": False})
    assert not outcome.ok
    states = outcome.task_states
    assert states["standardize"] == "failed" and states["items_failed"] == "failed"
    assert states["ready"] == "success"  # the two good files reached ready
    assert count(traffic_env, "select count(*) from lake.catalog where repository = 'ready'"
                              " and data_source = 'bt'") == 2
