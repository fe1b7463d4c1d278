"""The polio HTTP API through the real app (auth included) against a real warehouse."""

from __future__ import annotations

import csv
import io
import secrets

import pytest
from fastapi.testclient import TestClient
from tributary.polio import data_entry


@pytest.fixture
def client(monkeypatch):
    from tributary.api.app import create_app

    token = secrets.token_urlsafe(24)
    monkeypatch.setenv("TRIBUTARY_API_TOKEN", token)
    return TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})


def test_requires_a_token(monkeypatch):
    from tributary.api.app import create_app

    monkeypatch.setenv("TRIBUTARY_API_TOKEN", secrets.token_urlsafe(24))
    anonymous = TestClient(create_app())
    assert anonymous.get("/api/v1/datapoint", params={"indicator__in": "x"}).status_code == 401
    assert anonymous.get("/api/v1/region").status_code == 401
    wrong = anonymous.post("/api/v1/datapoint", headers={"Authorization": "Bearer nope"},
                           json={"region": "a", "campaign": "b", "indicator": "c", "value": 1})
    assert wrong.status_code == 401


@pytest.mark.slow
def test_datapoints_master_data_and_data_entry(polio_db, client, dbt):
    url = polio_db
    data_entry.enter_values([
        data_entry.Entry("Dala", "2016-01 NID", "missed", 10),
        data_entry.Entry("Kano Municipal", "2016-01 NID", "missed", 20),
        data_entry.Entry("Dala", "2016-01 NID", "targeted", 100),
        data_entry.Entry("Lagos", "2016-03 SNID", "missed", 5),
    ], url=url)
    dbt("run", "--select", "path:models/polio")

    bad = client.get("/api/v1/datapoint")
    assert bad.status_code == 400
    assert bad.json()["detail"] == "'indicator__in' is a required parameter!"
    assert client.get("/api/v1/datapoint", params={"indicator__in": "missed",
                                                   "format": "xml"}).status_code == 422
    assert client.get("/api/v1/datapoint", params={"indicator__in": "missed",
                                                   "campaign_start": "not a date"}).status_code == 422

    def values(**params):
        body = client.get("/api/v1/datapoint", params=params).json()
        return {(o["region"], o["campaign"], o["indicator"]): o["value"] for o in body["objects"]}

    children = values(indicator__in="missed", parent_region__in="Kano")
    assert children == {("Dala", "2016-01 NID", "missed"): 10,
                        ("Kano Municipal", "2016-01 NID", "missed"): 20}
    districts = values(indicator__in="missed", parent_region__in="World", region_type="district")
    assert set(districts) == set(children)
    provinces = values(indicator__in="missed", parent_region__in="Nigeria")
    assert provinces == {("Kano", "2016-01 NID", "missed"): 30, ("Lagos", "2016-03 SNID", "missed"): 5}
    march = values(indicator__in="missed", region__in="Lagos", campaign_start="2016-03-01")
    assert march == {("Lagos", "2016-03 SNID", "missed"): 5}
    jan = values(indicator__in=["missed", "pct missed"], campaign__in="2016-01 NID", region__in="Dala")
    assert jan == {("Dala", "2016-01 NID", "missed"): 10, ("Dala", "2016-01 NID", "pct missed"): 0.1}

    response = client.get("/api/v1/datapoint", params={
        "indicator__in": ["missed", "targeted"], "region__in": ["Dala", "Kano"], "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["campaign", "region", "missed", "targeted"]
    assert sorted(rows[1:]) == [["2016-01 NID", "Dala", "10.0", "100.0"],
                                ["2016-01 NID", "Kano", "30.0", "100.0"]]

    # Pages: values in JSON, (campaign, region) rows in CSV; `more` in meta and in the headers.
    params = {"indicator__in": "missed", "parent_region__in": "Kano", "limit": 1}
    first = client.get("/api/v1/datapoint", params=params)
    assert first.json()["meta"] | {"count": 1, "limit": 1, "offset": 0, "more": True} == first.json()["meta"]
    assert first.headers["X-More"] == "true" and 'rel="next"' in first.headers["Link"]
    last = client.get("/api/v1/datapoint", params={**params, "offset": 1}).json()
    assert last["meta"]["more"] is False and len(last["objects"]) == 1
    assert last["objects"][0]["region"] != first.json()["objects"][0]["region"]
    csv_page = client.get("/api/v1/datapoint", params={**params, "format": "csv"})
    assert len(csv_page.text.splitlines()) == 2 and csv_page.headers["X-More"] == "true"
    assert client.get("/api/v1/datapoint", params={**params, "limit": 10_001}).status_code == 422
    assert client.get("/api/v1/region", params={"limit": 2}).headers["X-More"] == "true"

    assert {"name": "Kano", "parent": "Nigeria", "region_type": "province"} in client.get("/api/v1/region").json()
    assert [c["name"] for c in client.get("/api/v1/campaign").json()] == ["2016-03 SNID", "2016-01 NID"]
    assert {"name": "pct missed", "data_format": "pct"} in client.get("/api/v1/indicator").json()

    posted = client.post("/api/v1/datapoint", json={"region": "Lagos", "campaign": "2016-01 NID",
                                                    "indicator": "missed", "value": 7})
    assert posted.status_code == 202, posted.text
    unknown = client.post("/api/v1/datapoint", json={"region": "Atlantis", "campaign": "2016-01 NID",
                                                     "indicator": "missed", "value": 7})
    assert unknown.status_code == 400 and "Atlantis" in unknown.json()["detail"]
    assert client.post("/api/v1/datapoint", json={"region": "Lagos"}).status_code == 422
    dbt("run", "--select", "path:models/polio")
    assert values(indicator__in="missed", region__in="Nigeria", campaign__in="2016-01 NID") == {
        ("Nigeria", "2016-01 NID", "missed"): 37}

    schema = client.get("/openapi.json").json()
    assert "/api/v1/datapoint" in schema["paths"]
