"""Reading one day's Amplitude export: gzip, a header naming the 40 columns, pipe-delimited lines.

Policy for bad input (the file as a whole vs. single lines):
- the day **fails** (`ExportError`, nothing is written or loaded) when the file is not a readable
  gzip stream (corrupt or truncated), is empty, or its first line is not a header of exactly the
  40 expected columns: then the file is the wrong thing, not a file with a few bad lines;
- a single line that does not split into 40 fields, is not UTF-8, or has a value that cannot be
  parsed is **rejected** with its line number and reason, and the rest of the day loads.
  (`clean.py` fails the day when rejects exceed a share of the lines, see `max_reject_ratio`.)

A ``|`` inside the JSON columns (a property value holding a pipe) gives more than 40 fields; such a
line is re-assembled when exactly one split of the JSON part yields two valid JSON values.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tributary.app_events.layout import COLUMNS, DELIMITER, N_COLUMNS

_PROPS_AT = COLUMNS.index("event_properties")
_AFTER_JSON = N_COLUMNS - COLUMNS.index("user_properties") - 1  # fields after the two JSON columns


class ExportError(RuntimeError):
    """The export as a whole cannot be processed; the day fails and the file stays in landing."""


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line number in the decompressed file (the header is line 1)
    fields: list[str] | None  # None when the line is rejected
    raw: str
    problem: str | None = None


def _json_or_empty(text: str) -> bool:
    if text == "":
        return True
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def split_fields(text: str) -> list[str]:
    """The line's fields; pipes inside the two JSON columns are put back when unambiguous."""
    fields = text.split(DELIMITER)
    if len(fields) <= N_COLUMNS:
        return fields
    head, middle, tail = fields[:_PROPS_AT], fields[_PROPS_AT:-_AFTER_JSON], fields[-_AFTER_JSON:]
    candidates = []
    for k in range(1, len(middle)):
        left, right = DELIMITER.join(middle[:k]), DELIMITER.join(middle[k:])
        if _json_or_empty(left) and _json_or_empty(right):
            candidates.append([*head, left, right, *tail])
    return candidates[0] if len(candidates) == 1 else fields


def check_header(text: str) -> None:
    names = [n.strip().lower() for n in text.split(DELIMITER)]
    if len(names) != N_COLUMNS:
        raise ExportError(
            f"header has {len(names)} columns, expected {N_COLUMNS} "
            f"({DELIMITER!r}-delimited, starting {', '.join(COLUMNS[:3])})"
        )
    wrong = [(i + 1, got, want) for i, (got, want) in enumerate(zip(names, COLUMNS, strict=True))
             if got != want]
    if wrong:
        pos, got, want = wrong[0]
        raise ExportError(f"header column {pos} is {got!r}, expected {want!r} "
                          f"({len(wrong)} column name(s) differ)")


def read_lines(path: Path, source: str) -> Iterator[Line]:
    """Data lines of the export after a valid header, streamed; blank lines are skipped."""
    try:
        with gzip.open(path, "rb") as fh:
            first = fh.readline()
            if not first:
                raise ExportError(f"{source} is empty: no header line")
            try:
                check_header(first.decode("utf-8").rstrip("\r\n"))
            except UnicodeDecodeError:
                raise ExportError(f"{source}: header line is not UTF-8 text") from None
            for number, data in enumerate(fh, start=2):
                try:
                    text = data.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    raw = data.decode("utf-8", "replace").rstrip("\r\n")
                    yield Line(number, None, raw, f"not UTF-8 text (byte {exc.start})")
                    continue
                if not text.strip():
                    continue
                fields = split_fields(text)
                if len(fields) != N_COLUMNS:
                    yield Line(number, None, text,
                               f"expected {N_COLUMNS} fields, found {len(fields)}")
                    continue
                yield Line(number, fields, text)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise ExportError(f"{source} is not a readable gzip file ({type(exc).__name__}: {exc}); "
                          "it stays in landing") from None
