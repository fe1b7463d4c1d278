"""The warehouse loader: modes, chunking, transactions, rejects, load log."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from tributary import warehouse


@pytest.fixture
def conn(fresh_warehouse):
    with psycopg.connect(fresh_warehouse) as c:
        c.execute("create schema raw_t")
        c.execute("create table raw_t.item (id int primary key, name text, seen date, price numeric)")
        c.commit()
        yield c


def rows(conn, sql="select id, name from raw_t.item order by id"):
    return conn.execute(sql).fetchall()


def test_append_copies_awkward_text_exactly(conn):
    awkward = ["tab\there", "new\nline", "back\\slash", "cr\rx", "", None, "ünïcode"]
    data = [(i, s, dt.date(2024, 1, i + 1), 1.5) for i, s in enumerate(awkward)]
    result = warehouse.load(conn, "raw_t.item", ["id", "name", "seen", "price"], iter(data),
                            chunk_rows=2)
    conn.commit()
    assert result.inserted == len(awkward)
    assert [r[1] for r in rows(conn)] == awkward


def test_insert_new_skips_existing_keys(conn):
    cols = ["id", "name"]
    first = warehouse.load(conn, "raw_t.item", cols, [(1, "a"), (2, "b")], mode="insert_new", key=["id"])
    again = warehouse.load(conn, "raw_t.item", cols, [(1, "changed"), (2, "b"), (3, "c")],
                           mode="insert_new", key=["id"], chunk_rows=1)
    assert (first.inserted, again.inserted, again.skipped) == (2, 1, 2)
    assert rows(conn) == [(1, "a"), (2, "b"), (3, "c")]


def test_upsert_updates_only_changed_rows_and_last_duplicate_wins(conn):
    cols = ["id", "name"]
    warehouse.load(conn, "raw_t.item", cols, [(1, "a"), (2, "b")], mode="upsert", key=["id"])
    result = warehouse.load(conn, "raw_t.item", cols, [(1, "a"), (2, "x"), (2, "y"), (4, "d")],
                            mode="upsert", key=["id"])
    assert (result.inserted, result.updated) == (1, 1)
    assert rows(conn) == [(1, "a"), (2, "y"), (4, "d")]


def test_replace_swaps_one_partition(conn):
    cols = ["id", "name", "seen"]
    day1, day2 = dt.date(2024, 1, 1), dt.date(2024, 1, 2)
    warehouse.load(conn, "raw_t.item", cols, [(1, "a", day1), (2, "b", day2)])
    result = warehouse.load(conn, "raw_t.item", cols, [(3, "c", day1)], mode="replace",
                            replace_where=("seen = %s", [day1]))
    assert (result.deleted, result.inserted) == (1, 1)
    assert rows(conn) == [(2, "b"), (3, "c")]


def test_failure_leaves_nothing_half_loaded(fresh_warehouse, conn):
    def poisoned():
        yield (1, "ok")
        yield (2, "ok")
        raise ValueError("source broke mid-stream")

    with pytest.raises(ValueError), warehouse.transaction(fresh_warehouse) as tx:
        warehouse.load(tx, "raw_t.item", ["id", "name"], poisoned(), chunk_rows=1)
    assert rows(conn) == []


def test_wrong_row_width_is_a_clear_error(conn):
    with pytest.raises(warehouse.WarehouseError, match="row 2 .* 1 values, expected 2"):
        warehouse.load(conn, "raw_t.item", ["id", "name"], [(1, "a"), (2,)])


def test_modes_need_their_arguments(conn):
    with pytest.raises(warehouse.WarehouseError, match="needs the key"):
        warehouse.load(conn, "raw_t.item", ["id"], [(1,)], mode="upsert")
    with pytest.raises(warehouse.WarehouseError, match="replace_where"):
        warehouse.load(conn, "raw_t.item", ["id"], [(1,)], mode="replace")


def test_every_load_is_logged(conn):
    warehouse.load(conn, "raw_t.item", ["id", "name"], [(1, "a"), (2, "b")], mode="insert_new", key=["id"])
    logged = conn.execute("select target, mode, rows_in, inserted from raw_platform.load").fetchall()
    assert logged == [("raw_t.item", "insert_new", 2, 2)]


def test_rejects_are_kept_once_with_reason(conn):
    bad = [warehouse.Reject(7, "value 'abc' is not a number", "x;abc"), warehouse.Reject(None, "empty file")]
    warehouse.record_rejects(conn, "raw_t", "doc-1", bad)
    warehouse.record_rejects(conn, "raw_t", "doc-1", bad)
    kept = conn.execute("select source, line_number, reason, raw from raw_t.reject order by reject_id").fetchall()
    assert kept == [("doc-1", 7, "value 'abc' is not a number", "x;abc"), ("doc-1", None, "empty file", None)]
