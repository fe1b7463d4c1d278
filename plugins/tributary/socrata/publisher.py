"""Publishing one warehouse source to one Socrata dataset: checked, minimal, resumable, verified.

This is the operator's work without Airflow around it:

- **preflight**: with declared ``columns``, the portal's dataset must have exactly those columns,
  of types that hold the source's values (`schema.preflight`), before anything is sent;
- **upsert** (diff publishing): the rows whose fingerprint differs from the one recorded for
  their identifier (new or changed rows; all of them with ``full``) are streamed in
  row-identifier order as SODA JSON written by Postgres and upserted chunk by chunk (or written
  as CSV when simulating), the next chunk read on a worker thread while one is sent; each
  acknowledged chunk is recorded with its rows' fingerprints; with ``sync_deletes`` identifiers
  published before and gone from the source are then deleted. The comparison runs in the
  database, so memory stays flat; when the source's row count and fingerprint sum equal the
  ledger's, nothing changed and it is skipped. A publication with the same key that did not
  finish resumes after its last acknowledged chunk;
- **replace**: the rows go up in one DSMAPI revision that is applied at the end (`revision`), for
  datasets without a row identifier and when the row identifier changes;
- **proof**: afterwards the portal's row count must match what the dataset should hold; a
  mismatch fails the publication with both numbers (on ``publish.run`` too).

Every way rows leave goes through `send` (the operator, the declared publications); a dry run
writes its CSV files where `simulate_fallback` says, in chunks written by `write_chunks` (also
what a traffic publish stage writes when simulating).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import requests

from tributary import warehouse
from tributary.socrata import ledger, revision, schema, soda
from tributary.socrata.csv_fallback import CsvFallback, slug
from tributary.socrata.ledger import Chunk, Publication
from tributary.socrata.prefetch import Prefetch
from tributary.socrata.responses import SocrataError, UpsertResult
from tributary.socrata.source import (
    Rows,
    Source,
    SourceError,
    changed_rows,
    check_unique,
    count_rows,
    fingerprint_total,
    published_columns,
    published_ids,
    source_ids,
    stream_rows,
)

log = logging.getLogger(__name__)

#: The portal may count a moment behind its last answer: ask this often, this far apart.
VERIFY_ATTEMPTS = 3
VERIFY_WAIT = 0.5

#: Where in the lake a dry run writes its CSV files (by dataset and publication).
SIMULATE_PREFIX = "socrata/simulate"
#: The portal a dry run without a connection names in the ledger.
NO_PORTAL = "(no connection)"


class PublishError(SocrataError):
    """The portal does not hold what was published (its row count differs)."""


class Portal(Protocol):
    def upsert(self, dataset_id: str, body: bytes) -> UpsertResult: ...

    def view(self, dataset_id: str) -> dict[str, Any]: ...

    def count_rows(self, dataset_id: str) -> int: ...

    def request(self, method: str, path_or_url: str, **kwargs: Any) -> requests.Response: ...


class Progress:
    """Logs "published 30,000 / 120,000 rows, 3 / 12 chunks" as chunks are acknowledged (without
    totals when they are not known in advance: a diff learns them as it goes)."""

    def __init__(self, total_rows: int | None, total_chunks: int | None, verb: str,
                 emit: Callable[[str], None]) -> None:
        self.total_rows, self.total_chunks, self.verb, self.emit = total_rows, total_chunks, verb, emit

    def __call__(self, rows: int, chunks: int) -> None:
        if self.total_rows is None:
            self.emit(f"{self.verb} {rows:,} rows, {chunks:,} chunks")
            return
        self.emit(f"{self.verb} {rows:,} / {self.total_rows:,} rows, "
                  f"{chunks:,} / {self.total_chunks:,} chunks")


class ChunkRecorder:
    """Records acknowledged chunks on a worker thread while the next chunk is read and sent.

    At most one chunk is acknowledged but not yet recorded; if the process dies then, a retry
    sends that chunk again, which an upsert makes harmless. Errors surface on the next call.
    """

    def __init__(self, book, pub: Publication, run_id: int, *, fresh: bool) -> None:
        self.book, self.pub, self.run_id, self.fresh = book, pub, run_id, fresh
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="socrata-ledger")
        self._pending: Future | None = None

    def _record(self, chunk: Chunk) -> None:
        with self.book.transaction():
            # No waiting for the disk: a crash may lose the last records, which then claim less
            # than the portal holds (the chunks are resent), never more.
            self.book.execute("set local synchronous_commit = off")
            ledger.record_chunk(self.book, self.pub, self.run_id, chunk, fresh=self.fresh)

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


def publication_key(context: Mapping[str, Any], name: str) -> str:
    """The name of "this publication" across retries of one task instance: same DAG run, task,
    map index and dataset (or publication) ``name`` means the same publication, so a retry
    resumes it."""
    ti = context["ti"]
    return f"{ti.dag_id}/{ti.run_id}/{ti.task_id}/{getattr(ti, 'map_index', -1)}/{name}"


def simulate_fallback(dataset_id: str, key: str, folder: str | None = None) -> CsvFallback:
    """Where a dry run of publication ``key`` writes its chunks: ``folder`` if given, else the lake
    under ``socrata/simulate/<dataset_id>/<publication>/``."""
    if folder:
        return CsvFallback(folder=Path(folder) / dataset_id / slug(key))
    from tributary.lake import open_lake  # noqa: PLC0415

    return CsvFallback(lake=open_lake(), prefix=f"{SIMULATE_PREFIX}/{dataset_id}/{slug(key)}")


def destination(hook: Any, simulate: bool) -> tuple[str, bool]:
    """The portal a publication goes to (``hook``'s URL) and whether it is a dry run: asked for,
    or the connection's extra says ``"simulate": true``. A dry run needs no connection (``hook``
    None or unresolvable: `NO_PORTAL`); anything else raises what resolving it raised."""
    if hook is None:
        return NO_PORTAL, simulate
    try:
        return hook.base_url, simulate or bool(hook.simulate)
    except Exception:
        if not simulate:
            raise
        return NO_PORTAL, True


def send(pub: Publication, source: Source, hook: Portal | None, *,
         simulate_path: str | None = None, warehouse_url: str | None = None,
         emit: Callable[[str], None] = log.info) -> dict[str, Any]:
    """`publish` to the portal of ``hook``, or, when ``pub.simulate``, as CSV files to
    ``simulate_path`` (default: the lake, `simulate_fallback`)."""
    fallback = simulate_fallback(pub.dataset_id, pub.key, simulate_path) if pub.simulate else None
    return publish(pub, source, portal=None if pub.simulate else hook, fallback=fallback,
                   warehouse_url=warehouse_url, emit=emit)


def write_chunks(reader, source: Source, columns: Sequence[tuple[str, int]], row_id: str | None,
                 chunk_size: int, fallback: CsvFallback) -> tuple[int, int]:
    """Every row of ``source`` as a dry run writes it: its SODA objects, in row-identifier order,
    ``chunk_size`` to a CSV file of ``fallback`` (none for no rows). Returns (rows, files).
    ``reader`` must not be in autocommit mode outside a transaction (a server-side cursor)."""
    rows = files = 0
    for files, chunk in enumerate(_objects(reader, source, columns, row_id, chunk_size), 1):
        fallback.write(files, chunk)
        rows += len(chunk)
    return rows, files


def _objects(reader, source: Source, columns: Sequence[tuple[str, int]], row_id: str | None,
             chunk_size: int) -> Iterator[list[dict[str, Any]]]:
    """Every row of ``source`` as SODA objects, ``chunk_size`` at a time, by row identifier."""
    statement, params = changed_rows(source, columns, row_id)
    return (soda.objects(rows.pieces)
            for rows in stream_rows(reader, statement, params, row_id, chunk_size))


def publish(pub: Publication, source: Source, *, portal: Portal | None,
            fallback: CsvFallback | None = None, warehouse_url: str | None = None,
            emit: Callable[[str], None] = log.info) -> dict[str, Any]:
    """Publish ``source`` as ``pub`` says; returns the ``publish.run`` row as a dict.

    ``portal`` receives the requests (a `SocrataHook`); when ``pub.simulate`` is set, ``fallback``
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
                columns = _columns(pub, source, reader)
                portal_row_id = _preflight(pub, source, columns, portal, emit)
                source_rows = count_rows(reader, source, None)
                with book.transaction():
                    ledger.set_source(book, run.run_id, source_rows,
                                      fallback.location if fallback else None)
                mode = _mode(pub, book, portal_row_id, emit)
                same = None
                if mode == "replace":
                    _replace(pub, source, columns, run, book, reader, portal, fallback, emit)
                else:
                    same = _upserts(pub, source, columns, run, book, reader, portal, fallback,
                                    emit, source_rows)
                    if pub.sync_deletes and same is not None:
                        emit("sync_deletes: 0 row(s) published before are gone from the source")
                    elif pub.sync_deletes:
                        _deletes(pub, source, columns, run, book, reader, portal, fallback, emit)
            if not pub.simulate:
                _verify(pub, run.run_id, mode, source_rows, book, portal, emit, recorded=same)
            with book.transaction():
                ledger.finish(book, run.run_id, "succeeded")
        except BaseException as exc:
            with book.transaction():
                ledger.finish(book, run.run_id, "failed", f"{type(exc).__name__}: {exc}"[:4000])
            raise
        return ledger.run_summary(book, run.run_id)


def _columns(pub: Publication, source: Source, reader) -> list[tuple[str, int]]:
    """The published columns (declared, or all of the source's) with their type oids."""
    columns = published_columns(reader, source, list(pub.columns) if pub.columns else None)
    if pub.row_id and pub.row_id not in dict(columns):
        raise SourceError(f"row identifier {pub.row_id!r} is not a column of {source.label} "
                          f"(columns: {', '.join(n for n, _ in columns)})")
    return columns


def _preflight(pub: Publication, source: Source, columns: Sequence[tuple[str, int]],
               portal: Portal | None, emit: Callable[[str], None]) -> str | None:
    """Check the portal's schema against the declared columns; the portal's row identifier."""
    if not pub.columns or pub.simulate:
        return None
    view = portal.view(pub.dataset_id)
    schema.preflight(pub.dataset_id, pub.name or source.label, pub.columns, view, columns)
    emit(f"preflight: dataset {pub.dataset_id} has the {len(pub.columns)} declared columns")
    return schema.portal_row_id(view) or ""


def _mode(pub: Publication, book, portal_row_id: str | None,
          emit: Callable[[str], None]) -> str:
    """Replace instead of upsert when the row identifier changed (on the portal, or since the
    last publication to this dataset): old and new identifiers would not match row for row."""
    if pub.mode == "replace" or pub.simulate:
        return pub.mode
    before = portal_row_id if portal_row_id is not None else ledger.previous_row_id(book, pub)
    if before is not None and before != pub.row_id:
        emit(f"the row identifier changes from {before or '(none)'!r} to {pub.row_id!r}: "
             "replacing the dataset's rows in one revision instead of upserting")
        return "replace"
    return "upsert"


def _plan_for_comparison(reader) -> None:
    """Until the reader's transaction ends: join the source with the ledger by hashing.

    Right after a large first publication the ledger's statistics still say "empty", and the
    planner then picks a nested loop that compares every source row with every recorded one
    (minutes for 20,000 rows). Both sides are read whole anyway, so a hash join is the plan.
    """
    reader.execute("set local enable_nestloop = off")
    reader.execute("set local work_mem = '64MB'")


def _payload(pub: Publication, rows: Sequence[bytes]) -> bytes | list[dict[str, Any]]:
    """Rows (SODA JSON, UTF-8) as a request body, or as objects for the CSV file of a dry run."""
    return soda.objects(rows) if pub.simulate else soda.body(rows)


@dataclass
class _Outgoing:
    """A chunk ready to send: its payload (`_payload`) and what the ledger keeps of it."""

    payload: bytes | list[dict[str, Any]]
    rows: Rows


def _outgoing(pub: Publication, chunks: Iterator[Rows]) -> Iterator[_Outgoing]:
    # Runs on the reader thread, so a chunk waits as one body.
    for rows in chunks:
        payload = _payload(pub, rows.pieces)
        rows.pieces = []
        yield _Outgoing(payload, rows)


def _send(pub: Publication, portal: Portal | None, fallback: CsvFallback | None, number: int,
          payload: bytes | list[dict[str, Any]], deleted: bool) -> tuple[UpsertResult, dict[str, Any]]:
    """One chunk to the portal, or as a CSV file when simulating."""
    if pub.simulate:
        where = fallback.write(number, payload, deleted=deleted)
        return UpsertResult(), {"simulated": True, "file": where}
    result = portal.upsert(pub.dataset_id, payload)
    return result, result.as_dict()


def _same_as_published(pub: Publication, source: Source, columns: Sequence[tuple[str, int]],
                       reader) -> int | None:
    """The dataset's row count if the source holds exactly the rows our publications left there
    (else None), from one pass over each: the same row count, the same sum of the rows'
    fingerprints.

    A fingerprint covers the row identifier and every published column, so a new, changed or
    removed row changes the sum (bar a 64-bit hash collision, the odds a single row's fingerprint
    already takes). It spares an unchanged re-publish the row-by-row comparison.
    """
    recorded = ledger.fingerprint_total(reader, pub)
    if recorded is None:
        return None
    same = tuple(reader.execute(fingerprint_total(source, columns)).fetchone()) == recorded
    return recorded[0] if same else None


def _upserts(pub: Publication, source: Source, columns: Sequence[tuple[str, int]],
             run: ledger.RunState, book, reader, portal: Portal | None,
             fallback: CsvFallback | None, emit: Callable[[str], None],
             source_rows: int) -> int | None:
    """Send the new and changed rows (all with ``full``) after the last acknowledged one.

    When the source was found identical to what the dataset holds (nothing sent): the
    dataset's row count."""
    after = run.last_row_value
    fresh = not ledger.has_published_rows(reader, pub)
    diff = not pub.full and not fresh
    verb = "simulated" if pub.simulate else "published"
    if diff:
        # Only changed rows are streamed, so the stream alone cannot see every repeated id.
        check_unique(reader, source, pub.row_id)
        progress = Progress(None, None, verb, emit)
        emit(f"{pub.source_label} -> {pub.dataset_id}: {source_rows:,} rows in the source; "
             f"sending those new or changed since the last publication, in chunks of "
             f"{pub.chunk_size:,} by {pub.row_id!r}")
    else:
        remaining = count_rows(reader, source, pub.row_id, after)
        progress = Progress(run.rows_sent + remaining,
                            run.chunks_sent + math.ceil(remaining / pub.chunk_size), verb, emit)
        emit(f"{pub.source_label} -> {pub.portal}/resource/{pub.dataset_id}.json: {remaining:,} "
             f"rows to send in chunks of {pub.chunk_size:,} by {pub.row_id!r}"
             + (" (full: every row)" if pub.full else ""))
    same = _same_as_published(pub, source, columns, reader) if diff and after is None else None
    if same is not None:
        reader.commit()
        with book.transaction():
            ledger.set_sent(book, run.run_id, run.rows_sent, source_rows)
        emit(f"0 new or changed row(s) sent, {source_rows:,} unchanged (the source's row count "
             "and fingerprint sum match the last publication's)")
        return same
    if diff:
        _plan_for_comparison(reader)
    statement, params = changed_rows(source, columns, pub.row_id, after=after,
                                     against=(pub.portal, pub.dataset_id) if diff else None,
                                     ledger=None if pub.simulate else
                                     (pub.portal, pub.dataset_id, run.run_id))
    number, rows_sent = run.chunks_sent, run.rows_sent
    recorder = ChunkRecorder(book, pub, run.run_id, fresh=fresh)
    chunks = Prefetch(_outgoing(pub, stream_rows(reader, statement, params, pub.row_id,
                                                 pub.chunk_size)))
    try:
        for chunk in chunks:
            number += 1
            started = time.monotonic()
            result, response = _send(pub, portal, fallback, number, chunk.payload, deleted=False)
            rows = chunk.rows
            recorder.submit(Chunk(number, "upsert", len(rows), rows.first, rows.last, result,
                                  response, time.monotonic() - started, ledger=rows.ledger))
            rows_sent += len(rows)
            progress(rows_sent, number)
        recorder.close()
    except BaseException:
        recorder.close(quiet=True)
        raise
    finally:
        chunks.close()
    reader.commit()  # ends the cursor's transaction
    unchanged = max(0, source_rows - rows_sent) if diff else 0
    with book.transaction():
        ledger.set_sent(book, run.run_id, rows_sent, unchanged)
    if diff:
        emit(f"{rows_sent - run.rows_sent:,} new or changed row(s) sent, {unchanged:,} unchanged")
    return None


def _deletes(pub: Publication, source: Source, columns: Sequence[tuple[str, int]],
             run: ledger.RunState, book, reader, portal: Portal | None,
             fallback: CsvFallback | None, emit: Callable[[str], None]) -> None:
    ids = source_ids(source, columns, pub.row_id)
    _plan_for_comparison(reader)
    stale = ledger.count_stale(reader, pub, ids)
    emit(f"sync_deletes: {stale:,} row(s) published before are gone from the source")
    if not stale:
        reader.commit()
        return
    progress = Progress(stale, math.ceil(stale / pub.chunk_size),
                        "simulated deleting" if pub.simulate else "deleted", emit)
    number = ledger.state(book, run.run_id).chunks_sent
    done = 0
    for chunks, values in enumerate(ledger.stale_row_values(reader, pub, ids, pub.chunk_size), 1):
        number += 1
        started = time.monotonic()
        result, response = _send(pub, portal, fallback, number,
                                 _payload(pub, soda.deleted_rows(pub.row_id, values)), deleted=True)
        # Recorded at once: the stale-id cursor must not outrun the deletions it reports.
        with book.transaction():
            ledger.record_chunk(book, pub, run.run_id, Chunk(
                number, "delete", len(values), values[0], values[-1], result, response,
                time.monotonic() - started, deleted=values))
        done += len(values)
        progress(done, chunks)
    reader.commit()


def _replace(pub: Publication, source: Source, columns: Sequence[tuple[str, int]],
             run: ledger.RunState, book, reader, portal: Portal | None,
             fallback: CsvFallback | None, emit: Callable[[str], None]) -> None:
    """Every row in one revision (or, simulating, in CSV files); the ledger follows the portal."""
    names = [n for n, _ in columns]
    row_id = pub.row_id or None
    if pub.simulate:
        rows, number = write_chunks(reader, source, columns, row_id, pub.chunk_size, fallback)
        reader.commit()
        with book.transaction():
            ledger.set_revision(book, run.run_id, "(simulated)", rows, number)
            ledger.set_sent(book, run.run_id, rows, 0)
        emit(f"simulated a replace: {rows:,} rows in {number} CSV file(s)")
        return
    objects = _objects(reader, source, columns, row_id, pub.chunk_size)
    done = revision.replace(portal, pub.dataset_id, names, objects, row_id=row_id, emit=emit)
    reader.commit()
    with book.transaction():
        ledger.set_revision(book, run.run_id, done.revision, done.rows, done.chunks)
        ledger.set_sent(book, run.run_id, done.rows, 0)
        ledger.replace_published(book, pub, run.run_id,
                                 published_ids(source, columns, row_id) if row_id else None)
    emit(f"replaced dataset {pub.dataset_id}: {done.rows:,} rows in revision {done.revision}")


def _verify(pub: Publication, run_id: int, mode: str, source_rows: int, book,
            portal: Portal, emit: Callable[[str], None], *, recorded: int | None = None) -> None:
    """Proof it landed: the portal's row count against what the dataset should hold.

    After a replace that is the source's row count; after upserts, the rows our publications put
    there (the source's rows, plus any gone from it when ``sync_deletes`` is off).
    """
    if mode == "replace":
        expected = source_rows
    else:
        expected = recorded if recorded is not None else ledger.published_rows(book, pub)
    for attempt in range(1, VERIFY_ATTEMPTS + 1):
        portal_rows = portal.count_rows(pub.dataset_id)
        if portal_rows == expected or attempt == VERIFY_ATTEMPTS:
            break
        time.sleep(VERIFY_WAIT * attempt)
    with book.transaction():
        ledger.record_verification(book, run_id, portal_rows)
        if portal_rows != expected:
            # What this run sent is not proven: a retry resends it rather than trusting the ledger.
            ledger.distrust_run(book, pub, run_id)
    if portal_rows != expected:
        extra = "" if expected == source_rows else f", our publications put {expected:,} there"
        raise PublishError(f"dataset {pub.dataset_id} holds {portal_rows:,} rows on the portal, "
                           f"the source has {source_rows:,}{extra}: rows did not land")
    emit(f"verified: the portal holds {portal_rows:,} rows, as expected")
