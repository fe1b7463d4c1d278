"""SocrataHook connection handling and provider registration; retries against the stand-in."""

from __future__ import annotations

import json

import pytest
from tributary.errors import BadInput, SourceUnavailable
from tributary.http_source import RetryPolicy
from tributary.provider import get_provider_info
from tributary.socrata import soda as soda_json
from tributary.socrata.hook import SocrataHook
from tributary.socrata.responses import SocrataError


def hook_for(monkeypatch, conn: dict, **kwargs) -> SocrataHook:
    monkeypatch.setenv("AIRFLOW_CONN_SOCRATA_UNIT", json.dumps({"conn_type": "socrata", **conn}))
    return SocrataHook("socrata_unit", **kwargs)


@pytest.mark.parametrize(("conn", "url"), [
    ({"host": "data.example.gov"}, "https://data.example.gov"),
    ({"host": "127.0.0.1", "port": 8123, "schema": "http"}, "http://127.0.0.1:8123"),
    ({"host": "https://data.example.gov/"}, "https://data.example.gov"),
])
def test_base_url(monkeypatch, conn, url):
    assert hook_for(monkeypatch, conn).resource_url("abcd-1234") == f"{url}/resource/abcd-1234.json"


def test_bad_scheme_and_missing_host_are_refused(monkeypatch):
    with pytest.raises(SocrataError, match="scheme"):
        _ = hook_for(monkeypatch, {"host": "x.gov", "schema": "ftp"}).base_url
    with pytest.raises(SocrataError, match="no host"):
        _ = hook_for(monkeypatch, {"host": ""}).base_url


def test_session_carries_auth_app_token_and_simulate_flag(monkeypatch):
    hook = hook_for(monkeypatch, {"host": "x.gov", "login": "me", "password": "pw",
                                  "extra": {"app_token": "tok", "simulate": "true", "timeout": 42}})
    session = hook.get_conn()
    assert session.auth == ("me", "pw") and session.headers["X-App-Token"] == "tok"
    assert hook.simulate and hook.timeout == (10.0, 42.0)
    legacy = hook_for(monkeypatch, {"host": "x.gov", "extra": {"extra__socrata__app_token": "t2"}})
    assert legacy.get_conn().headers["X-App-Token"] == "t2" and not legacy.simulate
    with pytest.raises(BadInput, match="connection 'socrata_unit': extra 'simulate' must be true or false"):
        _ = hook_for(monkeypatch, {"host": "x.gov", "extra": {"simulate": "maybe"}}).simulate


def test_connection_type_is_registered_with_its_form():
    entry = next(e for e in get_provider_info()["connection-types"] if e["connection-type"] == "socrata")
    assert entry["hook-class-name"] == "tributary.socrata.hook.SocrataHook"
    assert entry["conn-fields"]["app_token"]["schema"]["format"] == "password"
    assert "extra" in SocrataHook.get_ui_field_behaviour()["hidden_fields"]


def test_5xx_is_retried_with_backoff_then_succeeds(soda, dataset):
    waits: list[float] = []
    hook = SocrataHook(retry_policy=RetryPolicy(max_attempts=4, base_delay=0.5), sleep=waits.append)
    soda.add_fault(502, on_request=1, times=2)
    result = hook.upsert(dataset, soda_json.body([json.dumps({"id": 1}).encode()]))
    assert result.created == 1 and waits == [0.5, 1.0]
    assert [r["status"] for r in soda.requests()] == [502, 502, 200]


def test_retries_are_bounded(soda, dataset):
    waits: list[float] = []
    hook = SocrataHook(retry_policy=RetryPolicy(max_attempts=3, base_delay=0.1), sleep=waits.append)
    soda.add_fault(500, on_request=1, times=10, body="database is down")
    with pytest.raises(SocrataError, match="still answered 500 after 3 attempts: .*database is down") as failed:
        hook.upsert(dataset, soda_json.body([json.dumps({"id": 1}).encode()]))
    assert len(soda.requests()) == 3 and len(waits) == 2
    assert isinstance(failed.value, SourceUnavailable)  # Airflow retries the task


def test_wrong_app_token_is_refused(soda, dataset, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SOCRATA_DEFAULT", soda.connection_json(extra={"app_token": "nope"}))
    with pytest.raises(SocrataError, match="403.*Invalid app_token") as refused:
        SocrataHook().upsert(dataset, soda_json.body([json.dumps({"id": 1}).encode()]))
    assert isinstance(refused.value, BadInput) and len(soda.requests()) == 1  # fails at once


def test_reads_rows_with_soql_parameters(soda, dataset):
    hook = SocrataHook()
    hook.upsert(dataset, soda_json.body([json.dumps({"id": i, "kind": "ab"[i % 2]}).encode() for i in range(1, 8)]))
    assert [r["id"] for r in hook.get_rows(dataset, **{"$where": "kind = 'a'", "$order": "id DESC",
                                                         "$limit": 2, "$offset": 1})] == [4, 2]
    assert hook.test_connection()[0]
