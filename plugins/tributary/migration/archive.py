"""The immutable layer: every loaded matrix file, and the relational CSV its cells became, kept
in the lake by checksum.

Layout: ``migration/archive/<matrix>/<sha256[:16]>/<file name>`` (the bytes as loaded) and, next
to it, ``<file stem>.cells.csv``: one line per loaded cell, ``<row axis>,<column axis>,value``
(``origin,destination,value`` or ``sender,receiver,value``), the countries as the source wrote
them, the value as stored (thousands separators dropped); blanks, rejects and footnotes are not
cells. The same bytes land at the same keys, so archiving again writes nothing.
"""

from __future__ import annotations

import csv
import logging
import tempfile
from pathlib import Path, PurePosixPath

from tributary.inputs import InputFile, safe_name
from tributary.lake import open_lake, sha256_of
from tributary.migration.matrix import MatrixFile

log = logging.getLogger(__name__)

PREFIX = "migration/archive"


def archive_keys(kind: str, checksum: str, file_name: str) -> tuple[str, str]:
    """(the matrix's key, its cells CSV's key); the name is checked before it becomes a key."""
    name = safe_name(file_name, what="matrix file name")
    folder = f"{PREFIX}/{safe_name(kind, what='matrix kind')}/{checksum[:16]}"
    return f"{folder}/{name}", f"{folder}/{PurePosixPath(name).stem}.cells.csv"


def write_cells_csv(matrix: MatrixFile, axes: tuple[str, str], out: Path) -> int:
    """The matrix's cells as a long CSV (``axes``, then value); returns the number of cells."""
    columns = matrix.header.columns
    written = matrix.names_as_written
    count = 0
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([*axes, "value"])
        for label, texts in matrix.value_rows(lambda reject: None):
            row = written[label]
            cells = [(row, written[column], text)
                     for column, text in zip(columns, texts, strict=True) if text]
            writer.writerows(cells)
            count += len(cells)
    return count


def archive_matrix(file: InputFile, kind: str, axes: tuple[str, str], *, whole_numbers: bool,
                   checksum: str | None = None, lake=None) -> dict:
    """Put ``file`` and its cells CSV in the archive unless they are there; ``checksum`` (the
    loaded file's) must match the file's bytes. Returns the keys and what was written."""
    lake = lake or open_lake()
    with file.local_path() as path:
        actual = sha256_of(path)
        if checksum is not None and actual != checksum:
            raise RuntimeError(f"{file.name} changed between its load (sha256 {checksum[:16]}…) and "
                               f"its archiving ({actual[:16]}…): not archived; load it again")
        matrix_key, cells_key = archive_keys(kind, actual, file.name)
        written = []
        if not lake.exists(matrix_key):
            lake.put_file(matrix_key, path)
            written.append(matrix_key)
        if not lake.exists(cells_key):
            with tempfile.TemporaryDirectory(prefix="matrix-cells-") as tmp:
                out = Path(tmp) / "cells.csv"
                write_cells_csv(MatrixFile(path, whole_numbers=whole_numbers), axes, out)
                lake.put_file(cells_key, out)
            written.append(cells_key)
    log.info("archived %s as %s and %s (%s)", file.name, matrix_key, cells_key,
             "written now" if written else "already archived")
    return {"checksum": actual, "matrix": matrix_key, "cells": cells_key, "written": written}
