"""The one way every domain talks to the warehouse.

- `connect()` / `transaction()`: a psycopg connection from `WAREHOUSE_URL`, or from the Airflow
  connection `warehouse` inside a deployment where the variable is not set.
- `load()`: a streaming COPY loader. Rows arrive as an iterator and are sent in chunks, so memory
  stays flat in the number of rows. Modes:
    * ``append``  – COPY straight into the table (fastest; the caller guarantees newness, e.g. by a
      document checksum);
    * ``insert_new`` – rows whose key already exists are skipped (idempotent re-runs);
    * ``upsert``  – rows whose key exists are updated when something changed;
    * ``replace`` – delete the rows matching ``replace_where`` first (a partition, e.g. one day),
      then COPY.
  Every call runs inside the caller's transaction and appends one row to ``raw_platform.load``.
- `record_rejects()`: malformed input goes to ``<schema>.reject`` with its reason, never into the void.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import psycopg
from psycopg import sql
from psycopg.types.json import JsonbDumper

from tributary import settings

LoadMode = Literal["append", "insert_new", "upsert", "replace"]

DEFAULT_CHUNK_ROWS = 50_000



class WarehouseError(RuntimeError):
    """A warehouse operation failed in a way the user should read."""


def warehouse_url() -> str:
    """`WAREHOUSE_URL`, else the Airflow connection ``warehouse`` (a deployment's source of truth)."""
    url = settings.warehouse_url()
    if url:
        return url
    try:
        from airflow.sdk import BaseHook  # noqa: PLC0415  (only inside Airflow)

        conn = BaseHook.get_connection(settings.WAREHOUSE_CONN_ID)
    except Exception as exc:  # the connection is missing or Airflow is not configured
        raise WarehouseError(
            "no warehouse configured: set WAREHOUSE_URL or create the Airflow connection 'warehouse'"
        ) from exc
    return conn.get_uri().replace("postgres://", "postgresql://", 1)


def connect(url: str | None = None, *, autocommit: bool = False) -> psycopg.Connection:
    return psycopg.connect(url or warehouse_url(), autocommit=autocommit)


@contextmanager
def transaction(url: str | None = None) -> Iterator[psycopg.Connection]:
    """A connection whose work commits together at the end of the block, or not at all."""
    conn = connect(url)
    try:
        with conn.transaction():
            yield conn
    finally:
        conn.close()


def raw_ddl_files() -> list[Path]:
    """The DDL of every domain's raw and bookkeeping tables: ``include/sql/<domain>.sql``."""
    return sorted((settings.INCLUDE_DIR / "sql").glob("*.sql"))


def create_raw_tables(conn: psycopg.Connection, domain: str | None = None) -> None:
    """Create the raw schemas and tables (all domains, or one); safe to run again."""
    # platform.sql first: the other files use its functions (e.g. create_reject_table).
    files = sorted(raw_ddl_files(), key=lambda f: f.stem != "platform")
    if domain is not None:
        files = [f for f in files if f.stem == domain]
        if not files:
            raise WarehouseError(f"no DDL file include/sql/{domain}.sql")
    for path in files:
        conn.execute(path.read_text())


def ident(qualified: str) -> sql.Composable:
    """``schema.table`` as a safely quoted identifier."""
    return sql.Identifier(*qualified.split("."))


# --- COPY ---------------------------------------------------------------------------------------


def _json_adapters(cur: psycopg.Cursor) -> None:
    """Dicts and lists go to COPY as JSON text (jsonb payloads), not as Postgres arrays."""
    cur.adapters.register_dumper(dict, JsonbDumper)
    cur.adapters.register_dumper(list, JsonbDumper)


def copy_rows(
    conn: psycopg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> int:
    """COPY rows into ``table`` and return the count. Rows are adapted by psycopg's C code and
    streamed in small buffers, so memory does not grow with the number of rows. (``chunk_rows``
    is kept for callers; psycopg flushes its own ~32 KB buffers.)"""
    del chunk_rows
    statement = sql.SQL("copy {} ({}) from stdin").format(
        ident(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    width = len(columns)
    count = 0
    with conn.cursor() as cur:
        _json_adapters(cur)
        with cur.copy(statement) as copy:
            write = copy.write_row
            for row in rows:
                count += 1
                if len(row) != width:
                    raise WarehouseError(
                        f"row {count} for {table} has {len(row)} values, expected {width}"
                    )
                write(row)
    return count


# --- the loader -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    target: str
    rows_in: int
    inserted: int
    updated: int = 0
    deleted: int = 0

    @property
    def skipped(self) -> int:
        return self.rows_in - self.inserted - self.updated

    def summary(self) -> str:
        return (f"{self.target}: {self.rows_in:,} rows in, {self.inserted:,} inserted, "
                f"{self.updated:,} updated, {self.deleted:,} deleted")


def _chunks(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    chunk: list[Sequence[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _merge_from_stage(
    conn: psycopg.Connection, table: str, stage: str, columns: Sequence[str],
    key: Sequence[str], mode: LoadMode,
) -> tuple[int, int]:
    cols = sql.SQL(", ").join(map(sql.Identifier, columns))
    key_cols = sql.SQL(", ").join(map(sql.Identifier, key))
    non_key = [c for c in columns if c not in key]
    # Several rows with one key in a single chunk: the last wins, as in a sequence of upserts.
    source = sql.SQL(
        "select distinct on ({key}) {cols} from {stage} order by {key}, _ord desc"
    ).format(key=key_cols, cols=cols, stage=sql.Identifier(stage))
    if mode == "upsert" and non_key:
        action = sql.SQL("do update set {sets} where ({old}) is distinct from ({new})").format(
            sets=sql.SQL(", ").join(
                sql.SQL("{c} = excluded.{c}").format(c=sql.Identifier(c)) for c in non_key
            ),
            old=sql.SQL(", ").join(
                sql.SQL("_target.{c}").format(c=sql.Identifier(c)) for c in non_key
            ),
            new=sql.SQL(", ").join(sql.SQL("excluded.{c}").format(c=sql.Identifier(c)) for c in non_key),
        )
    else:
        action = sql.SQL("do nothing")
    statement = sql.SQL(
        "insert into {table} as _target ({cols}) {source} on conflict ({key}) {action} returning (xmax = 0)"
    ).format(table=ident(table), cols=cols, source=source, key=key_cols, action=action)
    flags = [r[0] for r in conn.execute(statement).fetchall()]
    inserted = sum(flags)
    return inserted, len(flags) - inserted


def load(
    conn: psycopg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    mode: LoadMode = "append",
    key: Sequence[str] = (),
    replace_where: tuple[str, Sequence[Any]] | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> LoadResult:
    """Stream ``rows`` into ``table`` (``schema.name``) with the given mode; see the module doc.

    ``replace_where`` is ``(sql_condition, params)``, e.g. ``("event_date = %s", [day])``.
    Runs in the caller's transaction: commit or roll back with the rest of the step's work.
    """
    started = time.monotonic()
    started_at = dt.datetime.now(dt.UTC)
    deleted = 0
    if mode in ("upsert", "insert_new") and not key:
        raise WarehouseError(f"mode {mode!r} needs the key columns of {table}")
    if mode == "replace":
        if replace_where is None:
            raise WarehouseError("mode 'replace' needs replace_where=(condition, params)")
        condition, params = replace_where
        deleted = conn.execute(
            sql.SQL("delete from {} where ").format(ident(table)) + sql.SQL(condition), params
        ).rowcount
    if mode in ("append", "replace"):
        inserted = copy_rows(conn, table, columns, rows, chunk_rows=chunk_rows)
        result = LoadResult(table, inserted, inserted, 0, deleted)
    else:
        stage = f"_stage_{uuid.uuid4().hex[:12]}"
        conn.execute(
            sql.SQL(
                "create temp table {stage} on commit drop as select {cols} from {table} with no data"
            ).format(
                stage=sql.Identifier(stage),
                cols=sql.SQL(", ").join(map(sql.Identifier, columns)),
                table=ident(table),
            )
        )
        conn.execute(sql.SQL("alter table {} add column _ord bigserial").format(sql.Identifier(stage)))
        rows_in = inserted = updated = 0
        for chunk in _chunks(rows, chunk_rows):
            rows_in += copy_rows(conn, stage, columns, chunk, chunk_rows=chunk_rows)
            ins, upd = _merge_from_stage(conn, table, stage, columns, key, mode)
            inserted += ins
            updated += upd
            conn.execute(sql.SQL("truncate {}").format(sql.Identifier(stage)))
        conn.execute(sql.SQL("drop table {}").format(sql.Identifier(stage)))
        result = LoadResult(table, rows_in, inserted, updated, deleted)
    record_load(conn, result, mode, started_at, time.monotonic() - started)
    return result


def record_load(conn: psycopg.Connection, result: LoadResult, mode: str,
                started_at: dt.datetime, seconds: float) -> None:
    """Log one load in ``raw_platform.load``; `load()` does it, and so must a caller that COPYs
    by other means (e.g. pre-formatted text blocks)."""
    if not _has_platform(conn):
        create_raw_tables(conn, "platform")
    conn.execute(
        "insert into raw_platform.load values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (uuid.uuid4(), result.target, mode, result.rows_in, result.inserted, result.updated,
         result.deleted, started_at, seconds),
    )


def _has_platform(conn: psycopg.Connection) -> bool:
    return conn.execute("select to_regclass('raw_platform.load') is not null").fetchone()[0]


# --- rejects ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reject:
    """A row that could not be loaded, with where it came from and why."""

    line_number: int | None
    reason: str
    raw: str | None = None


def record_rejects(conn: psycopg.Connection, schema: str, source: str,
                   rejects: Iterable[Reject]) -> int:
    """Store rejects in ``<schema>.reject``; recording the same reject twice keeps one row."""
    conn.execute("select raw_platform.create_reject_table(%s)", (schema,))
    rows = ((source, r.line_number, r.reason, r.raw) for r in rejects)
    result = load(conn, f"{schema}.reject", ["source", "line_number", "reason", "raw"], rows,
                  mode="insert_new", key=["source", "line_number", "reason"])
    return result.rows_in
