"""Shared steps of the traffic tests: drop files in the landing folder, read the catalog."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg

from tests.traffic.conftest import START

#: Wavetronix rows a sample day has: nine live intersections, two lanes, every 15 minutes.
WT_ROWS_PER_DAY = 9 * 2 * 96


def window(first: int, last: int, **extra) -> dict:
    """The conf of a run over sample days ``first``..``last`` (inclusive)."""
    return {"start_date": day(first).isoformat(), "end_date": day(last).isoformat(), **extra}


def day(n: int) -> dt.date:
    """The n-th sample day (0-based)."""
    return START + dt.timedelta(days=n)


def land_bluetooth(lake, sample: Path, days: list[int] | None = None) -> list[str]:
    """Copy the sample's AWAM files (of the given days) into ``landing/bluetooth/``."""
    stamps = None if days is None else {f"{day(n):%m-%d-%Y}" for n in days}
    placed = []
    for path in sorted((sample / "bluetooth").iterdir()):
        if stamps is None or any(s in path.name for s in stamps):
            lake.put_file(f"landing/bluetooth/{path.name}", path)
            placed.append(path.name)
    return placed


def catalog(url: str, *, with_processing: bool = False) -> dict[tuple, tuple]:
    """(repository, source, base, ext, day) → pointer (and processing date)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select repository, data_source, id_base, id_ext,"
            " (collection_date at time zone 'America/Chicago')::date, pointer, processing_date"
            " from lake.catalog").fetchall()
    return {r[:5]: (r[5], r[6]) if with_processing else r[5] for r in rows}


def count(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]
