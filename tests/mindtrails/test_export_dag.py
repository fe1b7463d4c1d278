"""mindtrails_export end to end through Airflow: two websites, backup, load, benchmark, delete,
decrypt, a second run that finds nothing new, and recovery from the lake."""

from __future__ import annotations

import psycopg
import pytest
from tributary.dag_runner import run_dag
from tributary.mindtrails.backups import ROOT

from tests.mindtrails.conftest import connect_server, start_site


def counts(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return dict(conn.execute("select server || '/' || scale, count(*) from raw_mindtrails.entry "
                                 "group by 1").fetchall())


@pytest.mark.slow
def test_export_twice_delete_decrypt_and_recover(fresh_warehouse, file_lake, study_keys, site,
                                                 smtp_sink, monkeypatch, caplog):
    private, public_path = study_keys
    other = start_site(public_path, seed=11, participants=12)
    try:
        connect_server(monkeypatch, site, "alpha", private_key=private, delete_mode=True)
        connect_server(monkeypatch, other, "beta", private_key=private, delete_mode=False)
        on_site = {s: len(site.entries(s)) for s in ("OA", "DASS21", "Demographics", "TaskLog")}
        beta_oa = other.entries("OA")

        first = run_dag("mindtrails_export", {"server": ".", "scales": "all"})
        assert first.ok, first.table()
        assert sum(1 for t in first.task_states if t.startswith("export_scale[")) == 10
        loaded = counts(fresh_warehouse)
        for scale, n in on_site.items():
            assert loaded[f"alpha/{scale}"] == n
        assert loaded["beta/OA"] == len(beta_oa)
        # delete mode: alpha's deleteable scales are emptied, static ones kept; beta untouched.
        state = site.state()["scales"]
        assert state["OA"] == state["DASS21"] == state["Demographics"] == 0
        assert state["TaskLog"] == on_site["TaskLog"]
        assert other.state()["scales"]["OA"] == len(beta_oa)
        assert private not in caplog.text

        with psycopg.connect(fresh_warehouse) as conn:
            bench = dict(conn.execute("select scale, current_id from raw_mindtrails.benchmark "
                                      "where server = 'beta'").fetchall())
            assert bench["OA"] == max(e["id"] for e in beta_oa)
            deleted = conn.execute("select count(*) from raw_mindtrails.deletion").fetchone()[0]
            assert deleted == on_site["OA"] + on_site["DASS21"] + on_site["Demographics"]
            decoded = conn.execute(
                "select count(*) filter (where decrypt_failed), count(*), "
                "count(*) filter (where payload->>'participantRSA' ~ '^[0-9]+$') "
                "from raw_mindtrails.decoded where scale = 'OA'").fetchone()
            assert decoded[0] == 0 and decoded[1] == decoded[2] == on_site["OA"] + len(beta_oa)
            snapshot = conn.execute("select server, scale, id, payload, exported_at, backup_path "
                                    "from raw_mindtrails.entry order by 1, 2, 3").fetchall()
            bench_all = conn.execute("select * from raw_mindtrails.benchmark order by 1, 2").fetchall()
        assert file_lake.list(f"{ROOT}/alpha/OA")

        second = run_dag("mindtrails_export", {"server": ".", "scales": "."})
        assert second.ok, second.table()
        assert counts(fresh_warehouse) == loaded
        # nothing stale, no failed delete: only each scale's first benchmark was announced
        assert {(kind, severity) for kind, severity, *_ in smtp_sink.alerts()} == {("new_benchmark", "INFO")}
        assert len(smtp_sink.messages) == 10

        # Lose the raw tables, rebuild them from the lake: the same rows as the original export.
        with psycopg.connect(fresh_warehouse) as conn:
            conn.execute("truncate raw_mindtrails.entry, raw_mindtrails.benchmark, raw_mindtrails.decoded")
        recovered = run_dag("mindtrails_recover", {"server": "."})
        assert recovered.ok, recovered.table()
        with psycopg.connect(fresh_warehouse) as conn:
            assert conn.execute("select server, scale, id, payload, exported_at, backup_path "
                                "from raw_mindtrails.entry order by 1, 2, 3").fetchall() == snapshot
            assert conn.execute("select * from raw_mindtrails.benchmark order by 1, 2").fetchall() == bench_all
            assert conn.execute("select count(*) from raw_mindtrails.decoded where not decrypt_failed"
                                ).fetchone()[0] == len(snapshot)
    finally:
        other.handle.stop()
