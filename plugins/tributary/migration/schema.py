"""Compare the columns a load will write with the target table's columns, before loading."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg

from tributary.errors import BadInput


class SchemaMismatch(BadInput):
    """The rows do not fit the target table; nothing was loaded. Retrying cannot help until
    someone changes the table (or the loader), so the task fails at once."""


@dataclass(frozen=True)
class TableColumn:
    name: str
    data_type: str
    required: bool  # NOT NULL without a default or identity: a load must provide it


def table_columns(conn: psycopg.Connection, table: str) -> list[TableColumn]:
    """The columns of ``schema.table`` from information_schema, in table order ([] if missing)."""
    schema, name = table.split(".", 1)
    rows = conn.execute(
        """
        select column_name, data_type,
               is_nullable = 'NO' and column_default is null and is_identity = 'NO'
                   and is_generated = 'NEVER'
        from information_schema.columns
        where table_schema = %s and table_name = %s
        order by ordinal_position
        """,
        (schema, name),
    ).fetchall()
    return [TableColumn(*row) for row in rows]


def check_columns(conn: psycopg.Connection, table: str, columns: Sequence[str]) -> None:
    """Raise `SchemaMismatch` naming both schemas unless every row column exists in ``table``
    and every column the table requires is among the row columns."""
    existing = table_columns(conn, table)
    names = {c.name for c in existing}
    missing = [c for c in columns if c not in names]
    unfilled = [c.name for c in existing if c.required and c.name not in columns]
    if existing and not missing and not unfilled:
        return
    table_schema = (", ".join(f"{c.name} {c.data_type}" for c in existing)
                    if existing else "table does not exist")
    problems = []
    if missing:
        problems.append(f"not in the table: {', '.join(missing)}")
    if unfilled:
        problems.append(f"required by the table but not in the rows: {', '.join(unfilled)}")
    raise SchemaMismatch(
        f"schema mismatch for {table}, nothing loaded: rows have ({', '.join(columns)}); "
        f"table has ({table_schema}); {'; '.join(problems)}"
    )
