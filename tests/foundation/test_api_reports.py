"""`/api/v1/reports` through the real app: the list (paged like every list), one file served with
its content type, 404 for an absent report, 422 for names that cannot be one, 401 without a token."""

from __future__ import annotations

import csv
import io
import secrets

import pytest
from fastapi.testclient import TestClient
from tributary import reports
from tributary.api.app import create_app

DAY = "2026-03-14"


@pytest.fixture
def client(monkeypatch, file_lake) -> TestClient:
    token = secrets.token_urlsafe(24)
    monkeypatch.setenv("TRIBUTARY_API_TOKEN", token)
    client = TestClient(create_app())
    client.headers["Authorization"] = f"Bearer {token}"
    reports.write_report("polio", DAY, "missing_mapping.csv", b"kind,source_string\nregion,Kano\n")
    reports.write_report("polio", "2026-03-13", "missing_mapping.csv", b"kind,source_string\n")
    reports.write_report("traffic", DAY, "sensor health.png", b"\x89PNG\r\n\x1a\n")
    reports.write_report("migration", DAY, "README.md", b"# Migration\n")
    reports.write_report("migration", DAY, "chart.html", b"<script>alert(1)</script>")
    return client


def test_list_pages_newest_day_first(client):
    listed = client.get("/api/v1/reports")
    assert listed.status_code == 200
    body = listed.json()
    assert [(i["domain"], i["day"], i["name"]) for i in body["items"]] == [
        ("migration", DAY, "README.md"), ("migration", DAY, "chart.html"),
        ("polio", DAY, "missing_mapping.csv"), ("traffic", DAY, "sensor health.png"),
        ("polio", "2026-03-13", "missing_mapping.csv")]
    assert body["more"] is False and listed.headers["X-More"] == "false"
    first = body["items"][2]
    assert first["size"] == 31 and first["key"] == f"reports/polio/{DAY}/missing_mapping.csv"
    assert first["url"] == f"http://testserver/api/v1/reports/polio/{DAY}/missing_mapping.csv"
    assert body["items"][3]["url"].endswith("/traffic/2026-03-14/sensor%20health.png")

    page = client.get("/api/v1/reports", params={"limit": 2, "offset": 2})
    assert [i["name"] for i in page.json()["items"]] == ["missing_mapping.csv", "sensor health.png"]
    assert page.json()["more"] is True and page.headers["X-More"] == "true"
    assert page.headers["Link"].endswith('offset=4>; rel="next"')

    polio = client.get("/api/v1/reports", params={"domain": "polio", "day": DAY}).json()["items"]
    assert [(i["domain"], i["day"]) for i in polio] == [("polio", DAY)]
    assert client.get("/api/v1/reports", params={"domain": "socrata"}).json()["items"] == []

    as_csv = client.get("/api/v1/reports", params={"domain": "polio", "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["day"], r["size"]) for r in rows] == [(DAY, "31"), ("2026-03-13", "19")]


def test_each_file_is_served_with_its_type(client):
    got = client.get(f"/api/v1/reports/polio/{DAY}/missing_mapping.csv")
    assert got.status_code == 200 and got.content == b"kind,source_string\nregion,Kano\n"
    assert got.headers["content-type"] == "text/csv; charset=utf-8"
    assert got.headers["content-disposition"] == 'inline; filename="missing_mapping.csv"'
    chart = client.get(client.get("/api/v1/reports", params={"domain": "traffic"}).json()["items"][0]["url"])
    assert chart.headers["content-type"] == "image/png" and chart.content.startswith(b"\x89PNG")
    assert client.get(f"/api/v1/reports/migration/{DAY}/README.md").headers["content-type"].startswith(
        "text/markdown")
    html = client.get(f"/api/v1/reports/migration/{DAY}/chart.html")  # never rendered in the API's origin
    assert html.headers["content-type"] == "application/octet-stream"
    assert html.headers["content-disposition"].startswith("attachment")
    assert html.headers["x-content-type-options"] == "nosniff"


def test_absent_reports_are_404_and_bad_names_422(client):
    for path in (f"polio/{DAY}/nope.csv", "polio/2026-03-12/missing_mapping.csv",
                 f"nobody/{DAY}/missing_mapping.csv", f"traffic/{DAY}/sensor%20health.PNG"):
        missing = client.get(f"/api/v1/reports/{path}")
        assert missing.status_code == 404, path
        assert "no report" in missing.json()["detail"]
    for path, reason in ((f"polio/{DAY}/%2E%2E", "report name"), (f"polio/{DAY}/.hidden", "report name"),
                         (f"%2E%2E/{DAY}/x.csv", "report domain"), ("polio/2026-13-40/x.csv", "YYYY-MM-DD"),
                         ("polio/latest/x.csv", "YYYY-MM-DD"), (f"polio/{DAY}/a%5Cb.csv", "report name")):
        bad = client.get(f"/api/v1/reports/{path}")
        assert bad.status_code == 422, path
        assert reason in bad.json()["detail"], bad.json()
    assert client.get("/api/v1/reports", params={"domain": ".."}).status_code == 422
    assert client.get("/api/v1/reports", params={"day": "2026-02-30"}).status_code == 422
    assert client.get("/api/v1/reports", params={"limit": 10_001}).status_code == 422


def test_reports_need_a_token(client):
    client.headers.pop("Authorization")
    assert client.get("/api/v1/reports").status_code == 401
    assert client.get(f"/api/v1/reports/polio/{DAY}/missing_mapping.csv").status_code == 401
