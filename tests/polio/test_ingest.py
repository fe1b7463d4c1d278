"""Loading documents into raw_polio: transactional, idempotent, failures recorded."""

from __future__ import annotations

import pytest
from tributary.polio.document import DocumentError

from tests.polio.conftest import SHARED_RHIZOME, ingest, query

EOC_IGNORE = ["Province", "PCODE", "level", "DCODE", "District.Name", "Alternative.Spell"]


def test_real_document_loads_once_and_strings_are_recorded_once(polio_db):
    url = polio_db
    path = SHARED_RHIZOME / "eoc_post_campaign.csv"
    first = ingest(path, url, region_column="geocode", ignore_columns=EOC_IGNORE)
    assert first.status == "loaded" and first.layout == "wide"
    n_rows = query(url, "select count(*) from raw_polio.source_datapoint")[0][0]
    assert n_rows == first.facts == 75 * 8
    again = ingest(path, url, region_column="geocode", ignore_columns=EOC_IGNORE)
    assert again.status == "duplicate"
    assert query(url, "select count(*) from raw_polio.source_datapoint")[0][0] == n_rows
    strings = query(url, "select kind, count(*) from raw_polio.source_string group by kind order by kind")
    assert strings == [("campaign", 1), ("indicator", 8), ("region", 75)]
    # A second document using some of the same strings adds only the new ones.
    other = ingest(SHARED_RHIZOME / "percent_vals.csv", url, region_column="geocode",
                   ignore_columns=EOC_IGNORE)
    assert other.new_strings == 0
    assert query(url, "select count(*) from raw_polio.source_string")[0][0] == 84


@pytest.mark.parametrize(("name", "kwargs"), [
    ("empty_csv.csv", {}),
    ("header_dupe.csv", {"region_column": "geocode"}),
    ("missing_campaign.csv", {"region_column": "geocode"}),
])
def test_unreadable_document_is_marked_failed_and_loads_nothing(polio_db, name, kwargs):
    url = polio_db
    with pytest.raises(DocumentError) as caught:
        ingest(SHARED_RHIZOME / name, url, **kwargs)
    docs = query(url, "select file_name, status, error from raw_polio.document")
    assert docs == [(name, "failed", str(caught.value))]
    assert query(url, "select count(*) from raw_polio.source_datapoint") == [(0,)]
    assert query(url, "select count(*) from raw_polio.source_string") == [(0,)]
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
    assert (result.facts, result.rejected_rows) == (1 + len(odd), 0)
    stored = query(url, "select region_string, value_string from raw_polio.source_datapoint "
                        "where indicator_string = 'odd' order by row_number")
    assert stored == [(f"Kano {n}", value) for n, value in enumerate(odd)]
