"""Report files: what a domain's refresh leaves for people to read.

Every report lives in the lake at ``reports/<domain>/<YYYY-MM-DD>/<name>``: the day is the run's
logical date (`run_day`), so re-running a day's refresh rewrites that day's files (idempotent)
and earlier days stay as they were. Each refresh DAG ends with a task that writes its domain's
reports (``tributary/<domain>/reports.py``); the API lists and serves them (`tributary.reports.api`,
``/api/v1/reports``); the demo only points at them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tributary import warehouse
from tributary.errors import quote_input
from tributary.inputs import InputRejected, safe_name
from tributary.lake import open_lake

log = logging.getLogger(__name__)

PREFIX = "reports"
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Report:
    domain: str
    day: str
    name: str
    size: int

    @property
    def key(self) -> str:
        return report_key(self.domain, self.day, self.name)


def _day(day: dt.date | str) -> str:
    text = day.isoformat() if isinstance(day, dt.date) else str(day)
    try:
        if _DAY.fullmatch(text):
            dt.date.fromisoformat(text)  # a real calendar day, not 2026-13-40
            return text
    except ValueError:
        pass
    raise InputRejected(f"report day {quote_input(text, 40)!r} is not a YYYY-MM-DD date")


def _part(value: str, what: str) -> str:
    safe_name(value, what=what)
    if value.startswith("."):  # a file lake hides dot files (its atomic writes' temp files)
        raise InputRejected(f"{what} {quote_input(value)!r} may not start with '.'")
    return value


def report_key(domain: str, day: dt.date | str, name: str) -> str:
    """The lake key of one report file; every part is checked before it becomes a path
    (`InputRejected`, a `BadInput`, for a name that cannot be one or a day that is not a date)."""
    return "/".join((PREFIX, _part(domain, "report domain"), _day(day), _part(name, "report name")))


def run_day(context: Mapping[str, Any]) -> dt.date:
    """The day a DAG run's reports belong to: its logical date's (UTC), or, for a run without
    one (Asset-triggered runs in Airflow 3), the day it was due to run."""
    when = context.get("logical_date") or context["dag_run"].run_after
    return when.astimezone(dt.UTC).date()


def write_report(domain: str, day: dt.date | str, name: str, data: bytes, *, lake=None) -> str:
    """Store one report file (atomically on a file lake, whole on S3); returns its key."""
    key = report_key(domain, day, name)
    (lake or open_lake()).put_bytes(key, data)
    return key


def write_report_file(domain: str, day: dt.date | str, name: str, local: Path, *, lake=None) -> str:
    """Store a report that was drawn to a local file (a chart); returns its key."""
    key = report_key(domain, day, name)
    (lake or open_lake()).put_file(key, local)
    return key


def query_csv(conn, sql: str, params: Sequence[Any] | dict | None = None) -> tuple[bytes, int]:
    """A query's rows as CSV with a header, through COPY; returns (bytes, number of rows)."""
    chunks: list[bytes] = []
    with conn.cursor() as cur, cur.copy(f"copy ({sql}) to stdout with (format csv, header)",
                                         params) as copy:
        chunks.extend(bytes(chunk) for chunk in copy)
    data = b"".join(chunks)
    rows = max(data.count(b"\n") - 1, 0) if data else 0
    return data, rows


def write_query_report(conn, domain: str, day: dt.date | str, name: str, sql: str,
                       params: Sequence[Any] | dict | None = None, *, lake=None) -> tuple[str, int]:
    """Run a query and store its rows as a CSV report; returns (key, rows).

    The row count counts lines, so it is exact only when no value holds a newline; it is for
    logs and summaries, the file itself is what readers trust."""
    report_key(domain, day, name)  # a bad name fails before the query runs
    data, rows = query_csv(conn, sql, params)
    return write_report(domain, day, name, data, lake=lake), rows


def write_query_reports(domain: str, day: dt.date | str, queries: Mapping[str, str], *,
                        url: str | None = None, lake=None) -> dict[str, int]:
    """Store each query of ``queries`` (file name -> SQL) as a CSV report of ``day``, on one
    warehouse connection; returns lake key -> rows. Each name is checked before any query runs."""
    for name in queries:
        report_key(domain, day, name)
    written: dict[str, int] = {}
    with warehouse.connect(url) as conn:
        for name, sql in queries.items():
            key, rows = write_query_report(conn, domain, day, name, sql, lake=lake)
            written[key] = rows
            log.info("report %s: %d rows", key, rows)
    return written


def chart_report(domain: str, day: dt.date | str, name: str, draw, *, lake=None) -> str:
    """Draw a chart into a temporary PNG with ``draw(path)`` and store it as a report."""
    report_key(domain, day, name)
    with tempfile.TemporaryDirectory(prefix="report-") as tmp:
        local = Path(tmp) / name
        draw(local)
        return write_report_file(domain, day, name, local, lake=lake)


def list_reports(domain: str | None = None, day: dt.date | str | None = None, *,
                 lake=None) -> list[Report]:
    """Every report file, newest day first, then by domain and name; optionally of one domain
    and/or one day."""
    parts = [PREFIX]
    if domain:
        parts.append(_part(domain, "report domain"))
    wanted = _day(day) if day else None
    if domain and wanted:
        parts.append(wanted)  # list only that day's folder
    found = []
    for obj in (lake or open_lake()).list("/".join(parts)):
        segments = obj.path.split("/")
        if len(segments) == 4 and _DAY.fullmatch(segments[2]) and wanted in (None, segments[2]):
            found.append(Report(segments[1], segments[2], segments[3], obj.size))
    found.sort(key=lambda r: (r.domain, r.name))
    found.sort(key=lambda r: r.day, reverse=True)  # stable: within a day, by domain and name
    return found


def read_report(domain: str, day: dt.date | str, name: str, *, lake=None) -> bytes:
    """The bytes of one report (LakeError when there is none)."""
    return (lake or open_lake()).get_bytes(report_key(domain, day, name))
