"""Reading the rows to publish from the warehouse, in row-identifier order, without holding them.

The query runs in a server-side (named) cursor and is fetched a chunk at a time, so memory stays
flat however many rows the table has. Rows come ordered by the row identifier: that makes the
chunks of a publication deterministic, and lets a retried publication resume with
``row_id > <last acknowledged identifier>`` even if the table changed in between.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from tributary.errors import BadInput
from tributary.socrata import soda
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


#: Bump to change every fingerprint (e.g. when the SODA encoding changes): rows are resent once.
FINGERPRINT_VERSION = 1

#: Types hashed as they are (each has a hash function); others are hashed as their text.
_HASHABLE = {16, 17, 20, 21, 23, 25, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184, 1186, 1700,
             2950, 3802}


def _src(name: str) -> sql.Composed:
    return sql.SQL("_src.{}").format(sql.Identifier(name))


def _value(name: str, type_oid: int) -> sql.Composable:
    return soda.value(_src(name), type_oid)


def _fingerprint(columns: Sequence[tuple[str, int]]) -> sql.Composed:
    # A 64-bit hash of the source row's published columns, straight from their binary values
    # (no text output: a quarter of md5 over the row's text). The seed carries the column names,
    # so renaming, adding or dropping a published column changes every fingerprint.
    names = ",".join(name for name, _ in columns)
    seed = int.from_bytes(hashlib.blake2b(f"{FINGERPRINT_VERSION}|{names}".encode(),
                                          digest_size=8).digest(), "big", signed=True)
    fields = sql.SQL(", ").join(
        _src(name) if oid in _HASHABLE else sql.SQL("{}::text").format(_src(name))
        for name, oid in columns)
    return sql.SQL("hash_record_extended(row({}), {})").format(fields, sql.Literal(seed))


def row_value(columns: Sequence[tuple[str, int]], row_id: str) -> sql.Composed:
    """An identifier as ``publish.published_row`` keeps it (its SODA JSON), from a source row."""
    return sql.SQL("to_jsonb({})").format(_value(row_id, dict(columns)[row_id]))


def _object(columns: Sequence[tuple[str, int]]) -> sql.Composed:
    # A lateral subquery names the values, so row_to_json writes them under the column names
    # (json_build_object would stop at 50 columns).
    return sql.SQL("cross join lateral (select {}) as _obj").format(sql.SQL(", ").join(
        sql.SQL("{} as {}").format(_value(n, oid), sql.Identifier(n)) for n, oid in columns))


def _copy_text(value: str) -> str:
    """``value`` as a field of COPY's text format."""
    for raw, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        value = value.replace(raw, escaped)
    return value


def _ledger_line(value: sql.Composable, fingerprint: sql.Composable,
                 ledger: tuple[str, str, int]) -> sql.Composed:
    # The row's line of a COPY into publish.published_row (portal, dataset_id, row_value,
    # fingerprint, run_id): jsonb text has no raw tab or newline, only backslashes to escape.
    portal, dataset_id, run_id = ledger
    return sql.SQL("convert_to({prefix} || replace({value}::text, {bs}, {bs2}) || chr(9) || "
                   "{fp}::text || {suffix}, 'UTF8')").format(
        prefix=sql.Literal(f"{_copy_text(portal)}\t{_copy_text(dataset_id)}\t"), value=value,
        bs=sql.Literal("\\"), bs2=sql.Literal("\\\\"), fp=fingerprint,
        suffix=sql.Literal(f"\t{run_id}\n"))


def changed_rows(source: Source, columns: Sequence[tuple[str, int]], row_id: str | None, *,
                 after: Any = None, against: tuple[str, str] | None = None,
                 ledger: tuple[str, str, int] | None = None) -> tuple[sql.Composed, list[Any]]:
    """SELECT of the rows to send, ordered by ``row_id``: each row's SODA JSON object (UTF-8),
    its identifier as SODA JSON (text) and, with ``ledger`` (portal, dataset id, run id), its
    line for a COPY into ``publish.published_row`` (UTF-8, with the row's fingerprint).

    ``against`` (portal, dataset id): only rows whose fingerprint differs from the one recorded
    in ``publish.published_row`` (new or changed rows); the comparison runs in the database.
    """
    value = row_value(columns, row_id) if row_id else sql.SQL("null::jsonb")
    line = (_ledger_line(value, _fingerprint(columns), ledger) if ledger and row_id
            else sql.SQL("null::bytea"))
    # Bytes (bytea, read in binary), joined as they come into a request body and a COPY.
    statement = sql.SQL("select convert_to(row_to_json(_obj)::text, 'UTF8'), {value}::text, "
                        "{line} from {rel} as _src {obj}").format(
        value=value, line=line, rel=source.relation(), obj=_object(columns))
    params: list[Any] = []
    conditions: list[sql.Composable] = []
    if against is not None:
        statement += sql.SQL(
            " left join publish.published_row as _p on _p.portal = %s and _p.dataset_id = %s"
            " and _p.row_value = {value}").format(value=value)
        params += against
        conditions.append(sql.SQL("_p.fingerprint is distinct from {}").format(
            _fingerprint(columns)))
    if after is not None and row_id:
        conditions.append(sql.SQL("{} > %s").format(_src(row_id)))
        params.append(after)
    if conditions:
        statement += sql.SQL(" where ") + sql.SQL(" and ").join(conditions)
    if row_id:
        statement += sql.SQL(" order by {}").format(_src(row_id))
    return statement, params


def fingerprint_total(source: Source, columns: Sequence[tuple[str, int]]) -> sql.Composed:
    """SELECT of the source's row count and the sum of its rows' fingerprints (one pass)."""
    return sql.SQL("select count(*), sum({fp}) from {rel} as _src").format(
        fp=_fingerprint(columns), rel=source.relation())


def published_ids(source: Source, columns: Sequence[tuple[str, int]],
                  row_id: str) -> sql.Composed:
    """SELECT of (row_value, fingerprint) of every source row, as the ledger keeps them."""
    return sql.SQL("select {value}, {fp} from {rel} as _src").format(
        value=row_value(columns, row_id), fp=_fingerprint(columns), rel=source.relation())


def source_ids(source: Source, columns: Sequence[tuple[str, int]], row_id: str) -> sql.Composed:
    """SELECT of the row_value of every source row (what ``sync_deletes`` compares with)."""
    return sql.SQL("select {value} as row_value from {rel} as _src").format(
        value=row_value(columns, row_id), rel=source.relation())


@dataclass
class Rows:
    """One chunk of a `changed_rows` statement, in a few large pieces (one per fetch) rather than
    objects per row, which would outlive the fetch and fragment memory: the rows' JSON objects
    (UTF-8, comma-joined), their ledger lines (COPY text), the first and last identifier."""

    pieces: list[bytes] = field(default_factory=list)
    ledger: list[bytes] = field(default_factory=list)
    rows: int = 0
    first: str | None = None
    last: str | None = None

    def __len__(self) -> int:
        return self.rows

    def add(self, objects: Sequence[bytes], values: Sequence[str | None],
            lines: Sequence[bytes | None]) -> None:
        self.pieces.append(b",".join(objects))
        if lines[0] is not None:
            self.ledger.append(b"".join(lines))
        if not self.rows:
            self.first = values[0]
        self.last = values[-1]
        self.rows += len(objects)


def stream_rows(conn: psycopg.Connection, statement: sql.Composable, params: Sequence[Any],
                row_id: str | None, chunk_size: int) -> Iterator[Rows]:
    """The chunks of a `changed_rows` statement, read from a server-side cursor.

    ``conn`` must not be in autocommit mode (a named cursor lives in a transaction). Raises
    `SourceError` for a NULL or repeated row identifier among the streamed rows.
    """
    cursor = conn.cursor(name="socrata_source", binary=True)
    cursor.execute(statement, params)
    return _chunks(cursor, row_id, chunk_size)


def declared_unique(conn: psycopg.Connection, source: Source, row_id: str) -> bool:
    """Whether the catalog already guarantees ``row_id`` is unique and not null in the source
    (a table whose primary key, or a unique index on a NOT NULL column, is exactly it)."""
    if not source.table:
        return False
    return conn.execute(
        "select exists (select 1 from pg_index i join pg_attribute a on a.attrelid = i.indrelid "
        "and a.attnum = i.indkey[0] where i.indrelid = to_regclass(%s) and i.indnatts = 1 "
        "and i.indisunique and i.indpred is null and i.indexprs is null and a.attname = %s "
        "and (i.indisprimary or a.attnotnull))", (source.table, row_id)).fetchone()[0]


def check_unique(conn: psycopg.Connection, source: Source, row_id: str) -> None:
    """Raise `SourceError` when the row identifier is NULL or repeats anywhere in the source.

    A diff streams only changed rows, so the check on the stream cannot see a new row that
    repeats the identifier of an unchanged one; this asks the database instead (unless a
    primary key or unique index already says so).
    """
    if declared_unique(conn, source, row_id):
        return
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


#: Rows per FETCH: a chunk arrives in several, so the client library's buffer stays small.
FETCH_ROWS = 1_000


def _check_ids(row_id: str, objects: Sequence[bytes], values: Sequence[str | None],
               previous: str | None) -> str | None:
    """Raise `SourceError` for a NULL or repeated identifier; returns the last one."""
    for obj, value in zip(objects, values, strict=True):
        if value is None:
            raise SourceError(f"a row has no value in row identifier {row_id!r}: "
                              f"{obj.decode()}"[:500])
        # Rows come ordered by the identifier, so a repeat is a neighbour.
        if value == previous:
            raise SourceError(f"row identifier {row_id!r} is not unique: {value} repeats")
        previous = value
    return previous


def _chunks(cursor: psycopg.ServerCursor, row_id: str | None, chunk_size: int) -> Iterator[Rows]:
    previous: str | None = None
    chunk = Rows()
    try:
        while True:
            rows = cursor.fetchmany(min(FETCH_ROWS, chunk_size - len(chunk)))
            if rows:
                objects, values, lines = zip(*rows, strict=True)
                if row_id:
                    previous = _check_ids(row_id, objects, values, previous)
                chunk.add(objects, values, lines)
            if len(chunk) == chunk_size or (not rows and chunk):
                yield chunk
                chunk = Rows()
            if not rows:
                return
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
