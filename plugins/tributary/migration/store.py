"""Store one matrix's cells in its raw table at COPY speed, with upsert semantics.

- **First load** (the table holds no cells yet): COPY straight into the table.
- **Any later load** (a re-run, a corrected file): COPY into a temporary stage, then one
  set-based MERGE: update the stored cells whose value differs, insert the cells not stored yet.
  Cells the file leaves blank keep their value; an unchanged file changes nothing.

The table is locked against other writers for the rest of the caller's transaction (readers go
on), so "no cells yet" still holds when the COPY runs, and a concurrent load of the same matrix
waits instead of colliding. Cells arrive as COPY text, one block per matrix row, built by one
string join per row (`cell_blocks`); a writer thread sends a block while the next is formatted.
The file is read once: the header's countries get their ids first, and the rare rows whose
country is not a header column wait aside (`RowsAside`) for theirs, in a second COPY.
"""

from __future__ import annotations

import csv
import operator
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

from tributary.warehouse import ident


@dataclass(frozen=True)
class Stored:
    cells: int
    inserted: int
    updated: int


class RowsAside:
    """Matrix rows whose country has no id yet (not a header column), kept in a spooled temp
    file (memory bounded) until the cell COPY is done and the ids can be drawn."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        # Closed by close(); the loader calls it in a finally block.
        self._file = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._file)

    def divert(self, value_rows: Iterable[tuple[str, list[str]]],
               ids: Mapping[str, int]) -> Iterator[tuple[str, list[str]]]:
        """The rows whose country has an id in ``ids``; the others are kept aside."""
        for label, texts in value_rows:
            if label in ids:
                yield label, texts
            else:
                self.labels.append(label)
                self._writer.writerow([label, *texts])

    def rows(self) -> Iterator[tuple[str, list[str]]]:
        self._file.seek(0)
        for label, *texts in csv.reader(self._file):
            yield label, texts

    def close(self) -> None:
        self._file.close()


def cell_blocks(value_rows: Iterable[tuple[str, list[str]]], columns: list[str | None],
                ids: Mapping[str, int]) -> Iterator[tuple[str, int]]:
    """COPY text (column id, value, row id) of each row's non-blank cells, with their count.

    ``value_rows`` is `MatrixFile.value_rows`: one text per header column, ``""`` for none."""
    # "<column id>\t" per header column; a nameless column never carries a value
    heads = [f"{ids[c]}\t" if c else "" for c in columns]
    for label, texts in value_rows:
        tail = f"\t{ids[label]}\n"
        if "" in texts:
            pairs = [head + text for head, text in zip(heads, texts, strict=True) if text]
        else:
            pairs = list(map(operator.add, heads, texts))
        if pairs:
            yield tail.join(pairs) + tail, len(pairs)


def _copy(conn: psycopg.Connection, table: sql.Composable, columns: tuple[str, str, str],
          blocks: Iterable[tuple[str, int]]) -> int:
    row, column, value = columns
    statement = sql.SQL("copy {} ({}) from stdin").format(
        table, sql.SQL(", ").join(map(sql.Identifier, (column, value, row))))
    count = 0
    with conn.cursor() as cur, cur.copy(statement, writer=QueuedLibpqWriter(cur)) as copy:
        for text, cells in blocks:
            copy.write(text)
            count += cells
    return count


def store_cells(conn: psycopg.Connection, table: str, columns: tuple[str, str, str],
                segments: Iterable[Iterable[tuple[str, int]]]) -> Stored:
    """Store the cell blocks (from `cell_blocks`) in ``table`` (row id, column id, value columns)
    inside the caller's transaction; returns what was read, inserted and updated. ``segments``
    are COPYed one after the other; the next is asked for only once the previous COPY ended, so
    its producer may use the connection (to draw ids) before yielding it."""
    target = ident(table)
    conn.execute(sql.SQL("lock table {} in share row exclusive mode").format(target))
    if not conn.execute(sql.SQL("select exists (select from {})").format(target)).fetchone()[0]:
        count = sum(_copy(conn, target, columns, blocks) for blocks in segments)
        return Stored(count, count, 0)
    row, column, value = map(sql.Identifier, columns)
    stage = sql.Identifier(f"_matrix_stage_{uuid.uuid4().hex[:12]}")
    conn.execute(sql.SQL("create temp table {} on commit drop as select {}, {}, {} from {} with no data")
                 .format(stage, row, column, value, target))
    count = sum(_copy(conn, stage, columns, blocks) for blocks in segments)
    # One join of stage and table (MERGE) instead of an update and an insert that each join them;
    # enough memory that the hash of a million-cell matrix stays in one batch.
    conn.execute("set local work_mem = '256MB'")
    before = _count(conn, target)
    changed = conn.execute(sql.SQL(
        "merge into {target} t using {stage} s on t.{row} = s.{row} and t.{column} = s.{column} "
        "when matched and t.{value} is distinct from s.{value} then update set {value} = s.{value} "
        "when not matched then insert ({row}, {column}, {value}) values (s.{row}, s.{column}, s.{value})"
    ).format(target=target, stage=stage, row=row, column=column, value=value)).rowcount
    inserted = _count(conn, target) - before  # the lock keeps other writers out meanwhile
    conn.execute(sql.SQL("drop table {}").format(stage))
    return Stored(count, inserted, changed - inserted)


def _count(conn: psycopg.Connection, table: sql.Composable) -> int:
    return conn.execute(sql.SQL("select count(*) from {}").format(table)).fetchone()[0]
