"""The API checks credentials itself: a configured token when run alone, Airflow's JWT when
mounted in the Airflow API server."""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient
from tributary import warehouse
from tributary.api.app import create_app


@pytest.fixture
def token(monkeypatch) -> str:
    value = secrets.token_urlsafe(24)
    monkeypatch.setenv("TRIBUTARY_API_TOKEN", value)
    return value


def test_health_is_open():
    assert TestClient(create_app()).get("/health").json() == {"status": "ok"}


def test_routes_need_the_token(token):
    client = TestClient(create_app())
    assert client.get("/api/v1/platform/load_history").status_code == 401
    wrong = client.get("/api/v1/platform/load_history", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_load_history_reads_the_mart(fresh_warehouse, token, dbt):
    with warehouse.transaction() as conn:
        conn.execute("create table raw_platform.demo (id int primary key)")
        warehouse.load(conn, "raw_platform.demo", ["id"], [(1,), (2,), (3,)])
    client = TestClient(create_app())
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/platform/load_history", headers=auth).status_code == 503
    dbt("build", "--select", "path:models/platform")
    rows = client.get("/api/v1/platform/load_history", headers=auth,
                      params={"target": "raw_platform.demo"}).json()
    assert [(r["target"], r["rows_in"], r["inserted"]) for r in rows] == [("raw_platform.demo", 3, 3)]
    assert client.get("/api/v1/platform/load_history", headers=auth, params={"limit": 0}).status_code == 422
    assert client.get("/api/v1/platform/load_history", headers=auth,
                      params={"limit": 10_001}).status_code == 422


def test_airflow_jwt_is_accepted_when_mounted(monkeypatch):
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_urlsafe(32))
    from airflow.api_fastapi.app import create_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    manager = create_auth_manager()
    manager.init()
    jwt = manager.generate_jwt(SimpleAuthManagerUser(username="ana", role="viewer"))
    client = TestClient(create_app(airflow_auth=True))
    assert client.get("/api/v1/platform/load_history").status_code == 401
    assert client.get("/api/v1/platform/load_history",
                      headers={"Authorization": "Bearer not-a-jwt"}).status_code == 401
    ok = client.get("/api/v1/platform/load_history", headers={"Authorization": f"Bearer {jwt}"})
    assert ok.status_code in (200, 503)  # authenticated; 503 until the mart is built
