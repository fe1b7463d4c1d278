"""Reading one day's Amplitude export: gzip, a header naming the 40 columns, pipe-delimited lines.

Policy for bad input (the file as a whole vs. single lines):
- the day **fails** (`ExportError`, a `BadInput`: no retries, nothing is written or loaded) when
  the file is not a readable gzip stream (corrupt or truncated), is empty, expands more than
  `MAX_EXPANSION` times its compressed size (a "gzip bomb"), or its first line is not a header of
  exactly the 40 expected columns (a UTF-8 BOM before it is ignored): then the file is the wrong
  thing, not a file with a few bad lines;
- a single line that does not split into 40 fields, is not UTF-8, holds a NUL byte, is longer
  than `MAX_LINE_BYTES`, has a cell over 64 KB or a value that cannot be parsed is **rejected**
  with its line number and reason, and the rest of the day loads. (`clean.py` fails the day
  when rejects exceed a share of the lines, see `max_reject_ratio`, or when no event is left.)

Memory stays bounded whatever the file holds: the text is read `BLOCK_BYTES` at a time (whole
lines go to the cleaning as one `Chunk`), and a line over `MAX_LINE_BYTES` is skipped without
being held. `check_line` holds the rules for one line; `clean.py` applies them to every line its
column-wise fast path cannot vouch for.

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
from tributary.errors import MAX_CELL_CHARS, MAX_COLUMNS, BadInput, located, quote_input

_PROPS_AT = COLUMNS.index("event_properties")
_AFTER_JSON = N_COLUMNS - COLUMNS.index("user_properties") - 1  # fields after the two JSON columns

#: A real export expands 5-15 times when unzipped; one that expands more than this many times
#: its compressed size (past the first `EXPANSION_ALLOWANCE` bytes) is refused as a gzip bomb.
MAX_EXPANSION = 100
EXPANSION_ALLOWANCE = 16 * 1024 * 1024
#: The longest line read: 40 cells of 64 KB of 4-byte characters and their delimiters.
MAX_LINE_BYTES = N_COLUMNS * (4 * MAX_CELL_CHARS + 1)
_BOM = b"\xef\xbb\xbf"


class ExportError(BadInput):
    """The export as a whole cannot be processed; the day fails at once (no retries) and the
    file stays in landing."""


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


#: At most this many extra pipes are tried as pipes inside the JSON columns (each try parses
#: the JSON once, so a line of thousands of pipes is rejected instead of taking minutes).
MAX_EXTRA_PIPES = 32


def split_fields(text: str) -> list[str]:
    """The line's fields; pipes inside the two JSON columns are put back when unambiguous."""
    fields = text.split(DELIMITER)
    if len(fields) <= N_COLUMNS or len(fields) > N_COLUMNS + MAX_EXTRA_PIPES:
        return fields
    head, middle, tail = fields[:_PROPS_AT], fields[_PROPS_AT:-_AFTER_JSON], fields[-_AFTER_JSON:]
    candidates = []
    for k in range(1, len(middle)):
        left, right = DELIMITER.join(middle[:k]), DELIMITER.join(middle[k:])
        if _json_or_empty(left) and _json_or_empty(right):
            candidates.append([*head, left, right, *tail])
    return candidates[0] if len(candidates) == 1 else fields


def check_header(text: str, source: str = "the export") -> None:
    names = [n.strip().lower() for n in text.split(DELIMITER)]
    if len(names) > MAX_COLUMNS:
        raise ExportError(located(source, f"header has {len(names):,} columns, more than "
                                          f"{MAX_COLUMNS:,}; expected the {N_COLUMNS} of the export",
                                  line=1))
    if len(names) != N_COLUMNS:
        raise ExportError(located(
            source, f"header has {len(names)} columns, expected {N_COLUMNS} "
                    f"({DELIMITER!r}-delimited, starting {', '.join(COLUMNS[:3])})",
            line=1, value=text))
    wrong = [(i + 1, got, want) for i, (got, want) in enumerate(zip(names, COLUMNS, strict=True))
             if got != want]
    if wrong:
        pos, got, want = wrong[0]
        raise ExportError(located(source, f"header column {pos} is {quote_input(got, 60)!r}, "
                                          f"expected {want!r} ({len(wrong)} column name(s) differ)",
                                  line=1))


@dataclass(frozen=True)
class Chunk:
    """Consecutive lines of the export, read as one block: ``data`` holds them without their
    final newline (split it on ``\\n``), the first is line ``first``."""

    first: int
    data: bytes
    terminated: bool = True  # the last line ended with a newline (all but a file's last may not)


#: Decompressed bytes read at a time: the unit of memory, and of one cleaning batch.
BLOCK_BYTES = 4 * 1024 * 1024


def _blocks(fh: gzip.GzipFile, budget: int, source: str, block_bytes: int) -> Iterator[Chunk | Line]:
    """Whole lines of the decompressed stream a block at a time; a line over `MAX_LINE_BYTES`
    comes as a rejected `Line` and is skipped without being held. Refuses to decompress more
    than ``budget`` bytes."""
    total, number, pending, skipping = 0, 1, b"", False
    while True:
        data = fh.read(block_bytes)
        total += len(data)
        if total > budget:
            raise ExportError(located(
                source, f"expands to more than {budget:,} bytes, over {MAX_EXPANSION} times its "
                        "compressed size: refused as a gzip bomb; it stays in landing",
                line=number + data.count(b"\n", 0, len(data) - (total - budget))))
        if skipping:  # the rest of an over-long line: drop it up to its newline
            end = data.find(b"\n")
            if end < 0 and data:
                continue
            yield Line(number, None, "", f"line longer than {MAX_LINE_BYTES:,} bytes")
            number, skipping, data = number + 1, False, data[end + 1:] if end >= 0 else b""
        pending += data
        cut = pending.rfind(b"\n")
        if cut >= 0:
            yield Chunk(number, pending[:cut])
            number += pending.count(b"\n", 0, cut) + 1
            pending = pending[cut + 1:]
        if len(pending) > MAX_LINE_BYTES:
            pending, skipping = b"", True
            continue
        if not data:
            if pending:  # a last line without its newline
                yield Chunk(number, pending, terminated=False)
            return


def check_line(number: int, data: bytes, terminated: bool = True) -> Line | None:
    """One raw line (without its newline; ``terminated`` if it had one) checked on its own: a
    `Line` with its 40 fields or the reason it is rejected; None for a blank line (skipped)."""
    if len(data) + terminated > MAX_LINE_BYTES:
        return Line(number, None, "", f"line longer than {MAX_LINE_BYTES:,} bytes")
    try:
        text = data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raw = data.decode("utf-8", "replace").rstrip("\r\n")
        return Line(number, None, raw, f"not UTF-8 text (byte {exc.start})")
    if not text.strip():
        return None
    if "\x00" in text:
        return Line(number, None, text, f"holds a NUL byte (at character {text.index(chr(0)) + 1})")
    fields = split_fields(text)
    if len(fields) != N_COLUMNS:
        return Line(number, None, text, f"expected {N_COLUMNS} fields, found {len(fields):,}")
    problem = _cell_problem(fields)
    return Line(number, None if problem else fields, text, problem)


def _cell_problem(fields: list[str]) -> str | None:
    for name, value in zip(COLUMNS, fields, strict=True):
        if len(value) > MAX_CELL_CHARS:
            return f"{name} holds {len(value):,} characters, more than {MAX_CELL_CHARS:,}"
    return None


def read_chunks(path: Path, source: str, block_bytes: int = BLOCK_BYTES) -> Iterator[Chunk | Line]:
    """The export after a valid header, streamed: blocks of whole lines (`Chunk`), and each line
    too long to hold as a rejected `Line`. Line 1 is the header."""
    budget = max(EXPANSION_ALLOWANCE, MAX_EXPANSION * path.stat().st_size)
    try:
        with gzip.open(path, "rb") as fh:
            blocks = _blocks(fh, budget, source, block_bytes)
            header = b""
            for item in blocks:
                if isinstance(item, Line):
                    raise ExportError(located(source, f"the header line is longer than {MAX_LINE_BYTES:,} bytes",
                                              line=1))
                header, newline, rest = item.data.partition(b"\n")
                break
            if not header.strip():
                raise ExportError(f"{source} is empty: no header line")
            try:
                check_header(header.removeprefix(_BOM).decode("utf-8").rstrip("\r\n"), source)
            except UnicodeDecodeError:
                raise ExportError(located(source, "the header line is not UTF-8 text (binary?)",
                                          line=1)) from None
            if newline:
                yield Chunk(2, rest, item.terminated)
            yield from blocks
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise ExportError(f"{source} is not a readable gzip file ({type(exc).__name__}: "
                          f"{quote_input(exc)}); it stays in landing") from None
