"""The CSV fallback: in simulate mode each chunk is written as a CSV file instead of being sent.

Files go to a local folder, or to the lake under ``socrata/simulate/<dataset>/<publication>/``,
named ``chunk_00001.csv`` (upserts) and ``chunk_00007_deleted.csv`` (identifiers to delete).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tributary.socrata.soda import DELETED, csv_text


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:150] or "publication"


class CsvFallback:
    """Writes chunks as CSV files to ``folder`` (a local Path) or to ``lake`` under ``prefix``."""

    def __init__(self, *, folder: Path | None = None, lake: Any = None, prefix: str = "") -> None:
        if (folder is None) == (lake is None):
            raise ValueError("give a local folder or a lake")
        self.folder, self.lake, self.prefix = folder, lake, prefix.strip("/")

    @property
    def location(self) -> str:
        return str(self.folder) if self.folder is not None else f"lake:{self.prefix}"

    def write(self, number: int, objects: Sequence[dict[str, Any]], *, deleted: bool = False) -> str:
        """Write one chunk of SODA objects; returns where it went."""
        columns = [c for c in objects[0] if c != DELETED] if objects else []
        if deleted:
            columns.append(DELETED)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([csv_text(obj.get(c)) for c in columns] for obj in objects)
        name = f"chunk_{number:05d}{'_deleted' if deleted else ''}.csv"
        data = buffer.getvalue().encode()
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / name
            path.write_bytes(data)
            return str(path)
        path = f"{self.prefix}/{name}"
        self.lake.put_bytes(path, data)
        return path
