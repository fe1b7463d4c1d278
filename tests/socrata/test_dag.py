"""The socrata_publish DAG end to end: trigger conf -> Airflow task -> stand-in portal."""

from __future__ import annotations

import pytest
from tributary import warehouse
from tributary.dag_runner import run_dag


@pytest.mark.slow
def test_socrata_publish_dag_publishes_a_table(fresh_warehouse, soda):
    dataset = "dagt-0001"
    soda.create_dataset(dataset, "fact_id")
    with warehouse.transaction(fresh_warehouse) as conn:
        conn.execute("create schema if not exists socrata_dag")
        conn.execute("create table socrata_dag.facts as select g as fact_id, 'f' || g as label "
                     "from generate_series(1, 1234) g")
    outcome = run_dag("socrata_publish", {"table": "socrata_dag.facts", "dataset_id": dataset,
                                          "row_id": "fact_id", "chunk_size": 500,
                                          "sync_deletes": True, "simulate": False})
    assert outcome.ok, outcome.table()
    assert [r["rows"] for r in soda.requests()] == [500, 500, 234]
    rows = soda.all_rows(dataset)
    assert len(rows) == 1234 and {"fact_id": 7, "label": "f7"} in rows
    with warehouse.connect(fresh_warehouse) as conn:
        status, key = conn.execute("select status, publication_key from publish.run").fetchone()
    assert status == "succeeded" and key.startswith(f"socrata_publish/{outcome.run_id}/publish/")
