"""Read a World Bank bilateral matrix (semicolon-separated, one header row) as a stream of cells.

Layout: the first header cell names both axes ("Destination country (across) - Source country
(down)"), the other header cells are the column countries; every data row starts with its row
country; numbers use thousands separators ("28,411"); the remittance file ends with footnote rows.

Decisions (documented in the README too):
- Country names are cleaned: commas removed, line breaks and runs of white space become one space,
  lower-cased, trimmed ("Korea,\\nRep." → "korea rep."): the key names match on. Beside it the
  name as written is kept for people (`name_as_written`: "Korea, Rep."). "world", "other north" and "other south"
  are aggregates.
- A blank cell means "no estimate": it yields no row (unlike "0", which is a published zero).
- A cell the publisher marks as not a plain count is a reject (line, column, text, reason), never
  read as 0: "not available" ("N/A", "..", "-"), a number with a footnote mark ("0*"), a
  negative number, a fraction in a whole-number matrix. Any other text where a number belongs
  ("abc", "1e3", "12,34") means the file is not what it seems: the load fails.
- The data block ends at the first row without any value (an empty row, "Notes:", a footnote
  sentence); that row and every row after it are footnotes: skipped and counted.
- A matrix is a whole (`MatrixError`, nothing loaded, with the line): every data row has one cell
  per header column (a row cut short fails the file), a header with a World column needs its
  World row (the total the format ends with), and a header alone is no matrix. So do a file that
  is not text, a header over `MAX_COLUMNS` columns and a cell over `MAX_CELL_CHARS`.

Memory: the file is read record by record, once; only the header and the set of row names are
kept.

Speed: `MatrixFile.value_rows` checks a whole row at once (one possessive regex over the row's
cells joined by newlines, C speed) and hands the row's texts on as Postgres reads them (thousands
separators dropped); only a row that fails that check is read cell by cell, which is where
rejects and errors are found and worded. So a clean 1M-cell matrix costs no Python work per cell.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from tributary.errors import MAX_CELL_CHARS, MAX_COLUMNS, BadInput, located

AGGREGATES = frozenset({"world", "other north", "other south"})
#: The total row and column of the World Bank matrices.
TOTAL = "world"
#: Cells the publisher writes for "no estimate here": rejects, not errors.
NOT_AVAILABLE = frozenset({"n/a", "na", "n.a.", "..", "...", "-", "\u2013", "\u2014", "x"})
#: A number with a footnote mark ("0*"): a reject.
_FOOTNOTED = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*[*\u2020\u2021]+")
_NEGATIVE = re.compile(r"-\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
#: The largest count a bigint column holds.
MAX_COUNT = (1 << 63) - 1
# Bytes no text export holds (C0 controls but tab, CR, LF).
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")

_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
# A whole row of plain cells (each blank or a number as `_NUMBER` reads it), the cells joined by
# newlines. Possessive quantifiers: no backtracking, so the check runs at C speed; a row it
# refuses is read cell by cell, which words the reject or the error.
_WHOLE_ROW = re.compile(r"(?:\d{1,3}(?:,\d{3})++|\d++)?+(?:\n(?:\d{1,3}(?:,\d{3})++|\d++)?+)*+")
_DECIMAL_ROW = re.compile(r"(?:(?:\d{1,3}(?:,\d{3})++|\d++)(?:\.\d++)?+)?+"
                          r"(?:\n(?:(?:\d{1,3}(?:,\d{3})++|\d++)(?:\.\d++)?+)?+)*+")
#: Longer digit strings may exceed a bigint: checked cell by cell.
_SAFE_DIGITS = len(str(MAX_COUNT)) - 1
_SPACE = re.compile(r"\s+")
_AXES = re.compile(r"^(?P<across>.*?)\(across\)\s*-?\s*(?P<down>.*?)\(down\)", re.IGNORECASE | re.DOTALL)


class MatrixError(BadInput):
    """The file is not a matrix this parser can read (structural problem: the load must fail)."""


def clean_name(raw: str) -> str:
    """A country name as stored: no commas or line breaks, single spaces, lower case, trimmed."""
    return _SPACE.sub(" ", raw.replace(",", "")).strip().lower()


def name_as_written(raw: str) -> str:
    """A country name as the source wrote it, for people: line breaks and runs of white space
    become one space, trimmed (``"Korea,\nRep."`` → ``"Korea, Rep."``)."""
    return _SPACE.sub(" ", raw).strip()


def is_aggregate(name: str) -> bool:
    return name in AGGREGATES


@dataclass(frozen=True)
class CellReject:
    """A cell (or a whole row, ``column_number`` 0) that could not be read."""

    line_number: int
    column_number: int
    row_label: str
    column_label: str
    text: str
    reason: str


@dataclass
class MatrixStats:
    """What one pass over the cells saw."""

    data_rows: int = 0
    values: int = 0
    blanks: int = 0
    footnote_rows: int = 0
    rejects: int = 0
    first_footnote_line: int | None = None


@dataclass(frozen=True)
class Axes:
    """The axis names the header's first cell gives (lower case), e.g. destination / source."""

    across: str
    down: str


@dataclass
class Header:
    corner: str
    columns: list[str | None]  # cleaned names; None for an empty header cell
    axes: Axes | None = field(default=None)


def detect_encoding(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """``utf-8-sig`` when the whole file decodes as UTF-8, else ``cp1252`` (older exports);
    `MatrixError` for a file that is not text (control bytes: a spreadsheet, an archive).

    Decodes incrementally, so memory stays flat in the file size.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_bytes):
            if _BINARY.search(chunk):
                raise _not_text(path)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return "utf-8-sig" if utf8 else "cp1252"


def _not_text(path: Path) -> MatrixError:
    return MatrixError(f"{path.name}: not a text file in UTF-8 or Windows-1252; a matrix is a "
                       "semicolon-separated CSV export (is it a spreadsheet or an archive?)")


def parse_axes(corner: str) -> Axes | None:
    match = _AXES.search(_SPACE.sub(" ", corner))
    if not match:
        return None
    return Axes(match["across"].strip(" -").lower(), match["down"].strip(" -").lower())


def parse_value(text: str, *, whole_numbers: bool) -> int | Decimal:
    """``"28,411"`` → 28411; raises ValueError with the reason for anything else."""
    if text.isascii() and text.isdigit():  # most cells: a plain count, no separators
        return int(text)
    stripped = text.replace("\xa0", " ").strip()
    if not _NUMBER.fullmatch(stripped):
        raise ValueError("not a non-negative number")
    digits = stripped.replace(",", "")
    if "." in digits:
        if whole_numbers:
            value = Decimal(digits)
            if value != value.to_integral_value():
                raise ValueError("not a whole number")
            return int(value)
        return Decimal(digits)
    return int(digits)


def _blank(text: str) -> bool:
    return not text.replace("\xa0", " ").strip()


@dataclass(frozen=True)
class _Record:
    line_number: int  # first physical line of the record (a quoted cell can span lines)
    cells: list[str]


class MatrixFile:
    """One matrix file. ``value_rows()`` and ``cells()`` each stream through the file once."""

    def __init__(self, path: Path | str, *, whole_numbers: bool = False) -> None:
        self.path = Path(path)
        self.whole_numbers = whole_numbers
        self.encoding = detect_encoding(self.path)
        self.header = self._read_header()
        self._column_set = frozenset(c for c in self.header.columns if c)
        #: cleaned name -> the name as the file wrote it: the header's, then each data row's as
        #: `value_rows` reads it (a name in both keeps the header's)
        self.names_as_written: dict[str, str] = {}
        for name, raw in zip(self.header.columns, self._header_cells[1:], strict=True):
            if name:
                self.names_as_written[name] = name_as_written(raw)

    # -- reading ---------------------------------------------------------------------------

    def _records(self) -> Iterator[_Record]:
        with open(self.path, encoding=self.encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=";", quotechar='"', strict=False)
            previous_line = 0
            try:
                for cells in reader:
                    if max(map(len, cells), default=0) > MAX_CELL_CHARS:
                        raise csv.Error("field limit")
                    yield _Record(previous_line + 1, cells)
                    previous_line = reader.line_num
            except csv.Error as exc:
                reason = (f"a cell holds more than {MAX_CELL_CHARS:,} characters"
                          if "field limit" in str(exc) else f"not readable as CSV: {exc}")
                raise MatrixError(located(self.path.name, reason, line=previous_line + 1)) from None
            except UnicodeDecodeError:  # cp1252 leaves five bytes undefined
                raise _not_text(self.path) from None

    def _read_header(self) -> Header:
        first = next(self._records(), None)
        if first is None or len(first.cells) < 2:
            raise MatrixError(f"{self.path.name}: no header row with country columns "
                              "(a matrix is semicolon-separated)")
        if len(first.cells) > MAX_COLUMNS:
            raise MatrixError(located(self.path.name, f"the header has {len(first.cells):,} columns, "
                                                      f"more than {MAX_COLUMNS:,}", line=1))
        columns = [clean_name(c) or None for c in first.cells[1:]]
        seen: dict[str, int] = {}
        for index, name in enumerate(columns, start=2):
            if name is None:
                continue
            if name in seen:
                raise MatrixError(located(
                    self.path.name, f"header columns {seen[name]} and {index} are both", line=1,
                    value=name))
            seen[name] = index
        if not seen:
            raise MatrixError(f"{self.path.name}: the header names no countries")
        self._header_cells = first.cells
        return Header(first.cells[0].strip(), columns, parse_axes(first.cells[0]))

    def _data_records(self, stats: MatrixStats | None = None) -> Iterator[_Record]:
        """Records of the data block; the rest (from the first row without values) is counted."""
        records = self._records()
        next(records)  # header
        in_trailer = False
        width = len(self.header.columns) + 1
        for record in records:
            label_known = clean_name(record.cells[0]) in self._column_set if record.cells else False
            has_values = any(not _blank(c) for c in record.cells[1:])
            if not in_trailer and (has_values or label_known):
                if len(record.cells) != width:
                    raise MatrixError(located(
                        self.path.name, f"{len(record.cells):,} cells, the header has {width:,}: "
                        "every row of a matrix has one cell per column (is the file cut short?)",
                        line=record.line_number, value=";".join(record.cells)))
                yield record
                continue
            in_trailer = True
            if stats is not None:
                stats.footnote_rows += 1
                if stats.first_footnote_line is None:
                    stats.first_footnote_line = record.line_number

    # -- public ----------------------------------------------------------------------------

    def value_rows(
        self, on_reject: Callable[[CellReject], None], stats: MatrixStats | None = None
    ) -> Iterator[tuple[str, list[str]]]:
        """(row country, one text per header column) for every data row with a country name:
        each text is the cell's value as Postgres reads it (``"28,411"`` → ``"28411"``), or
        ``""`` where the row has no value (a blank or a rejected cell).

        One pass over the file. A file that is not a whole matrix raises `MatrixError` where the
        problem shows: a row of another width, or unreadable text, on its line; no data row, or
        no World row under a World column, after the last row."""
        stats = stats if stats is not None else MatrixStats()
        seen_rows: dict[str, int] = {}
        plain_row = _WHOLE_ROW if self.whole_numbers else _DECIMAL_ROW
        # a value under a nameless column is a reject: such a header is read cell by cell
        every_column_named = None not in self.header.columns

        def reject(record: _Record, column: int, column_label: str, text: str, reason: str) -> None:
            stats.rejects += 1
            on_reject(CellReject(record.line_number, column, clean_name(record.cells[0]),
                                 column_label, text, reason))

        labels: set[str] = set()  # of every data row, rejected or not
        for record in self._data_records(stats):
            label = clean_name(record.cells[0])
            labels.add(label)
            if not label:
                reject(record, 0, "", ";".join(record.cells)[:500], "row has values but no country name")
                continue
            if label in seen_rows:
                reject(record, 0, "", record.cells[0],
                       f"duplicate row for {label!r} (first on line {seen_rows[label]})")
                continue
            seen_rows[label] = record.line_number
            self.names_as_written.setdefault(label, name_as_written(record.cells[0]))
            stats.data_rows += 1
            values = record.cells[1:]
            joined = "\n".join(values)
            if every_column_named and plain_row.fullmatch(joined):
                if "," in joined:
                    values = joined.replace(",", "").split("\n")
                if not self.whole_numbers or max(map(len, values)) <= _SAFE_DIGITS:
                    blanks = values.count("")
                    stats.blanks += blanks
                    stats.values += len(values) - blanks
                    yield label, values
                    continue
            yield label, self._read_row(record, reject, stats)
        # A file that is not a whole matrix fails once read to the end; the caller's transaction
        # then stores nothing of it.
        if not labels:
            raise MatrixError(f"{self.path.name}: no data rows after the header")
        if TOTAL in self._column_set and TOTAL not in labels:
            raise MatrixError(f"{self.path.name}: the header has a World column but no row is World "
                              "(the total the matrix ends with): is the file cut short?")

    def _read_row(self, record: _Record, reject: Callable[..., None],
                  stats: MatrixStats) -> list[str]:
        """One row cell by cell: the texts `value_rows` yields, rejects reported, errors raised."""
        columns = self.header.columns
        texts: list[str] = []
        for index, text in enumerate(record.cells[1:]):
            texts.append("")
            column_number = index + 2  # 1-based, the row name is column 1
            if not text or _blank(text):
                stats.blanks += 1
                continue
            column = columns[index] if index < len(columns) else None
            if column is None:
                reject(record, column_number, "", text, "value in a column without a country name")
                continue
            try:
                value = parse_value(text, whole_numbers=self.whole_numbers)
            except ValueError as exc:
                reason = reject_reason(text, str(exc))
                if reason is None:
                    raise MatrixError(located(
                        self.path.name, f"column {column_number} ({column}): not a number",
                        line=record.line_number, value=text)) from None
                reject(record, column_number, column, text, reason)
                continue
            if self.whole_numbers and value > MAX_COUNT:
                raise MatrixError(located(self.path.name, f"column {column_number} ({column}): "
                                          "larger than any count", line=record.line_number,
                                          value=text))
            stats.values += 1
            texts[-1] = str(value)
        return texts

    def cells(
        self, on_reject: Callable[[CellReject], None], stats: MatrixStats | None = None
    ) -> Iterator[tuple[str, str, int | Decimal]]:
        """(row country, column country, value) for every non-blank, readable cell."""
        columns = self.header.columns
        for label, texts in self.value_rows(on_reject, stats):
            for column, text in zip(columns, texts, strict=True):
                if text:
                    yield label, column, Decimal(text) if "." in text else int(text)


def reject_reason(text: str, problem: str) -> str | None:
    """Why an unreadable cell is a documented reject, or None when it is not one (the file
    then fails): see the module doc."""
    stripped = text.replace("\xa0", " ").strip()
    if stripped.lower() in NOT_AVAILABLE:
        return "not available"
    if _FOOTNOTED.fullmatch(stripped):
        return "a number with a footnote mark"
    if _NEGATIVE.fullmatch(stripped):
        return "a negative number"
    if problem == "not a whole number":
        return problem
    return None
