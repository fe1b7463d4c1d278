"""Polio test helpers: a fresh warehouse with a small region tree, and writers for documents."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import psycopg
import pytest
from tributary.polio import ingest as ingest_module
from tributary.polio import mappings, master_data

RHIZOME = Path(__file__).resolve().parents[1] / "data" / "rhizome"  # real documents, see tests/data/README.md


def write_csv(path: Path, rows: Sequence[Sequence[object]], newline: str = "\n",
              encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, lineterminator=newline).writerows(rows)
    return path


@pytest.fixture
def polio_db(fresh_warehouse: str, tmp_path: Path) -> str:
    """A fresh warehouse with master data: World > Nigeria > (Kano > Dala, Kano Municipal), Lagos."""
    folder = tmp_path / "master"
    folder.mkdir()
    write_csv(folder / "regions.csv", [
        ["name", "parent", "region_type"],
        ["World", "", "world"],
        ["Nigeria", "World", "country"],
        ["Kano", "Nigeria", "province"],
        ["Lagos", "Nigeria", "province"],
        ["Dala", "Kano", "district"],
        ["Kano Municipal", "Kano", "district"],
    ])
    write_csv(folder / "campaigns.csv", [
        ["name", "start_date", "end_date"],
        ["2016-01 NID", "2016-01-10", "2016-01-14"],
        ["2016-03 SNID", "2016-03-05", "2016-03-09"],
    ])
    write_csv(folder / "indicators.csv", [
        ["name", "data_format"],
        ["missed", "int"], ["targeted", "int"], ["vaccinated", "int"],
        ["pct missed", "pct"], ["is accessible", "bool"],
    ])
    write_csv(folder / "calculated_indicators.csv", [
        ["indicator", "component", "calculation"],
        ["pct missed", "missed", "NUMERATOR"], ["pct missed", "targeted", "DENOMINATOR"],
    ])
    master_data.load_metadata(folder, url=fresh_warehouse)
    return fresh_warehouse


@pytest.fixture
def document(tmp_path: Path) -> Callable[..., Path]:
    """Write a CSV document: ``document("a.csv", rows, newline="\\r")``."""
    counter = iter(range(1_000_000))

    def make(name: str | None, rows: Sequence[Sequence[object]], **kwargs) -> Path:
        return write_csv(tmp_path / (name or f"doc{next(counter)}.csv"), rows, **kwargs)

    return make


@pytest.fixture
def dbt(tmp_path: Path) -> Callable[..., object]:
    """dbt against the current test warehouse (``dbt("build", "--select", "path:models/polio")``),
    run in this process with one target folder per test: the polio tests call dbt a dozen times
    each, and a call in a fresh process with a fresh target re-imports dbt and re-parses the whole
    project (about 8 s of CPU); here every call after a test's first parses only what changed.
    Raises AssertionError naming the failed nodes, like the suite-wide fixture."""
    from dbt.cli.main import dbtRunner
    from tributary import settings

    target = tmp_path / "dbt-target"

    def run(*args: str) -> object:
        result = dbtRunner().invoke([
            *args, "--project-dir", str(settings.DBT_DIR), "--profiles-dir", str(settings.DBT_DIR),
            "--target-path", str(target), "--log-path", str(target / "logs"), "--quiet"])
        if not result.success:
            failed = [f"{r.node.name}: {r.status} {r.message or ''}"
                      for r in getattr(result.result, "results", None) or []
                      if str(r.status) in ("error", "fail", "runtime error")]
            raise AssertionError(f"dbt {' '.join(args)} failed: {result.exception or ''}\n" + "\n".join(failed))
        return result

    return run


def ingest(path: Path, url: str, **kwargs):
    return ingest_module.ingest(path, url=url, **kwargs)


def map_all(url: str, kind: str, pairs: dict[str, str | None]) -> None:
    mappings.apply_mappings([mappings.Mapping(kind, s, m) for s, m in pairs.items()], url=url)


def query(url: str, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params or None).fetchall()


def datapoints(url: str) -> dict[tuple[str, str, str], float]:
    return {(r, c, i): v for r, c, i, v in query(
        url, "select region, campaign, indicator, value from polio.datapoint")}
