"""The migration_matrix DAG: a refused path or a schema mismatch fails before loading, a lake key
loads, and a re-run loads nothing."""

from __future__ import annotations

import csv
import hashlib
import io

import psycopg
import pytest
from tributary import settings
from tributary.dag_runner import load_dag, run_dag
from tributary.inputs import resolve_input
from tributary.migration import archive, load
from tributary.migration import refresh as refresh_cron

from tests.migration import matrices

LOADS = ("raw_migration.migrant_stock", "raw_migration.remittance")


def test_dag_wiring():
    dag = load_dag("migration_matrix")
    assert set(dag.params.keys()) == {"migration_path", "remittance_path", "build_models"}
    order = ["check", "load_migrant_stock", "load_remittance", "models_requested", "request_refresh"]
    for upstream, downstream in zip(order, order[1:], strict=False):
        assert downstream in dag.get_task(upstream).downstream_task_ids
    assert [o.name for o in dag.get_task("request_refresh").outlets] == ["tributary://raw_migration"]
    assert not any(t.task_id.startswith("migration_models.") for t in dag.tasks)  # the refresh builds

    refresh = load_dag("migration_refresh")
    build = refresh.get_task("migration_models.build")  # one dbt build of the whole folder
    assert build.select == "path:models/migration"
    assert "marts_built" in build.downstream_task_ids
    assert "write_reports" in refresh.get_task("marts_built").downstream_task_ids
    # on the raw tables' Asset or the default cron, whichever comes first
    assert [a.name for a in refresh.timetable.asset_condition.objects] == ["tributary://raw_migration"]
    assert refresh.timetable.timetable._expression == settings.DEFAULT_MIGRATION_REFRESH_CRON


@pytest.mark.parametrize(("value", "cron"), [(None, "0 4 * * *"), ("30 2 * * 1", "30 2 * * 1"),
                                             ("none", None), ("", None)])
def test_the_refresh_schedule_is_one_setting(monkeypatch, value, cron):
    if value is None:
        monkeypatch.delenv(settings.MIGRATION_REFRESH_CRON, raising=False)
    else:
        monkeypatch.setenv(settings.MIGRATION_REFRESH_CRON, value)
    assert refresh_cron.refresh_cron() == cron
    schedule = refresh_cron.refresh_schedule()
    if cron is None:
        assert [a.name for a in schedule] == ["tributary://raw_migration"]
    else:
        assert schedule.timetable._expression == cron


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
    assert rerun.task_states["request_refresh"] == "skipped"  # build_models false: no Asset event
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

    # the immutable layer: each loaded file by its checksum, next to the cells it became
    with psycopg.connect(url) as conn:
        checksums = dict(conn.execute("select matrix, checksum from raw_migration.matrix_load "
                                      "where status = 'loaded'").fetchall())
    assert checksums["migration"] == hashlib.sha256(matrices.REAL_MIGRATION.read_bytes()).hexdigest()
    folder = f"migration/archive/migration/{checksums['migration'][:16]}"
    remittance = f"migration/archive/remittance/{checksums['remittance'][:16]}"
    assert sorted(o.path for o in file_lake.list("migration/archive")) == sorted([
        f"{folder}/bilateralmigrationmatrix20130.csv", f"{folder}/bilateralmigrationmatrix20130.cells.csv",
        f"{remittance}/bilateralremittancematrix2016_Nov2017.csv",
        f"{remittance}/bilateralremittancematrix2016_Nov2017.cells.csv"])
    assert file_lake.get_bytes(f"{folder}/bilateralmigrationmatrix20130.csv") == matrices.REAL_MIGRATION.read_bytes()
    cells = list(csv.reader(io.StringIO(file_lake.get_bytes(
        f"{remittance}/bilateralremittancematrix2016_Nov2017.cells.csv").decode())))
    assert cells[0] == ["sender", "receiver", "value"]
    assert len(cells) - 1 == 215 * 215 - 4  # every loaded cell; rejects, blanks and notes are not cells
    assert ["United States", "Mexico", "28126"] in cells  # names as the source wrote them
    assert ["Korea, Rep.", "Japan"] in [c[:2] for c in cells]
    # archiving again (a re-run) writes nothing
    again = archive.archive_matrix(resolve_input(key), "migration", ("origin", "destination"),
                                   whole_numbers=True)
    assert again["written"] == [] and again["checksum"] == checksums["migration"]


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
