"""Schema preflight: does the portal's dataset have exactly the columns a publication sends?

Before the first row goes out, the dataset's columns are read from the portal
(``/api/views/<id>.json``: ``columns[].fieldName`` / ``dataTypeName``) and compared with the
publication's declared columns (name -> SODA type) and the source's column types. A declared
column the portal lacks, a portal column the publication does not fill (an upsert would leave it
empty on new rows, a replace would blank it), or a type that cannot hold the values fails the
publication with the whole difference at once, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tributary.errors import BadInput

#: The views API still uses the old names of the timestamp types.
_ALIASES = {"calendar_date": "floating_timestamp", "date": "fixed_timestamp"}
_NUMBERS = {"number", "double", "money", "percent"}
_GEOMETRY = {"point", "location", "line", "polygon", "multipoint", "multiline", "multipolygon"}
_TEXTUAL = {"text", "url", "email", "phone", "html"}

# Postgres type oids by the kind of value they produce once encoded as SODA JSON.
_PG_NUMBER = {20, 21, 23, 26, 700, 701, 1700}
_PG_TEXT = {18, 19, 25, 1042, 1043, 2950}
_PG_JSON = {114, 3802}
_PG_BOOL = 16
_PG_DATE, _PG_TIMESTAMP, _PG_TIMESTAMPTZ = 1082, 1114, 1184


class SchemaMismatch(BadInput):
    """The portal's dataset and the declared publication do not agree; nothing was sent."""


def soda_type(name: str) -> str:
    """A SODA type name in its SoQL spelling (``calendar_date`` -> ``floating_timestamp``)."""
    name = (name or "").strip().lower()
    return _ALIASES.get(name, name)


def holds(portal_type: str, type_oid: int) -> bool:
    """Whether a portal column of ``portal_type`` can hold the values of a Postgres column."""
    kind = soda_type(portal_type)
    if kind == "text":
        return True  # every value is sent as something text can hold
    if kind in _NUMBERS:
        return type_oid in _PG_NUMBER
    if kind == "checkbox":
        return type_oid == _PG_BOOL
    if kind == "floating_timestamp":
        return type_oid in (_PG_DATE, _PG_TIMESTAMP)
    if kind == "fixed_timestamp":
        return type_oid == _PG_TIMESTAMPTZ
    if kind in _GEOMETRY:
        return type_oid in _PG_JSON or type_oid in _PG_TEXT  # GeoJSON, or WKT text
    if kind in _TEXTUAL:
        return type_oid in _PG_TEXT or type_oid in _PG_JSON
    return False  # a type we do not know how to fill: refuse rather than guess


def portal_columns(view: Mapping[str, Any]) -> dict[str, str]:
    """The dataset's own columns (field name -> SODA type) from its view metadata; columns the
    portal adds itself (``:@computed_region_...``, system fields) are left out."""
    found = {}
    for column in view.get("columns") or []:
        name = column.get("fieldName") or ""
        if not name or name.startswith(":"):
            continue
        found[name] = soda_type(column.get("dataTypeName", ""))
    return found


def portal_row_id(view: Mapping[str, Any]) -> str | None:
    """The field name of the dataset's row identifier, if it has one."""
    wanted = view.get("rowIdentifierColumnId")
    for column in view.get("columns") or []:
        if wanted is not None and column.get("id") == wanted:
            return column.get("fieldName")
    return None


def differences(declared: Mapping[str, str], portal: Mapping[str, str],
                source_types: Mapping[str, int]) -> list[str]:
    """The lines of the difference between the declared columns, the portal's, and the source."""
    lines = []
    for name, kind in declared.items():
        if name not in portal:
            lines.append(f"- {name} ({soda_type(kind)}): declared, missing on the portal")
            continue
        if soda_type(kind) != portal[name]:
            lines.append(f"~ {name}: declared {soda_type(kind)}, the portal has {portal[name]}")
        oid = source_types.get(name)
        if oid is not None and not holds(portal[name], oid):
            lines.append(f"~ {name}: the portal's {portal[name]} column cannot hold the source's "
                         f"{_pg_kind(oid)} values")
    for name, kind in portal.items():
        if name not in declared:
            lines.append(f"+ {name} ({kind}): on the portal, not published (it would be blanked)")
    return lines


def _pg_kind(oid: int) -> str:
    for kinds, label in ((_PG_NUMBER, "numeric"), (_PG_TEXT, "text"), (_PG_JSON, "json")):
        if oid in kinds:
            return label
    return {_PG_BOOL: "boolean", _PG_DATE: "date", _PG_TIMESTAMP: "timestamp",
            _PG_TIMESTAMPTZ: "timestamptz"}.get(oid, f"type oid {oid}")


def preflight(dataset_id: str, label: str, declared: Mapping[str, str], view: Mapping[str, Any],
              source_columns: Sequence[tuple[str, int]]) -> None:
    """Raise `SchemaMismatch` with a readable diff when the dataset cannot take the publication.

    ``label`` names the publication in the message; ``source_columns`` are (name, type oid) of
    the columns the source delivers.
    """
    lines = differences(declared, portal_columns(view), dict(source_columns))
    if lines:
        shown = "\n  ".join(lines[:30]) + (f"\n  … {len(lines) - 30} more" if len(lines) > 30 else "")
        raise SchemaMismatch(f"dataset {dataset_id} does not match publication {label}; nothing "
                             f"was sent (- missing on the portal, + not published, ~ type):\n  "
                             f"{shown}")
