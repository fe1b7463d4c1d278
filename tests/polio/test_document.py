"""Reading documents: layouts, headers, line endings, encodings and whole-document errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from tributary.errors import MAX_CELL_CHARS
from tributary.polio.document import DocumentError, read, scan

from tests.polio.conftest import RHIZOME, write_csv

LONG = [["Campaign ", " REGION", "indicator", "Value"], ["jan", "Kano", "missed", "12%"],
        ["jan", "Lagos", "missed", "1,234"]]


def facts(path: Path, **kwargs):
    reading = read(path, encoding=scan(path).encoding, **kwargs)
    return reading.layout.kind, list(reading.facts), reading.rejects


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_long_layout_with_any_line_ending_and_loose_headers(tmp_path, newline):
    kind, rows, rejects = facts(write_csv(tmp_path / "d.csv", LONG, newline=newline))
    assert kind == "long"
    assert rows == [(2, "jan", "Kano", "missed", "12%"), (3, "jan", "Lagos", "missed", "1,234")]
    assert rejects == []


def test_wide_layout_skips_ignored_columns(tmp_path):
    path = write_csv(tmp_path / "w.csv", [["campaign", "District Name", "geocode", "missed", "seen"],
                                          ["jan", "Dala", "G1", "3", "9"]])
    kind, rows, _ = facts(path, region_column="GeoCode", ignore_columns=["district name"])
    assert kind == "wide"
    assert rows == [(2, "jan", "G1", "missed", "3"), (2, "jan", "G1", "seen", "9")]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1"])
def test_utf8_with_or_without_bom_and_latin1(tmp_path, encoding):
    path = write_csv(tmp_path / "e.csv", [["campaign", "region", "indicator", "value"],
                                          ["jan", "Bamako Kéné", "missed", "1"]], encoding=encoding)
    _, rows, _ = facts(path)
    assert rows[0][2] == "Bamako Kéné"
    assert scan(path).encoding == ("latin-1" if encoding == "latin-1" else "utf-8-sig")


def test_ragged_row_is_rejected_with_its_line_and_the_rest_loads(tmp_path):
    path = write_csv(tmp_path / "r.csv", [LONG[0], ["jan", "Kano", "missed"], [], LONG[2]])
    _, rows, rejects = facts(path)
    assert [r[0] for r in rows] == [4]
    assert [(r.line_number, r.reason) for r in rejects] == [(2, "ragged row: 3 cells, header has 4")]


def test_not_text_is_refused(tmp_path):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK\x03\x04\x00\x00binary\x00\x01\x02")
    with pytest.raises(DocumentError, match="not text in a supported encoding"):
        scan(path)


@pytest.mark.parametrize(("name", "kwargs", "message"), [
    ("empty_csv.csv", {}, "the file is empty"),
    ("header_dupe.csv", {"region_column": "geocode"},
     "duplicate header 'Percent missed due to other reasons'"),
    ("missing_campaign.csv", {"region_column": "geocode"}, "no campaign column 'campaign'"),
    ("percent_vals.csv", {}, "no region column 'region'"),
])
def test_real_documents_that_cannot_be_read(name, kwargs, message):
    path = RHIZOME / name
    with pytest.raises(DocumentError, match=message):
        read(path, encoding=scan(path).encoding, **kwargs)


def test_real_wide_document_with_cr_line_endings():
    path = RHIZOME / "percent_vals.csv"
    kind, rows, _ = facts(path, region_column="geocode",
                          ignore_columns=["Province", "PCODE", "level", "DCODE", "District.Name"])
    assert kind == "wide"
    assert rows == [
        (2, "2016 March NID OPV", "AF001039003000000000", "Percent missed due to other reasons", "82.67%"),
        (2, "2016 March NID OPV", "AF001039003000000000", "Percent missed children_PCA", "0.0503"),
    ]


# --- bad input (issue 16) ---------------------------------------------------------------------

HEADER = "campaign,region,indicator,value"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize(("lines", "opened"), [
    (['jan,"Kano,missed,1', "jan,Lagos,missed,2", "jan,Dala,missed,3"], 2),  # a quote that swallows the rest
    (["jan,Kano,missed,1", 'jan,"two', 'lines",missed,2', 'jan,Dala,missed,"3', "jan,x,y,4"], 5),
    (["jan,Kano,missed,1", 'jan,Lagos,missed,"2'], 3),  # in the last cell of the last line
])
def test_a_quote_that_never_closes_fails_the_document_naming_its_line(tmp_path, newline, lines, opened):
    path = tmp_path / "q.csv"
    path.write_bytes(newline.join([HEADER, *lines]).encode())
    with pytest.raises(DocumentError, match=f"q.csv, line {opened}: a quote opens here and never closes"):
        facts(path)


def test_a_quote_in_the_middle_of_a_cell_is_a_character(tmp_path):
    path = tmp_path / "inch.csv"
    path.write_bytes(f'{HEADER}\njan,Kano 12" zone,missed,1\n'.encode())
    assert facts(path)[1] == [(2, "jan", 'Kano 12" zone', "missed", "1")]


@pytest.mark.parametrize("size", [MAX_CELL_CHARS + 1, 200_000, 3_000_000])
def test_a_cell_over_64_kb_rejects_its_row(tmp_path, size):
    path = tmp_path / "big.csv"
    path.write_bytes(f"{HEADER}\njan,Kano,missed,1\njan,{'x' * size},missed,2\njan,Dala,missed,3\n".encode())
    assert scan(path).long_line
    _, rows, rejects = facts(path)
    assert [r[0] for r in rows] == [2, 4]
    assert [(r.line_number, r.reason) for r in rejects] == [(3, "a cell holds more than 65,536 characters")]


def test_a_quoted_cell_over_64_kb_on_short_lines_rejects_its_row(tmp_path):
    path = tmp_path / "lines.csv"
    cell = "a line\n" * 10_000  # 70,000 characters, no line over 8 bytes
    path.write_bytes(f'{HEADER}\njan,Kano,missed,1\njan,"{cell}",missed,2\njan,Dala,missed,3\n'.encode())
    assert not scan(path).long_line
    _, rows, rejects = facts(path)
    assert [r[1:3] for r in rows] == [("jan", "Kano"), ("jan", "Dala")]
    assert [r.reason for r in rejects] == ["a cell holds more than 65,536 characters"]


def test_a_cell_of_exactly_64_kb_is_a_fact(tmp_path):
    path = tmp_path / "edge.csv"
    path.write_bytes(f"{HEADER}\njan,{'x' * MAX_CELL_CHARS},missed,2\n".encode())
    assert len(facts(path)[1]) == 1


def test_headers_over_4096_columns_and_long_header_cells_fail(tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text("campaign,region," + ",".join(f"c{n}" for n in range(100_000)) + "\n")
    with pytest.raises(DocumentError, match=r"wide.csv, line 1: the header has 100,002 columns, more than 4,096"):
        facts(wide)
    long = tmp_path / "long.csv"
    long.write_text(f"campaign,region,{'x' * 70_000}\n")
    with pytest.raises(DocumentError, match="a header cell holds 70,000 characters") as caught:
        facts(long)
    assert len(str(caught.value)) < 400


def test_a_wrong_column_error_quotes_at_most_200_characters_of_the_header(tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("campaign,district," + ",".join(f"indicator number {n}" for n in range(4_000)) + "\n")
    with pytest.raises(DocumentError, match="no region column 'region'") as caught:
        facts(path)
    assert len(str(caught.value)) < 400 and "(90,908 characters)" in str(caught.value)
