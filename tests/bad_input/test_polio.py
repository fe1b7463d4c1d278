"""Bad-input corpus of the polio domain: documents, master data files and mapping files.

Each case goes through the calls the DAG tasks make (`ingest`, `load_metadata`,
`read_mapping_file` + `apply_mappings`) and asserts one documented outcome: the file fails as a
whole with a `BadInput` naming it (nothing of it loaded, a document recorded as failed, a short
message), or its bad rows become rejects in ``raw_polio.reject`` while the other rows load. The
input file is always still where it was, unchanged.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import psycopg
import pytest
from tributary import environment, warehouse
from tributary.errors import BadInput
from tributary.polio import ingest, mappings, master_data

from tests.conftest import SERVER_URL
from tests.polio.conftest import write_csv

HEADER = "campaign,region,indicator,value"
GOOD = ["jan,Kano,missed,1", "jan,Lagos,missed,2"]


def text(*lines: str, header: str = HEADER, newline: str = "\n") -> bytes:
    return (newline.join([header, *lines]) + newline).encode()


@pytest.fixture(scope="module")
def polio_url() -> str:
    """One warehouse for the module's cases (each case's document has content of its own)."""
    name = f"test_wh_polio_bad_{uuid.uuid4().hex[:6]}"
    environment.ensure_database(SERVER_URL, name)
    url = environment.with_database(SERVER_URL, name)
    with warehouse.transaction(url) as conn:
        warehouse.create_raw_tables(conn)
        conn.execute("select raw_platform.create_reject_table('raw_polio')")
    yield url
    environment.drop_database(SERVER_URL, name)


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    error: str | None = None  # regex of the BadInput message; None: the document loads
    rejected: tuple[str, ...] = ()  # regexes of the rejects' reasons, in line order
    facts: int = 2
    params: dict | None = None


DOCUMENTS = [
    Case("empty file", b"", error="the file is empty"),
    Case("only a BOM", b"\xef\xbb\xbf", error="the file is empty"),
    Case("only blank lines", b"\n\r\n\n", error="the file is empty"),
    Case("header only", text(), error="no facts: the header is not followed by any row"),
    Case("header only, no line break", HEADER.encode(), error="no facts"),
    Case("header only, long header line", text(header=HEADER + "," + ",".join(f"note {n}" for n in range(300))),
         error="no facts", params={"ignore_columns": [f"note {n}" for n in range(300)]}),
    Case("UTF-8 with BOM", b"\xef\xbb\xbf" + text(*GOOD)),
    Case("latin-1", text("jan,Bamako Kéné,missed,1", GOOD[1]).decode().encode("latin-1")),
    Case("UTF-16", text(*GOOD).decode().encode("utf-16"), error="not text in a supported encoding"),
    Case("binary (a spreadsheet)", b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 20,
         error="not text in a supported encoding"),
    Case("NUL byte in a cell", text(GOOD[0], "jan,La\x00gos,missed,2"), error="not text in a supported encoding"),
    Case("CR line endings", text(*GOOD, newline="\r")),
    Case("ragged row", text(GOOD[0], "jan,Dala", GOOD[1]), rejected=("ragged row: 2 cells, header has 4",)),
    Case("truncated mid-row", text(*GOOD, "jan,Dala,mis")[:-1], rejected=("ragged row: 3 cells",)),
    Case("truncated inside a quote", text(*GOOD, 'jan,"Dala, North')[:-1],
         error="line 4: a quote opens here and never closes"),
    Case("one stray quote", text(GOOD[0], 'jan,"Dala,missed,3', *[f"feb,Kano,missed,{n}" for n in range(20)]),
         error="line 3: a quote opens here and never closes"),
    Case("quote inside a cell", text('jan,Kano 12" zone,missed,1', GOOD[1])),
    Case("cell of 70 KB", text(*GOOD, f"jan,{'x' * 70_000},missed,3"),
         rejected=("a cell holds more than 65,536 characters",)),
    Case("cell of 3 MB", text(*GOOD, f"jan,Dala,missed,{'9' * 3_000_000}"),
         rejected=("a cell holds more than 65,536 characters",)),
    Case("quoted cell of 70 KB on short lines", text(*GOOD, 'jan,"' + "line\n" * 14_000 + '",missed,3'),
         rejected=("a cell holds more than 65,536 characters",)),
    Case("header of 5,000 columns", text(*GOOD, header=HEADER + "," + ",".join(f"c{n}" for n in range(4_996))),
         error="line 1: the header has 5,000 columns, more than 4,096"),
    Case("header of 100,000 columns", text(header="campaign,region," + ",".join(f"c{n}" for n in range(99_998))),
         error="the header has 100,000 columns"),
    Case("duplicate headers", text("jan,Kano,missed,1,2", header="campaign,region,missed,Missed "),
         error="duplicate header 'Missed'"),
    Case("semicolons", text(*(g.replace(",", ";") for g in GOOD), header=HEADER.replace(",", ";")),
         error="no region column 'region'"),
    Case("tabs", text(*(g.replace(",", "\t") for g in GOOD), header=HEADER.replace(",", "\t")),
         error="no region column 'region'"),
    Case("wrong region column", text(*GOOD), params={"region_column": "district"},
         error="no region column 'district'"),
    Case("every row ragged", text("jan,Kano", "jan,Lagos"), error="no facts: all 2 rows were rejected"),
    Case("non-numeric values are stored as written", text("jan,Kano,missed,n/a", "jan,Lagos,missed,12abc")),
    Case("unclosed quote in the header", b'campaign,"region,indicator,value\njan,Kano,missed,1\n',
         error="line 1: a quote opens here and never closes"),
]


@pytest.mark.parametrize("case", DOCUMENTS, ids=[c.name for c in DOCUMENTS])
def test_document(case: Case, polio_url, tmp_path):
    path = tmp_path / f"{re.sub(r'[^a-z0-9]+', '_', case.name.lower())}.csv"
    path.write_bytes(case.data)
    try:
        result = ingest.ingest(path, url=polio_url, **(case.params or {}))
    except BadInput as exc:
        assert case.error, f"unexpected failure: {exc}"
        assert re.search(case.error, str(exc)), str(exc)
        assert path.name in str(exc) and len(str(exc)) < 600
        with psycopg.connect(polio_url) as conn:
            recorded = conn.execute("select status, error from raw_polio.document where file_name = %s",
                                    [path.name]).fetchall()
            facts = conn.execute("select count(*) from raw_polio.source_datapoint d join raw_polio.document "
                                 "using (document_id) where file_name = %s", [path.name]).fetchone()[0]
        assert recorded == [("failed", str(exc))] and facts == 0  # recorded, nothing loaded
    else:
        assert not case.error, "the document loaded, expected a failure"
        assert (result.status, result.facts) == ("loaded", case.facts)
        with psycopg.connect(polio_url) as conn:
            rejects = conn.execute("select reason, length(raw) from raw_polio.reject where source = %s "
                                   "order by line_number", [f"document:{result.document_id}"]).fetchall()
            stored = conn.execute("select value_string from raw_polio.source_datapoint "
                                  "where document_id = %s order by row_number", [result.document_id]).fetchall()
        assert len(rejects) == len(case.rejected)
        for (reason, raw_length), expected in zip(rejects, case.rejected, strict=True):
            assert re.search(expected, reason) and (raw_length or 0) <= 1_000, reason
        if "non-numeric" in case.name:  # the staging model flags them (value_problem)
            assert stored == [("n/a",), ("12abc",)]
    assert path.read_bytes() == case.data  # the input is where it was, as it was


# --- master data and mapping files --------------------------------------------------------------

REGIONS = [["name", "parent", "region_type"], ["World", "", "world"], ["Nigeria", "World", "country"],
           ["Kano", "Nigeria", "province"]]
CAMPAIGNS = [["name", "start_date", "end_date"], ["2016-01 NID", "2016-01-10", "2016-01-14"]]
INDICATORS = [["name", "data_format"], ["missed", "int"]]


@dataclass(frozen=True)
class FileCase:
    name: str
    file: str  # the file's name (a master file, or "mapping.csv")
    data: bytes
    error: str


def rows(table: list[list[str]], *extra: list[str]) -> bytes:
    return "".join(",".join(r) + "\n" for r in [*table, *extra]).encode()


MASTER = [
    FileCase("empty", "regions.csv", b"", "regions.csv: the file is empty"),
    FileCase("header only", "regions.csv", rows(REGIONS[:1]), "regions.csv: no rows after the header"),
    FileCase("binary", "regions.csv", b"PK\x03\x04" + bytes(range(256)), "regions.csv: not a text file"),
    FileCase("NUL byte", "regions.csv", rows(REGIONS, ["Da\x00la", "Kano", "district"]), "not a text file"),
    FileCase("not UTF-8", "regions.csv", rows(REGIONS, ["Kéné", "Kano", "district"]).decode().encode("latin-1"),
             "regions.csv: not UTF-8 text"),
    FileCase("missing column", "regions.csv", rows([["name", "region_type"], ["World", "world"]]),
             r"missing column\(s\) parent"),
    FileCase("duplicate column", "regions.csv", rows([REGIONS[0] + ["Name"], ["World", "", "world", "x"]]),
             "line 1, cell 'name': duplicate column"),
    FileCase("header of 5,000 columns", "regions.csv",
             rows([REGIONS[0] + [f"c{n}" for n in range(4_997)]], ["World", "", "world"]),
             "line 1: the header has 5,000 columns, more than 4,096"),
    FileCase("cell of 70 KB", "regions.csv", rows(REGIONS, ["x" * 70_000, "Kano", "district"]),
             "line 5: a cell holds more than 65,536 characters"),
    FileCase("cell of 3 MB", "regions.csv", rows(REGIONS, ["x" * 3_000_000, "Kano", "district"]),
             "line 5: a cell holds more than 65,536 characters"),
    FileCase("duplicate key", "regions.csv", rows(REGIONS, ["Kano", "World", "province"]),
             "regions.csv line 5: 'Kano' is already on line 4"),
    FileCase("unknown parent", "regions.csv", rows(REGIONS, ["Dala", "Kano North", "district"]),
             r"parent\(s\) not defined as regions: Kano North"),
    FileCase("cycle", "regions.csv", rows(REGIONS[:1], ["A", "B", "x"], ["B", "A", "x"]), "has a cycle"),
    FileCase("invalid date", "campaigns.csv", rows(CAMPAIGNS, ["2016-02 NID", "2016-02-30", ""]),
             "campaigns.csv line 3: '2016-02-30' is not a date"),
    FileCase("date far in the future", "campaigns.csv", rows(CAMPAIGNS, ["2016-02 NID", "3016-02-10", ""]),
             r"'3016-02-10' is not between 1950 and \d{4}"),
    FileCase("end before start", "campaigns.csv", rows(CAMPAIGNS, ["2016-02 NID", "2016-02-10", "2016-02-01"]),
             "end_date 2016-02-01 is before start_date 2016-02-10"),
    FileCase("unknown data format", "indicators.csv", rows(INDICATORS, ["seen", "integer"]),
             "data_format 'integer' is not one of"),
    FileCase("mapping: empty", "mapping.csv", b"", "mapping.csv: the file is empty"),
    FileCase("mapping: header only", "mapping.csv", b"kind,source_string,master\n", "no rows after the header"),
    FileCase("mapping: binary", "mapping.csv", bytes(range(256)) * 4, "mapping.csv: not a text file"),
    FileCase("mapping: cell of 70 KB", "mapping.csv", f"kind,source_string,master\nregion,{'x' * 70_000},Kano\n".encode(),
             "line 2: a cell holds more than 65,536 characters"),
    FileCase("mapping: unknown kind", "mapping.csv", b"kind,source_string,master\ndistrict,KN,Kano\n",
             "kind 'district' is not one of"),
    FileCase("mapping: unknown master", "mapping.csv", b"kind,source_string,master\nregion,KN,Kano North\n",
             r"unknown region\(s\): Kano North"),
]

MASTER_TABLES = ("region", "campaign", "indicator", "calculated_indicator_component", "mapping")


def master_rows(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url) as conn:
        return {t: sorted(conn.execute(f"select * from raw_polio.{t}").fetchall(), key=repr)  # noqa: S608
                for t in MASTER_TABLES}


@pytest.fixture(scope="module")
def master_url(polio_url, tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("master")
    for name, table in (("regions.csv", REGIONS), ("campaigns.csv", CAMPAIGNS), ("indicators.csv", INDICATORS)):
        write_csv(folder / name, table)
    master_data.load_metadata(folder, url=polio_url)
    return polio_url


@pytest.mark.parametrize("case", MASTER, ids=[c.name for c in MASTER])
def test_master_or_mapping_file(case: FileCase, master_url, tmp_path):
    before = master_rows(master_url)
    path = tmp_path / case.file
    path.write_bytes(case.data)
    with pytest.raises(BadInput) as caught:
        if case.file == "mapping.csv":
            mappings.apply_mappings(mappings.read_mapping_file(path), via="csv", url=master_url)
        else:
            master_data.load_metadata(tmp_path, url=master_url)
    assert re.search(case.error, str(caught.value)), str(caught.value)
    assert len(str(caught.value)) < 600
    assert master_rows(master_url) == before  # nothing written
    assert path.read_bytes() == case.data
