"""Fixtures of the app_events tests: sample files dropped into a lake, and a star schema built
once per module in the session warehouse (for the dbt and API tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest
from tributary import settings, warehouse
from tributary.app_events import dimensions, ingest, layout

from include.sample.app_events import generate as sample

SAMPLE = settings.SAMPLE_DIR / "app_events"
DAY = dt.date(2024, 5, 20)


def drop_export(lake, tmp: Path, day: dt.date, count: int = 200,
                extra_lines: Sequence[tuple[int, str]] = ()) -> Path:
    """Generate ``day``'s export and put it in the lake's landing area; returns the local file."""
    groupings = sample.lines_of(SAMPLE)
    local = sample.write_export(tmp / f"export-{day}-{count}.txt.gz", day, count, list(groupings),
                                groupings=groupings, extra_lines=extra_lines)
    lake.put_file(layout.landing_path(day), local)
    return local


def drop_dimensions(lake) -> None:
    for path in sorted(SAMPLE.glob("*.csv")):
        lake.put_file(f"{layout.DIMENSIONS_PREFIX}/{path.name}", path)


def ingest_day(lake, day: dt.date) -> dict:
    """archive → clean → load, as the DAG's tasks do, without Airflow."""
    archived = ingest.archive(lake, day)
    summary = ingest.clean(lake, day, archived)
    with warehouse.transaction() as conn:
        ingest.load_day(conn, lake, day, archived, summary)
    return summary


@pytest.fixture(scope="module")
def star(warehouse_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two sample days and the dimensions loaded into the session warehouse, star built by dbt."""
    from tributary.lake import open_lake

    from tests.conftest import run_dbt

    tmp = tmp_path_factory.mktemp("app-star")
    lake = open_lake((tmp / "lake").as_uri())
    drop_dimensions(lake)
    with warehouse.transaction(warehouse_url) as conn:
        dimensions.load_dimensions(conn, lake)
    summaries = {}
    for day in (DAY, DAY + dt.timedelta(days=1)):
        drop_export(lake, tmp, day, count=300)
        summaries[day] = ingest_day(lake, day)
    run_dbt("build", "--select", "path:models/app_events")
    return summaries
