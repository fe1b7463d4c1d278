"""Reading a polio document (one CSV file) into facts, streaming.

A document is either *long* (campaign, region, indicator, value columns) or *wide* (campaign,
region, then one column per indicator). Headers match case- and space-insensitively; CR, LF and
CRLF line endings all work; UTF-8 (with or without BOM) and latin-1 are accepted. A problem with
the document as a whole raises `DocumentError` naming it; a ragged row becomes a `Reject` with
its line number while the other rows go on. Cells are kept as written (the dbt staging model
trims the strings), so a fact reads the same whichever loader stored it (see `bulk`).

The functions here take a local file: the one copy `ingest` opened for the task's `InputFile`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from tributary.errors import BadInput
from tributary.warehouse import Reject

CHUNK_BYTES = 1 << 20
# Bytes that never occur in a latin-1 text document (C0 controls but tab/CR/LF, DEL, C1 controls).
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NUL = b"\x00"


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
    return Scan(digest.hexdigest(), encoding, size, lines, found)


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
    keys = [header_key(h) for h in header]
    seen: dict[str, str] = {}
    for original, key in zip(header, keys, strict=True):
        if key and key in seen:
            raise DocumentError(
                f"{file_name}: duplicate header {original.strip()!r} "
                f"(also {seen[key].strip()!r}); each column needs its own name"
            )
        seen[key] = original
    position = {key: i for i, key in enumerate(keys) if key}
    wanted = {"region": region_column, "campaign": campaign_column}
    found = {}
    for role, column in wanted.items():
        if header_key(column) not in position:
            raise DocumentError(
                f"{file_name}: no {role} column {column!r} in the header "
                f"({', '.join(h.strip() for h in header)}); set {role}_column to the right name"
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
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)  # leading blank lines
        if header is None:
            raise DocumentError(f"{path.name}: the file is empty (no header row)")
        layout = read_layout(header, file_name=path.name, region_column=region_column,
                             campaign_column=campaign_column, ignore_columns=ignore_columns)
    except (DocumentError, csv.Error) as exc:
        handle.close()
        if isinstance(exc, csv.Error):
            raise DocumentError(f"{path.name}: cannot read the header: {exc}") from exc
        raise
    reading = Reading(layout, iter(()), header_line=reader.line_num, handle=handle)
    reading.facts = _facts(handle, reader, layout, reading.rejects)
    return reading


def _facts(handle, reader, layout: Layout, rejects: list[Reject]) -> Iterator[Fact]:
    width, c_pos, r_pos = layout.width, layout.campaign, layout.region
    indicator_pos, value_pos = layout.indicator, layout.value
    long = layout.kind == "long"
    try:
        while True:
            try:
                # A plain `for` keeps millions of well-formed rows in the cheap path; the loop is
                # left only for a row of another width (blank or ragged) or an unreadable one.
                for row in reader:
                    if len(row) != width:
                        break
                    if long:
                        yield (reader.line_num, row[c_pos], row[r_pos], row[indicator_pos],
                               row[value_pos])
                    else:
                        campaign, region, line = row[c_pos], row[r_pos], reader.line_num
                        for pos, name in layout.indicators:
                            yield (line, campaign, region, name, row[pos])
                else:
                    return
            except csv.Error as exc:  # e.g. an unterminated quote
                rejects.append(Reject(reader.line_num, f"unreadable row: {exc}", None))
                continue
            if any(cell.strip() for cell in row):  # a blank line is skipped silently
                rejects.append(Reject(reader.line_num, f"ragged row: {len(row)} cells, header has {width}",
                                      ",".join(row)[:1000]))
    finally:
        handle.close()
