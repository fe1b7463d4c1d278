"""The migration marts and reports on a 4-country matrix whose figures were worked out by hand
(built by the migration_refresh DAG, which leaves the report files in the lake), and what readers
see while a report is rebuilt."""

from __future__ import annotations

import csv
import io
import threading
import time
from decimal import Decimal

import psycopg
import pytest
from tributary import reports
from tributary.dag_runner import run_dag
from tributary.migration import load

from tests.migration import matrices

REPORTS = ["top_migration_flows", "top_remittance_flows", "top_destinations", "top_origins",
           "top_net_inflows", "top_net_outflows"]


KEYS = {"top_migration_flows": "origin, destination", "top_remittance_flows": "sender, receiver"}


def report(url, name):
    """A report's rows by the keys names match on (the names as written are checked apart)."""
    with psycopg.connect(url) as conn:
        return conn.execute(f"select rank, {KEYS.get(name, 'country')}, value from migration.{name} "
                            "order by rank").fetchall()


@pytest.fixture
def small_warehouse(fresh_warehouse, tmp_path):
    load.load_file(matrices.write(tmp_path, "m.csv", matrices.MIGRATION), "migration", fresh_warehouse)
    load.load_file(matrices.write(tmp_path, "r.csv", matrices.REMITTANCE), "remittance", fresh_warehouse)
    return fresh_warehouse


def test_reports_match_the_hand_computed_matrix(small_warehouse, file_lake):
    url = small_warehouse
    refresh = run_dag("migration_refresh")
    assert refresh.ok, refresh.table()
    # Flows between named, different countries (world and delta → delta left out):
    #   alpha → beta 100, gamma 20, delta 5;  beta → alpha 10, gamma 300, delta 0;
    #   gamma → alpha 40, beta 1000, delta 0; delta → alpha 5, beta 0, gamma 0.
    assert report(url, "top_migration_flows") == [
        (1, "gamma", "beta the", 1000), (2, "beta the", "gamma", 300),
        (3, "alpha", "beta the", 100), (4, "gamma", "alpha", 40), (5, "alpha", "gamma", 20),
        (6, "beta the", "alpha", 10),
        (7, "alpha", "delta", 5), (8, "delta", "alpha", 5),           # tie: by origin
        (9, "beta the", "delta", 0), (10, "delta", "beta the", 0)]     # zeros: by origin, destination
    # immigrants: alpha 10+40+5 = 55, beta 100+1000 = 1100, gamma 20+300 = 320, delta 5
    assert report(url, "top_destinations") == [
        (1, "beta the", 1100), (2, "gamma", 320), (3, "alpha", 55), (4, "delta", 5)]
    # emigrants: alpha 100+20+5 = 125, beta 10+300 = 310, gamma 40+1000 = 1040, delta 5
    assert report(url, "top_origins") == [
        (1, "gamma", 1040), (2, "beta the", 310), (3, "alpha", 125), (4, "delta", 5)]
    # net: alpha 55−125 = −70, beta 1100−310 = 790, gamma 320−1040 = −720, delta 5−5 = 0
    assert report(url, "top_net_inflows") == [
        (1, "beta the", 790), (2, "delta", 0), (3, "alpha", -70), (4, "gamma", -720)]
    assert report(url, "top_net_outflows") == [
        (1, "gamma", -720), (2, "alpha", -70), (3, "delta", 0), (4, "beta the", 790)]
    # remittances: alpha → gamma blank and alpha → delta N/A are absent, zeros rank by name
    assert report(url, "top_remittance_flows") == [
        (1, "gamma", "delta", Decimal("1200.5")), (2, "gamma", "alpha", 30), (3, "delta", "gamma", 7),
        (4, "beta the", "alpha", Decimal("2.25")), (5, "alpha", "beta the", Decimal("1.5")),
        (6, "beta the", "delta", 0), (7, "beta the", "gamma", 0), (8, "delta", "alpha", 0),
        (9, "delta", "beta the", 0), (10, "gamma", "beta the", 0)]
    with psycopg.connect(url) as conn:
        assert conn.execute("select count(*), count(*) filter (where is_aggregate) "
                            "from migration.country").fetchone() == (5, 1)
        assert conn.execute("select migrants from migration.migrant_stock "
                            "where origin = 'gamma' and destination = 'beta the'").fetchone() == (1000,)
        assert conn.execute("select count(*) from migration.migrant_stock").fetchone() == (25,)
        assert conn.execute("select count(*) from migration.remittance").fetchone() == (23,)
        # the display name beside the key, as the header wrote it ("Beta,\nThe" → "Beta, The")
        assert conn.execute("select country, country_name from migration.country "
                            "order by country").fetchall() == [
            ("alpha", "Alpha"), ("beta the", "Beta, The"), ("delta", "Delta"), ("gamma", "Gamma"),
            ("world", "World")]

    # the report files of the run's day, with the names as the source wrote them
    day = reports.list_reports("migration")[0].day
    assert {r.name for r in reports.list_reports("migration", day)} == {
        "README.md", *(f"{name}.{ext}" for name in REPORTS for ext in ("csv", "png"))}
    flows = list(csv.reader(io.StringIO(reports.read_report("migration", day, "top_migration_flows.csv").decode())))
    assert flows[:3] == [["rank", "origin", "destination", "value"], ["1", "Gamma", "Beta, The", "1000"],
                         ["2", "Beta, The", "Gamma", "300"]]
    net = reports.read_report("migration", day, "top_net_outflows.csv").decode().splitlines()
    assert net[:2] == ["rank,country,value", "1,Gamma,-720"]
    assert reports.read_report("migration", day, "top_origins.png")[:8] == b"\x89PNG\r\n\x1a\n"
    summary = reports.read_report("migration", day, "README.md").decode()
    assert "| 1 | Gamma | Beta, The | 1,000 |" in summary
    assert "r.csv line 2, column 5 (alpha → delta): `N/A` — not available" in summary


class Reader(threading.Thread):
    """Counts the rows of a report as fast as it can, from its own connection."""

    def __init__(self, url: str, table: str) -> None:
        super().__init__(daemon=True)
        self.url, self.table = url, table
        self.reads: list[tuple[float, float, int]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    (count,) = conn.execute(f"select count(*) from {self.table}").fetchone()
                except psycopg.Error as exc:
                    self.errors.append(str(exc))
                    continue
                self.reads.append((started, time.monotonic(), count))
                time.sleep(0.005)  # leave CPU to dbt on a small machine

    def during(self, start: float, end: float) -> list[int]:
        return [count for s, e, count in self.reads if s >= start and e <= end]


def test_readers_never_see_an_empty_report_during_a_rebuild(small_warehouse, dbt):
    url = small_warehouse
    dbt("run", "--select", "+top_migration_flows")
    table = "migration.top_migration_flows"

    # Control: a naive rebuild (empty the table, commit, refill) is seen by this reader as empty.
    reader = Reader(url, table)
    reader.start()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"create temp table keep as select * from {table}")
        time.sleep(0.2)
        conn.execute(f"delete from {table}")
        time.sleep(0.3)
        conn.execute(f"insert into {table} select * from keep")
        time.sleep(0.2)
    reader.stop.set()
    reader.join()
    assert 0 in [count for _, _, count in reader.reads]

    # dbt's table materialization: while the model is rebuilt, readers see the old table; after
    # the swap, the new one. The rebuild is held mid-way (its CREATE TABLE … AS waits on a lock we
    # hold on its input) so that reads certainly happen while dbt's transaction is open.
    reader = Reader(url, table)
    reader.start()
    blocker = psycopg.connect(url)
    blocker.execute("lock table migration.migrant_stock in access exclusive mode")
    failures: list[BaseException] = []

    def rebuild() -> None:
        try:
            dbt("run", "--select", "top_migration_flows")
        except BaseException as exc:  # reported below
            failures.append(exc)

    builder = threading.Thread(target=rebuild)
    builder.start()
    with psycopg.connect(url, autocommit=True) as watcher:
        deadline = time.monotonic() + 120
        while not watcher.execute(
            "select count(*) from pg_stat_activity where wait_event_type = 'Lock' "
            "and query like '%%top_migration_flows__dbt_tmp%%'"
        ).fetchone()[0]:
            assert time.monotonic() < deadline and builder.is_alive(), failures
            time.sleep(0.05)
    held_from = time.monotonic()
    time.sleep(1.0)
    held_until = time.monotonic()
    blocker.rollback()  # let the rebuild finish
    builder.join()
    blocker.close()
    time.sleep(0.2)
    reader.stop.set()
    reader.join()
    assert failures == []
    assert reader.errors == []
    assert len(reader.during(held_from, held_until)) > 10, "no reads while the rebuild was open"
    assert {count for _, _, count in reader.reads} == {10}
