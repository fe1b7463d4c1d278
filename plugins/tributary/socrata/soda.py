"""SODA JSON encoding of warehouse rows: what a Socrata upsert payload looks like.

Socrata wants one JSON object per row. Dates and timestamps travel as ISO 8601 strings, numbers as
JSON numbers (a Postgres ``numeric`` arrives as `Decimal`, which `json` cannot write), NULL as
``null``. A row to delete is ``{<row identifier>: <value>, ":deleted": true}``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

DELETED = ":deleted"


def _decimal(value: decimal.Decimal) -> int | float | None:
    if not value.is_finite():
        return None  # NaN / Infinity have no JSON number; the portal stores them as empty
    # An integral numeric (e.g. a count cast to numeric) stays an exact integer.
    return int(value) if value == value.to_integral_value() else float(value)


def _float(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _datetime(value: dt.datetime) -> str:
    # Milliseconds, as the portal writes timestamps back; an aware value keeps its offset.
    return value.isoformat(timespec="milliseconds")


def _date(value: dt.date) -> str:
    # A calendar date is a floating timestamp at midnight on the portal.
    return f"{value.isoformat()}T00:00:00.000"


_ENCODERS: dict[type, Callable[[Any], Any]] = {
    decimal.Decimal: _decimal,
    float: _float,
    dt.datetime: _datetime,
    dt.date: _date,
    dt.time: lambda v: v.isoformat(),
    dt.timedelta: lambda v: v.total_seconds(),
    uuid.UUID: str,
    bytes: lambda v: v.hex(),
    memoryview: lambda v: bytes(v).hex(),
}
_NATIVE = (str, int, bool, type(None), dict, list)


def encode_value(value: Any) -> Any:
    """One warehouse value as its SODA JSON counterpart."""
    if type(value) in _NATIVE:  # exact type check: the common case, no conversion
        return value
    encoder = _ENCODERS.get(type(value))
    if encoder is not None:
        return encoder(value)
    for kind, encoder in _ENCODERS.items():  # subclasses (e.g. pendulum.DateTime)
        if isinstance(value, kind):
            return encoder(value)
    return str(value)


def encode_row(columns: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    """A warehouse row (values in ``columns`` order) as a SODA JSON object."""
    return {name: encode_value(value) for name, value in zip(columns, row, strict=True)}


#: Types json writes as they are; a column of these needs no per-value work (floats do: NaN).
_PASS_THROUGH = (str, int, bool)


def encode_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """A chunk of warehouse rows as SODA JSON objects.

    A Postgres column has one type, so a column whose first non-null value is a str, int or bool
    is copied as is and only the other columns pay for conversion (the bulk of a publish's CPU).
    `payload` still converts anything that slips through.
    """
    special: list[tuple[int, str]] = []
    undecided = set(range(len(columns)))
    for row in rows:
        for i in list(undecided):
            if row[i] is not None:
                undecided.discard(i)
                if type(row[i]) not in _PASS_THROUGH:
                    special.append((i, columns[i]))
        if not undecided:
            break
    objects = []
    for row in rows:
        obj = dict(zip(columns, row, strict=True))
        for i, name in special:
            if row[i] is not None:
                obj[name] = encode_value(row[i])
        objects.append(obj)
    return objects


def deleted_row(row_id: str, value: Any) -> dict[str, Any]:
    """The upsert object that deletes the row whose identifier is ``value``."""
    return {row_id: value, DELETED: True}


def payload(objects: Iterable[dict[str, Any]]) -> bytes:
    """The request body of one upsert: a compact JSON array."""
    return json.dumps(list(objects), separators=(",", ":"), ensure_ascii=False,
                      default=encode_value).encode()


def json_text(value: Any) -> str:
    """A SODA JSON value as JSON text (how identifiers are kept in ``publish.published_row``)."""
    if type(value) is int:  # the common identifier: no encoder needed
        return str(value)
    return json.dumps(value, separators=(",", ":"), default=encode_value)


def csv_text(value: Any) -> str:
    """A SODA JSON value as CSV cell text (the simulate / CSV fallback output)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
