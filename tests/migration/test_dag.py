"""The migration_matrix DAG: a refused path or a schema mismatch fails before loading, a lake key
loads, and a re-run loads nothing."""

from __future__ import annotations

import psycopg
import pytest
from tributary.dag_runner import load_dag, run_dag
from tributary.migration import load

from tests.migration import matrices

LOADS = ("raw_migration.migrant_stock", "raw_migration.remittance")


def test_dag_wiring():
    dag = load_dag("migration_matrix")
    assert set(dag.params.keys()) == {"migration_path", "remittance_path", "build_models"}
    order = ["check", "load_migrant_stock", "load_remittance", "models_requested"]
    for upstream, downstream in zip(order, order[1:], strict=False):
        assert downstream in dag.get_task(upstream).downstream_task_ids
    model_runs = {t.task_id for t in dag.tasks if t.task_id.startswith("migration_models.")
                  and t.task_id.endswith("_model_build")}
    for mart in ("migration_country", "migration_migrant_stock", "migration_remittance",
                 "top_migration_flows", "top_net_outflows"):
        assert f"migration_models.{mart}_model_build" in model_runs
    assert [o.name for o in dag.get_task("load_remittance").outlets] == ["tributary://raw_migration"]


def counts(url):
    with psycopg.connect(url) as conn:
        tables = {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in LOADS}
        logged = conn.execute(
            "select target, inserted, rows_in from raw_platform.load "
            "where target = any(%s) order by started_at", [list(LOADS)]).fetchall()
    return tables, logged


@pytest.mark.slow
def test_renamed_column_fails_the_run_and_rename_back_succeeds_with_nothing_new(fresh_warehouse,
                                                                                file_lake):
    url = fresh_warehouse
    load.load_file(matrices.REAL_MIGRATION, "migration", url)
    load.load_file(matrices.REAL_REMITTANCE, "remittance", url)
    loaded, log_before = counts(url)
    key = "landing/migration_matrix/0123abcd/bilateralmigrationmatrix20130.csv"
    file_lake.put_file(key, matrices.REAL_MIGRATION)
    # one file by lake key, the other by a path under the bundled samples (an input root)
    conf = {"migration_path": key, "remittance_path": str(matrices.REAL_REMITTANCE),
            "build_models": False}

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("alter table raw_migration.remittance rename column receiver_id to receiver_idx")
    failed = run_dag("migration_matrix", conf)
    assert not failed.ok
    assert failed.task_states["check"] == "failed"
    assert failed.task_states["load_migrant_stock"] == "upstream_failed"
    assert counts(url) == (loaded, log_before)  # zero rows: no load even started

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("alter table raw_migration.remittance rename column receiver_idx to receiver_id")
    rerun = run_dag("migration_matrix", conf)
    assert rerun.ok, rerun.table()
    assert rerun.task_states["migration_models.top_migration_flows_model_build"] == "skipped"
    tables, log_after = counts(url)
    assert tables == loaded
    new_loads = log_after[len(log_before):]
    assert [(target, inserted) for target, inserted, _ in new_loads] == [(t, 0) for t in LOADS]
    assert all(rows_in > 0 for _, _, rows_in in new_loads)
    with psycopg.connect(url) as conn:
        attempts = conn.execute("select source, matrix, status, inserted from raw_migration.matrix_load"
                                " order by load_id").fetchall()
    assert attempts[-2:] == [(key, "migration", "loaded", 0),
                             (str(matrices.REAL_REMITTANCE.resolve()), "remittance", "loaded", 0)]


@pytest.mark.slow
def test_a_path_outside_the_input_roots_fails_the_run_before_any_load(fresh_warehouse):
    outcome = run_dag("migration_matrix", {"migration_path": str(matrices.REAL_MIGRATION),
                                           "remittance_path": "/etc/passwd", "build_models": False})
    assert not outcome.ok
    assert outcome.task_states["check"] == "failed"
    assert outcome.task_states["load_migrant_stock"] == "upstream_failed"
    with psycopg.connect(fresh_warehouse) as conn:
        for table in ("country", "migrant_stock", "matrix_load"):
            assert conn.execute(f"select count(*) from raw_migration.{table}").fetchone()[0] == 0
