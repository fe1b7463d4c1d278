"""Loading matrix files into raw_migration: ids, idempotency, rejects, schema check."""

from __future__ import annotations

import psycopg
import pytest
from tributary.migration import load
from tributary.migration.schema import SchemaMismatch

from tests.migration import matrices


def scalar(url, query, *params):
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchone()[0]


def countries(url):
    with psycopg.connect(url) as conn:
        return dict(conn.execute("select name, id from raw_migration.country").fetchall())


def test_real_files_load_once_and_rerun_inserts_nothing(fresh_warehouse, caplog):
    url = fresh_warehouse
    first = [load.load_file(matrices.REAL_MIGRATION, "migration", url),
             load.load_file(matrices.REAL_REMITTANCE, "remittance", url)]
    ids = countries(url)
    assert [(r.inserted, r.countries_new, r.rejects_new, r.footnote_rows) for r in first] == [
        (217 * 217, 217, 0, 0), (215 * 215 - 4, 0, 4, 7)]
    # the remittance header's names were all known from the migration header: same ids
    assert len(ids) == 217
    assert scalar(url, "select count(*) from raw_migration.country where is_aggregate") == 3

    caplog.set_level("INFO", logger="tributary.migration.load")
    again = [load.load_file(matrices.REAL_MIGRATION, "migration", url),
             load.load_file(matrices.REAL_REMITTANCE, "remittance", url)]
    assert [(r.rows_in, r.inserted, r.countries_new, r.rejects_new) for r in again] == [
        (217 * 217, 0, 0, 0), (215 * 215 - 4, 0, 0, 0)]
    assert "0 rows inserted" in caplog.text
    assert countries(url) == ids
    assert scalar(url, "select count(*) from raw_migration.migrant_stock") == 217 * 217
    assert scalar(url, "select count(*) from raw_migration.remittance") == 215 * 215 - 4
    assert scalar(url, "select count(*) from raw_migration.cell_reject") == 4
    assert scalar(url, "select value from raw_migration.remittance r "
                       "join raw_migration.country s on s.id = r.sender_id "
                       "join raw_migration.country d on d.id = r.receiver_id "
                       "where s.name = 'united states' and d.name = 'mexico'") == 28126
    logged = scalar(url, "select count(*) from raw_platform.load where target like 'raw_migration.%%'")
    assert logged >= 4


def test_new_names_get_the_next_ids_and_old_ids_never_move(fresh_warehouse, tmp_path):
    url = fresh_warehouse
    load.load_file(matrices.write(tmp_path, "m.csv", matrices.MIGRATION), "migration", url)
    before = countries(url)
    load.load_file(matrices.write(tmp_path, "m.csv", matrices.MIGRATION), "migration", url)
    extra = matrices.MIGRATION.replace("World;", "Epsilon;")
    result = load.load_file(matrices.write(tmp_path, "m2.csv", extra), "migration", url)
    after = countries(url)
    assert result.countries_new == 1
    assert {k: after[k] for k in before} == before
    # re-runs did not draw identity values: the new name follows the old ones directly
    assert after["epsilon"] == max(before.values()) + 1


def test_schema_mismatch_loads_nothing(fresh_warehouse, tmp_path):
    url = fresh_warehouse
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("alter table raw_migration.remittance rename column receiver_id to receiver")
    path = matrices.write(tmp_path, "r.csv", matrices.REMITTANCE)
    with pytest.raises(SchemaMismatch) as failure:
        load.load_file(path, "remittance", url)
    message = str(failure.value)
    assert "rows have (sender_id, receiver_id, value)" in message
    assert "table has (sender_id integer, receiver integer, value numeric)" in message
    with pytest.raises(SchemaMismatch):
        load.check_all(url)
    for table in ("country", "remittance", "cell_reject"):
        assert scalar(url, f"select count(*) from raw_migration.{table}") == 0
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("alter table raw_migration.remittance rename column receiver to receiver_id")
    assert load.load_file(path, "remittance", url).inserted == 23


def test_a_failure_mid_file_rolls_the_whole_file_back(fresh_warehouse, tmp_path):
    url = fresh_warehouse
    # a value the table refuses (check value >= 0 would pass; an out-of-range bigint does not)
    text = "h;A;B\nA;1;2\nB;3;99999999999999999999\n"
    with pytest.raises(psycopg.errors.NumericValueOutOfRange):
        load.load_file(matrices.write(tmp_path, "big.csv", text), "migration", url)
    assert scalar(url, "select count(*) from raw_migration.country") == 0
    assert scalar(url, "select count(*) from raw_migration.migrant_stock") == 0
