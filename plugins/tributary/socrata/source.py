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

from tributary.errors import BadInput
from tributary.warehouse import ident


class SourceError(BadInput):
    """The source cannot be published as asked (missing row identifier, duplicates, ...);
    retrying cannot help, so the task fails at once."""


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


def _where_after(row_id: str | None, after: Any) -> tuple[sql.Composable, list[Any]]:
    if after is None or not row_id:
        return sql.SQL(""), []
    return sql.SQL(" where _src.{} > %s").format(sql.Identifier(row_id)), [after]


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


def published_columns(conn: psycopg.Connection, source: Source,
                      declared: Sequence[str] | None) -> list[tuple[str, int]]:
    """The columns a publication sends, as (name, type oid): the declared ones in their declared
    order, or every column of the source when none are declared."""
    found = describe(conn, source)
    if not declared:
        return found
    types = dict(found)
    missing = [name for name in declared if name not in types]
    if missing:
        raise SourceError(f"{source.label} has no column {', '.join(map(repr, missing))} "
                          f"(columns: {', '.join(types)})")
    return [(name, types[name]) for name in declared]


def count_rows(conn: psycopg.Connection, source: Source, row_id: str | None,
               after: Any = None) -> int:
    """Rows of the source (all of them, or those after identifier ``after``)."""
    where, params = _where_after(row_id, after)
    statement = sql.SQL("select count(*) from {} as _src{}").format(source.relation(), where)
    return conn.execute(statement, params).fetchone()[0]


#: The fingerprint column added after the published columns of every streamed row.
FINGERPRINT = "_tributary_fingerprint"


def _as_published(source: Source, columns: Sequence[tuple[str, int]], row_id: str | None,
                  after: Any) -> tuple[sql.Composed, list[Any]]:
    """The source's rows as they are published: the published columns, formatted."""
    where, params = _where_after(row_id, after)
    statement = sql.SQL("select {what} from {rel} as _src{where}").format(
        what=sql.SQL(", ").join(_column(n, oid) for n, oid in columns),
        rel=source.relation(), where=where)
    return statement, params


def _fingerprint(alias: str, columns: Sequence[tuple[str, int]]) -> sql.Composed:
    # md5 of the published column names and the row's text form as Postgres writes it:
    # deterministic for equal values, and it changes when a value, a column name or the set of
    # published columns changes. (The row's text costs a third of its JSON: 0.8 s vs 2.1 s
    # for a million rows.)
    names = ",".join(name for name, _ in columns) + "|"
    return sql.SQL("md5({} || {}::text)").format(sql.Literal(names), sql.Identifier(alias))


def row_value(alias: str, row_id: str) -> sql.Composed:
    """An identifier as ``publish.published_row`` keeps it (SODA JSON), from a published row."""
    return sql.SQL("to_jsonb({}.{})").format(sql.Identifier(alias), sql.Identifier(row_id))


def changed_rows(source: Source, columns: Sequence[tuple[str, int]], row_id: str | None, *,
                 after: Any = None,
                 against: tuple[str, str] | None = None) -> tuple[sql.Composed, list[Any]]:
    """SELECT of the rows to send, each followed by its fingerprint, ordered by ``row_id``.

    ``against`` (portal, dataset id): only rows whose fingerprint differs from the one recorded
    in ``publish.published_row`` (new or changed rows); the comparison runs in the database.
    """
    inner, params = _as_published(source, columns, row_id, after)
    statement = sql.SQL("select _out.*, {fp} as {name} from ({inner}) as _out").format(
        fp=_fingerprint("_out", columns), name=sql.Identifier(FINGERPRINT), inner=inner)
    if against is not None:
        statement += sql.SQL(
            " left join publish.published_row as _p on _p.portal = %s and _p.dataset_id = %s"
            " and _p.row_value = {value} where _p.fingerprint is distinct from {fp}").format(
                value=row_value("_out", row_id), fp=_fingerprint("_out", columns))
        params = [*params, *against]
    if row_id:
        statement += sql.SQL(" order by _out.{}").format(sql.Identifier(row_id))
    return statement, params


def published_ids(source: Source, columns: Sequence[tuple[str, int]],
                  row_id: str) -> sql.Composed:
    """SELECT of (row_value, fingerprint) of every source row, as the ledger keeps them."""
    inner, _ = _as_published(source, columns, row_id, None)
    return sql.SQL("select {value}, {fp} from ({inner}) as _out").format(
        value=row_value("_out", row_id), fp=_fingerprint("_out", columns), inner=inner)


def source_ids(source: Source, columns: Sequence[tuple[str, int]], row_id: str) -> sql.Composed:
    """SELECT of the row_value of every source row (what ``sync_deletes`` compares with)."""
    types = dict(columns)
    return sql.SQL("select {value} as row_value from (select {column} from {rel} as _src) as _out"
                   ).format(value=row_value("_out", row_id),
                            column=_column(row_id, types[row_id]), rel=source.relation())


def stream_rows(conn: psycopg.Connection, statement: sql.Composable, params: Sequence[Any],
                row_id: str | None, chunk_size: int) -> tuple[list[str], Iterator[list[tuple]]]:
    """The column names and an iterator of row chunks of a `changed_rows` statement.

    ``conn`` must not be in autocommit mode (a named cursor lives in a transaction). Raises
    `SourceError` for a NULL or repeated row identifier among the streamed rows.
    """
    cursor = conn.cursor(name="socrata_source")
    cursor.itersize = chunk_size
    cursor.execute(statement, params)
    columns = [c.name for c in cursor.description]
    position = columns.index(row_id) if row_id else None
    return columns, _chunks(cursor, position, row_id, chunk_size)


def check_unique(conn: psycopg.Connection, source: Source, row_id: str) -> None:
    """Raise `SourceError` when the row identifier is NULL or repeats anywhere in the source.

    A diff streams only changed rows, so the check on the stream cannot see a new row that
    repeats the identifier of an unchanged one; this asks the database instead.
    """
    column = sql.Identifier(row_id)
    rel = source.relation()
    if conn.execute(sql.SQL("select exists (select 1 from {} as _src where _src.{} is null)")
                    .format(rel, column)).fetchone()[0]:
        raise SourceError(f"a row of {source.label} has no value in row identifier {row_id!r}")
    repeated = conn.execute(sql.SQL("select _src.{c}::text from {rel} as _src group by _src.{c} "
                                    "having count(*) > 1 limit 1").format(c=column, rel=rel)
                            ).fetchone()
    if repeated:
        raise SourceError(f"row identifier {row_id!r} is not unique: {repeated[0]!r} repeats")


def _chunks(cursor: psycopg.ServerCursor, position: int | None, row_id: str | None,
            chunk_size: int) -> Iterator[list[tuple]]:
    previous: Any = None
    try:
        while True:
            rows = cursor.fetchmany(chunk_size)
            if not rows:
                return
            if position is not None:
                for row in rows:
                    value = row[position]
                    if value is None:
                        raise SourceError(f"a row has no value in row identifier {row_id!r}: "
                                          f"{row!r}"[:500])
                    if value == previous:
                        raise SourceError(f"row identifier {row_id!r} is not unique: "
                                          f"{value!r} repeats")
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
