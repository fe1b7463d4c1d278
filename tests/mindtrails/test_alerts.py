"""Every alert kind of mindtrails_export, through DAG runs against the stand-in website, arrives at
an SMTP server on loopback with its severity, naming the server, the scale and the entry ids."""

from __future__ import annotations

import html
import uuid

import pytest
from tributary.dag_runner import run_dag
from tributary.mindtrails.backups import ROOT

from tests.mindtrails.conftest import connect_server


def by_kind(sink, start: int = 0) -> dict[str, list[tuple[str, str, str]]]:
    found: dict[str, list[tuple[str, str, str]]] = {}
    for kind, severity, subject, body in sink.alerts()[start:]:
        found.setdefault(kind, []).append((severity, subject, html.unescape(body)))
    return found


def ids_text(ids: list[int]) -> str:
    return "entry ids " + ", ".join(map(str, sorted(ids)[:50]))


@pytest.mark.slow
def test_every_alert_kind_arrives_with_its_severity(warehouse_url, file_lake, study_keys, site,
                                                     smtp_sink, monkeypatch):
    name = f"a{uuid.uuid4().hex[:8]}"
    connect_server(monkeypatch, site, name, private_key=study_keys[0], delete_mode=True)
    on_site = {s: [e["id"] for e in site.entries(s)] for s in site.state()["scales"]}

    # Run 1: the website refuses to delete OA entries, and the lake cannot take the Participant
    # backup (a file stands where its folder belongs).
    blocker = file_lake.root / ROOT / name / "Participant"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder")
    site.fault("delete_error", "OA")
    first = run_dag("mindtrails_export", {"server": name, "scales": "all"})
    assert not first.ok
    failed = {t for t, state in first.task_states.items() if state == "failed"}
    assert len(failed) == 2, first.table()
    alerts = by_kind(smtp_sink)
    assert set(alerts) == {"new_benchmark", "delete_failed", "write_failed"}, alerts.keys()

    [(severity, subject, body)] = alerts["delete_failed"]
    assert severity == "CRITICAL" and f"{name}/OA" in subject and "CRITICAL" in subject
    assert f"server {name}, scale OA, {ids_text(on_site['OA'])}" in body

    [(severity, subject, body)] = alerts["write_failed"]
    assert severity == "ERROR" and f"{name}/Participant" in subject
    assert f"scale Participant, {ids_text(on_site['Participant'])}" in body

    benchmarks = {subject.rsplit("/", 1)[1]: (severity, body) for severity, subject, body in alerts["new_benchmark"]}
    assert set(benchmarks) == {"OA", "DASS21", "Demographics", "TaskLog"}  # Participant never loaded
    for scale, (severity, body) in benchmarks.items():
        assert severity == "INFO"
        assert f"server {name}, scale {scale}, {ids_text(on_site[scale])}" in body
        assert f"benchmark {max(on_site[scale])}" in body

    # Run 2: the lake is fixed and deletes work again, but the TaskLog export answers 500; the OA
    # entries exported in run 1 are still on the website.
    blocker.unlink()
    site.fault("error500", "TaskLog")
    seen = len(smtp_sink.messages)
    second = run_dag("mindtrails_export", {"server": name, "scales": "all"})
    assert not second.ok
    alerts = by_kind(smtp_sink, seen)
    assert set(alerts) == {"stale_data", "request_failed", "new_benchmark"}, alerts.keys()

    [(severity, subject, body)] = alerts["stale_data"]
    assert severity == "CRITICAL" and f"{name}/OA" in subject
    assert f"scale OA, {ids_text(on_site['OA'])}" in body and f"benchmark {max(on_site['OA'])}" in body

    [(severity, subject, body)] = alerts["request_failed"]
    assert severity == "ERROR" and f"{name}/TaskLog" in subject
    assert f"server {name}, scale TaskLog" in body and f"entries above id {max(on_site['TaskLog'])}" in body
    assert "answered 500 after 2 attempts" in body  # the hook asked again before giving up

    [(severity, subject, body)] = alerts["new_benchmark"]
    assert severity == "INFO" and subject.endswith(f"{name}/Participant")

    site.fault(None)
    assert site.state()["scales"]["OA"] == 0  # the stale entries were deleted this time
    for msg in smtp_sink.messages:
        assert msg["To"] == "study-admin@example.org, pi@example.org"
