"""Every domain's publication sends its mart to the local SODA server, and publication_status and
its API route show them all. The marts a publication view reads are made here as small tables
(what the domains' refreshes build), then dbt builds the publication views over them."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from tributary import warehouse
from tributary.api.app import create_app
from tributary.dag_runner import run_dag
from tributary.socrata import publications, registry

pytestmark = pytest.mark.slow

#: Datasets this deployment names for the publications that declare none (Variable override).
NAMED = {"polio_datapoint": "pol1-0001", "migration_top_flows": "mig1-0001",
         "mindtrails_attrition": "mnd1-0001", "app_daily_active_lines": "app1-0001"}

MARTS = """
create schema if not exists polio;
create table polio.datapoint_with_computed as
select 'region ' || r as region, 'campaign ' || c as campaign, 'indicator ' || i as indicator,
       (r * 100 + c * 10 + i)::numeric / 4 as value, i = 3 as is_calc
from generate_series(1, 4) r, generate_series(1, 3) c, generate_series(1, 3) i;
create schema if not exists migration;
create table migration.top_migration_flows as
select g::bigint as rank, 'origin ' || g as origin, 'destination ' || g as destination,
       (1000 - g)::numeric as value from generate_series(1, 10) g;
create schema if not exists mindtrails;
create table mindtrails.attrition as
select 'calm' as server, 'session' || g as session_name, g as session_index,
       (50 - 5 * g)::bigint as participants, round(100.0 * (50 - 5 * g) / 45, 2) as percent_retained
from generate_series(1, 5) g;
create schema if not exists app;
create table app.daily_active_lines as
select date '2024-05-01' + d as event_date, grouping as device_grouping, 10 + d::bigint as active_lines,
       100 + d::bigint as events
from generate_series(0, 6) d, unnest(array['ANDROID', 'IOS']) grouping;
insert into raw_traffic.wt_publish (lake_item, collection_date, row_id, intname, curdatetime,
                                    volume, day_of_week, timebin)
select 'wt_item', date '2024-06-01', md5(g::text), 'Lamar / 5th', timestamp '2024-06-01' + g * interval '15 min',
       g, 6, to_char(timestamp '2024-06-01' + g * interval '15 min', 'HH24:MI')
from generate_series(0, 95) g;
"""
VIEWS = ["datapoint_open_data", "attrition_open_data", "daily_active_lines_open_data",
         "wavetronix_counts_open_data", "bluetooth_reads_open_data", "stg_platform__publish_run",
         "publication_status"]


def _count(url: str, relation: str) -> int:
    with warehouse.connect(url) as conn:
        return conn.execute(f"select count(*) from {relation}").fetchone()[0]


@pytest.fixture
def marts(fresh_warehouse, dbt):
    with warehouse.transaction(fresh_warehouse) as conn:
        conn.execute(MARTS)
    dbt("run", "--select", *VIEWS)
    return fresh_warehouse


def test_every_domain_publishes_its_mart_and_the_status_shows_it(marts, soda, monkeypatch,
                                                                 file_lake, tmp_path):
    declared = registry.load()
    monkeypatch.setenv("AIRFLOW_VAR_SOCRATA_DATASET_IDS", json.dumps(NAMED))
    ids = {name: NAMED.get(name) or declared.get(name).dataset_id for name in declared.names()}
    for name, dataset_id in ids.items():
        declaration = declared.get(name)
        soda.create_dataset(dataset_id, declaration.row_id, columns=declaration.columns)

    # One publication the way an Airflow run does it, the others through the same call.
    outcome = run_dag("socrata_publish", {"publication": "polio_datapoint"})
    assert outcome.ok, outcome.table()
    for name in ("migration_top_flows", "mindtrails_attrition", "app_daily_active_lines",
                 "traffic_wavetronix"):
        assert publications.run(name, key=f"test/{name}")["status"] == "succeeded"
    dry = publications.run("traffic_bt_iaf", key="test/dry", simulate=True, simulate_path=str(tmp_path))
    assert dry["simulate"] and dry["status"] == "succeeded"

    expected = {"polio_datapoint": 36, "migration_top_flows": 10, "mindtrails_attrition": 5,
                "app_daily_active_lines": 14, "traffic_wavetronix": 96}
    for name, rows in expected.items():
        assert _count(marts, declared.get(name).relation) == rows
        on_portal = soda.all_rows(ids[name])
        assert len(on_portal) == rows, name
        assert set(on_portal[0]) <= set(declared.get(name).columns), name  # only declared columns
    polio = {r["datapoint_id"]: r for r in soda.all_rows(ids["polio_datapoint"])}
    assert len(polio) == 36 and all(len(key) == 32 for key in polio)
    assert not soda.all_rows("qnpj-zrb9")  # the dry run sent nothing

    with warehouse.connect(marts) as conn:
        status = {r[0]: r[1:] for r in conn.execute(
            "select publication, dataset_id, status, last_run_rows_sent from publish.publication_status")}
    assert set(status) == set(declared.names())
    assert status["polio_datapoint"][:2] == ("pol1-0001", "in sync")
    assert status["traffic_wavetronix"] == ("i626-g7ub", "in sync", 96)
    assert status["traffic_bt_iaf"][1] == "simulated"
    assert status["traffic_gridsmart"] == ("sh59-i6y9", "never run", None)

    monkeypatch.setenv("TRIBUTARY_API_TOKEN", "test-token-for-publications")
    client = TestClient(create_app())
    answer = client.get("/api/v1/socrata/publications", params={"limit": 2},
                        headers={"Authorization": "Bearer test-token-for-publications"})
    assert answer.status_code == 200 and answer.headers["X-More"] == "true"
    assert [r["publication"] for r in answer.json()] == declared.names()[:2]
    synced = client.get("/api/v1/socrata/publications", params={"status": "in sync"},
                        headers={"Authorization": "Bearer test-token-for-publications"}).json()
    assert {r["publication"] for r in synced} == set(expected)
