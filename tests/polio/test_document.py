"""Reading documents: layouts, headers, line endings, encodings and whole-document errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from tributary.polio.document import DocumentError, read, scan

from tests.polio.conftest import SHARED_RHIZOME, write_csv

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
    path = SHARED_RHIZOME / name
    with pytest.raises(DocumentError, match=message):
        read(path, encoding=scan(path).encoding, **kwargs)


def test_real_wide_document_with_cr_line_endings():
    path = SHARED_RHIZOME / "percent_vals.csv"
    kind, rows, _ = facts(path, region_column="geocode",
                          ignore_columns=["Province", "PCODE", "level", "DCODE", "District.Name"])
    assert kind == "wide"
    assert rows == [
        (2, "2016 March NID OPV", "AF001039003000000000", "Percent missed due to other reasons", "82.67%"),
        (2, "2016 March NID OPV", "AF001039003000000000", "Percent missed children_PCA", "0.0503"),
    ]
