"""The line, account and limit files (`LineDimension*.csv`, `AccountDimension*.csv`,
`LimitFact*.csv` under `landing/app_dimensions/`) → `raw_app.line_dim`, `account_dim`,
`limit_fact`, upserted by key.

All files found are loaded in one transaction. A file that cannot be read as a whole fails the
run at once (`DimensionError`, a `BadInput`: no retries, nothing loaded, files stay in landing):
empty or a header alone, not UTF-8 text (binary), a header missing a required column or over 4,096 columns, or a
quote that opens and never closes (cells hold no line breaks, so a row running over several
lines is that). A row is rejected with its line number (`raw_app.reject`) when it has the
wrong number of fields, no key, a date that is not a date or lies in the future, a NUL byte, a
cell over 64 KB, or a key an earlier row of the same file already had (the first one loads).
After the commit each file moves to `archive/app_dimensions/` (a re-run finds nothing new;
re-delivering a file is harmless).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import psycopg

from tributary import warehouse
from tributary.app_events import layout
from tributary.dates import parse_first
from tributary.errors import MAX_CELL_CHARS, MAX_COLUMNS, BadInput, located, quote_input, reject_raw
from tributary.lake import Lake, sha256_of

#: How far in the future a date may lie (an activation or a limit is never ahead of today).
FUTURE_SLACK = dt.timedelta(days=1)


class DimensionError(BadInput):
    """A dimension file cannot be loaded as a whole; the run fails at once, nothing is loaded."""


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


def parse_date(text: str, today: dt.date | None = None) -> dt.date | None:
    """ISO, US (m/d/Y) or compact dates; empty → None; anything else, or a date after
    ``today`` (default: the UTC date) + `FUTURE_SLACK`, → ValueError."""
    text = text.strip()
    if not text:
        return None
    read = parse_first(text, _DATE_FORMATS)
    if read is None:
        raise ValueError(f"not a date: {quote_input(text, 60)!r}")
    latest = (today or dt.datetime.now(dt.UTC).date()) + FUTURE_SLACK
    if read.date() > latest:
        raise ValueError(f"date {quote_input(text, 60)!r} is in the future (after {latest})")
    return read.date()


def kind_of(name: str) -> DimensionKind | None:
    base = Path(name).name.lower()
    if not base.endswith(".csv"):
        return None
    return next((k for k in KINDS if base.startswith(k.prefix.lower())), None)


#: The longest line read (memory stays bounded whatever the file holds).
MAX_LINE_BYTES = 16 * 1024 * 1024


def text_lines(binary: BinaryIO, source: str) -> Iterator[str]:
    """The file's lines as text (UTF-8, a BOM dropped); binary input fails with its line."""
    for number in itertools.count(1):
        data = binary.readline(MAX_LINE_BYTES + 1)
        if not data:
            return
        if len(data) > MAX_LINE_BYTES:
            raise DimensionError(located(source, f"a line longer than {MAX_LINE_BYTES:,} bytes; "
                                                 "is it a CSV file?", line=number))
        if number == 1:
            data = data.removeprefix(b"\xef\xbb\xbf")
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DimensionError(located(source, f"not UTF-8 text (byte {exc.start + 1}); "
                                                 "is it a CSV file?", line=number)) from None


def _rows(reader, source: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(line, fields, problem) per row; a cell over the csv module's field limit is a problem
    of that row, a row spread over several lines an unclosed quote that fails the file."""
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" not in str(exc):
                raise DimensionError(located(source, f"not readable as CSV ({exc})", line=start)) from None
            yield start, None, f"a cell holds more than {MAX_CELL_CHARS:,} characters"
            continue
        if reader.line_num != start:
            raise DimensionError(located(
                source, f"a quote opened here is not closed (the row runs to line {reader.line_num:,}); "
                        "nothing loaded", line=start))
        yield start, fields, None


def _problem(fields: list[str], width: int) -> str | None:
    if len(fields) != width:
        return f"expected {width} fields, found {len(fields):,}"
    if any("\x00" in f for f in fields):
        return "holds a NUL byte"
    longest = max(map(len, fields), default=0)
    if longest > MAX_CELL_CHARS:
        return f"a cell holds {longest:,} characters, more than {MAX_CELL_CHARS:,}"
    return None


def read_dimension(text: Iterable[str], kind: DimensionKind, source: str,
                   rejects: list[warehouse.Reject]) -> Iterator[tuple]:
    """Rows of one dimension file in table-column order; bad rows go to ``rejects``."""
    reader = csv.reader(text)
    rows = _rows(reader, source)
    _, header, problem = next(rows, (1, None, None))
    if header is None:
        raise DimensionError(located(source, problem or "empty: no header line", line=1))
    if len(header) > MAX_COLUMNS:
        raise DimensionError(located(source, f"header has {len(header):,} columns, more than "
                                             f"{MAX_COLUMNS:,}", line=1))
    names = [h.strip().lower() for h in header]
    missing = [c for c in kind.columns if c not in names]
    if missing:
        raise DimensionError(located(source, f"lacks column(s) {', '.join(c.upper() for c in missing)}",
                                     line=1, value=", ".join(header)))
    at = [names.index(c) for c in kind.columns]
    seen: dict[tuple, int] = {}
    number = 1
    for number, fields, problem in rows:
        if fields is not None and not any(f.strip() for f in fields):
            continue
        raw = reject_raw(",".join(fields or []))
        problem = problem or _problem(fields, len(names))
        if problem:
            rejects.append(warehouse.Reject(number, problem, raw))
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
        key = tuple(row[c] for c in kind.key)
        if key in seen:
            rejects.append(warehouse.Reject(
                number, f"duplicate key {quote_input(', '.join(map(str, key)), 100)} "
                        f"(first on line {seen[key]:,}, which is kept)", raw))
            continue
        seen[key] = number
        yield tuple(row[c] for c in kind.columns)
    if not seen and not rejects:
        raise DimensionError(located(source, "holds a header and no rows: nothing loaded", line=number))


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
        with lake.local_copy(path) as local, local.open("rb") as fh:
            result = warehouse.load(conn, kind.table, kind.columns,
                                    read_dimension(text_lines(fh, source), kind, source, rejects),
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
