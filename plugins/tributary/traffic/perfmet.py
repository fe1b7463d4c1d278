"""Pipeline health numbers: `perfmet.job` per stage run, `perfmet.obs` per sensor and day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg

from tributary import warehouse
from tributary.traffic.calendar import local_midnight


@dataclass(frozen=True)
class Obs:
    """One representative measure of one sensor on one day (e.g. vehicles counted)."""

    collection_date: dt.date
    data_source: str
    data_type: str
    sensor_name: str
    value: float
    min_timestamp: dt.datetime | None = None
    max_timestamp: dt.datetime | None = None


OBS_COLUMNS = ["collection_date", "data_source", "data_type", "sensor_name", "value", "expected",
               "min_timestamp", "max_timestamp"]


def record_obs(conn: psycopg.Connection, observations: Iterable[Obs]) -> int:
    """Upsert observations; ``expected`` stays null here (the dbt mart computes the moving average)."""
    rows = ((o.collection_date, o.data_source, o.data_type, o.sensor_name, o.value, None,
             o.min_timestamp, o.max_timestamp) for o in observations)
    result = warehouse.load(conn, "perfmet.obs", OBS_COLUMNS, rows, mode="upsert",
                            key=["collection_date", "data_source", "data_type", "sensor_name"])
    return result.rows_in


def record_job(conn: psycopg.Connection, *, data_source: str, stage: str, seconds: float,
               records: int, start: dt.date, end: dt.date,
               processing_date: dt.datetime | None = None) -> None:
    """One row for one stage run over the collection days [start, end)."""
    row = (processing_date or dt.datetime.now(dt.UTC), data_source, stage, seconds, records,
           local_midnight(start), local_midnight(end))
    warehouse.load(conn, "perfmet.job", ["processing_date", "data_source", "stage", "seconds",
                                         "records", "collection_start", "collection_end"], [row])
