"""Reading the rows to publish from the warehouse, in row-identifier order, without holding them.

The query runs in a server-side (named) cursor and is fetched a chunk at a time, so memory stays
flat however many rows the table has. Rows come ordered by the row identifier: that makes the
chunks of a publication deterministic, and lets a retried publication resume with
``row_id > <last acknowledged identifier>`` even if the table changed in between.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from tributary.warehouse import ident


class SourceError(ValueError):
    """The source cannot be published as asked (missing row identifier, duplicates, ...)."""


@dataclass(frozen=True)
class Source:
    """A table/view (``schema.name``) or a SELECT statement to publish."""

    table: str | None = None
    query: str | None = None

    def __post_init__(self) -> None:
        if bool(self.table) == bool(self.query):
            raise SourceError("give exactly one of a table and a SQL query to publish")

    @property
    def label(self) -> str:
        return self.table or " ".join(self.query.split())[:200]

    def relation(self) -> sql.Composable:
        if self.table:
            return ident(self.table)
        return sql.SQL("({})").format(sql.SQL(self.query.strip().rstrip(";")))


#: Date and time columns are formatted by Postgres as SODA wants them: the server does it in
#: parallel with the publisher, and it is the costliest conversion to do in Python.
_FORMATS = {
    1082: 'YYYY-MM-DD"T00:00:00.000"',  # date: a floating timestamp at midnight
    1114: 'YYYY-MM-DD"T"HH24:MI:SS.MS',  # timestamp
}
_TIMESTAMPTZ = 1184


def _column(name: str, type_oid: int) -> sql.Composable:
    column = sql.SQL("_src.{}").format(sql.Identifier(name))
    if type_oid in _FORMATS:
        expr = sql.SQL("to_char({}, {})").format(column, sql.Literal(_FORMATS[type_oid]))
    elif type_oid == _TIMESTAMPTZ:  # in UTC, whatever the session's time zone
        expr = sql.SQL("to_char({} at time zone 'UTC', {})").format(
            column, sql.Literal('YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    else:
        return column
    return sql.SQL("{} as {}").format(expr, sql.Identifier(name))


def _select(source: Source, row_id: str, after: Any, what: sql.Composable,
            order: bool) -> tuple[sql.Composed, list[Any]]:
    where, params = sql.SQL(""), []
    if after is not None:
        where = sql.SQL(" where _src.{} > %s").format(sql.Identifier(row_id))
        params = [after]
    statement = sql.SQL("select {what} from {rel} as _src{where}").format(
        what=what, rel=source.relation(), where=where)
    if order:
        # The source column, not a formatted output column of the same name.
        statement += sql.SQL(" order by _src.{}").format(sql.Identifier(row_id))
    return statement, params


def describe(conn: psycopg.Connection, source: Source) -> list[tuple[str, int]]:
    """The source's columns as (name, type oid)."""
    cursor = conn.execute(sql.SQL("select * from {} as _src limit 0").format(source.relation()))
    return [(c.name, c.type_code) for c in cursor.description]


def check_row_id(conn: psycopg.Connection, source: Source, row_id: str) -> list[str]:
    """The source's columns; raises `SourceError` when ``row_id`` is not one of them."""
    columns = [name for name, _ in describe(conn, source)]
    if row_id not in columns:
        raise SourceError(f"row identifier {row_id!r} is not a column of {source.label} "
                          f"(columns: {', '.join(columns)})")
    return columns


def count_rows(conn: psycopg.Connection, source: Source, row_id: str, after: Any = None) -> int:
    """Rows left to publish (all of them, or those after identifier ``after``)."""
    statement, params = _select(source, row_id, after, sql.SQL("count(*)"), order=False)
    return conn.execute(statement, params).fetchone()[0]


def stream_chunks(conn: psycopg.Connection, source: Source, row_id: str, chunk_size: int,
                  after: Any = None) -> tuple[list[str], Iterator[list[tuple]]]:
    """The column names and an iterator of row chunks, ordered by ``row_id``, after ``after``.

    ``conn`` must not be in autocommit mode (a named cursor lives in a transaction). Raises
    `SourceError` for a NULL or repeated row identifier (check the column with `check_row_id`).
    """
    select_list = sql.SQL(", ").join(_column(n, oid) for n, oid in describe(conn, source))
    statement, params = _select(source, row_id, after, select_list, order=True)
    cursor = conn.cursor(name="socrata_source")
    cursor.itersize = chunk_size
    cursor.execute(statement, params)
    columns = [c.name for c in cursor.description]
    position = columns.index(row_id)
    return columns, _chunks(cursor, position, row_id, chunk_size)


def _chunks(cursor: psycopg.ServerCursor, position: int, row_id: str,
            chunk_size: int) -> Iterator[list[tuple]]:
    previous: Any = None
    try:
        while True:
            rows = cursor.fetchmany(chunk_size)
            if not rows:
                return
            for row in rows:
                value = row[position]
                if value is None:
                    raise SourceError(f"a row has no value in row identifier {row_id!r}: {row!r}"[:500])
                if value == previous:
                    raise SourceError(f"row identifier {row_id!r} is not unique: {value!r} repeats")
                previous = value
            yield rows
    finally:
        cursor.close()


def stream_values(conn: psycopg.Connection, statement: sql.Composable, params: Sequence[Any],
                  chunk_size: int, name: str = "socrata_values") -> Iterator[list[Any]]:
    """First-column values of ``statement`` in chunks, from a named cursor."""
    with conn.cursor(name=name) as cursor:
        cursor.itersize = chunk_size
        cursor.execute(statement, params)
        while rows := cursor.fetchmany(chunk_size):
            yield [r[0] for r in rows]
