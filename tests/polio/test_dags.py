"""The polio DAGs end to end on the bundled sample (the demo's path), polio_refresh through cosmos;
inputs from the (file) lake by key and from include/sample by absolute path."""

from __future__ import annotations

import csv
import io
import secrets

import psycopg
import pytest
from fastapi.testclient import TestClient
from tributary import reports, settings
from tributary.api.app import create_app
from tributary.dag_runner import run_dag

from include.demo.polio import WIDE_IGNORE
from tests.polio.conftest import RHIZOME, query

SAMPLE = settings.SAMPLE_DIR / "polio"
#: bench/bench_polio.py's anchor: polio_refresh's semantics as one hand-written SQL script
ANCHOR = settings.REPO_ROOT / "bench" / "polio_refresh_anchor.sql"
ANCHORED = ("datapoint", "agg_datapoint", "datapoint_with_computed", "missing_mapping",
            "rejected_value", "source_string")


def anchor_differences(url: str) -> dict[str, tuple[int, int, int, int]]:
    """Run the anchor (its psql meta-commands left out) and compare each of its tables with the
    mart: {mart: (rows, anchor rows, only in the mart, only in the anchor)} where they differ."""
    script = "\n".join(line for line in ANCHOR.read_text().splitlines() if not line.startswith("\\"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(script)
    differences = {}
    for name in ANCHORED:
        mart, anchor = f"polio.{name}", f"polio_anchor.{name}"
        found = query(url, f"select (select count(*) from {mart}), (select count(*) from {anchor}), "
                           f"(select count(*) from (select * from {mart} except all select * from {anchor}) a), "
                           f"(select count(*) from (select * from {anchor} except all select * from {mart}) b)")[0]
        if found[0] != found[1] or found[2] or found[3]:
            differences[name] = found
    return differences


@pytest.mark.slow
def test_sample_through_the_dags(fresh_warehouse, file_lake, monkeypatch):
    url = fresh_warehouse
    for name in ("regions.csv", "campaigns.csv", "indicators.csv", "calculated_indicators.csv"):
        file_lake.put_file(f"landing/polio_master/sample/{name}", SAMPLE / "master" / name)
    file_lake.put_file("landing/polio/afg_2016_03.csv", SAMPLE / "documents" / "afghanistan_2016_03_wide.csv")
    file_lake.put_file("landing/polio/missing_campaign.csv", RHIZOME / "missing_campaign.csv")
    file_lake.put_file("landing/polio_mapping/sample.csv", SAMPLE / "mappings.csv")

    assert run_dag("polio_metadata", {"path": "landing/polio_master/sample"}).ok
    assert run_dag("polio_ingest", {"path": str(SAMPLE / "documents" / "nigeria_2016_01_long.csv")}).ok
    assert run_dag("polio_ingest", {"path": "landing/polio/afg_2016_03.csv",
                                    "region_column": "geocode", "ignore_columns": WIDE_IGNORE}).ok
    failed = run_dag("polio_ingest", {"path": "landing/polio/missing_campaign.csv",
                                      "region_column": "geocode"})
    assert not failed.ok
    assert run_dag("polio_mapping", {"path": "landing/polio_mapping/sample.csv"}).ok
    assert run_dag("polio_mapping", {"kind": "region", "source_string": "Gombe State",
                                     "master": "Gombe (Province)"}).ok
    assert run_dag("polio_data_entry", {"region": "Kano", "campaign": "Nigeria January 2016",
                                        "indicator": "Number of children missed due to child not available",
                                        "value": 900}).ok
    outcome = run_dag("polio_refresh")
    assert outcome.ok, outcome.table()
    # the whole dbt folder is one task (one dbt build: per-model tasks cost more start-up than work)
    assert outcome.task_states["polio_models.build"] == "success"
    # the bench's anchor computes the same marts from the same raw tables (data entry, a later
    # document, rejects, unmapped strings, differences, bool means: what the sample holds)
    assert anchor_differences(url) == {}

    assert query(url, "select source, status from raw_polio.document order by document_id") == [
        (str(SAMPLE / "documents" / "nigeria_2016_01_long.csv"), "loaded"),
        ("landing/polio/afg_2016_03.csv", "loaded"), ("landing/polio/missing_campaign.csv", "failed")]
    assert query(url, "select value, source_datapoint_id from polio.datapoint where region = 'Kano' "
                      "and indicator = 'Number of children missed due to child not available'") == [(900.0, -1)]
    assert query(url, "select value from polio.datapoint where region = 'Gombe (Province)'") == [(61.0,)]
    assert query(url, "select value from polio.datapoint where region = 'Kano' "
                      "and indicator = 'Percent missed children_PCA'") == [(0.045,)]
    missing = query(url, "select kind, source_string from polio.missing_mapping order by 2")
    assert missing == [("indicator", "LPD.group"), ("indicator", "Percent missed children_OfH FM survey")]
    rejected = {r[0] for r in query(url, "select value_string from polio.rejected_value")}
    assert {"n/a", "asf;lkasf;", "sasa"} <= rejected
    national = query(url, "select value, is_calc from polio.datapoint_with_computed where region = 'Nigeria' "
                          "and indicator = '% missed children due to child not available'")
    assert len(national) == 1 and national[0][1] is True and 0 < national[0][0] < 1

    # The refresh's last task left the missing-mapping report of the run's day in the lake; the
    # API lists and serves it.
    (report,) = reports.list_reports("polio")
    assert report.name == "missing_mapping.csv" and report.day in outcome.run_id
    token = secrets.token_urlsafe(24)
    monkeypatch.setenv("TRIBUTARY_API_TOKEN", token)
    client = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
    listed = client.get("/api/v1/reports", params={"domain": "polio"}).json()["items"]
    assert [(i["day"], i["name"]) for i in listed] == [(report.day, "missing_mapping.csv")]
    rows = list(csv.reader(io.StringIO(client.get(listed[0]["url"]).text)))
    assert rows[0] == ["kind", "source_string", "document_id", "rows"]
    assert rows[1:] == [[str(v) for v in row] for row in query(
        url, "select kind, source_string, document_id, rows from polio.missing_mapping order by 1, 2, 3")]
    assert [row[1] for row in rows[1:]] == ["LPD.group", "Percent missed children_OfH FM survey"]
