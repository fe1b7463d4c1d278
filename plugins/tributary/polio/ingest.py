"""`polio_ingest`: one file becomes one document and its facts become source datapoints.

A long document goes to Postgres' CSV parser over several connections at once (`bulk`); any other
document, or one the parser refuses, is read row by row here. Either way a document becomes
'loaded' in one transaction, or not at all: a document that cannot be read is recorded as failed,
with its error, and leaves no facts. The same content (by sha256) uploaded again adds nothing.
The whole load holds the polio write lock (`changes.write_session`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path

import psycopg
from psycopg import sql

from tributary import warehouse
from tributary.polio import bulk, changes
from tributary.polio.document import DocumentError, Fact, Reading, Scan, read, scan

log = logging.getLogger(__name__)

ROW_COLUMNS = "source_datapoint_id, row_number, campaign_string, region_string, indicator_string, value_string"
INTERRUPTED = "interrupted: the load stopped before it finished and none of it is used; load the file again"


@dataclass(frozen=True)
class IngestResult:
    document_id: int
    status: str  # "loaded" | "duplicate"
    layout: str | None
    facts: int
    rejected_rows: int
    #: COPY streams of a bulk load; 0 when the document was read row by row
    streams: int = 0

    def summary(self) -> str:
        if self.status == "duplicate":
            return f"same content already loaded as document {self.document_id}: nothing added"
        how = f"{self.streams} COPY stream(s)" if self.streams else "row by row"
        return (f"document {self.document_id} ({self.layout}): {self.facts:,} facts, "
                f"{self.rejected_rows} rejected rows; loaded {how}")


#: Facts per COPY block: large enough that the per-block work is noise, small enough for flat memory.
BLOCK_FACTS = 20_000
# COPY text format gives these characters a meaning; a field holding one must be escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def ingest(path: str | Path, *, region_column: str = "region", campaign_column: str = "campaign",
           ignore_columns: Sequence[str] = (), url: str | None = None) -> IngestResult:
    """Load the file at ``path`` as one document; raise DocumentError after recording a failure."""
    path = Path(path)
    if not path.is_file():
        raise DocumentError(f"no such file: {path}")
    url = url or warehouse.warehouse_url()
    try:
        info = scan(path, bulk.split_targets(path.stat().st_size))
    except DocumentError as exc:
        with warehouse.connect(url, autocommit=True) as conn:
            _record_failure(conn, path, _checksum(path), str(exc))
        raise
    with changes.write_session(url) as conn:
        _abandon_interrupted(conn)
        row = conn.execute(
            "select document_id from raw_polio.document where checksum = %s and status = 'loaded'",
            (info.checksum,),
        ).fetchone()
        if row:
            log.info("%s: same content as document %s, nothing to add", path.name, row[0])
            return IngestResult(row[0], "duplicate", None, 0, 0)
        open_reading = partial(read, path, encoding=info.encoding, region_column=region_column,
                               campaign_column=campaign_column, ignore_columns=ignore_columns)
        try:
            reading = open_reading()
        except DocumentError as exc:
            _record_failure(conn, path, info.checksum, str(exc))
            raise
        try:
            plan = bulk.plan(path, info, reading.layout, reading.header_line)
            reading.close()
            result = _load_bulk(conn, url, path, info, plan)
        except bulk.NotBulkLoadable as why:  # not for the bulk loader, or Postgres refused it
            log.info("%s: read row by row (%s)", path.name, why)
            reading.close()
            result = _load_rows(conn, path, info, open_reading())
    log.info("%s: %s", path.name, result.summary())
    return result


def _load_bulk(conn: psycopg.Connection, url: str, path: Path, info: Scan,
               plan: bulk.Plan) -> IngestResult:
    """Load a long document in COPY streams; `bulk.NotBulkLoadable` (and no trace of the document)
    if Postgres refused its content."""
    started, started_at = time.monotonic(), dt.datetime.now(dt.UTC)
    document_id = _new_document(conn, path.name, info, "long", "loading")
    try:
        facts = bulk.copy_streams(url, path, plan, document_id)
    except bulk.NotBulkLoadable:
        conn.execute("delete from raw_polio.document where document_id = %s", (document_id,))
        raise
    except BaseException as exc:
        _abandon(conn, document_id, f"load failed: {exc}")
        raise
    with conn.transaction():
        changes.lock_for_write(conn)
        conn.execute("update raw_polio.document set status = 'loaded', facts = %s "
                     "where document_id = %s", (facts, document_id))
        warehouse.record_load(conn, warehouse.LoadResult("raw_polio.source_datapoint", facts, facts),
                              "append", started_at, time.monotonic() - started)
        changes.log_changes(conn, [changes.document_change(document_id)])
    return IngestResult(document_id, "loaded", "long", facts, 0, len(plan.streams))


def _load_rows(conn: psycopg.Connection, path: Path, info: Scan, reading: Reading) -> IngestResult:
    """Read the document row by row and load it in one transaction; ragged rows become rejects."""
    layout = reading.layout
    try:
        with conn.transaction():
            changes.lock_for_write(conn)
            document_id = _new_document(conn, path.name, info, layout.kind, "loaded")
            loaded = _copy_facts(conn, bulk.id_base(document_id), reading.facts)
            if reading.rejects:
                warehouse.record_rejects(conn, "raw_polio", f"document:{document_id}", reading.rejects)
            conn.execute(
                "update raw_polio.document set facts = %s, rejected_rows = %s where document_id = %s",
                (loaded.inserted, len(reading.rejects), document_id),
            )
            changes.log_changes(conn, [changes.document_change(document_id)])
    except DocumentError as exc:
        _record_failure(conn, path, info.checksum, str(exc))
        raise
    finally:
        reading.close()
    return IngestResult(document_id, "loaded", layout.kind, loaded.inserted, len(reading.rejects))


def _copy_text(base_id: int, block: list[Fact], start: int) -> bytes:
    """A block of facts as COPY text (one row per line: id, then the fact), the ``start``-th fact
    of the document first.

    Formatting every row with one f-string is several times cheaper than adapting each value; the
    rare block where a field holds a tab, newline, CR or backslash shows in the counts and is
    formatted again with escapes."""
    first = base_id + start
    text = "".join([f"{first + k}\t{n}\t{c}\t{r}\t{i}\t{v}\n"
                    for k, (n, c, r, i, v) in enumerate(block)])
    if ("\\" in text or "\r" in text or text.count("\n") != len(block)
            or text.count("\t") != 5 * len(block)):
        text = "".join(
            "\t".join([str(first + k), *(str(x).translate(_COPY_ESCAPES) for x in fact)]) + "\n"
            for k, fact in enumerate(block)
        )
    return text.encode()


def _copy_facts(conn: psycopg.Connection, base_id: int, facts: Iterator[Fact]) -> warehouse.LoadResult:
    """COPY the facts, in blocks of text, to stream table 0 with ids ``base_id + 1, 2, ...``;
    logged like any load."""
    started, started_at = time.monotonic(), dt.datetime.now(dt.UTC)
    count = 0
    with conn.cursor() as cur, cur.copy(f"copy raw_polio.source_datapoint_0 ({ROW_COLUMNS}) from stdin") as copy:
        while block := list(islice(facts, BLOCK_FACTS)):
            if count + len(block) >= 1 << bulk.ID_SHIFT:
                raise DocumentError("more facts than a document's ids can number")
            copy.write(_copy_text(base_id, block, count + 1))
            count += len(block)
    result = warehouse.LoadResult("raw_polio.source_datapoint", count, count)
    # Logged in raw_platform.load as warehouse.load logs its own COPYs (see the module doc there).
    warehouse.record_load(conn, result, "append", started_at, time.monotonic() - started)
    return result


def _new_document(conn: psycopg.Connection, file_name: str, info: Scan, layout: str,
                  status: str) -> int:
    return conn.execute(
        "insert into raw_polio.document (file_name, checksum, status, layout, encoding) "
        "values (%s, %s, %s, %s, %s) returning document_id",
        (file_name, info.checksum, status, layout, info.encoding),
    ).fetchone()[0]


def _abandon_interrupted(conn: psycopg.Connection) -> None:
    """Documents left 'loading' by a load that died (its lock is gone, and the caller holds it now):
    failed, and their facts removed."""
    rows = conn.execute("select document_id from raw_polio.document where status = 'loading'").fetchall()
    for (document_id,) in rows:
        log.warning("document %s: %s", document_id, INTERRUPTED)
        _abandon(conn, document_id, INTERRUPTED)


def _abandon(conn: psycopg.Connection, document_id: int, error: str) -> None:
    low = bulk.id_base(document_id)
    with conn.transaction():
        for stream in range(bulk.MAX_STREAMS):
            conn.execute(sql.SQL("delete from {} where source_datapoint_id between %s and %s").format(
                sql.Identifier("raw_polio", f"source_datapoint_{stream}")),
                (low, bulk.id_base(document_id + 1) - 1))
        conn.execute("update raw_polio.document set status = 'failed', error = %s "
                     "where document_id = %s", (error, document_id))


def _checksum(path: Path) -> str:
    import hashlib  # noqa: PLC0415

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _record_failure(conn: psycopg.Connection, path: Path, checksum: str, error: str) -> None:
    """Mark the document failed (after any loading transaction rolled back)."""
    conn.execute(
        "insert into raw_polio.document (file_name, checksum, status, error) "
        "values (%s, %s, 'failed', %s)",
        (path.name, checksum, error),
    )
    log.error("%s: document failed: %s", path.name, error)
