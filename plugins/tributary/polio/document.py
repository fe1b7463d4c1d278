"""Reading a polio document (one CSV file) into facts, streaming.

A document is either *long* (campaign, region, indicator, value columns) or *wide* (campaign,
region, then one column per indicator). Headers match case- and space-insensitively; CR, LF and
CRLF line endings all work; UTF-8 (with or without BOM) and latin-1 are accepted. A problem with
the document as a whole raises `DocumentError` naming it; a ragged row, or one with a cell over
`MAX_CELL_CHARS`, becomes a `Reject` with its line number while the other rows go on. Cells are
kept as written (the dbt staging model trims the strings), so a fact reads the same whichever
loader stored it (see `bulk`).

Whole-document errors (nothing of it is loaded): not text, empty, a header over `MAX_COLUMNS`
columns or with a cell over `MAX_CELL_CHARS`, duplicate or missing columns, a quote that opens
and never closes (named by the line it opens on), and no facts at all. Messages quote at most
`QUOTE_CHARS` characters of the document.

The functions here take a local file: the one copy `ingest` opened for the task's `InputFile`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import itertools
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from tributary.errors import MAX_CELL_CHARS, MAX_COLUMNS, BadInput, located, quote_input
from tributary.warehouse import Reject

CHUNK_BYTES = 1 << 20
# Bytes that never occur in a latin-1 text document (C0 controls but tab/CR/LF, DEL, C1 controls).
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NUL = b"\x00"
#: Read after the last line of a document: a row of its own when every quote closed, the end
#: of the last cell when one did not (characters no text holds, so it cannot be in a document).
_END = "\ufdd0end of document\ufdd0"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: The reason of a row with a cell over the limit, whichever reader noticed it.
LONG_CELL = f"a cell holds more than {MAX_CELL_CHARS:,} characters"


class DocumentError(BadInput):
    """The document cannot be read as a whole; nothing of it is loaded (and retrying cannot help)."""


#: One fact: (row_number, campaign_string, region_string, indicator_string, value_string).
#: A plain tuple, because millions of them pass through the loader.
Fact = tuple[int, str, str, str, str]


@dataclass(frozen=True)
class Scan:
    """What one pass over the bytes tells: checksum, the encoding to decode with, and where
    records end (for loading a document in several streams)."""

    checksum: str
    encoding: str
    size: int
    #: newline bytes in the file
    lines: int
    #: (byte offset just after a newline that ends a record, newlines before that offset): the
    #: first record end at or after each offset asked for, in order; None where there is none
    record_ends: list[tuple[int, int] | None]
    #: some line is longer than `MAX_CELL_CHARS` bytes (so a cell may be; `bulk` leaves such a
    #: document to the row-by-row reader, which checks every cell)
    long_line: bool = False


@dataclass(frozen=True)
class ReadingParams:
    """How a document is read. A document is its bytes *and* these: the same bytes read with
    other columns are another document."""

    region_column: str = "region"
    campaign_column: str = "campaign"
    #: sorted, without repeats: the order they were given in does not change the reading
    ignore_columns: tuple[str, ...] = ()

    @classmethod
    def of(cls, region_column: str | None = None, campaign_column: str | None = None,
           ignore_columns: Sequence[str] | None = None) -> ReadingParams:
        """Params as a run gives them (None or blank for the default), normalised."""
        return cls(region_column or cls.region_column, campaign_column or cls.campaign_column,
                   tuple(sorted(set(ignore_columns or ()))))

    def as_json(self) -> str:
        """The stored form (raw_polio.document.reading)."""
        return json.dumps({"region_column": self.region_column, "campaign_column": self.campaign_column,
                           "ignore_columns": list(self.ignore_columns)})


def header_key(name: str) -> str:
    """Header comparison key: case-insensitive, whitespace-insensitive."""
    return "".join(name.split()).casefold()


def scan(path: Path, split_at: Sequence[int] = (0,)) -> Scan:
    """sha256 of the content, its encoding (utf-8-sig, else latin-1) and the record ends at or after
    each offset of ``split_at`` (ascending), in one streaming pass.

    A newline ends a record when the quotes before it are balanced: CSV doubles a quote inside a
    quoted field, so the parity of the count of quote bytes says whether a newline is quoted."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    size = lines = quotes = 0
    since_newline = 0  # bytes since the last newline, carried across chunks
    long_line = False
    pending = list(split_at)
    found: list[tuple[int, int] | None] = []
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            if _NUL in chunk:
                raise _not_text(path)
            # ASCII needs no decoding, unless a multi-byte character is cut at the chunk border
            if utf8 and (not chunk.isascii() or decoder.getstate()[0]):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            while pending and pending[0] < size + len(chunk):
                at = _record_end(chunk, max(0, pending[0] - size), quotes)
                if at is None:  # not in this chunk: look from the start of the next one
                    pending[0] = size + len(chunk)
                    break
                found.append((size + at, lines + chunk.count(b"\n", 0, at)))
                pending.pop(0)
            if not long_line:
                long_line, since_newline = _long_line(chunk, since_newline)
            lines += chunk.count(b"\n")
            quotes += chunk.count(b'"')
            size += len(chunk)
    found += [None] * len(pending)
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if utf8:
        encoding = "utf-8-sig"
    elif _latin1_text(path):
        encoding = "latin-1"
    else:
        raise _not_text(path)
    return Scan(digest.hexdigest(), encoding, size, lines, found, long_line)


def _long_line(chunk: bytes, carried: int) -> tuple[bool, int]:
    """Whether ``chunk`` (``carried`` bytes after the last newline before it) holds a line over
    `MAX_CELL_CHARS` bytes, and the bytes after its own last newline. Jumps from newline to the
    last newline within the limit, so a chunk of short lines costs a few dozen searches."""
    limit = MAX_CELL_CHARS
    at = 0  # a line start: the chunk start (carrying ``carried``) or just after a newline
    while True:
        reach = limit - carried + 1  # a newline must come within this many bytes of ``at``
        if at + reach > len(chunk):
            tail = len(chunk) - at
            last = chunk.rfind(b"\n", at)
            return False, (carried + tail if last < 0 else len(chunk) - last - 1)
        last = chunk.rfind(b"\n", at, at + reach)
        if last < 0:
            return True, 0
        at, carried = last + 1, 0


def _record_end(chunk: bytes, start: int, quotes_before: int) -> int | None:
    """Offset just after the first newline at or after ``start`` in ``chunk`` with balanced
    quotes before it (``quotes_before`` counts the quotes before the chunk)."""
    parity = (quotes_before + chunk.count(b'"', 0, start)) % 2
    while (newline := chunk.find(b"\n", start)) >= 0:
        parity = (parity + chunk.count(b'"', start, newline)) % 2
        if parity == 0:
            return newline + 1
        start = newline + 1
    return None


def _latin1_text(path: Path) -> bool:
    """No byte of the file is one a latin-1 text never holds (C0/C1 controls but tab, CR, LF)."""
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            if _BINARY.search(chunk):
                return False
    return True


def _not_text(path: Path) -> DocumentError:
    return DocumentError(
        f"{path.name}: the file is not text in a supported encoding (UTF-8 or latin-1); "
        "is it a spreadsheet saved in another format?"
    )


@dataclass
class Layout:
    """Which columns hold what, decided from the header."""

    kind: str  # "long" | "wide"
    width: int
    campaign: int
    region: int
    indicator: int | None = None
    value: int | None = None
    indicators: list[tuple[int, str]] = field(default_factory=list)


def read_layout(header: Sequence[str], *, file_name: str, region_column: str,
                campaign_column: str, ignore_columns: Sequence[str] = ()) -> Layout:
    """Decide the layout from the header row; raise DocumentError on a header that cannot work."""
    if len(header) > MAX_COLUMNS:
        raise DocumentError(located(file_name, f"the header has {len(header):,} columns, more than "
                                               f"{MAX_COLUMNS:,}", line=1))
    longest = max(header, key=len)
    if len(longest) > MAX_CELL_CHARS:
        raise DocumentError(located(file_name, f"a header cell holds {len(longest):,} characters, "
                                               f"more than {MAX_CELL_CHARS:,}", line=1, value=longest))
    keys = [header_key(h) for h in header]
    seen: dict[str, str] = {}
    for original, key in zip(header, keys, strict=True):
        if key and key in seen:
            raise DocumentError(
                f"{file_name}: duplicate header {quote_input(original.strip(), 100)!r} "
                f"(also {quote_input(seen[key].strip(), 100)!r}); each column needs its own name"
            )
        seen[key] = original
    position = {key: i for i, key in enumerate(keys) if key}
    wanted = {"region": region_column, "campaign": campaign_column}
    found = {}
    for role, column in wanted.items():
        if header_key(column) not in position:
            raise DocumentError(
                f"{file_name}: no {role} column {quote_input(column, 100)!r} in the header "
                f"({quote_input(', '.join(h.strip() for h in header))}); "
                f"set {role}_column to the right name"
            )
        found[role] = position[header_key(column)]
    ignored = {header_key(c) for c in ignore_columns}
    rest = [(i, header[i].strip()) for i, key in enumerate(keys)
            if key and i not in found.values() and key not in ignored]
    rest_keys = {header_key(name) for _, name in rest}
    if rest_keys == {"indicator", "value"}:
        return Layout("long", len(header), found["campaign"], found["region"],
                      indicator=position["indicator"], value=position["value"])
    if not rest:
        raise DocumentError(f"{file_name}: no indicator columns besides region and campaign")
    return Layout("wide", len(header), found["campaign"], found["region"], indicators=rest)


@dataclass
class Reading:
    """The facts of a document (an iterator) and, once it is consumed, its rejects."""

    layout: Layout
    facts: Iterator[Fact]
    rejects: list[Reject] = field(default_factory=list)
    #: the line the header ends on (after any blank lines before it)
    header_line: int = 1
    handle: TextIO | None = None

    def close(self) -> None:
        """Close the file without reading the facts."""
        if self.handle is not None:
            self.handle.close()


def read(path: Path, *, encoding: str, region_column: str = "region",
         campaign_column: str = "campaign", ignore_columns: Sequence[str] = ()) -> Reading:
    """Open the document and check its header now; facts stream when iterated."""
    handle = open(path, encoding=encoding, newline="")  # noqa: SIM115 (closed by the generator)
    reader = csv.reader(itertools.chain(handle, [_END]))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)  # leading blank lines
        if header is None or header == [_END]:
            raise DocumentError(f"{path.name}: the file is empty (no header row)")
        if header[-1].endswith(_END):
            raise DocumentError(located(path.name, "a quote opens here and never closes", line=1))
        layout = read_layout(header, file_name=path.name, region_column=region_column,
                             campaign_column=campaign_column, ignore_columns=ignore_columns)
    except (DocumentError, csv.Error) as exc:
        handle.close()
        if isinstance(exc, csv.Error):
            raise DocumentError(f"{path.name}: cannot read the header: {exc}") from exc
        raise
    reading = Reading(layout, iter(()), header_line=reader.line_num, handle=handle)
    reading.facts = _facts(handle, reader, layout, reading.rejects, path.name)
    return reading


def _facts(handle, reader, layout: Layout, rejects: list[Reject], name: str) -> Iterator[Fact]:
    """The facts, row by row. The reader ends on `_END`: as a row of its own when every quote
    closed; inside the last cell when a quote never closed, which fails the document (its rows
    so far were yielded, so the caller's transaction must roll back: it does, on the error)."""
    width, c_pos, r_pos = layout.width, layout.campaign, layout.region
    indicator_pos, value_pos = layout.indicator, layout.value
    long = layout.kind == "long"
    row: list[str] = []
    try:
        while True:
            try:
                # A plain `for` keeps millions of well-formed rows in the cheap path; the loop is
                # left only for a row of another width (blank, ragged, the end), one with a cell
                # over the limit, or an unreadable one.
                for row in reader:
                    if len(row) != width or max(map(len, row)) > MAX_CELL_CHARS:
                        break
                    if long:
                        yield (reader.line_num, row[c_pos], row[r_pos], row[indicator_pos],
                               row[value_pos])
                    else:
                        campaign, region, line = row[c_pos], row[r_pos], reader.line_num
                        for pos, indicator in layout.indicators:
                            yield (line, campaign, region, indicator, row[pos])
                else:  # `_END` ended a row of the right width: its quote never closed
                    raise _unclosed(name, row, reader.line_num)
            except csv.Error as exc:  # a cell over the csv module's own limit (NUL never gets here)
                reason = LONG_CELL if "field limit" in str(exc) else f"unreadable row: {exc}"
                rejects.append(Reject(reader.line_num, reason, None))
                continue
            if row == [_END]:
                return
            if row and row[-1].endswith(_END):
                raise _unclosed(name, row, reader.line_num)
            if len(row) == width:
                rejects.append(Reject(reader.line_num, LONG_CELL, ",".join(row)[:1000]))
            elif any(cell.strip() for cell in row):  # a blank line is skipped silently
                rejects.append(Reject(reader.line_num, f"ragged row: {len(row)} cells, header has {width}",
                                      ",".join(row)[:1000]))
    finally:
        handle.close()


def _unclosed(name: str, row: list[str], end_line: int) -> DocumentError:
    """The error for a record that ran into `_END`: a quote in it never closed. It names the
    line the quote opened on: the record's first line plus the line breaks in its cells before
    the last one (the one the quote opened)."""
    last = row[-1][: -len(_END)]
    breaks = sum(len(_LINE_BREAK.findall(cell)) for cell in row)
    # `_END` is a line of its own when the document ends in a line break, else it ends the last line
    first = end_line - breaks - (0 if last.endswith(("\n", "\r")) else 1)
    opened = first + sum(len(_LINE_BREAK.findall(cell)) for cell in row[:-1])
    return DocumentError(located(name, "a quote opens here and never closes, so every line after it "
                                       "would be one cell; close or remove it", line=opened))
