"""Incremental refreshes equal a full rebuild after a sequence of every kind of change, and the
cheap forms of the data tests (NOT NULL keys, partial indexes on tombstones) still catch bad rows."""

from __future__ import annotations

import psycopg
import pytest
from tributary.polio import data_entry, master_data

from tests.polio.conftest import ingest, map_all, query, write_csv

pytestmark = pytest.mark.slow

REFRESH = ("build", "--select", "path:models/polio")
MARTS = ("datapoint", "agg_datapoint", "datapoint_with_computed")
INCREMENTAL = ("int_polio__datapoint_merge", "int_polio__agg_datapoint", "int_polio__computed_datapoint")


def marts(url: str) -> dict[str, list[tuple]]:
    return {m: query(url, f"select * from polio.{m} order by 1, 2, 3") for m in MARTS}


def long_doc(document, rows: list[tuple[str, str, str, object]]):
    return document(None, [["campaign", "region", "indicator", "value"], *rows])


def test_incremental_equals_full_refresh_after_every_kind_of_change(polio_db, document, dbt, tmp_path):
    url = polio_db
    ingest(long_doc(document, [
        ("jan", "dala", "missed", 10), ("jan", "kmun", "missed", 20), ("jan", "lagos", "missed", 5),
        ("jan", "dala", "targeted", 100), ("jan", "kmun", "targeted", 200), ("jan", "lagos", "targeted", 50),
        ("mar", "dala", "missed", 1), ("mar", "lagos", "acc", "yes"), ("mar", "dala", "acc", "no"),
    ]), url)
    map_all(url, "campaign", {"jan": "2016-01 NID", "mar": "2016-03 SNID"})
    map_all(url, "region", {"dala": "Dala", "kmun": "Kano Municipal", "lagos": "Lagos"})
    map_all(url, "indicator", {"missed": "missed", "targeted": "targeted", "acc": "is accessible"})
    dbt(*REFRESH)  # first build: full
    assert len(query(url, "select * from polio.datapoint")) == 9

    # a later document (updates, new keys, a blank that erases nothing), then remaps and an unmap
    ingest(long_doc(document, [
        ("jan", "dala", "missed", 11), ("jan", "kano", "missed", 99), ("jan", "lagos", "missed", ""),
        ("mar", "kmun", "missed", 7),
    ]), url)
    dbt(*REFRESH)
    map_all(url, "region", {"kano": "Kano", "kmun": "Dala"})  # kmun now collides with dala
    map_all(url, "indicator", {"acc": None})
    dbt(*REFRESH)
    incremental = marts(url)
    dbt(*REFRESH, "--full-refresh")
    assert marts(url) == incremental

    # data entry over a document value, then removed; a new document; master data changes
    data_entry.enter_values([data_entry.Entry("Lagos", "2016-01 NID", "missed", 42),
                             data_entry.Entry("Kano", "2016-03 SNID", "targeted", 500)], url=url)
    dbt(*REFRESH)
    ingest(long_doc(document, [("jan", "lagos", "missed", 6), ("mar", "dala", "targeted", 60)]), url)
    data_entry.enter_values([data_entry.Entry("Kano", "2016-03 SNID", "targeted", None)], url=url)
    dbt(*REFRESH)
    folder = tmp_path / "moved"
    folder.mkdir()
    write_csv(folder / "regions.csv", [["name", "parent", "region_type"], ["Lagos", "Kano", "province"]])
    master_data.load_metadata(folder, url=url)  # Lagos moves under Kano: every aggregate can change
    dbt(*REFRESH)
    incremental = marts(url)
    assert query(url, "select value from polio.agg_datapoint where region = 'Kano' "
                      "and campaign = '2016-01 NID' and indicator = 'missed'") == [(99.0,)]
    assert query(url, "select value from polio.datapoint where region = 'Lagos' "
                      "and campaign = '2016-01 NID' and indicator = 'missed'") == [(42.0,)]
    dbt(*REFRESH, "--full-refresh")
    assert marts(url) == incremental


def execute(url: str, sql: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(sql)


def guards(url: str, table: str) -> tuple[list[str], int]:
    not_null = [r[0] for r in query(url, "select attname from pg_attribute where attrelid = %s::regclass "
                                         "and attnum > 0 and attnotnull order by attnum",
                                    (f"polio_intermediate.{table}",))]
    partial = query(url, "select count(*) from pg_index where indrelid = %s::regclass "
                         "and indpred is not null", (f"polio_intermediate.{table}",))[0][0]
    return not_null, partial


def test_cheap_data_tests_still_catch_bad_rows(polio_db, document, dbt):
    url = polio_db
    ingest(long_doc(document, [("jan", "dala", "missed", 10), ("jan", "lagos", "missed", 5)]), url)
    map_all(url, "campaign", {"jan": "2016-01 NID"})
    map_all(url, "region", {"dala": "Dala", "lagos": "Lagos"})
    map_all(url, "indicator", {"missed": "missed"})
    dbt(*REFRESH)
    ingest(long_doc(document, [("jan", "dala", "missed", 11)]), url)
    map_all(url, "region", {"lagos": None})  # a tombstone
    dbt(*REFRESH)
    dbt(*REFRESH)
    # set once, on the build that created each table; incremental runs add nothing
    assert guards(url, "int_polio__datapoint_merge") == (
        ["region", "campaign", "indicator", "refreshed_through"], 1)
    for table in INCREMENTAL[1:]:
        assert guards(url, table) == (["campaign", "refreshed_through"], 1)
    dbt(*REFRESH, "--full-refresh")
    assert guards(url, "int_polio__datapoint_merge")[1] == 1

    # a null key is refused by the table itself
    with pytest.raises(Exception, match="null value in column"):
        execute(url, "insert into polio_intermediate.int_polio__datapoint_merge (region, campaign, "
                   "indicator, refreshed_through) values (null, '2016-01 NID', 'missed', 1)")
    # a winner without a value (not a tombstone) fails the mart's tests, read through the index
    execute(url, "update polio_intermediate.int_polio__datapoint_merge set value = null "
                 "where region = 'Dala'")
    with pytest.raises(AssertionError, match="not_null_datapoint_value"):
        dbt("test", "--select", "datapoint")
    # an aggregate row without an indicator (not a tombstone: it has a region) fails too
    execute(url, "update polio_intermediate.int_polio__agg_datapoint set indicator = null "
                 "where region = 'Nigeria'")
    with pytest.raises(AssertionError, match="not_null_agg_datapoint_indicator"):
        dbt("test", "--select", "agg_datapoint")
