"""The line, account and limit files (`LineDimension*.csv`, `AccountDimension*.csv`,
`LimitFact*.csv` under `landing/app_dimensions/`) → `raw_app.line_dim`, `account_dim`,
`limit_fact`, upserted by key.

All files found are loaded in one transaction; a file missing a required column fails the run
(nothing loaded, files stay in landing); a row without its key, with a bad date or the wrong
number of fields is rejected with its line number. After the commit each file moves to
`archive/app_dimensions/` (a re-run finds nothing new; re-delivering a file is harmless).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tributary import warehouse
from tributary.app_events import layout
from tributary.lake import Lake, sha256_of


class DimensionError(RuntimeError):
    """A dimension file cannot be loaded as a whole."""


@dataclass(frozen=True)
class DimensionKind:
    prefix: str  # file name prefix, case-insensitive
    table: str
    columns: tuple[str, ...]  # file header names, in the order of the table's columns
    key: tuple[str, ...]
    dates: tuple[str, ...] = ()


KINDS = (
    DimensionKind("AccountDimension", "raw_app.account_dim",
                  ("cust_acct", "segment_name", "svc_plan"), ("cust_acct",)),
    DimensionKind("LineDimension", "raw_app.line_dim",
                  ("mtn", "device_grouping", "sales_channel", "svc_act_dt"), ("mtn",),
                  ("svc_act_dt",)),
    DimensionKind("LimitFact", "raw_app.limit_fact",
                  ("mtn", "cust_acct", "limiting_dt", "limit_type"),
                  ("mtn", "limit_type", "limiting_dt"), ("limiting_dt",)),
)

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%Y%m%d")


def parse_date(text: str) -> dt.date | None:
    """ISO, US (m/d/Y) or compact dates; empty → None; anything else → ValueError."""
    text = text.strip()
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def kind_of(name: str) -> DimensionKind | None:
    base = Path(name).name.lower()
    if not base.endswith(".csv"):
        return None
    return next((k for k in KINDS if base.startswith(k.prefix.lower())), None)


def read_dimension(text: io.TextIOBase, kind: DimensionKind, source: str,
                   rejects: list[warehouse.Reject]) -> Iterator[tuple]:
    """Rows of one dimension file in table-column order; bad rows go to ``rejects``."""
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None:
        raise DimensionError(f"{source} is empty")
    names = [h.strip().lower() for h in header]
    missing = [c for c in kind.columns if c not in names]
    if missing:
        raise DimensionError(f"{source} lacks column(s) {', '.join(c.upper() for c in missing)} "
                             f"(header: {', '.join(header)})")
    at = [names.index(c) for c in kind.columns]
    for fields in reader:
        number = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        raw = ",".join(fields)
        if len(fields) != len(names):
            rejects.append(warehouse.Reject(number, f"expected {len(names)} fields, found {len(fields)}", raw))
            continue
        row = {c: (fields[i].strip() or None) for c, i in zip(kind.columns, at, strict=True)}
        try:
            for c in kind.dates:
                row[c] = parse_date(row[c] or "")
        except ValueError as exc:
            rejects.append(warehouse.Reject(number, str(exc), raw))
            continue
        empty_keys = [c for c in kind.key if row[c] is None]
        if empty_keys:
            rejects.append(warehouse.Reject(number, f"missing key {', '.join(empty_keys)}", raw))
            continue
        yield tuple(row[c] for c in kind.columns)


def pending_files(lake: Lake) -> list[tuple[str, DimensionKind]]:
    """Dimension files in landing, accounts and lines before limits."""
    found = [(o.path, kind_of(o.path)) for o in lake.list(layout.DIMENSIONS_PREFIX)]
    order = {k.prefix: i for i, k in enumerate(KINDS)}
    return sorted(((p, k) for p, k in found if k), key=lambda pk: (order[pk[1].prefix], pk[0]))


def load_dimensions(conn: psycopg.Connection, lake: Lake) -> list[dict]:
    """Upsert every pending file in the caller's transaction; returns per-file counts."""
    results = []
    for path, kind in pending_files(lake):
        source = Path(path).name
        rejects: list[warehouse.Reject] = []
        with lake.local_copy(path) as local, local.open(encoding="utf-8-sig", newline="") as fh:
            result = warehouse.load(conn, kind.table, kind.columns,
                                    read_dimension(fh, kind, source, rejects),
                                    mode="upsert", key=kind.key)
            sha = sha256_of(local)
        conn.execute("delete from raw_app.reject where source = %s", [source])
        warehouse.record_rejects(conn, layout.SCHEMA, source, rejects)
        results.append({"path": path, "sha256": sha, "table": kind.table, "rows": result.rows_in,
                        "inserted": result.inserted, "updated": result.updated,
                        "rejects": len(rejects)})
    return results


def archive_loaded(lake: Lake, loaded: list[dict]) -> None:
    """Move loaded files out of landing (call after the load committed)."""
    for item in loaded:
        with lake.local_copy(item["path"]) as local:
            if sha256_of(local) != item["sha256"]:
                continue  # replaced since the load: keep it for the next run
            lake.put_file(layout.dimension_archive_path(Path(item["path"]).name, item["sha256"]), local)
        lake.delete(item["path"])
