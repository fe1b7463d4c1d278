"""`polio_ingest`: one file becomes one document and its facts become source datapoints.

All of a document loads in one transaction, or none of it: a document that cannot be read is
rolled back and then recorded as failed, with its error, in a transaction of its own. The same
content (by sha256) uploaded again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from operator import itemgetter
from pathlib import Path

import psycopg
from psycopg import sql

from tributary import warehouse
from tributary.polio import changes
from tributary.polio.document import DocumentError, Fact, read, scan

log = logging.getLogger(__name__)

SOURCE_COLUMNS = ["document_id", "row_number", "campaign_string", "region_string",
                  "indicator_string", "value_string"]


@dataclass(frozen=True)
class IngestResult:
    document_id: int
    status: str  # "loaded" | "duplicate"
    layout: str | None
    facts: int
    rejected_rows: int
    new_strings: int

    def summary(self) -> str:
        if self.status == "duplicate":
            return f"same content already loaded as document {self.document_id}: nothing added"
        return (f"document {self.document_id} ({self.layout}): {self.facts:,} facts, "
                f"{self.rejected_rows} rejected rows, {self.new_strings} new source strings")


#: Facts per COPY block: large enough that the per-block work is noise, small enough for flat memory.
BLOCK_FACTS = 20_000
# COPY text format gives these characters a meaning; a field holding one must be escaped.
_CAMPAIGN, _REGION, _INDICATOR = itemgetter(1), itemgetter(2), itemgetter(3)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class _Vocabulary:
    """The distinct strings of a document, collected block by block while its facts stream past."""

    def __init__(self) -> None:
        self.campaign: set[str] = set()
        self.region: set[str] = set()
        self.indicator: set[str] = set()

    def add(self, block: list[Fact]) -> None:
        self.campaign.update(map(_CAMPAIGN, block))
        self.region.update(map(_REGION, block))
        self.indicator.update(map(_INDICATOR, block))

    def strings(self, document_id: int) -> Iterator[tuple]:
        for kind in ("region", "campaign", "indicator"):
            for s in sorted(getattr(self, kind)):
                if s:
                    yield (kind, s, document_id)


def _copy_text(document_id: int, block: list[Fact]) -> bytes:
    """A block of facts as COPY text (one source_datapoint row per line).

    Formatting every row with one f-string is several times cheaper than adapting each value; the
    rare block where a field holds a tab, newline, CR or backslash shows in the counts and is
    formatted again with escapes."""
    text = "".join([f"{document_id}\t{n}\t{c}\t{r}\t{i}\t{v}\n" for n, c, r, i, v in block])
    if ("\\" in text or "\r" in text or text.count("\n") != len(block)
            or text.count("\t") != 5 * len(block)):
        text = "".join(
            "\t".join([str(document_id), *(str(x).translate(_COPY_ESCAPES) for x in fact)]) + "\n"
            for fact in block
        )
    return text.encode()


def _copy_facts(conn: psycopg.Connection, document_id: int, facts: Iterator[Fact],
                vocabulary: _Vocabulary) -> warehouse.LoadResult:
    """COPY the facts into raw_polio.source_datapoint in blocks of text; logged like any load."""
    started, started_at = time.monotonic(), dt.datetime.now(dt.UTC)
    count = 0
    statement = sql.SQL("copy raw_polio.source_datapoint ({}) from stdin").format(
        sql.SQL(", ").join(map(sql.Identifier, SOURCE_COLUMNS)))
    with conn.cursor() as cur, cur.copy(statement) as copy:
        while block := list(islice(facts, BLOCK_FACTS)):
            count += len(block)
            vocabulary.add(block)
            copy.write(_copy_text(document_id, block))
    result = warehouse.LoadResult("raw_polio.source_datapoint", count, count)
    # Logged in raw_platform.load as warehouse.load logs its own COPYs (see the module doc there).
    warehouse.record_load(conn, result, "append", started_at, time.monotonic() - started)
    return result


def ingest(path: str | Path, *, region_column: str = "region", campaign_column: str = "campaign",
           ignore_columns: Sequence[str] = (), url: str | None = None) -> IngestResult:
    """Load the file at ``path`` as one document; raise DocumentError after recording a failure."""
    path = Path(path)
    if not path.is_file():
        raise DocumentError(f"no such file: {path}")
    try:
        info = scan(path)
    except DocumentError as exc:
        _record_failure(path, _checksum_or_blank(path), str(exc), url)
        raise
    try:
        with warehouse.transaction(url) as conn:
            changes.lock_for_write(conn)
            row = conn.execute(
                "select document_id from raw_polio.document where checksum = %s and status = 'loaded'",
                (info.checksum,),
            ).fetchone()
            if row:
                log.info("%s: same content as document %s, nothing to add", path.name, row[0])
                return IngestResult(row[0], "duplicate", None, 0, 0, 0)
            reading = read(path, encoding=info.encoding, region_column=region_column,
                           campaign_column=campaign_column, ignore_columns=ignore_columns)
            document_id = _new_document(conn, path.name, info.checksum, reading.layout.kind,
                                        info.encoding)
            vocabulary = _Vocabulary()
            loaded = _copy_facts(conn, document_id, reading.facts, vocabulary)
            if reading.rejects:
                warehouse.record_rejects(conn, "raw_polio", f"document:{document_id}", reading.rejects)
            new_strings = warehouse.load(
                conn, "raw_polio.source_string", ["kind", "source_string", "first_document_id"],
                vocabulary.strings(document_id), mode="insert_new", key=["kind", "source_string"],
            ).inserted
            conn.execute(
                "update raw_polio.document set facts = %s, rejected_rows = %s where document_id = %s",
                (loaded.inserted, len(reading.rejects), document_id),
            )
            changes.log_changes(conn, [changes.document_change(document_id)])
    except DocumentError as exc:
        _record_failure(path, info.checksum, str(exc), url)
        raise
    result = IngestResult(document_id, "loaded", reading.layout.kind, loaded.inserted,
                          len(reading.rejects), new_strings)
    log.info("%s: %s", path.name, result.summary())
    return result


def _new_document(conn: psycopg.Connection, file_name: str, checksum: str, layout: str,
                  encoding: str) -> int:
    return conn.execute(
        "insert into raw_polio.document (file_name, checksum, status, layout, encoding) "
        "values (%s, %s, 'loaded', %s, %s) returning document_id",
        (file_name, checksum, layout, encoding),
    ).fetchone()[0]


def _checksum_or_blank(path: Path) -> str:
    import hashlib  # noqa: PLC0415

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _record_failure(path: Path, checksum: str, error: str, url: str | None) -> None:
    """Mark the document failed, after the loading transaction rolled back."""
    with warehouse.transaction(url) as conn:
        conn.execute(
            "insert into raw_polio.document (file_name, checksum, status, error) "
            "values (%s, %s, 'failed', %s)",
            (path.name, checksum, error),
        )
    log.error("%s: document failed: %s", path.name, error)
