"""Bookkeeping of publications in the ``publish`` schema: runs, acknowledged chunks, published rows.

A publication is identified by a deterministic key (for a task: DAG, run, task, map index and
dataset), so a retried task finds its unfinished row in ``publish.run`` and resumes after the last
acknowledged chunk. Each chunk is recorded in its own short transaction right after the portal
acknowledged it, together with the row identifiers it carried and each row's fingerprint
(``publish.published_row``), so the record never claims more than the portal has, and the next
publication sends only rows whose fingerprint changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from tributary.socrata.responses import UpsertResult
from tributary.socrata.source import stream_values

MODES = ("upsert", "replace")


@dataclass(frozen=True)
class Publication:
    """What to publish where, and the key that names this publication across task retries.

    ``columns`` (name -> SODA type) are the declared columns: only they are sent, after the
    portal's schema was checked against them. ``mode`` "upsert" sends new and changed rows
    (``full`` resends every row); "replace" swaps the dataset's rows through a DSMAPI revision.
    ``row_id`` may be empty only for a replace (a dataset without a row identifier).
    """

    key: str
    portal: str
    dataset_id: str
    source_label: str
    row_id: str | None
    chunk_size: int
    simulate: bool = False
    sync_deletes: bool = False
    name: str | None = None
    columns: dict[str, str] | None = None
    mode: str = "upsert"
    full: bool = False

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if not self.row_id and self.mode != "replace":
            raise ValueError("an upsert publication needs a row identifier (or use mode='replace')")
        if self.columns is not None and self.row_id and self.row_id not in self.columns:
            raise ValueError(f"row identifier {self.row_id!r} is not a declared column")


@dataclass
class RunState:
    run_id: int
    attempts: int
    rows_sent: int
    chunks_sent: int
    deletes_sent: int
    last_row_value: Any  # identifier of the last acknowledged upsert row (SODA JSON), or None

    @property
    def resuming(self) -> bool:
        return self.chunks_sent > 0


def open_run(conn: psycopg.Connection, pub: Publication) -> RunState:
    """The open run of this publication (resumed, attempt + 1), or a new one."""
    row = conn.execute(
        "select run_id, attempts from publish.run where publication_key = %s "
        "and status <> 'succeeded' for update", (pub.key,)).fetchone()
    if row is None:
        run_id = conn.execute(
            "insert into publish.run (publication_key, publication, portal, dataset_id, source, "
            "row_id, chunk_size, simulate, sync_deletes, mode, full_resend, status) values "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'running') returning run_id",
            (pub.key, pub.name, pub.portal, pub.dataset_id, pub.source_label, pub.row_id or None,
             pub.chunk_size, pub.simulate, pub.sync_deletes, pub.mode, pub.full)).fetchone()[0]
    else:
        run_id = row[0]
        if pub.simulate or pub.mode == "replace":
            # Starts over: a dry run rewrites cheap files and sent nothing; a replace is atomic on
            # the portal, so a revision that was not applied left nothing to resume.
            conn.execute("delete from publish.chunk where run_id = %s", (run_id,))
            conn.execute("update publish.run set rows_sent = 0, chunks_sent = 0, deletes_sent = 0, "
                         "last_row_value = null where run_id = %s", (run_id,))
        conn.execute(
            "update publish.run set attempts = attempts + 1, status = 'running', error = null, "
            "chunk_size = %s, mode = %s, full_resend = %s, updated_at = now(), finished_at = null "
            "where run_id = %s", (pub.chunk_size, pub.mode, pub.full, run_id))
    return state(conn, run_id)


def state(conn: psycopg.Connection, run_id: int) -> RunState:
    row = conn.execute(
        "select run_id, attempts, rows_sent, chunks_sent, deletes_sent, last_row_value "
        "from publish.run where run_id = %s", (run_id,)).fetchone()
    return RunState(*row)


def set_source(conn: psycopg.Connection, run_id: int, source_rows: int,
               output_path: str | None) -> None:
    conn.execute("update publish.run set source_rows = %s, "
                 "output_path = coalesce(%s, output_path), updated_at = now() where run_id = %s",
                 (source_rows, output_path, run_id))


def set_sent(conn: psycopg.Connection, run_id: int, rows_total: int, rows_unchanged: int) -> None:
    """What this run had to send (all attempts together) and how many rows it could skip."""
    conn.execute("update publish.run set rows_total = %s, rows_unchanged = %s, updated_at = now() "
                 "where run_id = %s", (rows_total, rows_unchanged, run_id))


def set_revision(conn: psycopg.Connection, run_id: int, revision: str, rows: int,
                 chunks: int) -> None:
    """A replace's revision and what it uploaded (recorded once the revision is applied)."""
    conn.execute("update publish.run set revision = %s, rows_sent = %s, chunks_sent = %s, "
                 "updated_at = now() where run_id = %s", (revision, rows, chunks, run_id))


def previous_row_id(conn: psycopg.Connection, pub: Publication) -> str | None:
    """The row identifier of the last publication that reached this dataset, if any."""
    row = conn.execute(
        "select coalesce(row_id, '') from publish.run where portal = %s and dataset_id = %s "
        "and status = 'succeeded' and not simulate order by run_id desc limit 1",
        (pub.portal, pub.dataset_id)).fetchone()
    return row[0] if row else None


def has_published_rows(conn: psycopg.Connection, pub: Publication) -> bool:
    return conn.execute("select exists (select 1 from publish.published_row where portal = %s "
                        "and dataset_id = %s)", (pub.portal, pub.dataset_id)).fetchone()[0]


def fingerprint_total(conn: psycopg.Connection, pub: Publication) -> tuple[int, Any] | None:
    """The dataset's recorded row count and the sum of their fingerprints; None when a row has
    no fingerprint (recorded before fingerprints, or distrusted), so no sum can vouch for it."""
    rows, known, total = conn.execute(
        "select count(*), count(fingerprint), sum(fingerprint) from publish.published_row "
        "where portal = %s and dataset_id = %s", (pub.portal, pub.dataset_id)).fetchone()
    return (rows, total) if rows == known else None


def published_rows(conn: psycopg.Connection, pub: Publication) -> int:
    """How many rows the dataset holds according to our publications."""
    return conn.execute("select count(*) from publish.published_row where portal = %s "
                        "and dataset_id = %s", (pub.portal, pub.dataset_id)).fetchone()[0]


def replace_published(conn: psycopg.Connection, pub: Publication, run_id: int,
                      rows: sql.Composable | None) -> None:
    """After an applied replace: the dataset holds exactly the source's rows. ``rows`` selects
    (row_value, fingerprint) of each (none for a dataset without a row identifier).
    Call inside a transaction; the rows are copied inside the database."""
    conn.execute("delete from publish.published_row where portal = %s and dataset_id = %s",
                 (pub.portal, pub.dataset_id))
    if rows is not None:
        conn.execute(sql.SQL(
            "insert into publish.published_row (portal, dataset_id, row_value, fingerprint, "
            "run_id) select %s, %s, _ids.*, %s from ({}) as _ids").format(rows),
            (pub.portal, pub.dataset_id, run_id))


def distrust_run(conn: psycopg.Connection, pub: Publication, run_id: int) -> None:
    """Forget that this run's rows arrived: their fingerprints go, and a retry starts from the
    first row, so it resends them instead of trusting the ledger. Call inside a transaction."""
    conn.execute("update publish.published_row set fingerprint = null where portal = %s "
                 "and dataset_id = %s and run_id = %s", (pub.portal, pub.dataset_id, run_id))
    conn.execute("update publish.run set last_row_value = null where run_id = %s", (run_id,))


def record_verification(conn: psycopg.Connection, run_id: int, portal_rows: int) -> None:
    conn.execute("update publish.run set portal_rows = %s, verified_at = now(), updated_at = now() "
                 "where run_id = %s", (portal_rows, run_id))


@dataclass(frozen=True)
class Chunk:
    number: int
    kind: str  # 'upsert' or 'delete'
    rows: int
    first: str | None  # identifiers of its first and last row, as SODA JSON text
    last: str | None
    result: UpsertResult
    response: dict[str, Any]
    seconds: float
    #: upsert: the rows' lines of a COPY into publish.published_row (source.changed_rows)
    ledger: Sequence[bytes] = ()
    #: delete: the identifiers deleted (SODA JSON text)
    deleted: Sequence[str] = ()


_PUBLISHED = sql.SQL(", ").join(map(sql.Identifier, (
    "portal", "dataset_id", "row_value", "fingerprint", "run_id")))


def record_chunk(conn: psycopg.Connection, pub: Publication, run_id: int, chunk: Chunk, *,
                 fresh: bool = False) -> None:
    """Record one acknowledged chunk and what it changed; call inside a transaction.

    ``fresh``: the dataset has none of these identifiers yet (a first publication), so they are
    COPYed straight in; otherwise they are COPYed to a scratch table and merged.
    """
    r = chunk.result
    conn.execute(
        "insert into publish.chunk (run_id, chunk_number, kind, rows, first_row_value, "
        "last_row_value, rows_created, rows_updated, rows_deleted, response, seconds) "
        "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (run_id, chunk.number, chunk.kind, chunk.rows, chunk.first, chunk.last, r.created,
         r.updated, r.deleted, json.dumps(chunk.response), chunk.seconds))
    upsert = chunk.kind == "upsert"
    conn.execute(
        "update publish.run set chunks_sent = chunks_sent + 1, "
        "rows_sent = rows_sent + %s, deletes_sent = deletes_sent + %s, "
        "rows_created = rows_created + %s, rows_updated = rows_updated + %s, "
        "rows_deleted = rows_deleted + %s, "
        "last_row_value = case when %s then %s::jsonb else last_row_value end, "
        "updated_at = now() where run_id = %s",
        (chunk.rows if upsert else 0, 0 if upsert else chunk.rows,
         r.created, r.updated, r.deleted, upsert, chunk.last, run_id))
    if pub.simulate:
        return  # a dry run changes nothing on the portal, so nothing counts as published
    if not upsert:
        conn.execute(
            "delete from publish.published_row where portal = %s and dataset_id = %s "
            "and row_value = any(%s::jsonb[])", (pub.portal, pub.dataset_id, list(chunk.deleted)))
        return
    if not fresh:
        conn.execute("create temp table if not exists _published on commit delete rows as "
                     "select portal, dataset_id, row_value, fingerprint, run_id "
                     "from publish.published_row with no data")
    target = sql.SQL("publish.published_row" if fresh else "_published")
    with conn.cursor().copy(sql.SQL("copy {} ({}) from stdin").format(target, _PUBLISHED)) as copy:
        for block in chunk.ledger:
            copy.write(block)
    if not fresh:
        conn.execute("insert into publish.published_row (portal, dataset_id, row_value, "
                     "fingerprint, run_id) select * from _published on conflict (portal, "
                     "dataset_id, row_value) do update set fingerprint = excluded.fingerprint, "
                     "run_id = excluded.run_id")


def _stale(what: str, source_ids: sql.Composable) -> sql.Composed:
    # Compared inside the database (an anti join), so memory stays flat however large both are.
    return sql.SQL(
        "select {what} from publish.published_row p where p.portal = %s and p.dataset_id = %s "
        "and not exists (select 1 from ({ids}) s where s.row_value = p.row_value)").format(
            what=sql.SQL(what), ids=source_ids)


def stale_row_values(conn: psycopg.Connection, pub: Publication, source_ids: sql.Composable,
                     chunk_size: int) -> Iterator[list[str]]:
    """Identifiers (SODA JSON text) published to this dataset before and gone from the source
    (``source_ids`` selects the source's identifiers as ``row_value``)."""
    statement = _stale("p.row_value::text", source_ids) + sql.SQL(" order by p.row_value")
    yield from stream_values(conn, statement, [pub.portal, pub.dataset_id], chunk_size,
                             name="socrata_stale")


def count_stale(conn: psycopg.Connection, pub: Publication, source_ids: sql.Composable) -> int:
    return conn.execute(_stale("count(*)", source_ids),
                        (pub.portal, pub.dataset_id)).fetchone()[0]


def finish(conn: psycopg.Connection, run_id: int, status: str, error: str | None = None) -> None:
    conn.execute("update publish.run set status = %s, error = %s, updated_at = now(), "
                 "finished_at = now() where run_id = %s", (status, error, run_id))


def run_summary(conn: psycopg.Connection, run_id: int) -> dict[str, Any]:
    """The run's row as a dict (what the operator returns as its XCom)."""
    cur = conn.execute("select * from publish.run where run_id = %s", (run_id,))
    names = [c.name for c in cur.description]
    row = dict(zip(names, cur.fetchone(), strict=True))
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
