"""Publishing one warehouse source to one Socrata dataset, chunk by chunk, resumably.

This is the operator's work without Airflow around it: stream rows in row-identifier order, encode
them as SODA JSON, upsert each chunk (or write it as CSV when simulating), record each acknowledged
chunk, then with ``sync_deletes`` send ``:deleted`` rows for identifiers published before and now
gone. A publication with the same key that did not finish resumes after its last acknowledged chunk.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from tributary import warehouse
from tributary.socrata import ledger, soda
from tributary.socrata.csv_fallback import CsvFallback
from tributary.socrata.ledger import Chunk, Publication
from tributary.socrata.responses import UpsertResult
from tributary.socrata.source import Source, check_row_id, count_rows, stream_chunks

log = logging.getLogger(__name__)

SEEN_TABLE = "pg_temp._socrata_seen"


class Portal(Protocol):
    def upsert(self, dataset_id: str, body: bytes) -> UpsertResult: ...


class Progress:
    """Logs "published 30,000 / 120,000 rows, 3 / 12 chunks" as chunks are acknowledged."""

    def __init__(self, total_rows: int, total_chunks: int, verb: str,
                 emit: Callable[[str], None]) -> None:
        self.total_rows, self.total_chunks, self.verb, self.emit = total_rows, total_chunks, verb, emit

    def __call__(self, rows: int, chunks: int) -> None:
        self.emit(f"{self.verb} {rows:,} / {self.total_rows:,} rows, "
                  f"{chunks:,} / {self.total_chunks:,} chunks")


class ChunkRecorder:
    """Records acknowledged chunks on a worker thread while the next chunk is read and sent.

    At most one chunk is acknowledged but not yet recorded; if the process dies then, a retry
    sends that chunk again, which an upsert makes harmless. Errors surface on the next call.
    """

    def __init__(self, book, pub: Publication, run_id: int) -> None:
        self.book, self.pub, self.run_id = book, pub, run_id
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="socrata-ledger")
        self._pending: Future | None = None

    def _record(self, chunk: Chunk) -> None:
        with self.book.transaction():
            ledger.record_chunk(self.book, self.pub, self.run_id, chunk)

    def submit(self, chunk: Chunk) -> None:
        self.wait()
        self._pending = self._pool.submit(self._record, chunk)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self, *, quiet: bool = False) -> None:
        """Wait for the last record; ``quiet`` when another error is already on its way."""
        try:
            self.wait()
        except Exception:
            if not quiet:
                raise
        finally:
            self._pool.shutdown()


def publish(pub: Publication, source: Source, *, portal: Portal | None,
            fallback: CsvFallback | None = None, warehouse_url: str | None = None,
            emit: Callable[[str], None] = log.info) -> dict[str, Any]:
    """Publish ``source`` as ``pub`` says; returns the ``publish.run`` row as a dict.

    ``portal`` receives the upserts (a `SocrataHook`); when ``pub.simulate`` is set, ``fallback``
    gets the chunks as CSV files instead and ``portal`` is not used.
    """
    if pub.simulate and fallback is None:
        raise ValueError("simulate needs a CSV fallback to write to")
    if not pub.simulate and portal is None:
        raise ValueError("publishing needs a portal")
    with warehouse.connect(warehouse_url, autocommit=True) as book:
        with book.transaction():
            run = ledger.open_run(book, pub)
        if run.resuming:
            emit(f"resuming publication {pub.key} (attempt {run.attempts}): {run.chunks_sent} "
                 f"chunk(s), {run.rows_sent:,} rows already acknowledged")
        try:
            with warehouse.connect(warehouse_url) as reader:
                number = _upserts(pub, source, run, book, reader, portal, fallback, emit)
                if pub.sync_deletes:
                    _deletes(pub, run, book, reader, portal, fallback, number, emit)
            with book.transaction():
                ledger.finish(book, run.run_id, "succeeded")
        except BaseException as exc:
            with book.transaction():
                ledger.finish(book, run.run_id, "failed", f"{type(exc).__name__}: {exc}"[:4000])
            raise
        return ledger.run_summary(book, run.run_id)


def _send(pub: Publication, portal: Portal | None, fallback: CsvFallback | None, number: int,
          objects: Sequence[dict[str, Any]], deleted: bool) -> tuple[UpsertResult, dict[str, Any]]:
    if pub.simulate:
        where = fallback.write(number, objects, deleted=deleted)
        return UpsertResult(), {"simulated": True, "file": where}
    result = portal.upsert(pub.dataset_id, soda.payload(objects))
    return result, result.as_dict()


def _upserts(pub: Publication, source: Source, run: ledger.RunState, book, reader,
             portal: Portal | None, fallback: CsvFallback | None,
             emit: Callable[[str], None]) -> int:
    """Send the source's rows after the last acknowledged one; returns the last chunk number."""
    after = run.last_row_value
    check_row_id(reader, source, pub.row_id)
    remaining = count_rows(reader, source, pub.row_id, after)
    total = run.rows_sent + remaining
    with book.transaction():
        ledger.set_total(book, run.run_id, total, fallback.location if fallback else None)
    chunks_total = run.chunks_sent + math.ceil(remaining / pub.chunk_size)
    progress = Progress(total, chunks_total, "simulated" if pub.simulate else "published", emit)
    emit(f"{pub.source_label} -> {pub.portal}/resource/{pub.dataset_id}.json: {remaining:,} rows "
         f"to send in chunks of {pub.chunk_size:,} by {pub.row_id!r}")
    # A dry run marks nothing as published, so the ids it saw are kept aside for sync_deletes.
    seen = pub.simulate and pub.sync_deletes
    if seen:
        reader.execute(f"create temp table if not exists {SEEN_TABLE.split('.')[1]} "
                       "(row_value jsonb primary key)")
        reader.execute(f"truncate {SEEN_TABLE}")
    columns, chunks = stream_chunks(reader, source, pub.row_id, pub.chunk_size, after)
    number, rows_sent = run.chunks_sent, run.rows_sent
    recorder = ChunkRecorder(book, pub, run.run_id)
    try:
        for rows in chunks:
            number += 1
            started = time.monotonic()
            objects = soda.encode_rows(columns, rows)
            result, response = _send(pub, portal, fallback, number, objects, deleted=False)
            ids = [obj[pub.row_id] for obj in objects]
            if seen:
                warehouse.copy_rows(reader, SEEN_TABLE, ["row_value"],
                                    ([soda.json_text(v)] for v in ids))
            recorder.submit(Chunk(number, "upsert", ids, result, response,
                                  time.monotonic() - started))
            rows_sent += len(rows)
            progress(rows_sent, number)
        recorder.close()
    except BaseException:
        recorder.close(quiet=True)
        raise
    reader.commit()  # ends the cursor's transaction
    return number


def _deletes(pub: Publication, run: ledger.RunState, book, reader, portal: Portal | None,
             fallback: CsvFallback | None, number: int, emit: Callable[[str], None]) -> None:
    seen = SEEN_TABLE if pub.simulate else None
    stale = ledger.count_stale(reader, pub, run.run_id, seen)
    emit(f"sync_deletes: {stale:,} row(s) published before are gone from the source")
    if not stale:
        return
    progress = Progress(stale, math.ceil(stale / pub.chunk_size),
                        "simulated deleting" if pub.simulate else "deleted", emit)
    done = 0
    for chunks, values in enumerate(
            ledger.stale_row_values(reader, pub, run.run_id, pub.chunk_size, seen), 1):
        number += 1
        started = time.monotonic()
        objects = [soda.deleted_row(pub.row_id, v) for v in values]
        result, response = _send(pub, portal, fallback, number, objects, deleted=True)
        # Recorded at once: the stale-id cursor must not outrun the deletions it reports.
        with book.transaction():
            ledger.record_chunk(book, pub, run.run_id, Chunk(
                number, "delete", values, result, response, time.monotonic() - started))
        done += len(values)
        progress(done, chunks)
    reader.commit()
