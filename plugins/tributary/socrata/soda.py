"""SODA JSON: what a Socrata upsert payload looks like, written by Postgres.

Socrata wants one JSON object per row. Dates and timestamps travel as ISO 8601 strings, numbers as
JSON numbers, NULL as ``null``. A row to delete is ``{<row identifier>: <value>, ":deleted": true}``.

The objects are built in the warehouse (`value` per column, ``row_to_json`` per row), in the
server process, while the publisher sends the previous chunk: Python only joins the rows' texts
into a request body, which keeps its CPU (and memory) free for the HTTP side.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from psycopg import sql

DELETED = ":deleted"

#: Type oids whose JSON form needs more than ``row_to_json``'s default.
_DATE, _TIMESTAMP, _TIMESTAMPTZ, _INTERVAL = 1082, 1114, 1184, 1186
_FLOAT4, _FLOAT8, _NUMERIC, _BYTEA = 700, 701, 1700, 17


def value(column: sql.Composable, type_oid: int) -> sql.Composable:
    """A SQL expression for ``column`` as its SODA JSON value (``row_to_json`` writes the rest).

    - date: a floating timestamp at midnight (``2024-02-29T00:00:00.000``); timestamp: with
      milliseconds, as the portal writes them back; timestamptz: the same in UTC with ``Z``;
    - numeric: NaN / ±Infinity have no JSON number and become null; trailing zeros go, so an
      integral numeric (a count cast to numeric) is an exact integer (``12.50`` -> ``12.5``);
    - float: NaN / ±Infinity become null; interval: seconds; bytea: hex;
    - text, integers, booleans, json, uuid, arrays: as ``row_to_json`` writes them.
    """
    if type_oid == _DATE:
        return sql.SQL("""to_char({}, 'YYYY-MM-DD"T00:00:00.000"')""").format(column)
    if type_oid == _TIMESTAMP:
        return sql.SQL("""to_char({}, 'YYYY-MM-DD"T"HH24:MI:SS.MS')""").format(column)
    if type_oid == _TIMESTAMPTZ:  # in UTC, whatever the session's time zone
        return sql.SQL("""to_char({} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')""").format(
            column)
    if type_oid == _NUMERIC:
        return sql.SQL("case when {c} in ('NaN', 'Infinity', '-Infinity') then null "
                       "else trim_scale({c}) end").format(c=column)
    if type_oid in (_FLOAT4, _FLOAT8):
        return sql.SQL("case when {c} in ('NaN', 'Infinity', '-Infinity') then null "
                       "else {c} end").format(c=column)
    if type_oid == _INTERVAL:
        return sql.SQL("trim_scale(extract(epoch from {}))").format(column)
    if type_oid == _BYTEA:
        return sql.SQL("encode({}, 'hex')").format(column)
    return column


def body(rows: Sequence[bytes]) -> bytes:
    """The request body of one upsert: the rows' JSON objects (UTF-8; or comma-joined runs of
    them) as a JSON array."""
    if not rows:
        return b"[]"
    parts = [b","] * (2 * len(rows) - 1)
    parts[::2] = rows
    return b"".join([b"[", *parts, b"]"])  # one allocation: no intermediate copy of the body


def objects(rows: Sequence[bytes]) -> list[dict[str, Any]]:
    """The rows' JSON objects (UTF-8) as dicts (for the CSV writers)."""
    return json.loads(body(rows))


def deleted_row(row_id: str, value_json: str) -> bytes:
    """The upsert object that deletes the row whose identifier (SODA JSON text) is ``value_json``."""
    return f'{{{json.dumps(row_id)}:{value_json},"{DELETED}":true}}'.encode()


def deleted_rows(row_id: str, values: Iterable[str]) -> list[bytes]:
    return [deleted_row(row_id, v) for v in values]


def csv_text(value: Any) -> str:
    """A SODA JSON value as CSV cell text (the simulate / CSV fallback output)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
