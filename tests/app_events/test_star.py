"""The dbt star on two loaded sample days, the report app_refresh leaves, and the API routes
over them (real database)."""

import csv
import datetime as dt
import io
import uuid

import pytest
from fastapi.testclient import TestClient
from tributary import reports, warehouse
from tributary.api.app import create_app
from tributary.dag_runner import load_dag


def _one(sql: str, *params):
    with warehouse.connect() as conn:
        return conn.execute(sql, params).fetchone()


def test_fct_activity_counts_every_attributable_event(star):
    raw = _one("select count(*) from raw_app.event where nullif(mdn, '') is not null")[0]
    assert raw > 0
    assert _one("select sum(events) from app.fct_activity")[0] == raw
    assert _one("select count(*) from raw_app.event")[0] == sum(s["events"] for s in star.values())


def test_star_dimensions_cover_the_facts(star):
    inferred, total = _one("select count(*) filter (where is_inferred), count(*) from app.dim_line")
    assert 0 < inferred < total  # the sample has events from lines missing in the line file
    assert _one("select count(*) from app.fct_limit")[0] == _one("select count(*) from raw_app.limit_fact")[0]
    assert _one("select min(calendar_date) <= (select min(limit_date) from app.fct_limit) from app.dim_calendar")[0]


def test_top_properties_ranks_flattened_nested_keys(star):
    row = _one("select events_with_property, property_rank from app.top_properties "
               "where event_type = 'location_check' and property = 'location.lat'")
    assert row is not None and row[0] > 0


@pytest.fixture
def client(monkeypatch, star):
    token = uuid.uuid4().hex
    monkeypatch.setenv("TRIBUTARY_API_TOKEN", token)
    with TestClient(create_app()) as c:
        c.headers["Authorization"] = f"Bearer {token}"
        yield c


def test_the_refresh_ends_by_writing_its_report(client):
    """An app_refresh run for a day on the star the fixture built: its dbt tasks are marked done
    instead of building the models a second time, its last task writes the day's report, which
    the lake holds and the API serves."""
    dag = load_dag("app_refresh")
    assert [t.task_id for t in dag.leaves] == ["write_reports"]
    for task in dag.tasks:
        task.retries = 0
    run = dag.test(logical_date=dt.datetime(2024, 5, 22, 6, tzinfo=dt.UTC),
                   mark_success_pattern=r"(?!write_reports$).*")
    assert str(run.state) == "success"

    assert [r.name for r in reports.list_reports("app_events", "2024-05-22")] == [
        "daily_active_lines_by_grouping.csv"]  # the run's logical date is the report's day
    (listed,) = client.get("/api/v1/reports", params={"domain": "app_events", "day": "2024-05-22"}).json()["items"]
    served = client.get(listed["url"])
    assert served.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(served.text)))
    assert rows[0] == ["device_grouping", "line_days", "events"]
    with warehouse.connect() as conn:
        groupings = conn.execute("select device_grouping, sum(active_lines), sum(events) "
                                 "from app.daily_active_lines group by 1").fetchall()
    assert len(groupings) > 1
    assert rows[1:] == [[g, str(lines), str(events)] for g, lines, events in
                        sorted(groupings, key=lambda r: (-r[2], r[0]))]  # busiest first


def test_api_needs_a_token(client):
    assert client.get("/api/v1/app/activity", headers={"Authorization": "Bearer wrong"}).status_code == 401
    client.headers.pop("Authorization")
    assert client.get("/api/v1/app/activity").status_code == 401


def test_activity_paginates_and_filters(client):
    total = _one("select count(*) from app.fct_activity")[0]
    first = client.get("/api/v1/app/activity", params={"limit": 5}).json()
    second = client.get("/api/v1/app/activity", params={"limit": 5, "offset": 5}).json()
    assert first["total"] == total and len(first["items"]) == 5
    assert first["more"] is True and first["limit"] == 5
    assert client.get("/api/v1/app/activity", params={"offset": total - 1}).json()["more"] is False
    assert not {tuple(i.values()) for i in first["items"]} & {tuple(i.values()) for i in second["items"]}
    mdn, day = _one("select mdn, event_date from app.fct_activity order by events desc limit 1")
    page = client.get("/api/v1/app/activity",
                      params={"mdn": mdn, "date_from": str(day), "date_to": str(day)}).json()
    assert page["items"] and all(i["mdn"] == mdn and i["event_date"] == str(day) for i in page["items"])
    assert page["total"] == _one("select count(*) from app.fct_activity where mdn = %s and event_date = %s",
                                 mdn, day)[0]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 10_001}, {"offset": -1},
                                    {"date_from": "20-05-2024"}, {"mdn": "abc"},
                                    {"date_from": "2024-05-21", "date_to": "2024-05-20"}])
def test_activity_validation_errors(client, params):
    assert client.get("/api/v1/app/activity", params=params).status_code == 422


def test_by_device_returns_only_that_grouping(client):
    expected = _one("select coalesce(sum(events), 0) from app.activity_by_device_grouping "
                    "where device_grouping = 'ANDROID'")[0]
    page = client.get("/api/v1/app/by_device", params={"grouping": "android", "limit": 1000}).json()
    assert expected > 0
    assert {i["device_grouping"] for i in page["items"]} == {"ANDROID"}
    assert sum(i["events"] for i in page["items"]) == expected
    assert client.get("/api/v1/app/by_device").status_code == 422


def test_by_limit_lists_active_lines_with_that_limit(client):
    expected = _one("select count(distinct l.mtn) from app.fct_limit l join app.fct_activity a "
                    "on a.mdn = l.mtn where l.limit_type = 'USG'")[0]
    page = client.get("/api/v1/app/by_limit", params={"type": "USG"}).json()
    assert page["total"] == expected > 0
    assert all(i["limit_type"] == "USG" and i["active_days"] > 0 for i in page["items"])
    assert client.get("/api/v1/app/by_limit", params={"type": "US G"}).status_code == 422
