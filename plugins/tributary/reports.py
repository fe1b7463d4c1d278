"""Report files: what a domain's refresh leaves for people to read.

Every report lives in the lake at ``reports/<domain>/<YYYY-MM-DD>/<name>``: the day is the run's
logical date, so re-running a day's refresh rewrites that day's files (idempotent) and earlier
days stay as they were. The API lists and serves them (``/api/v1/reports``); the demo only
points at them.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tributary.inputs import safe_name
from tributary.lake import open_lake

PREFIX = "reports"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


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
    raise ValueError(f"report day {text[:40]!r} is not a YYYY-MM-DD date")


def report_key(domain: str, day: dt.date | str, name: str) -> str:
    """The lake key of one report file; every part is checked before it becomes a path."""
    return "/".join((PREFIX, safe_name(domain, what="report domain"), _day(day),
                     safe_name(name, what="report name")))


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
    data, rows = query_csv(conn, sql, params)
    return write_report(domain, day, name, data, lake=lake), rows


def chart_report(domain: str, day: dt.date | str, name: str, draw, *, lake=None) -> str:
    """Draw a chart into a temporary PNG with ``draw(path)`` and store it as a report."""
    with tempfile.TemporaryDirectory(prefix="report-") as tmp:
        local = Path(tmp) / safe_name(name, what="report name")
        draw(local)
        return write_report_file(domain, day, name, local, lake=lake)


def list_reports(domain: str | None = None, *, lake=None) -> list[Report]:
    """Every report file, newest day first, optionally of one domain."""
    prefix = f"{PREFIX}/{safe_name(domain, what='report domain')}" if domain else PREFIX
    found = []
    for obj in (lake or open_lake()).list(prefix):
        parts = obj.path.split("/")
        if len(parts) == 4 and _DAY.fullmatch(parts[2]):
            found.append(Report(parts[1], parts[2], parts[3], obj.size))
    found.sort(key=lambda r: (r.domain, r.name))
    found.sort(key=lambda r: r.day, reverse=True)  # stable: within a day, by domain and name
    return found


def read_report(domain: str, day: dt.date | str, name: str, *, lake=None) -> bytes:
    """The bytes of one report (LakeError when there is none)."""
    return (lake or open_lake()).get_bytes(report_key(domain, day, name))
