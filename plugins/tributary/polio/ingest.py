"""`polio_ingest`: one file becomes one document and its facts become source datapoints.

A long document goes to Postgres' CSV parser over several connections at once (`bulk`); any other
document, or one the parser refuses, is read row by row here. Either way a document becomes
'loaded' in one transaction, or not at all: a document that cannot be read, or holds no facts,
is recorded as failed, with its error, and leaves no facts. Its errors are `DocumentError`
(`BadInput`: the task fails without retries). A document is the file *and* how it was read: the same
content (by sha256) read with the same params (`ReadingParams`) again adds nothing, read with
other params it is a new document.
The whole load holds the polio write lock (`changes.write_session`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
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
from tributary.errors import quote_input
from tributary.faults import checkpoint
from tributary.inputs import InputFile
from tributary.polio import bulk, changes
from tributary.polio.document import DocumentError, Fact, Reading, ReadingParams, Scan, read, scan

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
            return (f"same content read with the same params already loaded as document "
                    f"{self.document_id}: nothing added")
        how = f"{self.streams} COPY stream(s)" if self.streams else "row by row"
        return (f"document {self.document_id} ({self.layout}): {self.facts:,} facts, "
                f"{self.rejected_rows} rejected rows; loaded {how}")


#: Facts per COPY block: large enough that the per-block work is noise, small enough for flat memory.
BLOCK_FACTS = 20_000
# COPY text format gives these characters a meaning; a field holding one must be escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def ingest(source: InputFile | Path, *, region_column: str | None = "region",
           campaign_column: str | None = "campaign", ignore_columns: Sequence[str] | None = (),
           url: str | None = None) -> IngestResult:
    """Load ``source`` as one document read with these params (None: the default); raise
    DocumentError after recording a failure.

    ``source`` is resolved by the caller (`tributary.inputs.resolve_input` for a param; a Path is
    a file the calling code chose). It is opened once, here, for the whole load (from an S3 lake:
    downloaded once), and every reader below gets that one local path."""
    source = _input_file(source)
    params = ReadingParams.of(region_column, campaign_column, ignore_columns)
    url = url or warehouse.warehouse_url()
    with source.local_path() as path:
        if not path.is_file():
            raise DocumentError(f"no such file: {quote_input(source.given)}")
        document = Document(source.key if source.key is not None else str(source.path), path, params)
        result = _load(document, url)
    log.info("%s: %s", document.name, result.summary())
    return result


def _input_file(source: InputFile | Path) -> InputFile:
    if isinstance(source, Path):
        return InputFile.trusted(source)
    if not isinstance(source, InputFile):  # a param's string must pass the trust boundary first
        raise TypeError(f"ingest takes an InputFile (tributary.inputs.resolve_input) or a Path, "
                        f"not {type(source).__name__}")
    return source


@dataclass(frozen=True)
class Document:
    """The document being loaded: where it came from, its local copy, and how it is read."""

    #: raw_polio.document.source: the lake key, or the local path
    source: str
    path: Path
    params: ReadingParams

    @property
    def name(self) -> str:
        return self.path.name


def _load(document: Document, url: str) -> IngestResult:
    path, params = document.path, document.params
    try:
        info = scan(path, bulk.split_targets(path.stat().st_size))
    except DocumentError as exc:
        with warehouse.connect(url, autocommit=True) as conn:
            _record_failure(conn, document, _checksum(path), str(exc))
        raise
    with changes.write_session(url) as conn:
        _abandon_interrupted(conn)
        row = conn.execute(
            "select document_id from raw_polio.document "
            "where checksum = %s and reading = %s::jsonb and status = 'loaded'",
            (info.checksum, params.as_json()),
        ).fetchone()
        if row:
            log.info("%s: same content read the same way as document %s, nothing to add",
                     document.name, row[0])
            return IngestResult(row[0], "duplicate", None, 0, 0)
        open_reading = partial(read, path, encoding=info.encoding, region_column=params.region_column,
                               campaign_column=params.campaign_column,
                               ignore_columns=params.ignore_columns)
        try:
            reading = open_reading()
        except DocumentError as exc:
            _record_failure(conn, document, info.checksum, str(exc))
            raise
        try:
            plan = bulk.plan(path, info, reading.layout, reading.header_line)
            reading.close()
            return _load_bulk(conn, url, document, info, plan)
        except bulk.NotBulkLoadable as why:  # not for the bulk loader, or Postgres refused it
            log.info("%s: read row by row (%s)", document.name, why)
            reading.close()
            return _load_rows(conn, document, info, open_reading())


def _load_bulk(conn: psycopg.Connection, url: str, document: Document, info: Scan,
               plan: bulk.Plan) -> IngestResult:
    """Load a long document in COPY streams; `bulk.NotBulkLoadable` (and no trace of the document)
    if Postgres refused its content."""
    started, started_at = time.monotonic(), dt.datetime.now(dt.UTC)
    document_id = _new_document(conn, document, info, "long", "loading")
    try:
        facts = bulk.copy_streams(url, document.path, plan, document_id)
    except bulk.NotBulkLoadable:
        conn.execute("delete from raw_polio.document where document_id = %s", (document_id,))
        raise
    except BaseException as exc:
        _abandon(conn, document_id, f"load failed: {quote_input(exc)}")
        raise
    checkpoint("polio.bulk_before_marked_loaded")
    with conn.transaction():
        changes.lock_for_write(conn)
        conn.execute("update raw_polio.document set status = 'loaded', facts = %s "
                     "where document_id = %s", (facts, document_id))
        warehouse.record_load(conn, warehouse.LoadResult("raw_polio.source_datapoint", facts, facts),
                              "append", started_at, time.monotonic() - started)
        changes.log_changes(conn, [changes.document_change(document_id)])
    return IngestResult(document_id, "loaded", "long", facts, 0, len(plan.streams))


def _load_rows(conn: psycopg.Connection, document: Document, info: Scan,
               reading: Reading) -> IngestResult:
    """Read the document row by row and load it in one transaction; ragged rows become rejects."""
    layout = reading.layout
    try:
        with conn.transaction():
            changes.lock_for_write(conn)
            document_id = _new_document(conn, document, info, layout.kind, "loaded")
            loaded = _copy_facts(conn, bulk.id_base(document_id), reading.facts)
            if not loaded.inserted:
                raise _no_facts(document, reading)
            checkpoint("polio.rows_before_rejects")
            if reading.rejects:
                warehouse.record_rejects(conn, "raw_polio", f"document:{document_id}", reading.rejects)
            conn.execute(
                "update raw_polio.document set facts = %s, rejected_rows = %s where document_id = %s",
                (loaded.inserted, len(reading.rejects), document_id),
            )
            changes.log_changes(conn, [changes.document_change(document_id)])
            checkpoint("polio.rows_before_commit")
    except DocumentError as exc:
        _record_failure(conn, document, info.checksum, str(exc))
        raise
    finally:
        reading.close()
    return IngestResult(document_id, "loaded", layout.kind, loaded.inserted, len(reading.rejects))


def _no_facts(document: Document, reading: Reading) -> DocumentError:
    """A document without facts fails: a header alone (or only rejected rows) is no data."""
    if not reading.rejects:
        return DocumentError(f"{document.name}: no facts: the header is not followed by any row")
    first = reading.rejects[0]
    return DocumentError(f"{document.name}: no facts: all {len(reading.rejects):,} rows were rejected "
                         f"(line {first.line_number:,}: {first.reason})")


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
            checkpoint("polio.rows_after_first_block")
    result = warehouse.LoadResult("raw_polio.source_datapoint", count, count)
    # Logged in raw_platform.load as warehouse.load logs its own COPYs (see the module doc there).
    warehouse.record_load(conn, result, "append", started_at, time.monotonic() - started)
    return result


def _new_document(conn: psycopg.Connection, document: Document, info: Scan, layout: str,
                  status: str) -> int:
    return conn.execute(
        "insert into raw_polio.document (file_name, source, reading, checksum, status, layout, encoding) "
        "values (%s, %s, %s::jsonb, %s, %s, %s, %s) returning document_id",
        (document.name, document.source, document.params.as_json(), info.checksum, status, layout,
         info.encoding),
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
    """sha256 of a file `document.scan` refused part way (it stops at the first sign of binary)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _record_failure(conn: psycopg.Connection, document: Document, checksum: str, error: str) -> None:
    """Mark the document failed (after any loading transaction rolled back)."""
    conn.execute(
        "insert into raw_polio.document (file_name, source, reading, checksum, status, error) "
        "values (%s, %s, %s::jsonb, %s, 'failed', %s)",
        (document.name, document.source, document.params.as_json(), checksum, error),
    )
    log.error("%s: document failed: %s", document.name, error)
