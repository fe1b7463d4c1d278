"""Loading a long document with Postgres' own CSV parser, over several connections at once.

A long document (exactly the columns campaign, region, indicator and value, header on line 1) is
cut into byte ranges that end at record ends, and each range is sent as it is to
``COPY ... (format csv)`` on a connection of its own (a *stream*). The server parses and writes the
ranges in parallel and Python never touches a row, which is what brings ingest to `psql \\copy`
speed (see bench/RESULTS.md).

Postgres is also the validator. A document it cannot take as one record per line (a ragged row,
a blank line, a newline inside a quoted cell, a quote that never closes, bytes of another
encoding) raises `NotBulkLoadable` with the reason and leaves nothing behind; `ingest` then reads
the document row by row, which records such rows as rejects (or fails the document). So does a
document with a line longer than `MAX_CELL_CHARS` bytes (`Scan.long_line`), which may hold a cell
over the limit: the row-by-row reader rejects such rows, and every path treats them alike.

Stream k writes to ``raw_polio.source_datapoint_<k>``, whose id default counts from the stream's
first line (ids are ``document_id * 2**32 + line``; see include/sql/polio.sql). The streams commit
separately, so the document is 'loading' until the caller marks it 'loaded' in one last
transaction, and everything downstream reads loaded documents only.
"""

from __future__ import annotations

import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from tributary.errors import MAX_CELL_CHARS
from tributary.faults import checkpoint
from tributary.polio.document import CHUNK_BYTES, Layout, Scan

#: Stream tables raw_polio.source_datapoint_<k> exist for this many streams (include/sql/polio.sql).
MAX_STREAMS = 4
#: A fact's id is document_id * 2**32 + its line (or ordinal).
ID_SHIFT = 32
#: Below this many bytes per stream another connection costs more than it saves.
MIN_STREAM_BYTES = 8 << 20
#: Postgres' names of the encodings `document.scan` decides on.
COPY_ENCODING = {"utf-8-sig": "UTF8", "latin-1": "LATIN1"}
_TABLE_COLUMN = {"campaign": "campaign_string", "region": "region_string",
                 "indicator": "indicator_string", "value": "value_string"}


class NotBulkLoadable(Exception):  # noqa: N818  (a condition, not a failure: ingest falls back)
    """This document must be read row by row; the message says why."""


def streams_for(size: int) -> int:
    """How many streams a file of ``size`` bytes is loaded in: one per core, at most `MAX_STREAMS`,
    each with at least `MIN_STREAM_BYTES`."""
    return max(1, min(MAX_STREAMS, os.cpu_count() or 1, size // MIN_STREAM_BYTES))


def split_targets(size: int) -> list[int]:
    """Offsets for `document.scan`: 0 (the end of the header) and where each later stream should
    start (the first record end at or after each)."""
    n = streams_for(size)
    return [0] + [size * k // n for k in range(1, n)]


@dataclass(frozen=True)
class Stream:
    """Bytes [start, end) of the file: ``lines`` records, the first on line ``first_line``."""

    start: int
    end: int
    first_line: int
    lines: int


@dataclass(frozen=True)
class Plan:
    """How a document is loaded in bulk: its columns in file order and its streams."""

    columns: list[str]
    encoding: str
    streams: list[Stream]


def plan(path: Path, info: Scan, layout: Layout, header_line: int) -> Plan:
    """The bulk plan of a scanned document, or `NotBulkLoadable` with the reason."""
    if layout.kind != "long" or layout.width != 4:
        raise NotBulkLoadable(f"{layout.kind} layout with {layout.width} columns")
    header_end = info.record_ends[0]
    if header_line != 1 or header_end is None or header_end[1] != 1:
        raise NotBulkLoadable("the header is not the first line, or no line ends with LF")
    if info.long_line:
        raise NotBulkLoadable(f"a line is longer than {MAX_CELL_CHARS:,} bytes (a cell may be too)")
    roles = {layout.campaign: "campaign", layout.region: "region", layout.indicator: "indicator",
             layout.value: "value"}
    columns = [_TABLE_COLUMN[roles[i]] for i in range(4)]
    # Trailing line breaks are not records (a blank last line would be a ragged row to COPY).
    with open(path, "rb") as handle:
        handle.seek(max(0, info.size - 64))
        tail = handle.read()
    stripped = tail.rstrip(b"\r\n")
    end = info.size - (len(tail) - len(stripped))
    lines_to_end = info.lines - tail[len(stripped):].count(b"\n")
    starts = sorted({e for e in info.record_ends if e is not None and header_end[0] <= e[0] < end})
    if not starts:
        raise NotBulkLoadable("no rows after the header")
    streams = []
    for (start, before), nxt in zip(starts, [*starts[1:], None], strict=True):
        if nxt is None:  # the last stream runs to the last line, which has no newline any more
            streams.append(Stream(start, end, before + 1, lines_to_end - before + 1))
        else:
            streams.append(Stream(start, nxt[0], before + 1, nxt[1] - before))
    if lines_to_end + 1 >= 1 << ID_SHIFT:
        raise NotBulkLoadable("more lines than a document's ids can number")
    return Plan(columns, COPY_ENCODING[info.encoding], streams)


def id_base(document_id: int) -> int:
    """A document's fact ids are this plus the fact's line (or ordinal)."""
    return document_id << ID_SHIFT


def copy_streams(url: str, path: Path, plan: Plan, document_id: int) -> int:
    """COPY every stream of ``plan`` on its own connection, in parallel, and commit them all if
    every one loaded exactly its lines; otherwise roll all back. Returns the facts loaded."""
    failed = threading.Event()
    conns = [psycopg.connect(url) for _ in plan.streams]
    try:
        with ThreadPoolExecutor(len(plan.streams)) as pool:
            futures = [pool.submit(_copy_stream, conn, plan, slot, id_base(document_id), path, failed)
                       for slot, conn in enumerate(conns)]
            errors = [f.exception() for f in futures]
        problem = next((e for e in errors if e is not None and not isinstance(e, _Cancelled)), None)
        if problem is not None:
            if isinstance(problem, psycopg.DataError):  # the content: read it row by row instead
                raise NotBulkLoadable(_describe(problem, plan, errors.index(problem))) from problem
            raise problem
        loaded = [f.result() for f in futures]
        for n, (stream, rows) in enumerate(zip(plan.streams, loaded, strict=True)):
            if rows != stream.lines:
                raise NotBulkLoadable(
                    f"stream {n + 1} holds {stream.lines} lines but {rows} records "
                    "(a quoted cell with a line break?)")
        for n, conn in enumerate(conns):
            conn.commit()
            if n == 0:
                checkpoint("polio.bulk_between_stream_commits")
        return sum(loaded)
    finally:
        for conn in conns:
            conn.close()  # rolls back whatever did not commit


class _Cancelled(Exception):  # noqa: N818
    """Another stream failed: this one stops early."""


def _copy_stream(conn: psycopg.Connection, plan: Plan, slot: int, base_id: int, path: Path,
                 failed: threading.Event) -> int:
    stream = plan.streams[slot]
    table = f"source_datapoint_{slot}"
    statement = sql.SQL("copy {table} ({cols}) from stdin "
                        "(format csv, encoding {enc}, force_not_null ({cols}))").format(
        table=sql.Identifier("raw_polio", table),
        cols=sql.SQL(", ").join(map(sql.Identifier, plan.columns)), enc=sql.Literal(plan.encoding))
    try:
        conn.execute("select setval(%s::regclass, %s, false)",
                     (f"raw_polio.{table}_n", base_id + stream.first_line))
        with conn.cursor() as cur, open(path, "rb") as handle:
            handle.seek(stream.start)
            left = stream.end - stream.start
            with cur.copy(statement) as copy:
                while left > 0:
                    if failed.is_set():
                        raise _Cancelled
                    chunk = handle.read(min(CHUNK_BYTES, left))
                    if not chunk:
                        raise OSError(f"{path.name} is shorter than when it was scanned")
                    copy.write(chunk)
                    left -= len(chunk)
                    checkpoint("polio.bulk_after_first_chunk")
            return cur.rowcount
    except BaseException:
        failed.set()
        raise


def _describe(error: psycopg.DataError, plan: Plan, index: int) -> str:
    """The server's reason, with the line of the file it points at."""
    message = (error.diag.message_primary or str(error)).strip()
    # the context reads "COPY source_datapoint, line N[, column c]"; N counts within the stream
    found = re.search(r", line (\d+)", error.diag.context or "")
    if found is None:
        return message
    return f"line {plan.streams[index].first_line + int(found.group(1)) - 1}: {message}"
