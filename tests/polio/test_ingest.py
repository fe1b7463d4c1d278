"""Loading documents into raw_polio: transactional, idempotent, failures recorded."""

from __future__ import annotations

import psycopg
import pytest
from tributary import warehouse
from tributary.polio import bulk
from tributary.polio.document import DocumentError

from tests.polio.conftest import RHIZOME, ingest, query

EOC_IGNORE = ["Province", "PCODE", "level", "DCODE", "District.Name", "Alternative.Spell"]


def test_real_document_loads_once_and_strings_are_registered_once(polio_db, dbt):
    url = polio_db
    path = RHIZOME / "eoc_post_campaign.csv"
    first = ingest(path, url, region_column="geocode", ignore_columns=EOC_IGNORE)
    assert first.status == "loaded" and first.layout == "wide" and first.streams == 0
    n_rows = query(url, "select count(*) from raw_polio.source_datapoint")[0][0]
    assert n_rows == first.facts == 75 * 8
    again = ingest(path, url, region_column="geocode", ignore_columns=EOC_IGNORE)
    assert again.status == "duplicate"
    assert query(url, "select count(*) from raw_polio.source_datapoint")[0][0] == n_rows
    # A second document with the same strings adds none to the registry, only uses.
    ingest(RHIZOME / "percent_vals.csv", url, region_column="geocode",
           ignore_columns=EOC_IGNORE)
    dbt("run", "--select", "+source_string")
    strings = query(url, "select kind, count(*), max(first_document_id), max(documents) "
                         "from polio.source_string group by kind order by kind")
    assert strings == [("campaign", 1, first.document_id, 2), ("indicator", 8, first.document_id, 2),
                       ("region", 75, first.document_id, 2)]


@pytest.mark.parametrize(("name", "kwargs"), [
    ("empty_csv.csv", {}),
    ("header_dupe.csv", {"region_column": "geocode"}),
    ("missing_campaign.csv", {"region_column": "geocode"}),
])
def test_unreadable_document_is_marked_failed_and_loads_nothing(polio_db, name, kwargs):
    url = polio_db
    with pytest.raises(DocumentError) as caught:
        ingest(RHIZOME / name, url, **kwargs)
    docs = query(url, "select file_name, status, error from raw_polio.document")
    assert docs == [(name, "failed", str(caught.value))]
    assert query(url, "select count(*) from raw_polio.source_datapoint") == [(0,)]
    assert query(url, "select count(*) from raw_polio.change_log where change_kind = 'document'") == [(0,)]


def test_ragged_rows_go_to_rejects_with_line_numbers(polio_db, document):
    url = polio_db
    path = document("ragged.csv", [["campaign", "region", "indicator", "value"],
                                   ["jan", "Kano", "missed", "1"], ["jan", "Kano"],
                                   ["jan", "Lagos", "missed", "2", "extra"],
                                   ["jan", "Lagos", "missed", "3"]], newline="\r")
    result = ingest(path, url)
    assert (result.facts, result.rejected_rows) == (2, 2)
    rejects = query(url, "select source, line_number, reason from raw_polio.reject order by line_number")
    assert rejects == [(f"document:{result.document_id}", 3, "ragged row: 2 cells, header has 4"),
                       (f"document:{result.document_id}", 4, "ragged row: 5 cells, header has 4")]


def test_cells_with_copy_control_characters_are_stored_as_written(polio_db, tmp_path):
    # The loader sends COPY text; a tab, newline, CR or backslash in a cell must not shift columns.
    url = polio_db
    odd = ["a\tb", "two\nlines", "back\\slash", "\\N", "cr\rhere"]
    lines = ["campaign,region,indicator,value", "jan,Kano,plain,1"]
    lines += [f'jan,Kano {n},odd,"{value}"' for n, value in enumerate(odd)]
    path = tmp_path / "odd.csv"
    path.write_bytes("\n".join(lines).encode())
    result = ingest(path, url)
    # a line break inside a quoted cell: Postgres' CSV parser would take it, but then a fact's
    # line no longer follows from its id, so the document is read row by row
    assert (result.facts, result.rejected_rows, result.streams) == (1 + len(odd), 0, 0)
    stored = query(url, "select region_string, value_string from raw_polio.source_datapoint "
                        "where indicator_string = 'odd' order by row_number")
    assert stored == [(f"Kano {n}", value) for n, value in enumerate(odd)]


# --- the bulk loader (Postgres' CSV parser, several COPY streams) -----------------------------


def staged(url: str, document_id: int) -> list[tuple]:
    """A document's facts as every model reads them (the staging view)."""
    return query(url, "select row_number, campaign_string, region_string, indicator_string, "
                      "value_string, value, value_problem from polio_staging.stg_polio__source_datapoint "
                      "where document_id = %s order by row_number", (document_id,))


def long_rows(n: int) -> list[list[str]]:
    rows = [[" Campaign", "REGION ", "indicator", "Value"]]
    for k in range(n):
        rows.append([f"jan{k % 3}", f" Kano {k % 7} ", f"ind {k % 5}",
                     ["12%", "1,234", "yes", "", "n/a", f"{k}"][k % 6]])
    return rows


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_bulk_and_row_by_row_loads_give_the_same_facts(polio_db, document, dbt, monkeypatch, newline):
    url = polio_db
    monkeypatch.setattr(bulk, "MIN_STREAM_BYTES", 1)  # several streams even for a small file
    rows = long_rows(500)
    fast = ingest(document("fast.csv", rows, newline=newline), url)
    assert fast.streams == bulk.streams_for(1 << 20) and fast.facts == 500
    # the same cells with a descriptive column, which the bulk loader does not take
    slow = ingest(document("slow.csv", [[*r, "note"] for r in rows], newline=newline), url,
                  ignore_columns=["note"])
    assert slow.streams == 0 and slow.facts == 500
    dbt("run", "--select", "stg_polio__source_datapoint")
    assert staged(url, fast.document_id) == staged(url, slow.document_id)
    facts = staged(url, fast.document_id)
    assert [r[0] for r in facts] == list(range(2, 502)), "row_number is the line in the file"
    assert facts[0][1:4] == ("jan0", "Kano 0", "ind 0"), "strings are trimmed"
    ids = query(url, "select min(source_datapoint_id), max(source_datapoint_id), count(distinct "
                     "source_datapoint_id) from raw_polio.source_datapoint where document_id = %s",
                (fast.document_id,))
    assert ids == [(bulk.id_base(fast.document_id) + 2, bulk.id_base(fast.document_id) + 501, 500)]


def test_a_long_document_postgres_refuses_is_read_row_by_row_with_rejects(polio_db, document):
    url = polio_db
    rows = long_rows(50)
    rows[31] = ["jan0", "Kano 1", "ind 1"]  # a ragged row (line 32)
    rows[40] = []  # a blank line (skipped, as ever)
    result = ingest(document("ragged-lf.csv", rows), url)
    assert (result.facts, result.rejected_rows, result.streams) == (48, 1, 0)
    docs = query(url, "select document_id, status from raw_polio.document order by document_id")
    assert docs == [(result.document_id, "loaded")], "the refused bulk attempt leaves no document"
    assert query(url, "select line_number, reason from raw_polio.reject") == [
        (32, "ragged row: 3 cells, header has 4")]
    assert query(url, "select count(*) from raw_polio.source_datapoint") == [(48,)]


def test_a_load_that_died_midway_is_never_read_and_is_cleaned_up(polio_db, document, dbt):
    # What a bulk load that died between its streams' commits leaves: a 'loading' document with
    # part of its facts. Nothing reads them, and the next load marks it failed and removes them.
    url = polio_db
    with psycopg.connect(url) as conn:
        doc = conn.execute("insert into raw_polio.document (file_name, checksum, status, layout) "
                           "values ('dead.csv', 'x', 'loading', 'long') returning document_id").fetchone()[0]
        conn.execute("insert into raw_polio.source_datapoint_1 (source_datapoint_id, campaign_string, "
                     "region_string, indicator_string, value_string) values (%s, 'jan', 'Kano', 'x', '1')",
                     (bulk.id_base(doc) + 2,))
    dbt("run", "--select", "stg_polio__source_datapoint")
    assert staged(url, doc) == []
    good = ingest(document("good.csv", long_rows(5)), url)
    assert query(url, "select document_id, status, coalesce(error like 'interrupted:%%', false) from raw_polio.document "
                      "order by 1") == [(doc, "failed", True), (good.document_id, "loaded", False)]
    assert query(url, "select distinct document_id from raw_polio.source_datapoint") == [(good.document_id,)]


def test_facts_of_the_earlier_layout_move_to_the_stream_tables(fresh_warehouse):
    # The layout before stream tables: one table, identity key, document_id and row_number columns.
    url = fresh_warehouse
    with psycopg.connect(url) as conn:
        conn.execute("drop view raw_polio.source_datapoint")
        conn.execute("""
            create table raw_polio.source_datapoint (
                source_datapoint_id bigint generated always as identity primary key,
                document_id bigint not null, row_number bigint not null, campaign_string text,
                region_string text, indicator_string text, value_string text)""")
        conn.execute("insert into raw_polio.document (file_name, checksum, status, layout) "
                     "values ('a.csv', 'a', 'loaded', 'wide'), ('b.csv', 'b', 'loaded', 'long')")
        conn.execute("""
            insert into raw_polio.source_datapoint (document_id, row_number, campaign_string,
                                                    region_string, indicator_string, value_string)
            values (1, 2, 'jan', 'Kano', 'missed', '1'), (1, 2, 'jan', 'Kano', 'vaccinated', '2'),
                   (2, 2, 'feb', 'Lagos', 'missed', '3'), (1, 3, 'jan', 'Dala', 'missed', '4')""")
    with psycopg.connect(url) as conn:
        warehouse.create_raw_tables(conn, "polio")
    moved = query(url, "select source_datapoint_id, document_id, row_number, region_string, "
                       "indicator_string from raw_polio.source_datapoint order by 1")
    assert moved == [
        (bulk.id_base(1) + 1, 1, 2, "Kano", "missed"), (bulk.id_base(1) + 2, 1, 2, "Kano", "vaccinated"),
        (bulk.id_base(1) + 3, 1, 3, "Dala", "missed"), (bulk.id_base(2) + 1, 2, 2, "Lagos", "missed")]
    # and new documents load beside them
    assert query(url, "select count(*) from raw_polio.source_datapoint_0") == [(4,)]


def test_documents_of_the_layout_before_reading_params_were_read_with_the_defaults(fresh_warehouse):
    # The layout before: no reading or source column, one loaded document per checksum.
    url = fresh_warehouse
    with psycopg.connect(url) as conn:
        conn.execute("drop index raw_polio.document_checksum_loaded")
        conn.execute("alter table raw_polio.document drop column reading, drop column source")
        conn.execute("create unique index document_checksum_loaded on raw_polio.document (checksum) "
                     "where status = 'loaded'")
        conn.execute("insert into raw_polio.document (file_name, checksum, status, layout) "
                     "values ('a.csv', 'a', 'loaded', 'long')")
    for _ in range(2):  # at every start
        with psycopg.connect(url) as conn:
            warehouse.create_raw_tables(conn, "polio")
    assert query(url, "select reading, source from raw_polio.document") == [
        ({"region_column": "region", "campaign_column": "campaign", "ignore_columns": []}, None)]
    with psycopg.connect(url) as conn:
        conn.execute("""insert into raw_polio.document (file_name, checksum, status, layout, reading)
                        values ('a.csv', 'a', 'loaded', 'wide', '{"region_column": "geocode",
                                "campaign_column": "campaign", "ignore_columns": []}')""")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("insert into raw_polio.document (file_name, checksum, status, layout) "
                         "values ('a.csv', 'a', 'loaded', 'long')")


# --- bad input (issue 16): the same outcome on the bulk and the row-by-row path ---------------

def no_rejects(url: str) -> bool:
    """raw_polio.reject is made by the first reject: no table, or an empty one."""
    return query(url, "select to_regclass('raw_polio.reject') is null")[0][0] or query(
        url, "select count(*) from raw_polio.reject") == [(0,)]


def bulk_and_rows(tmp_path, name: str, lines: list[str]):
    """The same rows as a long document (the bulk path) and as a wide one with a note column
    (read row by row): two files that differ only in that column."""
    long = tmp_path / f"{name}-bulk.csv"
    long.write_bytes("\n".join(["campaign,region,indicator,value", *lines, ""]).encode())
    wide = tmp_path / f"{name}-rows.csv"
    wide.write_bytes("\n".join(["note,campaign,region,indicator,value", *(f"n,{line}" for line in lines),
                                ""]).encode())
    return {"bulk": (long, {}), "rows": (wide, {"ignore_columns": ["note"]})}


def test_a_stray_quote_fails_the_document_with_its_line_on_both_paths(polio_db, tmp_path):
    url = polio_db
    lines = ["jan,Kano,missed,1", 'jan,"Lagos,missed,2', *(f"jan,Dala,m{k},3" for k in range(50))]
    for how, (path, kwargs) in bulk_and_rows(tmp_path, "stray", lines).items():
        with pytest.raises(DocumentError, match=f"{path.name}, line 3: a quote opens here and never closes"):
            ingest(path, url, **kwargs)
        assert query(url, "select status from raw_polio.document where file_name = %s", (path.name,)) == [
            ("failed",)], how
    assert query(url, "select count(*) from raw_polio.source_datapoint") == [(0,)]
    assert no_rejects(url)


@pytest.mark.parametrize("text", ["campaign,region,indicator,value\n", "campaign,region,indicator,value",
                                  "campaign,region,indicator,value\r\n\r\n\r\n",
                                  "campaign,region,indicator,value\njan,Kano\n"])
def test_a_document_without_facts_fails_as_no_facts_and_is_recorded(polio_db, tmp_path, text):
    url = polio_db
    path = tmp_path / "header-only.csv"
    path.write_text(text)
    with pytest.raises(DocumentError, match="header-only.csv: no facts") as caught:
        ingest(path, url)
    assert query(url, "select status, error from raw_polio.document") == [("failed", str(caught.value))]
    assert query(url, "select count(*) from raw_polio.source_datapoint") == [(0,)]
    assert no_rejects(url)


def test_a_cell_over_64_kb_is_rejected_the_same_way_on_both_paths(polio_db, tmp_path):
    url = polio_db
    lines = ["jan,Kano,missed,1", f"jan,{'x' * 70_000},missed,2", f"jan,Lagos,missed,{'9' * 3_000_000}",
             "jan,Dala,missed,3"]
    outcomes = {}
    for how, (path, kwargs) in bulk_and_rows(tmp_path, "huge", lines).items():
        result = ingest(path, url, **kwargs)
        outcomes[how] = (result.facts, query(
            url, "select line_number, reason from raw_polio.reject where source = %s order by 1",
            (f"document:{result.document_id}",)), query(
            url, "select row_number, region_string, value_string from raw_polio.source_datapoint "
                 "where document_id = %s order by 1", (result.document_id,)))
    assert outcomes["bulk"] == outcomes["rows"] == (
        2, [(3, "a cell holds more than 65,536 characters"), (4, "a cell holds more than 65,536 characters")],
        [(2, "Kano", "1"), (5, "Dala", "3")])
    longest = query(url, "select max(greatest(length(region_string), length(value_string))) "
                         "from raw_polio.source_datapoint")[0][0]
    assert longest <= 65_536


def test_a_huge_header_is_quoted_short_in_the_document_table(polio_db, tmp_path):
    url = polio_db
    path = tmp_path / "cols.csv"
    path.write_text("campaign,district," + ",".join(f"indicator {n}" for n in range(4_000)) + "\njan,Kano,1\n")
    with pytest.raises(DocumentError, match="no region column"):
        ingest(path, url)
    path.write_text("campaign,region," + ",".join(f"c{n}" for n in range(100_000)) + "\n")
    with pytest.raises(DocumentError, match="more than 4,096"):
        ingest(path, url)
    errors = [e for (e,) in query(url, "select error from raw_polio.document order by document_id")]
    assert len(errors) == 2 and all(len(e) < 400 for e in errors), [len(e) for e in errors]
