"""Load one matrix file into ``raw_migration``: countries, cells, rejects — one transaction.

Steps: check every target table's columns against the rows (nothing is loaded on a mismatch);
add the header's country names not seen before (ids stay stable across runs and files); read
the file once (`tributary.migration.matrix`: a file that is not a whole matrix fails, and the
transaction stores nothing of it) and store the cells with `tributary.migration.store` (COPY straight into the table on a
first load, else through a stage and a set-based diff; upsert semantics: a re-run of the same
file changes nothing, a newer file of the same matrix replaces the values it carries, so a
corrected file repairs a bad one; both counted as inserted and updated in ``raw_platform.load``
and ``raw_migration.matrix_load``); store rejected cells
in ``raw_migration.cell_reject`` (replacing those of an earlier load of the same file name).
Every attempt is recorded in ``raw_migration.matrix_load`` (loaded, or failed with its error).

Errors: a file that is not a whole, readable matrix is `MatrixError`, a table that no longer
fits the rows `SchemaMismatch`; both are `BadInput`, so the task fails without retries. A
warehouse that does not answer is retried like any failure.

A file comes in as an `InputFile`: a DAG param is resolved once by `tributary.inputs` (a lake key
or a path under the input roots) where the task starts; code that picks its own file (tests, the
benchmark) passes a `Path`, which is trusted.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import psycopg

from tributary import warehouse
from tributary.errors import BadInput, quote_input
from tributary.faults import checkpoint
from tributary.inputs import InputFile, input_roots, resolve_input
from tributary.lake import sha256_of
from tributary.migration import archive, store
from tributary.migration.matrix import (
    CellReject,
    MatrixError,
    MatrixFile,
    MatrixStats,
    is_aggregate,
)
from tributary.migration.schema import check_columns

log = logging.getLogger(__name__)

COUNTRY_TABLE = "raw_migration.country"
COUNTRY_COLUMNS = ("name", "display_name", "is_aggregate")
REJECT_TABLE = "raw_migration.cell_reject"
REJECT_COLUMNS = ("source", "line_number", "column_number", "row_label", "column_label", "text",
                  "reason")
REJECT_KEY = ("source", "line_number", "column_number")


@dataclass(frozen=True)
class MatrixKind:
    """Where one kind of matrix goes and how its header must name the axes."""

    name: str
    table: str
    columns: tuple[str, str, str]  # row country id, column country id, value
    whole_numbers: bool
    across: tuple[str, ...]  # words the header's "(across)" axis must contain, if it names axes
    down: tuple[str, ...]


MIGRATION = MatrixKind("migration", "raw_migration.migrant_stock",
                       ("origin_id", "destination_id", "value"), True,
                       across=("destination",), down=("source", "origin"))
REMITTANCE = MatrixKind("remittance", "raw_migration.remittance",
                        ("sender_id", "receiver_id", "value"), False,
                        across=("receiving", "receiver"), down=("sending", "sender"))
KINDS = {k.name: k for k in (MIGRATION, REMITTANCE)}
#: The DAG param that names each kind's file.
PARAMS = {"migration": "migration_path", "remittance": "remittance_path"}

LOAD_TABLE = "raw_migration.matrix_load"
LOAD_COLUMNS = ("source", "file_name", "matrix", "checksum", "status", "error", "cells_in",
                "inserted", "updated", "rejected_cells")


@dataclass(frozen=True)
class MatrixLoad:
    """What loading one file did (returned to Airflow as XCom, so plain values only)."""

    source: str
    kind: str
    countries_new: int
    rows_in: int
    inserted: int
    rejects: int
    rejects_new: int
    footnote_rows: int
    blanks: int
    #: cells already stored with another value, now replaced by this file's
    updated: int = 0
    #: sha256 of the file's bytes (hex), set by `load_file`
    checksum: str = ""

    def summary(self) -> str:
        text = (f"{self.kind} matrix {self.source}: {self.rows_in:,} cells read, "
                f"{self.inserted:,} new rows, {self.updated:,} values replaced, "
                f"{self.countries_new} new countries, "
                f"{self.rejects} rejected cells ({self.rejects_new} new), "
                f"{self.footnote_rows} footnote rows skipped, {self.blanks:,} blank cells")
        if self.rows_in and not self.inserted and not self.updated:
            text += " — every value was already loaded (re-run of the same file): 0 rows inserted"
        return text

    def as_dict(self) -> dict:
        return asdict(self)


def check_schemas(conn: psycopg.Connection, kind: MatrixKind) -> None:
    """Every table one file writes, against the columns the loader will send."""
    check_columns(conn, COUNTRY_TABLE, COUNTRY_COLUMNS)
    check_columns(conn, kind.table, kind.columns)
    check_columns(conn, REJECT_TABLE, REJECT_COLUMNS)
    check_columns(conn, LOAD_TABLE, LOAD_COLUMNS)


def check_orientation(matrix: MatrixFile, kind: MatrixKind) -> None:
    """When the header names its axes, they must be the ones this kind's table expects."""
    axes = matrix.header.axes
    if axes is None:
        log.warning("%s: the header does not name its axes (%r); assuming rows = %s, columns = %s",
                    matrix.path.name, matrix.header.corner, kind.columns[0], kind.columns[1])
        return
    if not (any(w in axes.across for w in kind.across) and any(w in axes.down for w in kind.down)):
        raise MatrixError(
            f"{matrix.path.name}: header says columns = {axes.across!r}, rows = {axes.down!r}; "
            f"a {kind.name} matrix needs columns = {'/'.join(kind.across)}, "
            f"rows = {'/'.join(kind.down)}"
        )


def ensure_countries(conn: psycopg.Connection, names: list[str],
                     written: Mapping[str, str]) -> tuple[dict[str, int], int]:
    """Ids for ``names``, adding only names not stored yet (identity ids are never re-drawn);
    ``written`` gives each name as the file wrote it, kept as the display name of a new country
    (and of one stored before display names were kept)."""
    stored = {n for (n,) in conn.execute(
        "select name from raw_migration.country where name = any(%s)", [names])}
    new = [(n, written.get(n, n), is_aggregate(n)) for n in names if n not in stored]
    inserted = 0
    if new:
        # insert_new on the unique name: a concurrent run adding the same name cannot duplicate it.
        inserted = warehouse.load(conn, COUNTRY_TABLE, COUNTRY_COLUMNS, new,
                                  mode="insert_new", key=["name"]).inserted
    if stored:
        conn.execute("update raw_migration.country c set display_name = w.display_name "
                     "from unnest(%s::text[], %s::text[]) w(name, display_name) "
                     "where c.name = w.name and c.display_name is null",
                     [list(stored), [written.get(n, n) for n in stored]])
    ids = dict(conn.execute(
        "select name, id from raw_migration.country where name = any(%s)", [names]).fetchall())
    return ids, inserted


class RejectSpool:
    """Rejected cells kept in a spooled temp file (memory bounded however many there are);
    the cell COPY is running while they arrive, so they are stored after it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.count = 0
        # Closed by close(), which load_matrix calls in a finally block.
        self._file = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._file)

    def __call__(self, reject: CellReject) -> None:
        self.count += 1
        log.warning("rejected line %d column %d (%s → %s): %r: %s", reject.line_number,
                    reject.column_number, reject.row_label, reject.column_label, reject.text,
                    reject.reason)
        self._writer.writerow([reject.line_number, reject.column_number, reject.row_label,
                               reject.column_label, reject.text, reject.reason])

    def rows(self) -> Iterator[tuple]:
        self._file.seek(0)
        for line, column, row_label, column_label, text, reason in csv.reader(self._file):
            yield self.source, int(line), int(column), row_label, column_label, text, reason

    def close(self) -> None:
        self._file.close()


def load_matrix(conn: psycopg.Connection, path: Path, kind: MatrixKind, *, source: str | None = None,
                chunk_rows: int = warehouse.DEFAULT_CHUNK_ROWS) -> MatrixLoad:
    """Load the local file ``path`` inside the caller's transaction (commit or roll back as one);
    ``source`` names it in the outcome (default: its file name)."""
    check_schemas(conn, kind)
    matrix = MatrixFile(path, whole_numbers=kind.whole_numbers)
    check_orientation(matrix, kind)
    ids, countries_new = ensure_countries(conn, [c for c in matrix.header.columns if c],
                                          matrix.names_as_written)
    stats = MatrixStats()
    spool = RejectSpool(path.name)
    aside = store.RowsAside()
    started, started_at = time.monotonic(), dt.datetime.now(dt.UTC)

    def segments() -> Iterator[Iterator[tuple[str, int]]]:
        rows = aside.divert(matrix.value_rows(spool, stats), ids)
        yield _after_first_chunk(store.cell_blocks(rows, matrix.header.columns, ids), chunk_rows)
        if aside.labels:  # rows of countries the header does not name: ids now, then their cells
            nonlocal countries_new
            more, new = ensure_countries(conn, aside.labels, matrix.names_as_written)
            ids.update(more)
            countries_new += new
            yield store.cell_blocks(aside.rows(), matrix.header.columns, ids)

    try:
        stored = store.store_cells(conn, kind.table, kind.columns, segments())
        result = warehouse.LoadResult(kind.table, stored.cells, stored.inserted, stored.updated)
        warehouse.record_load(conn, result, "upsert", started_at, time.monotonic() - started)
        # The rejects of a file are those of its latest load: a corrected file clears its own.
        earlier = {(line, column) for line, column in conn.execute(
            "delete from raw_migration.cell_reject where source = %s returning line_number, column_number",
            [path.name])}
        rejects_new = 0
        if spool.count:
            warehouse.load(conn, REJECT_TABLE, REJECT_COLUMNS, spool.rows(), mode="insert_new",
                           key=list(REJECT_KEY))
            rejects_new = sum((line, column) not in earlier for _, line, column, *_ in spool.rows())
    finally:
        spool.close()
        aside.close()
    outcome = MatrixLoad(source or path.name, kind.name, countries_new, result.rows_in, result.inserted,
                         stats.rejects, rejects_new, stats.footnote_rows, stats.blanks, result.updated)
    log.info(outcome.summary())
    return outcome


def _after_first_chunk(blocks: Iterator[tuple[str, int]], chunk_rows: int) -> Iterator[tuple[str, int]]:
    """``blocks``, with the kill test's checkpoint once a first chunk of cells has been sent."""
    sent = 0
    for block in blocks:
        if sent >= chunk_rows:
            checkpoint("migration.after_first_chunk")
            sent = -1 << 62  # once
        yield block
        sent += block[1]


def source_of(file: InputFile) -> str:
    """How ``matrix_load`` names a file: its lake key, else its resolved absolute path."""
    return file.key if file.key is not None else str(file.path.resolve())


def record_attempt(conn: psycopg.Connection, source: str, file_name: str, kind: MatrixKind,
                   checksum: str, outcome: MatrixLoad | None = None, error: str | None = None) -> None:
    """One row in ``raw_migration.matrix_load``: loaded with its counts, or failed with its error."""
    counts = ((outcome.rows_in, outcome.inserted, outcome.updated, outcome.rejects) if outcome
              else (None,) * 4)
    conn.execute(
        "insert into raw_migration.matrix_load (source, file_name, matrix, checksum, status, error,"
        " cells_in, inserted, updated, rejected_cells) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (source, file_name, kind.name, checksum, "loaded" if outcome else "failed",
         None if outcome else quote_input(error or "unknown error"), *counts))


def _record_failure(url: str | None, source: str, file_name: str, kind: MatrixKind,
                    checksum: str, exc: Exception) -> None:
    # Its own transaction: the load's was rolled back. A failure here must not hide the load's
    # error, which is what the task reports, so it is only logged.
    try:
        with warehouse.transaction(url) as conn:
            record_attempt(conn, source, file_name, kind, checksum,
                           error=f"{type(exc).__name__}: {exc}")
    except Exception:
        log.exception("could not record the failed load of %s in %s", source, LOAD_TABLE)


def load_file(file: InputFile | Path, kind_name: str, url: str | None = None) -> MatrixLoad:
    """One file, one transaction: everything it loads commits together or not at all; the
    attempt is recorded in ``raw_migration.matrix_load`` either way. ``file`` is an `InputFile`
    resolved from a param, or a `Path` the calling code chose (trusted)."""
    if isinstance(file, Path):
        file = InputFile.trusted(file)
    elif not isinstance(file, InputFile):
        raise TypeError(f"load_file takes an InputFile (resolve a param with "
                        f"tributary.inputs.resolve_input) or a Path, not {type(file).__name__}")
    kind = KINDS[kind_name]
    source = source_of(file)
    with file.local_path() as path:
        checksum = sha256_of(path)
        try:
            with warehouse.transaction(url) as conn:
                outcome = load_matrix(conn, path, kind, source=source)
                checkpoint("migration.before_recorded")
                record_attempt(conn, source, file.name, kind, checksum, outcome)
                checkpoint("migration.before_commit")
        except psycopg.DataError as exc:  # a value the table cannot hold: the file, not the server
            error = MatrixError(f"{file.name}: the warehouse refused a value: "
                                f"{quote_input(exc.diag.message_primary or exc)}")
            _record_failure(url, source, file.name, kind, checksum, error)
            raise error from exc
        except Exception as exc:
            _record_failure(url, source, file.name, kind, checksum, exc)
            raise
    return replace(outcome, checksum=checksum)


def check_inputs(params: dict) -> None:
    """Fail before any load unless the run names at least one file and every file it names is
    a lake key or a path under the input roots (nothing is read here)."""
    given = {param: params.get(param) for param in PARAMS.values() if params.get(param)}
    if not given:
        raise BadInput(f"give {' or '.join(PARAMS.values())} (or both): a lake key such as "
                       f"landing/migration_matrix/<sha>/file.csv, or an absolute path under "
                       f"{', '.join(str(r) for r in input_roots())}")
    for param, value in given.items():
        resolve_input(value, param=param)


def load_param(params: dict, kind_name: str, url: str | None = None) -> dict:
    """The file a run's param names, resolved here, once, then loaded and archived in the lake
    (`tributary.migration.archive`); {} when not given."""
    param = PARAMS[kind_name]
    if not params.get(param):
        log.info("no %s given: no %s matrix loaded", param, kind_name)
        return {}
    file = resolve_input(params[param], param=param)
    outcome = load_file(file, kind_name, url)
    kind = KINDS[kind_name]
    axes = tuple(c.removesuffix("_id") for c in kind.columns[:2])
    archived = archive.archive_matrix(file, kind.name, axes, whole_numbers=kind.whole_numbers,
                                      checksum=outcome.checksum)
    return {**outcome.as_dict(), "archive": {k: archived[k] for k in ("matrix", "cells")}}


def check_all(url: str | None = None) -> None:
    """Fail fast, before any load, when a raw table no longer fits what the loader sends."""
    with warehouse.connect(url) as conn:
        for kind in KINDS.values():
            check_schemas(conn, kind)
