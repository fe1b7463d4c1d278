"""Bookkeeping of publications in the ``publish`` schema: runs, acknowledged chunks, published ids.

A publication is identified by a deterministic key (for a task: DAG, run, task, map index and
dataset), so a retried task finds its unfinished row in ``publish.run`` and resumes after the last
acknowledged chunk. Each chunk is recorded in its own short transaction right after the portal
acknowledged it, together with the row identifiers it carried (``publish.published_row``), so the
record never claims more than the portal has.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from tributary import warehouse
from tributary.socrata import soda
from tributary.socrata.responses import UpsertResult
from tributary.socrata.source import stream_values


@dataclass(frozen=True)
class Publication:
    """What to publish where, and the key that names this publication across task retries."""

    key: str
    portal: str
    dataset_id: str
    source_label: str
    row_id: str
    chunk_size: int
    simulate: bool = False
    sync_deletes: bool = False


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
            "insert into publish.run (publication_key, portal, dataset_id, source, row_id, "
            "chunk_size, simulate, sync_deletes, status) values (%s, %s, %s, %s, %s, %s, %s, %s, "
            "'running') returning run_id",
            (pub.key, pub.portal, pub.dataset_id, pub.source_label, pub.row_id, pub.chunk_size,
             pub.simulate, pub.sync_deletes)).fetchone()[0]
    else:
        run_id = row[0]
        if pub.simulate:  # a dry run starts over: rewriting files is cheap and nothing was sent
            conn.execute("delete from publish.chunk where run_id = %s", (run_id,))
            conn.execute("update publish.run set rows_sent = 0, chunks_sent = 0, deletes_sent = 0, "
                         "last_row_value = null where run_id = %s", (run_id,))
        conn.execute(
            "update publish.run set attempts = attempts + 1, status = 'running', error = null, "
            "chunk_size = %s, updated_at = now(), finished_at = null where run_id = %s",
            (pub.chunk_size, run_id))
    return state(conn, run_id)


def state(conn: psycopg.Connection, run_id: int) -> RunState:
    row = conn.execute(
        "select run_id, attempts, rows_sent, chunks_sent, deletes_sent, last_row_value "
        "from publish.run where run_id = %s", (run_id,)).fetchone()
    return RunState(*row)


def set_total(conn: psycopg.Connection, run_id: int, rows_total: int, output_path: str | None) -> None:
    conn.execute("update publish.run set rows_total = %s, output_path = coalesce(%s, output_path), "
                 "updated_at = now() where run_id = %s", (rows_total, output_path, run_id))


@dataclass(frozen=True)
class Chunk:
    number: int
    kind: str  # 'upsert' or 'delete'
    row_values: Sequence[Any]  # identifiers carried, SODA JSON values, in order
    result: UpsertResult
    response: dict[str, Any]
    seconds: float


def record_chunk(conn: psycopg.Connection, pub: Publication, run_id: int, chunk: Chunk) -> None:
    """Record one acknowledged chunk and what it changed; call inside a transaction."""
    first = json.dumps(chunk.row_values[0]) if chunk.row_values else None
    last = json.dumps(chunk.row_values[-1]) if chunk.row_values else None
    r = chunk.result
    conn.execute(
        "insert into publish.chunk (run_id, chunk_number, kind, rows, first_row_value, "
        "last_row_value, rows_created, rows_updated, rows_deleted, response, seconds) "
        "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (run_id, chunk.number, chunk.kind, len(chunk.row_values), first, last, r.created,
         r.updated, r.deleted, json.dumps(chunk.response), chunk.seconds))
    upsert = chunk.kind == "upsert"
    conn.execute(
        "update publish.run set chunks_sent = chunks_sent + 1, "
        "rows_sent = rows_sent + %s, deletes_sent = deletes_sent + %s, "
        "rows_created = rows_created + %s, rows_updated = rows_updated + %s, "
        "rows_deleted = rows_deleted + %s, "
        "last_row_value = case when %s then %s::jsonb else last_row_value end, "
        "updated_at = now() where run_id = %s",
        (len(chunk.row_values) if upsert else 0, 0 if upsert else len(chunk.row_values),
         r.created, r.updated, r.deleted, upsert, last, run_id))
    if pub.simulate:
        return  # a dry run changes nothing on the portal, so nothing counts as published
    values = [soda.json_text(v) for v in chunk.row_values]
    if upsert:
        warehouse.load(conn, "publish.published_row",
                       ["portal", "dataset_id", "row_value", "run_id"],
                       ((pub.portal, pub.dataset_id, v, run_id) for v in values),
                       mode="upsert", key=["portal", "dataset_id", "row_value"])
    else:
        conn.execute(
            "delete from publish.published_row where portal = %s and dataset_id = %s "
            "and row_value = any(%s::jsonb[])", (pub.portal, pub.dataset_id, values))


def _stale(what: str, seen_table: str | None) -> sql.Composed:
    statement = sql.SQL(
        "select {what} from publish.published_row p where p.portal = %s and p.dataset_id = %s "
        "and p.run_id <> %s").format(what=sql.SQL(what))
    if seen_table:  # a dry run: ids it saw are in a temp table, not marked with its run_id
        statement += sql.SQL(" and not exists (select 1 from {} s where s.row_value = p.row_value)"
                             ).format(warehouse.ident(seen_table))
    return statement


def stale_row_values(conn: psycopg.Connection, pub: Publication, run_id: int, chunk_size: int,
                     seen_table: str | None = None) -> Iterator[list[Any]]:
    """Identifiers published before to this dataset that this run did not send: now gone."""
    statement = _stale("p.row_value", seen_table) + sql.SQL(" order by p.row_value")
    yield from stream_values(conn, statement, [pub.portal, pub.dataset_id, run_id], chunk_size,
                             name="socrata_stale")


def count_stale(conn: psycopg.Connection, pub: Publication, run_id: int,
                seen_table: str | None = None) -> int:
    return conn.execute(_stale("count(*)", seen_table),
                        (pub.portal, pub.dataset_id, run_id)).fetchone()[0]


def finish(conn: psycopg.Connection, run_id: int, status: str, error: str | None = None) -> None:
    conn.execute("update publish.run set status = %s, error = %s, updated_at = now(), "
                 "finished_at = now() where run_id = %s", (status, error, run_id))


def run_summary(conn: psycopg.Connection, run_id: int) -> dict[str, Any]:
    """The run's row as a dict (what the operator returns as its XCom)."""
    cur = conn.execute("select * from publish.run where run_id = %s", (run_id,))
    names = [c.name for c in cur.description]
    row = dict(zip(names, cur.fetchone(), strict=True))
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
