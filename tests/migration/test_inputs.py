"""Which files a migration_matrix run may load (lake keys on file and S3 lakes, paths under the
input roots, nothing else) and the record of every load in raw_migration.matrix_load."""

from __future__ import annotations

import hashlib

import psycopg
import pytest
from tributary.errors import BadInput
from tributary.inputs import InputRejected
from tributary.migration import load
from tributary.migration.matrix import MatrixError

from tests.migration import matrices

KEY = "landing/migration_matrix/5f1c0ffee/m.csv"


def attempts(url):
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select source, file_name, matrix, checksum, status, error, cells_in, inserted,"
            " rejected_cells from raw_migration.matrix_load order by load_id").fetchall()


def stored(url) -> int:
    with psycopg.connect(url) as conn:
        return sum(conn.execute(f"select count(*) from raw_migration.{t}").fetchone()[0]
                   for t in ("country", "migrant_stock", "remittance", "cell_reject", "matrix_load"))


@pytest.mark.parametrize("lake_kind", ["file_lake", "s3_lake"])
def test_a_lake_key_loads_and_is_recorded(fresh_warehouse, lake_kind, request):
    lake = request.getfixturevalue(lake_kind)
    lake.put_bytes(KEY, matrices.REMITTANCE.encode())
    params = {"migration_path": None, "remittance_path": KEY}
    load.check_inputs(params)
    outcome = load.load_param(params, "remittance", fresh_warehouse)
    assert (outcome["source"], outcome["inserted"], outcome["rejects"]) == (KEY, 23, 1)
    assert load.load_param(params, "migration", fresh_warehouse) == {}  # not given: nothing
    checksum = hashlib.sha256(matrices.REMITTANCE.encode()).hexdigest()
    assert attempts(fresh_warehouse) == [
        (KEY, "m.csv", "remittance", checksum, "loaded", None, 23, 23, 1)]


def test_a_bad_file_is_recorded_as_failed_with_nothing_else_stored(fresh_warehouse, file_lake):
    file_lake.put_bytes(KEY, b"just one cell\n")
    with pytest.raises(MatrixError) as failed:
        load.load_param({"migration_path": KEY}, "migration", fresh_warehouse)
    assert isinstance(failed.value, BadInput)  # no retries
    ((source, name, matrix, _, status, error, *counts),) = attempts(fresh_warehouse)
    assert (source, name, matrix, status, counts) == (KEY, "m.csv", "migration", "failed",
                                                      [None, None, None])
    assert error == ("MatrixError: m.csv: no header row with country columns "
                     "(a matrix is semicolon-separated)")
    assert stored(fresh_warehouse) == 1  # the failed attempt only


@pytest.fixture
def root(tmp_path, monkeypatch):
    """The only input root, with a good matrix in it and a link in it to a file outside."""
    inside = tmp_path / "inside"
    inside.mkdir()
    matrices.write(inside, "m.csv", matrices.MIGRATION)
    outside = matrices.write(tmp_path, "elsewhere.csv", matrices.MIGRATION)
    (inside / "link.csv").symlink_to(outside)
    monkeypatch.setenv("TRIBUTARY_INPUT_ROOTS", str(inside))
    return inside


@pytest.mark.parametrize("given", ["/etc/passwd", "../elsewhere.csv", "~/m.csv",
                                   "landing/../../elsewhere.csv", "{root}/link.csv",
                                   "{root}/../elsewhere.csv"])
def test_paths_outside_the_roots_are_refused_with_nothing_stored(fresh_warehouse, file_lake,
                                                                 root, given):
    given = given.format(root=root)
    params = {"migration_path": given}
    with pytest.raises(InputRejected, match="^path outside the allowed input roots: "):
        load.check_inputs(params)
    with pytest.raises(InputRejected, match="^path outside the allowed input roots: "):
        load.load_param(params, "migration", fresh_warehouse)
    assert stored(fresh_warehouse) == 0
    # the same root lets its own file in
    assert load.load_param({"migration_path": str(root / "m.csv")}, "migration",
                           fresh_warehouse)["inserted"] == 25


def test_a_run_without_files_names_the_params():
    with pytest.raises(BadInput, match="^give migration_path or remittance_path"):
        load.check_inputs({"migration_path": None, "remittance_path": "", "build_models": True})


def test_code_passes_paths_not_strings(fresh_warehouse):
    with pytest.raises(TypeError, match="resolve_input"):
        load.load_file(str(matrices.REAL_MIGRATION), "migration", fresh_warehouse)
