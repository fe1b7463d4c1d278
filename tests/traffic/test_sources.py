"""The traffic HTTP sources through their hooks against the stand-ins on loopback: the device
inventory (bearer token = the connection's password) and the GRIDSMART cameras."""

from __future__ import annotations

import json

import pytest
from tributary.errors import BadInput, SourceUnavailable
from tributary.traffic import gridsmart, unit_data
from tributary.traffic.hooks import CameraHook, InventoryHook

from include.standins import launch
from tests.traffic.conftest import START


def inventory_connection(monkeypatch, server, token: str, **extra) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_TRAFFIC_INVENTORY", json.dumps(
        {"conn_type": "http", "host": server.host, "port": server.port, "schema": "http",
         "password": token, "extra": extra}))


def test_inventory_lists_devices_of_a_type_with_their_ids(inventory, sample, monkeypatch):
    server, token = inventory
    inventory_connection(monkeypatch, server, token)
    devices = unit_data.fetch_devices("GRIDSMART")
    expected = [d for d in json.loads((sample / "devices.json").read_text())
                if d["device_type"] == "GRIDSMART"]
    assert [d["device_name"] for d in devices] == [d["device_name"] for d in expected]
    assert all(d["device_id"] == unit_data.device_id(d) for d in devices)
    assert InventoryHook().test_connection()[0]


def test_a_wrong_token_fails_at_once_naming_the_connection(inventory, monkeypatch):
    server, token = inventory
    inventory_connection(monkeypatch, server, "not-the-token-123")
    waits: list[float] = []
    with pytest.raises(BadInput, match=r"connection 'traffic_inventory' refused the request "
                                       r"\(HTTP 401; check the token") as refused:
        InventoryHook(sleep=waits.append).devices("BLUETOOTH")
    assert not isinstance(refused.value, SourceUnavailable) and waits == []
    assert "not-the-token-123" not in str(refused.value)


def test_an_inventory_that_does_not_answer_is_unavailable_after_the_retries(inventory, monkeypatch):
    _, token = inventory
    closed = launch.free_port()  # nobody listens there
    monkeypatch.setenv("AIRFLOW_CONN_TRAFFIC_INVENTORY", json.dumps(
        {"conn_type": "http", "host": "127.0.0.1", "port": closed, "schema": "http",
         "password": token, "extra": {"max_attempts": 2, "retry_delay": 0.25}}))
    waits: list[float] = []
    with pytest.raises(SourceUnavailable, match=r"connection 'traffic_inventory': GET /api/v1/devices "
                                                r"failed after 2 attempts: ConnectionError"):
        InventoryHook(sleep=waits.append).devices("BLUETOOTH")
    assert waits == [0.25]


def test_cameras_answer_through_the_url_template(cameras, sample, monkeypatch, caplog):
    monkeypatch.setenv("AIRFLOW_CONN_GRIDSMART", json.dumps(
        {"conn_type": "http", "extra": {"url_template": f"{cameras.url}/devices/{{ip}}",
                                        "retry_delay": 0.01}}))
    online = next(p.name for p in (sample / "gridsmart").iterdir() if p.is_dir())
    base = gridsmart.url_template().format(ip=online)
    assert base == f"{cameras.url}/devices/{online}"
    site = gridsmart._get(f"{base}/api/site")
    assert site is not None and json.loads(site.content) == json.loads(
        (sample / "gridsmart" / online / "site.json").read_text())
    counts = gridsmart._get(f"{base}/api/counts/bydate/{START.isoformat()}")
    assert counts is not None and counts.content[:2] == b"PK"

    # No counts that day (404) and an offline camera (503, asked twice): logged, no failure.
    caplog.set_level("WARNING", logger="tributary.traffic")
    assert gridsmart._get(f"{base}/api/counts/bydate/1999-01-01") is None
    offline = gridsmart.url_template().format(ip="10.255.0.1")
    assert gridsmart._get(f"{offline}/api/site") is None
    assert "answered 404" in caplog.text and "still answered 503 after 2 attempts" in caplog.text
    assert "connection 'gridsmart'" in caplog.text


def test_without_a_connection_cameras_are_called_directly(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_GRIDSMART", raising=False)
    hook = CameraHook()
    assert gridsmart.url_template() == "http://{ip}:8902"
    assert hook.device_url("10.1.2.3") == "http://10.1.2.3:8902" and hook.timeout == (3.0, 30.0)
