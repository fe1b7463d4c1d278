"""The lake catalog (`lake.catalog`): one row per object, keyed by what the object *is*.

An object is identified by (repository, data_source, id_base, id_ext, collection day) and lives
at ``<repository>/YYYY/MM/DD/<source>/<base>_<source>_<YYYY-MM-DD>.<ext>``. The pointer is that
path relative to the lake root, so a file lake and an S3 lake give the same catalog.
Every entry's metadata names the item it was derived from (``derived_from``), which is how a
stage tells whether its target already has an item.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import psycopg

from tributary import warehouse
from tributary.traffic.calendar import CITY_TZ, local_midnight

REPOSITORIES = ("raw", "rawjson", "ready")
COLUMNS = ["repository", "data_source", "id_base", "id_ext", "collection_date", "collection_end",
           "processing_date", "pointer", "metadata"]
KEY = ["repository", "data_source", "id_base", "id_ext", "collection_date"]


def object_path(repository: str, data_source: str, base: str, ext: str, day: dt.date) -> str:
    """``<repository>/YYYY/MM/DD/<source>/<base>_<source>_<YYYY-MM-DD>.<ext>``."""
    return (f"{repository}/{day:%Y/%m/%d}/{data_source}/"
            f"{base}_{data_source}_{day.isoformat()}.{ext}")


@dataclass(frozen=True)
class CatalogEntry:
    repository: str
    data_source: str
    id_base: str
    id_ext: str
    day: dt.date
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def pointer(self) -> str:
        return object_path(self.repository, self.data_source, self.id_base, self.id_ext, self.day)

    @property
    def collection_date(self) -> dt.datetime:
        return local_midnight(self.day)

    def row(self, processing_date: dt.datetime) -> tuple:
        return (self.repository, self.data_source, self.id_base, self.id_ext, self.collection_date,
                local_midnight(self.day + dt.timedelta(days=1)), processing_date, self.pointer,
                self.metadata)


def upsert(conn: psycopg.Connection, entries: list[CatalogEntry],
           processing_date: dt.datetime | None = None) -> None:
    """Insert or update entries on the catalog key (a re-write refreshes pointer and metadata)."""
    now = processing_date or dt.datetime.now(dt.UTC)
    warehouse.load(conn, "lake.catalog", COLUMNS, (e.row(now) for e in entries),
                   mode="upsert", key=KEY)


def _entry(row: tuple) -> CatalogEntry:
    repository, source, base, ext, collected, metadata = row
    return CatalogEntry(repository, source, base, ext, collected.astimezone(CITY_TZ).date(),
                        metadata if isinstance(metadata, dict) else json.loads(metadata or "{}"))


def entries(conn: psycopg.Connection, repository: str, data_source: str, start: dt.date,
            end: dt.date, *, id_ext: str | None = None) -> list[CatalogEntry]:
    """Entries of one repository and source collected on days in [start, end), oldest first."""
    rows = conn.execute(
        "select repository, data_source, id_base, id_ext, collection_date, metadata from lake.catalog"
        " where repository = %s and data_source = %s and collection_date >= %s"
        " and collection_date < %s and (%s::text is null or id_ext = %s)"
        " order by collection_date, id_base, id_ext",
        (repository, data_source, local_midnight(start), local_midnight(end), id_ext, id_ext),
    ).fetchall()
    return [_entry(r) for r in rows]


def derived(conn: psycopg.Connection, repository: str, data_source: str, day: dt.date,
            derived_from: str) -> list[CatalogEntry]:
    """Entries in ``repository`` made from the source item ``derived_from`` on ``day``."""
    rows = conn.execute(
        "select repository, data_source, id_base, id_ext, collection_date, metadata from lake.catalog"
        " where repository = %s and data_source = %s and collection_date = %s"
        " and metadata->>'derived_from' = %s order by id_base, id_ext",
        (repository, data_source, local_midnight(day), derived_from),
    ).fetchall()
    return [_entry(r) for r in rows]


def latest_on_or_before(conn: psycopg.Connection, repository: str, data_source: str,
                        id_base: str, day: dt.date) -> CatalogEntry | None:
    """The newest entry with this base collected on or before ``day`` (else the oldest after it:
    a backfill older than any retrieval still gets the nearest description)."""
    row = conn.execute(
        "select repository, data_source, id_base, id_ext, collection_date, metadata from lake.catalog"
        " where repository = %s and data_source = %s and id_base = %s"
        " order by (collection_date <= %s) desc,"
        " case when collection_date <= %s then collection_date end desc nulls last,"
        " collection_date asc limit 1",
        (repository, data_source, id_base, local_midnight(day), local_midnight(day)),
    ).fetchone()
    return _entry(row) if row else None
