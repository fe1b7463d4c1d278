"""The RefreshMaster rules, against real Postgres and the real dbt models."""

from __future__ import annotations

import pytest
from tributary.polio import data_entry

from tests.polio.conftest import datapoints, ingest, map_all, query

pytestmark = pytest.mark.slow

REFRESH = ("run", "--select", "path:models/polio")

REGIONS = ["Dala", "Kano Municipal", "Lagos", "Kano", "Nigeria"]


def ten_facts() -> list[list[object]]:
    """Ten facts: five regions x two indicators (long layout)."""
    rows: list[list[object]] = [["Campaign", "Region", "Indicator", "Value"]]
    for n, region in enumerate(["dala", "kano mun.", "LAGOS", "kano state", "NGA"]):
        rows.append(["jan16", region, "Missed children", str(10 + n)])
        rows.append(["jan16", region, "Children targeted", f"{(n + 1) * 1000:,}"])
    return rows


def map_ten(url: str) -> None:
    map_all(url, "campaign", {"jan16": "2016-01 NID"})
    map_all(url, "indicator", {"Missed children": "missed", "Children targeted": "targeted"})
    map_all(url, "region", {"dala": "Dala", "kano mun.": "Kano Municipal", "LAGOS": "Lagos",
                            "kano state": "Kano", "NGA": "Nigeria"})


def test_mapping_rules_and_later_documents(polio_db, document, dbt):
    url = polio_db
    first = ingest(document("first.csv", ten_facts()), url)
    dbt(*REFRESH)
    assert datapoints(url) == {}, "nothing is mapped yet"
    missing = query(url, "select kind, count(*) from polio.missing_mapping group by kind order by kind")
    assert missing == [("campaign", 1), ("indicator", 2), ("region", 5)]

    # Map everything: 10 facts -> 10 datapoints ("1,000" style values read as numbers).
    map_ten(url)
    dbt(*REFRESH)
    dps = datapoints(url)
    assert len(dps) == 10
    assert dps[("Lagos", "2016-01 NID", "targeted")] == 3000
    assert query(url, "select count(*) from polio.missing_mapping") == [(0,)]

    # Remove the mapping of a region with 2 datapoints -> 8.
    map_all(url, "region", {"LAGOS": None})
    dbt(*REFRESH)
    assert len(datapoints(url)) == 8
    assert query(url, "select count(*) from polio.missing_mapping where source_string = 'LAGOS'") == [(1,)]

    # Re-map a string to another master: its datapoints move.
    map_all(url, "region", {"LAGOS": "Lagos", "dala": "Kano Municipal"})
    map_all(url, "indicator", {"Missed children": "vaccinated"})
    dbt(*REFRESH)
    dps = datapoints(url)
    assert not any(i == "missed" for _, _, i in dps), "old indicator's datapoints are gone"
    assert dps[("Lagos", "2016-01 NID", "vaccinated")] == 12
    # Dala and Kano Municipal both map to Kano Municipal now: the last row of the document wins.
    assert dps[("Kano Municipal", "2016-01 NID", "vaccinated")] == 11
    assert ("Dala", "2016-01 NID", "vaccinated") not in dps
    assert len(dps) == 8

    # A later document updates the value; within it the last row wins; blank/bad cells do not erase.
    second = ingest(document("second.csv", [
        ["campaign", "region", "indicator", "value"],
        ["jan16", "LAGOS", "Missed children", "20"],
        ["jan16", "LAGOS", "Missed children", "25"],
        ["jan16", "NGA", "Missed children", ""],
        ["jan16", "NGA", "Children targeted", "lots"],
    ]), url)
    assert second.document_id > first.document_id
    # Same content again adds nothing.
    again = ingest(document("second-copy.csv", [
        ["campaign", "region", "indicator", "value"],
        ["jan16", "LAGOS", "Missed children", "20"],
        ["jan16", "LAGOS", "Missed children", "25"],
        ["jan16", "NGA", "Missed children", ""],
        ["jan16", "NGA", "Children targeted", "lots"],
    ]), url)
    assert again.status == "duplicate" and again.document_id == second.document_id
    dbt(*REFRESH)
    dps = datapoints(url)
    assert dps[("Lagos", "2016-01 NID", "vaccinated")] == 25
    assert dps[("Nigeria", "2016-01 NID", "vaccinated")] == 14
    assert dps[("Nigeria", "2016-01 NID", "targeted")] == 5000
    row = query(url, "select source_datapoint_id, document_id from polio.datapoint "
                     "where region = 'Lagos' and indicator = 'vaccinated'")
    assert row[0][1] == second.document_id
    assert query(url, "select document_id, row_number, value_string, reason from polio.rejected_value") == [
        (second.document_id, 5, "lots", "not a number, a percentage or yes/no")]

    # A data-entry value is never overwritten, whatever documents arrive.
    data_entry.enter_values([data_entry.Entry("Lagos", "2016-01 NID", "vaccinated", 99)], url=url)
    dbt(*REFRESH)
    ingest(document("third.csv", [["campaign", "region", "indicator", "value"],
                                  ["jan16", "LAGOS", "Missed children", "30"]]), url)
    map_all(url, "region", {"LAGOS": "Lagos"})  # a re-mapping does not remove it either
    dbt(*REFRESH)
    assert query(url, "select value, source_datapoint_id, document_id from polio.datapoint "
                      "where region = 'Lagos' and indicator = 'vaccinated'") == [(99.0, -1, None)]
    # Removing the entry brings the latest document's value back.
    data_entry.enter_values([data_entry.Entry("Lagos", "2016-01 NID", "vaccinated", None)], url=url)
    dbt("build", "--select", "path:models/polio")
    assert datapoints(url)[("Lagos", "2016-01 NID", "vaccinated")] == 30

    # The incremental result equals a full rebuild.
    incremental = datapoints(url)
    dbt("run", "--select", "path:models/polio", "--full-refresh")
    assert datapoints(url) == incremental
