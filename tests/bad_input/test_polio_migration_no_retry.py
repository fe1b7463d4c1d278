"""Bad input is never retried in polio and migration: one DAG run each with retries=1 ends after
one try of the failing task (the corpus asserts `BadInput` for every other case at library
level). The mapping file is binary, which used to escape as a retried UnicodeDecodeError; the
matrix is cut off mid-row, which used to load."""

from __future__ import annotations

import time

import psycopg
import pytest
from tributary.dag_runner import run_dag

from tests.bad_input.test_no_retry import tries

pytestmark = pytest.mark.slow


def test_a_binary_mapping_file_fails_polio_mapping_once(fresh_warehouse, file_lake):
    key = "landing/polio_mapping/0123abcd/mappings.csv"
    data = b"kind,source_string,master\n" + bytes(range(128, 256)) * 8
    file_lake.put_bytes(key, data)
    started = time.monotonic()
    outcome = run_dag("polio_mapping", {"path": key}, retries=1)
    assert outcome.task_states["apply"] == "failed", outcome.table()
    assert tries(outcome.run_id)["apply"] == 1  # retries=1, yet one try only
    assert time.monotonic() - started < 90  # no retry delay waited out
    assert file_lake.get_bytes(key) == data
    with psycopg.connect(fresh_warehouse) as conn:
        assert conn.execute("select count(*) from raw_polio.mapping").fetchone()[0] == 0


def test_a_matrix_cut_off_mid_row_fails_migration_matrix_once(fresh_warehouse, file_lake):
    key = "landing/migration_matrix/0123abcd/m.csv"
    data = b"Destination (across) - Source (down);Xland;Yland\r\nXland;1;2\r\nYland;5"
    file_lake.put_bytes(key, data)
    outcome = run_dag("migration_matrix", {"migration_path": key, "build_models": False}, retries=1)
    assert outcome.task_states["load_migrant_stock"] == "failed", outcome.table()
    assert tries(outcome.run_id)["load_migrant_stock"] == 1
    assert file_lake.get_bytes(key) == data
    with psycopg.connect(fresh_warehouse) as conn:
        assert conn.execute("select count(*) from raw_migration.migrant_stock").fetchone()[0] == 0
        assert conn.execute("select status, error from raw_migration.matrix_load").fetchall() == [
            ("failed", "MatrixError: m.csv, line 3: 2 cells, the header has 3: every row of a matrix has one "
                       "cell per column (is the file cut short?): 'Yland;5'")]
