"""Loading matrix files into raw_migration: ids, idempotency, rejects, schema check."""

from __future__ import annotations

import psycopg
import pytest
from tributary.migration import load
from tributary.migration.matrix import MatrixError
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
    extra = matrices.MIGRATION.replace("\r\nDelta;", "\r\nEpsilon;")
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
    with pytest.raises(MatrixError, match="big.csv, line 3: column 3 \\(b\\): larger than any count"):
        load.load_file(matrices.write(tmp_path, "big.csv", text), "migration", url)
    assert scalar(url, "select count(*) from raw_migration.country") == 0
    assert scalar(url, "select count(*) from raw_migration.migrant_stock") == 0


# --- a matrix is a whole; a newer file replaces (issue 16) --------------------------------------

def value_of(url, table, row, column):
    return scalar(url, f"select value from raw_migration.{table} t "  # noqa: S608
                       "join raw_migration.country r on r.id = t.{} join raw_migration.country c "
                       "on c.id = t.{} where r.name = %s and c.name = %s".format(
                           *load.KINDS["migration" if table == "migrant_stock" else "remittance"].columns[:2]),
                  row, column)


def test_a_matrix_cut_off_mid_row_loads_nothing_then_the_whole_file_loads(fresh_warehouse, tmp_path):
    url = fresh_warehouse
    whole = "Destination (across) - Source (down);Xland;Yland\nXland;1;2\nYland;500;4\n"
    cut = matrices.write(tmp_path, "m.csv", whole[:whole.index("500") + 1])  # "…;Yland;5"
    with pytest.raises(MatrixError, match="m.csv, line 3: 2 cells, the header has 3"):
        load.load_file(cut, "migration", url)
    assert scalar(url, "select count(*) from raw_migration.migrant_stock") == 0
    assert scalar(url, "select count(*) from raw_migration.country") == 0
    assert scalar(url, "select status from raw_migration.matrix_load") == "failed"
    load.load_file(matrices.write(tmp_path, "m.csv", whole), "migration", url)
    assert value_of(url, "migrant_stock", "yland", "xland") == 500


def test_a_corrected_file_replaces_the_values_it_carries(fresh_warehouse, tmp_path):
    url = fresh_warehouse
    bad = matrices.REMITTANCE.replace("Gamma;30;", "Gamma;3;")  # a wrong figure
    first = load.load_file(matrices.write(tmp_path, "r.csv", bad), "remittance", url)
    assert (first.inserted, first.updated, first.rejects) == (23, 0, 1)
    corrected = matrices.REMITTANCE.replace(";N/A;", ";4;")  # the figure fixed, the N/A published
    second = load.load_file(matrices.write(tmp_path, "r.csv", corrected), "remittance", url)
    assert (second.rows_in, second.inserted, second.updated, second.rejects) == (24, 1, 1, 0)
    assert value_of(url, "remittance", "gamma", "alpha") == 30
    assert value_of(url, "remittance", "alpha", "delta") == 4
    assert scalar(url, "select count(*) from raw_migration.cell_reject") == 0  # the N/A is gone
    with psycopg.connect(url) as conn:
        history = conn.execute("select status, cells_in, inserted, updated, rejected_cells "
                               "from raw_migration.matrix_load order by load_id").fetchall()
        logged = conn.execute("select inserted, updated from raw_platform.load where target = "
                              "'raw_migration.remittance' order by started_at").fetchall()
    assert history == [("loaded", 23, 23, 0, 1), ("loaded", 24, 1, 1, 0)]
    assert logged == [(23, 0), (1, 1)]
    third = load.load_file(matrices.write(tmp_path, "r.csv", corrected), "remittance", url)
    assert (third.inserted, third.updated) == (0, 0)  # the same file again changes nothing


def test_rows_of_countries_not_in_the_header_load_after_the_header_s(fresh_warehouse, tmp_path):
    """A row's country the header does not name gets the next id, on a first load (straight
    into the table) and on a reload (through the stage); its cells load either way."""
    url = fresh_warehouse
    first = load.load_file(matrices.write(tmp_path, "n.csv", "h;A;B\nC;3;4\nA;1;2\n"), "migration", url)
    assert (first.inserted, first.countries_new) == (4, 3)
    assert countries(url) == {"a": 1, "b": 2, "c": 3}
    again = load.load_file(matrices.write(tmp_path, "n.csv", "h;A;B\nC;3;5\nD;6;\nA;1;2\n"), "migration", url)
    assert (again.rows_in, again.inserted, again.updated, again.countries_new) == (5, 1, 1, 1)
    assert countries(url)["d"] == 4
    assert value_of(url, "migrant_stock", "c", "b") == 5 and value_of(url, "migrant_stock", "d", "a") == 6


def test_countries_keep_the_name_as_the_source_wrote_it(fresh_warehouse, tmp_path):
    """The header's spelling (line breaks made one space), a row-only country's own, and a name
    stored before display names were kept gets one from the next file that names it."""
    url = fresh_warehouse
    load.load_file(matrices.write(tmp_path, "m.csv", matrices.MIGRATION.replace("\r\nDelta;", "\r\nEpsilon  Isles;")),
                   "migration", url)
    with psycopg.connect(url) as conn:
        names = dict(conn.execute("select name, display_name from raw_migration.country").fetchall())
        conn.execute("update raw_migration.country set display_name = null where name = 'gamma'")
    assert names == {"alpha": "Alpha", "beta the": "Beta, The", "gamma": "Gamma", "delta": "Delta",
                     "world": "World", "epsilon isles": "Epsilon Isles"}
    load.load_file(matrices.write(tmp_path, "r.csv", matrices.REMITTANCE), "remittance", url)
    assert scalar(url, "select display_name from raw_migration.country where name = 'gamma'") == "Gamma"
