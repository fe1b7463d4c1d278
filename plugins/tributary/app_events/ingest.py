"""The steps of the daily `app_events` run, each one task: archive → clean → load → release.

- `archive`: copy the landing file to the archive and verify the copy's SHA-256.
- `clean`: export → Parquet (events, properties, by_mdn) in the lake + a rejects file.
- `load`: the day's Parquet → `raw_app` tables in **one transaction**, replacing that day only.
- `release_landing`: delete the landing copy, but only once the warehouse records that exact
  file (same checksum) as loaded, so a failed or newer delivery is never thrown away.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pyarrow.parquet as pq

from tributary import faults, warehouse
from tributary.app_events import layout
from tributary.app_events.clean import SCHEMAS, clean_export
from tributary.app_events.export import ExportError
from tributary.errors import SourceUnavailable
from tributary.lake import Lake, sha256_of

#: raw table each Parquet dataset loads into.
TABLES = {"events": "raw_app.event", "properties": "raw_app.event_property",
          "by_mdn": "raw_app.by_mdn"}


def archive(lake: Lake, day: dt.date) -> dict[str, Any]:
    """Back the landing file up and verify the backup; returns what was archived."""
    landing = layout.landing_path(day)
    if not lake.exists(landing):
        raise SourceUnavailable(f"no export for {day} at {lake.url}/{landing}")
    with lake.local_copy(landing) as local:
        sha, size = sha256_of(local), local.stat().st_size
        target = layout.archive_path(day, sha)
        lake.put_file(target, local)
    with lake.local_copy(target) as copy:
        copied = sha256_of(copy)
    if copied != sha:
        lake.delete(target)
        raise SourceUnavailable(f"archive copy of {landing} has checksum {copied[:12]}…, "
                          f"expected {sha[:12]}…; nothing processed")
    return {"day": day.isoformat(), "landing": landing, "archive": target, "sha256": sha,
            "size_bytes": size}


def clean(lake: Lake, day: dt.date, archived: dict[str, Any], *, batch_rows: int = 20_000,
          max_reject_ratio: float = 0.1) -> dict[str, Any]:
    """Clean the archived export into the lake's Parquet partitions for ``day``."""
    with tempfile.TemporaryDirectory(prefix="app-events-") as tmp, \
            lake.local_copy(archived["archive"]) as local:
        out = Path(tmp)
        summary = clean_export(local, day, out, source=layout.file_name(day),
                               batch_rows=batch_rows, max_reject_ratio=max_reject_ratio)
        # Only a complete clean reaches the lake: the puts happen after the whole file parsed.
        for dataset in SCHEMAS:
            lake.put_file(layout.parquet_path(dataset, day), out / f"{dataset}.parquet")
        lake.put_file(layout.rejects_path(day), out / "rejects.jsonl")
    return summary.as_dict()


def parquet_rows(path: Path, batch_rows: int = 10_000) -> Iterator[tuple]:
    """Rows of a Parquet file, a record batch at a time (memory flat)."""
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
        yield from zip(*(col.to_pylist() for col in batch.columns), strict=True)
        faults.checkpoint("app_events.after_first_chunk")


def _rejects(path: Path) -> Iterator[warehouse.Reject]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            yield warehouse.Reject(item["line_number"], item["reason"], item["raw"])


def load_day(conn: psycopg.Connection, lake: Lake, day: dt.date, archived: dict[str, Any],
             summary: dict[str, Any]) -> dict[str, int]:
    """Replace ``day`` in the raw tables from its Parquet; the caller's transaction commits it."""
    counts: dict[str, int] = {}
    where = ("event_date = %s", [day])
    for dataset, table in TABLES.items():
        with lake.local_copy(layout.parquet_path(dataset, day)) as local:
            # Small batches: peak memory is set by them, not by the size of the day.
            result = warehouse.load(conn, table, SCHEMAS[dataset].names, parquet_rows(local),
                                    mode="replace", replace_where=where, chunk_rows=10_000)
        counts[table] = result.inserted
    source = layout.file_name(day)
    # A re-delivered, corrected file must not keep the old file's rejects.
    conn.execute("delete from raw_app.reject where source = %s", [source])
    with lake.local_copy(layout.rejects_path(day)) as local:
        counts["raw_app.reject"] = warehouse.record_rejects(conn, layout.SCHEMA, source, _rejects(local))
    warehouse.load(
        conn, "raw_app.export_file",
        ["event_date", "file_name", "archive_path", "sha256", "size_bytes", "lines", "events",
         "properties", "rejects"],
        [(day, source, archived["archive"], archived["sha256"], archived["size_bytes"],
          summary["lines"], summary["events"], summary["properties"], summary["rejects"])],
        mode="replace", replace_where=where,
    )
    faults.checkpoint("app_events.before_commit")
    return counts


def release_landing(conn: psycopg.Connection, lake: Lake, day: dt.date, archived: dict[str, Any]) -> bool:
    """Delete the landing copy if the warehouse holds this very file as loaded; True if deleted."""
    row = conn.execute("select sha256 from raw_app.export_file where event_date = %s", [day]).fetchone()
    if row is None or row[0] != archived["sha256"]:
        raise ExportError(f"{day} is not recorded as loaded from {archived['archive']}; "
                          "landing file kept")
    landing = layout.landing_path(day)
    if not lake.exists(landing):
        return False
    with lake.local_copy(landing) as local:
        if sha256_of(local) != archived["sha256"]:
            return False  # a newer delivery arrived meanwhile: leave it for the next run
    faults.checkpoint("app_events.before_landing_removal")
    lake.delete(landing)
    return True
