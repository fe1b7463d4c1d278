"""Faults at the website and in the exporter: nothing half-written, benchmark unchanged, nothing
deleted that is not safely stored, clear errors naming the server, and every entry caught up or
recoverable afterwards. These call the exporter directly against the stand-in over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import psycopg
import pytest
from tributary.errors import BadInput, SourceUnavailable
from tributary.lake import open_lake
from tributary.mindtrails import export, pipeline, recover, rsa_fields
from tributary.mindtrails.backups import ROOT
from tributary.mindtrails.servers import load_server
from tributary.mindtrails.site_client import SiteError, SiteRefused, SiteUnavailable, StudySite

from tests.mindtrails.conftest import connect_server, start_site


@pytest.fixture
def name() -> str:
    """A server name of its own per test: tests share the session warehouse, rows never mix."""
    return f"t{uuid.uuid4().hex[:8]}"


def stored(url: str, server: str, scale: str | None = None) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("select count(*) from raw_mindtrails.entry where server = %s "
                            "and (%s::text is null or scale = %s)", (server, scale, scale)).fetchone()[0]


def benchmark(url: str, server: str, scale: str) -> int | None:
    with psycopg.connect(url) as conn:
        row = conn.execute("select current_id from raw_mindtrails.benchmark where server = %s "
                           "and scale = %s", (server, scale)).fetchone()
    return row[0] if row else None


def export_all(items: list[dict]) -> dict[str, Exception | dict]:
    """Run every planned item like the mapped tasks do; collect each outcome."""
    outcomes: dict[str, Exception | dict] = {}
    for item in items:
        try:
            outcomes[item["scale"]] = pipeline.export_item(item)
        except Exception as exc:  # the mapped task would fail; the others still run
            outcomes[item["scale"]] = exc
    return outcomes


@pytest.mark.parametrize("mode", ["error500", "truncate", "down"])
def test_failed_fetch_writes_nothing_and_next_run_catches_up(mode, name, warehouse_url, file_lake,
                                                             study_keys, site, monkeypatch):
    connect_server(monkeypatch, site, name, private_key=study_keys[0])
    items = pipeline.plan_exports(name, ".")
    assert {i["scale"] for i in items} == {"OA", "DASS21", "Demographics"}
    export_all(items)
    before = {s: benchmark(warehouse_url, name, s) for s in ("OA", "DASS21")}
    total = stored(warehouse_url, name)
    backups = len(file_lake.list(ROOT))
    site.fault(mode, "DASS21" if mode != "down" else None)

    outcomes = export_all(items)
    failed = outcomes["DASS21"]
    assert isinstance(failed, SiteUnavailable) and f"'{name}'" in str(failed)  # retried
    assert {s: benchmark(warehouse_url, name, s) for s in ("OA", "DASS21")} == before
    assert stored(warehouse_url, name) == total and len(file_lake.list(ROOT)) == backups

    site.fault(None)
    export_all(items)
    for scale in ("OA", "DASS21", "Demographics"):
        assert stored(warehouse_url, name, scale) == len(site.entries(scale))


def test_partial_outage_then_catch_up(name, warehouse_url, file_lake, study_keys, site, monkeypatch):
    """The first run fails on one scale only; the next run loads what was missing, once."""
    connect_server(monkeypatch, site, name, private_key=study_keys[0])
    items = pipeline.plan_exports(name, "all")
    site.fault("error500", "TaskLog")
    outcomes = export_all(items)
    assert isinstance(outcomes["TaskLog"], SiteUnavailable)
    assert stored(warehouse_url, name, "TaskLog") == 0 and benchmark(warehouse_url, name, "TaskLog") is None
    assert stored(warehouse_url, name, "OA") == len(site.entries("OA"))
    site.fault(None)
    outcomes = export_all(items)
    assert outcomes["TaskLog"]["inserted"] == len(site.entries("TaskLog"))
    assert outcomes["OA"]["fetched"] == 0  # only entries above the benchmark are asked for


def test_site_stopped_names_the_server(name, warehouse_url, file_lake, study_keys, monkeypatch):
    running = start_site(study_keys[1], participants=5)
    connect_server(monkeypatch, running, "gamma", private_key=study_keys[0])
    running.handle.stop()
    with pytest.raises(SiteUnavailable, match="server 'gamma'.*ConnectionError"):
        pipeline.plan_exports("gamma", ".")


def test_wrong_password_is_a_clear_error(name, warehouse_url, file_lake, study_keys, site, monkeypatch):
    connect_server(monkeypatch, site, name, private_key=study_keys[0], password="not-the-password")
    with pytest.raises(SiteRefused, match=rf"server '{name}' rejected the credentials .*HTTP 401.*mindtrails_{name}") as refused:
        pipeline.plan_exports(name, ".")
    assert isinstance(refused.value, SiteError) and isinstance(refused.value, BadInput)  # no retries


@pytest.mark.parametrize(("mode", "message"), [("malformed", "not valid JSON"),
                                               ("missing_id", "has no integer id")])
def test_bad_response_is_rejected_and_nothing_deleted(mode, message, name, warehouse_url, file_lake,
                                                      study_keys, site, monkeypatch):
    connect_server(monkeypatch, site, name, private_key=study_keys[0], delete_mode=True)
    on_site = len(site.entries("OA"))
    site.fault(mode, "OA")
    with pytest.raises(export.EntryError, match=f"server '{name}', scale 'OA'.*{message}"):
        pipeline.export_item({"server": name, "scale": "OA", "deleteable": True})
    site.fault(None)
    assert site.state()["deleted"] == 0 and len(site.entries("OA")) == on_site
    assert stored(warehouse_url, name) == 0 and benchmark(warehouse_url, name, "OA") is None
    assert file_lake.list(ROOT) == []
    with psycopg.connect(warehouse_url) as conn:
        (reason,) = conn.execute("select reason from raw_mindtrails.reject where source = %s", (f"{name}/OA",)).fetchone()
    assert message in reason


def test_wrong_key_deletes_nothing_and_flags_rows(name, warehouse_url, file_lake, study_keys, site, monkeypatch):
    wrong_key, _ = rsa_fields.generate_key_pair(1024)
    connect_server(monkeypatch, site, name, private_key=wrong_key, delete_mode=True)
    on_site = site.entries("OA")
    with pytest.raises(export.ExportError, match=f"server '{name}', scale 'OA'.*cannot decrypt participantRSA.*nothing deleted"):
        pipeline.export_item({"server": name, "scale": "OA", "deleteable": True})
    assert site.state()["deleted"] == 0 and len(site.entries("OA")) == len(on_site)
    assert stored(warehouse_url, name, "OA") == len(on_site)  # backed up and loaded, ciphertext kept

    report = pipeline.decrypt([name])
    assert report[name] == {"decoded": len(on_site), "decrypt_failed": len(on_site)}
    with psycopg.connect(warehouse_url) as conn:
        kept = dict(conn.execute("select id, payload->>'participantRSA' from raw_mindtrails.decoded "
                                 "where server = %s and decrypt_failed and failed_fields ? 'participantRSA'", (name,)).fetchall())
    assert kept == {e["id"]: e["participantRSA"] for e in on_site}

    # The key is fixed in the connection: flagged rows are decrypted on the next transform.
    connect_server(monkeypatch, site, name, private_key=study_keys[0], delete_mode=True)
    assert pipeline.decrypt([name])[name] == {"decoded": len(on_site), "decrypt_failed": 0}


def test_failed_delete_alerts_and_is_retried(name, warehouse_url, file_lake, study_keys, site,
                                             smtp_sink, monkeypatch):
    connect_server(monkeypatch, site, name, private_key=study_keys[0], delete_mode=True)
    ids = [e["id"] for e in site.entries("Demographics")]
    site.fault("delete_error", "Demographics")
    item = {"server": name, "scale": "Demographics", "deleteable": True}
    with pytest.raises(export.DeleteFailed, match="could not delete") as failed:
        pipeline.export_item(item)
    assert isinstance(failed.value, SourceUnavailable)  # the retry deletes them again
    assert stored(warehouse_url, name, "Demographics") == len(ids)
    assert benchmark(warehouse_url, name, "Demographics") == max(ids)
    assert [(kind, severity) for kind, severity, *_ in smtp_sink.alerts()] == [
        ("new_benchmark", "INFO"), ("delete_failed", "CRITICAL")]
    mail = smtp_sink.text()
    assert "Delete failed" in mail and name in mail and "Demographics" in mail
    assert ", ".join(map(str, ids[:5])) in mail

    site.fault(None)
    result = pipeline.export_item(item)
    assert result["stale_ids"] == ids and result["deleted_ids"] == ids and result["inserted"] == 0
    assert site.entries("Demographics") == []
    critical = smtp_sink.messages[-1]
    assert "CRITICAL" in critical["Subject"] and "Previous sensitive data is still on the server" in critical["Subject"]
    assert "scale Demographics" in smtp_sink.text()


def test_kill_between_backup_and_delete_loses_nothing(name, warehouse_url, file_lake, study_keys, site,
                                                      smtp_sink, monkeypatch):
    connect_server(monkeypatch, site, name, private_key=study_keys[0], delete_mode=True)
    on_site = site.entries("OA")
    site.fault("delete_hang", "OA")
    child = subprocess.Popen(
        [sys.executable, "-c", "from tributary.mindtrails import pipeline; "
         f"pipeline.export_item({{'server': '{name}', 'scale': 'OA', 'deleteable': True}})"],
        env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while site.state()["pending_deletes"] == 0:
            assert child.poll() is None and time.monotonic() < deadline, "exporter never reached its deletes"
            time.sleep(0.1)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    site.fault(None)
    assert len(site.entries("OA")) == len(on_site)  # nothing deleted
    assert stored(warehouse_url, name, "OA") == len(on_site)  # but all backed up and committed
    assert file_lake.list(f"{ROOT}/{name}/OA")

    # The next run finds the old entries still there, alerts, and deletes them.
    result = pipeline.export_item({"server": name, "scale": "OA", "deleteable": True})
    assert result["stale_ids"] == [e["id"] for e in on_site]
    assert site.entries("OA") == []
    # And the lake alone still holds every entry.
    with psycopg.connect(warehouse_url) as conn:
        conn.execute("delete from raw_mindtrails.entry where server = %s", (name,))
        conn.execute("delete from raw_mindtrails.benchmark where server = %s", (name,))
    assert recover.recover(open_lake(), name).inserted == len(on_site)
    assert recover.recover(open_lake(), name).inserted == 0  # idempotent
    assert stored(warehouse_url, name, "OA") == len(on_site)


def test_private_key_is_masked(study_keys, site, monkeypatch):
    from airflow.sdk._shared.secrets_masker import redact

    connect_server(monkeypatch, site, "delta", private_key=study_keys[0])
    server = load_server("delta")
    assert "private_key" not in repr(server) and site.password not in repr(server)
    assert study_keys[0] not in str(redact(f"key is {server.private_key}"))
    assert site.password not in str(redact(f"password {server.password}"))


@pytest.mark.parametrize("mode", ["error500", "truncate"])
def test_the_site_client_asks_again_before_giving_up(mode, study_keys, site, monkeypatch):
    """Through `StudySiteHook` (the connection's max_attempts 2): a 500 or a body cut short is
    asked for twice, then `SiteUnavailable` names the server and its connection."""
    connect_server(monkeypatch, site, "epsilon", private_key=study_keys[0])
    client = StudySite(load_server("epsilon"))
    site.fault(mode, "OA")
    before = site.state()["requests"]
    with pytest.raises(SiteUnavailable, match=r"server 'epsilon' \(connection mindtrails_epsilon\): "
                                              r"GET api/export/OA .*after 2 attempts"):
        client.fetch("OA")
    assert site.state()["requests"] - before == 2
    site.fault(None)
    assert client.fetch("OA") and client.hook.test_connection()[0]
