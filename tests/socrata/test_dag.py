"""The socrata_publish DAG refuses what is not declared, with nothing read or sent, and a
deployment without a portal connection skips a publication instead of failing."""

from __future__ import annotations

import pytest
from tributary import warehouse
from tributary.dag_runner import run_dag
from tributary.socrata import publications
from tributary.socrata.registry import UnknownPublication

from include.standins.socrata_session import CONN_ENV

pytestmark = pytest.mark.slow


def _runs(url: str) -> int:
    with warehouse.connect(url) as conn:
        return conn.execute("select count(*) from publish.run").fetchone()[0]


def test_the_password_table_an_undeclared_name_and_raw_tables_are_refused(fresh_warehouse, soda,
                                                                          file_lake):
    old = run_dag("socrata_publish", {"table": "pg_catalog.pg_authid", "row_id": "rolname",
                                      "simulate": True})
    assert old.task_states == {"publish": "failed"}, old.table()
    named = run_dag("socrata_publish", {"publication": "pg_catalog.pg_authid", "simulate": True})
    assert named.task_states == {"publish": "failed"}, named.table()
    for name in ("pg_catalog.pg_authid", "raw_traffic.wt_publish", "polio.datapoint",
                 "select * from pg_authid"):
        with pytest.raises(UnknownPublication, match="is not a declared publication; declared: "
                                                     "app_daily_active_lines, migration_top_flows"):
            publications.run(name, key=f"test/{name}", simulate=True)
    assert soda.requests() == [] and _runs(fresh_warehouse) == 0
    assert list(file_lake.list("socrata")) == []  # not even a dry run's CSV


def test_no_portal_connection_skips_the_publication(fresh_warehouse, monkeypatch):
    monkeypatch.delenv(CONN_ENV, raising=False)
    outcome = run_dag("socrata_publish", {"publication": "traffic_wavetronix"})
    assert outcome.ok and outcome.task_states == {"publish": "skipped"}, outcome.table()
    assert _runs(fresh_warehouse) == 0


def test_no_dataset_id_for_the_deployment_skips(fresh_warehouse, soda):
    with pytest.raises(publications.NotConfigured, match="no dataset id for this deployment"):
        publications.run("polio_datapoint", key="test/no-dataset")
    assert soda.requests() == [] and _runs(fresh_warehouse) == 0
