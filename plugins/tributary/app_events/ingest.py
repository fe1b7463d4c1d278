"""The steps of the daily `app_events` run, each one task: archive → clean → load → release.

- `archive`: copy the landing file to the archive and verify the copy's SHA-256.
- `clean`: export → Parquet (events, properties, by_mdn) in the lake + a rejects file.
- `load`: the day's Parquet → `raw_app` tables by COPY in **one transaction**, replacing that
  day only.
- `release_landing`: delete the landing copy, but only once the warehouse records that exact
  file (same checksum) as loaded, so a failed or newer delivery is never thrown away.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from psycopg import sql

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


def clean(lake: Lake, day: dt.date, archived: dict[str, Any], *,
          max_reject_ratio: float = 0.1) -> dict[str, Any]:
    """Clean the archived export into the lake's Parquet partitions for ``day``."""
    with tempfile.TemporaryDirectory(prefix="app-events-") as tmp, \
            lake.local_copy(archived["archive"]) as local:
        out = Path(tmp)
        summary = clean_export(local, day, out, source=layout.file_name(day),
                               max_reject_ratio=max_reject_ratio)
        # Only a complete clean reaches the lake: the puts happen after the whole file parsed.
        for dataset in SCHEMAS:
            lake.put_file(layout.parquet_path(dataset, day), out / f"{dataset}.parquet")
        lake.put_file(layout.rejects_path(day), out / "rejects.jsonl")
    return summary.as_dict()


#: Rows per COPY block: memory is set by it, not by the size of the day.
COPY_ROWS = 20_000
_CSV = pacsv.WriteOptions(include_header=False)
_NAIVE = pa.timestamp("us")


def _csv_block(batch: pa.RecordBatch) -> pa.Buffer:
    """``batch`` as CSV for COPY. UTC times are written as text ending in ``Z``: Arrow formats a
    naive timestamp ~15 times faster than a zoned one, and the ``Z`` keeps the load independent
    of the session's time zone."""
    columns = [pc.binary_join_element_wise(column.cast(_NAIVE).cast(pa.string()), "Z", "")
               if pa.types.is_timestamp(column.type) else column for column in batch.columns]
    sink = pa.BufferOutputStream()
    pacsv.write_csv(pa.RecordBatch.from_arrays(columns, names=batch.schema.names), sink, _CSV)
    return sink.getvalue()


def copy_parquet(conn: psycopg.Connection, table: str, path: Path) -> int:
    """COPY a Parquet file into ``table`` (same column names), a block of rows at a time written
    as CSV by Arrow, so no value passes through Python. Returns the rows copied."""
    parquet = pq.ParquetFile(path)
    statement = sql.SQL("copy {} ({}) from stdin (format csv)").format(
        warehouse.ident(table), sql.SQL(", ").join(map(sql.Identifier, parquet.schema_arrow.names)))
    rows = 0
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for batch in parquet.iter_batches(batch_size=COPY_ROWS):
            copy.write(memoryview(_csv_block(batch)))
            rows += batch.num_rows
            faults.checkpoint("app_events.after_first_chunk")
    return rows


def _rejects(path: Path) -> Iterator[warehouse.Reject]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            yield warehouse.Reject(item["line_number"], item["reason"], item["raw"])


def load_day(conn: psycopg.Connection, lake: Lake, day: dt.date, archived: dict[str, Any],
             summary: dict[str, Any]) -> dict[str, int]:
    """Replace ``day`` in the raw tables from its Parquet; the caller's transaction commits it."""
    counts: dict[str, int] = {}
    for dataset, table in TABLES.items():
        started, started_at = time.monotonic(), dt.datetime.now(dt.UTC)
        deleted = conn.execute(sql.SQL("delete from {} where event_date = %s").format(
            warehouse.ident(table)), [day]).rowcount
        with lake.local_copy(layout.parquet_path(dataset, day)) as local:
            rows = copy_parquet(conn, table, local)
        warehouse.record_load(conn, warehouse.LoadResult(table, rows, rows, 0, deleted), "replace",
                              started_at, time.monotonic() - started)
        counts[table] = rows
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
        mode="replace", replace_where=("event_date = %s", [day]),
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
