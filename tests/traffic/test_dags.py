"""The DAGs as Airflow runs them: unit data, a source DAG staging a day that its publication sends
to the local SODA server, and a run with one bad item failing while the other items go all the way through."""

from __future__ import annotations

import pytest
from tributary.dag_runner import run_dag
from tributary.socrata import standin_session
from tributary.traffic import pipeline
from tributary.traffic.pipeline import portal_datasets

from tests.traffic.helpers import count, day, land_bluetooth

pytestmark = pytest.mark.slow


def test_wavetronix_dag_stages_the_day_once_and_its_publication_sends_it(traffic_env, file_lake, dbt):
    assert run_dag("traffic_unit_data", day=day(0)).ok
    outcome = run_dag("traffic_wavetronix", day=day(0))
    assert outcome.ok, outcome.table()
    assert outcome.task_states["items_failed"] == "skipped"
    staged = count(traffic_env, "select count(*) from raw_traffic.wt_publish")
    assert staged == 9 * 2 * 96  # nine live intersections, two lanes, 15 min
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
