"""Master data (`polio_metadata`): regions, campaigns, indicators and calculated indicators,
upserted by name from four CSV files. The names here are what mappings (`mappings`) and
data-entry values (`data_entry`) point at; every write serialises on the polio write lock and
appends to the change log (see `changes`).

A master or mapping file is read whole before anything is written (`read_csv`), and any problem
fails it with nothing written (`MasterDataError`, a `BadInput`): not UTF-8 text, empty, a header
alone, duplicate or missing columns, more than `MAX_COLUMNS` columns, a cell over
`MAX_CELL_CHARS`, a bad or implausible date, a duplicate key, an unknown parent or a cycle in the
region tree.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tributary import warehouse
from tributary.dates import parse_first
from tributary.errors import MAX_CELL_CHARS, MAX_COLUMNS, BadInput, located, quote_input
from tributary.inputs import InputFolder
from tributary.polio import changes

log = logging.getLogger(__name__)

KINDS = ("region", "campaign", "indicator")
#: kind → the raw table holding its master names
MASTER_TABLE = {"region": "raw_polio.region", "campaign": "raw_polio.campaign",
                "indicator": "raw_polio.indicator"}
DATA_FORMATS = ("int", "pct", "bool")
CALCULATIONS = ("PART_TO_BE_SUMMED", "NUMERATOR", "DENOMINATOR", "WHOLE_OF_DIFFERENCE",
                "PART_OF_DIFFERENCE")
#: Codes of the original system's first era, read as their current names.
CALCULATION_ALIASES = {"PART": "NUMERATOR", "WHOLE": "DENOMINATOR",
                       "WHOLE_OF_DIFFERENCE_DENOMINATOR": "WHOLE_OF_DIFFERENCE"}
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y")
#: Campaign dates outside these years are typos (2106 for 2016), not campaigns.
FIRST_YEAR = 1950
YEARS_AHEAD = 10
# Bytes no text file holds (C0 controls but tab, CR, LF; DEL).
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: file name → (raw table, columns, key)
MASTER_FILES = {
    "regions.csv": ("raw_polio.region", ["name", "parent", "region_type"], ["name"]),
    "campaigns.csv": ("raw_polio.campaign", ["name", "start_date", "end_date"], ["name"]),
    "indicators.csv": ("raw_polio.indicator", ["name", "data_format"], ["name"]),
    "calculated_indicators.csv": ("raw_polio.calculated_indicator_component",
                                  ["indicator", "component", "calculation"],
                                  ["indicator", "component", "calculation"]),
}
#: Columns a master file may have: loaded when present, left alone when absent.
OPTIONAL_COLUMNS = {"regions.csv": ["code"]}


class MasterDataError(BadInput):
    """Master data, a mapping or a data-entry value that cannot be accepted (nothing written;
    retrying cannot help)."""


@dataclass(frozen=True)
class MetadataResult:
    rows_in: dict[str, int]
    inserted: dict[str, int]
    updated: dict[str, int]

    def summary(self) -> str:
        return "; ".join(f"{name}: {self.rows_in[name]} rows, {self.inserted[name]} new, "
                         f"{self.updated[name]} updated" for name in self.rows_in)


def read_csv(path: Path, columns: list[str], optional: list[str] | None = None) -> list[tuple[int, dict[str, str]]]:
    """(line, row) for every non-blank row, a row holding ``columns`` (all required) and those of
    ``optional`` the header has. Raises `MasterDataError` for a file that is not a CSV of them."""
    data = path.read_bytes()
    if _BINARY.search(data):
        raise MasterDataError(f"{path.name}: not a text file (is it a spreadsheet saved in another format?)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MasterDataError(f"{path.name}: not UTF-8 text (byte {exc.start:,}); save it as UTF-8 CSV") from None
    reader = csv.reader(text.splitlines(keepends=True))
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        names = next(reader, None)
        if not names or not any(n.strip() for n in names):
            raise MasterDataError(f"{path.name}: the file is empty (no header row)")
        if len(names) > MAX_COLUMNS:
            raise MasterDataError(located(path.name, f"the header has {len(names):,} columns, more than "
                                                     f"{MAX_COLUMNS:,}", line=1))
        header: dict[str, int] = {}
        for position, name in enumerate(names):
            key = name.strip().lower()
            if key in header and key:
                raise MasterDataError(located(path.name, "duplicate column", line=1, cell=key))
            header[key] = position
        missing = [c for c in columns if c not in header]
        if missing:
            raise MasterDataError(f"{path.name}: missing column(s) {', '.join(missing)} "
                                  f"(header: {quote_input(', '.join(names))})")
        columns = columns + [c for c in optional or [] if c in header]
        for record in reader:
            if any(len(cell) > MAX_CELL_CHARS for cell in record):
                raise MasterDataError(located(path.name, f"a cell holds more than {MAX_CELL_CHARS:,} "
                                                         "characters", line=reader.line_num))
            row = {c: (record[header[c]] if header[c] < len(record) else "").strip() for c in columns}
            if any(row.values()):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        reason = (f"a cell holds more than {MAX_CELL_CHARS:,} characters" if "field limit" in str(exc)
                  else f"not readable as CSV: {exc}")
        raise MasterDataError(located(path.name, reason, line=reader.line_num)) from None
    if not rows:
        raise MasterDataError(f"{path.name}: no rows after the header")
    return rows


def _date(value: str, where: str) -> dt.date | None:
    if not value:
        return None
    read = parse_first(value, DATE_FORMATS)
    if read is None:
        raise MasterDataError(f"{where}: {quote_input(value, 60)!r} is not a date (YYYY-MM-DD)")
    last = dt.date.today().year + YEARS_AHEAD
    if not FIRST_YEAR <= read.year <= last:
        raise MasterDataError(f"{where}: {value!r} is not between {FIRST_YEAR} and {last}")
    return read.date()


def _clean_rows(name: str, rows: list[tuple[int, dict[str, str]]]) -> list[tuple]:
    problems: list[str] = []
    out: list[tuple] = []
    key_size = len(MASTER_FILES[name][2])
    first_line: dict[tuple, int] = {}
    for n, row in rows:
        where = f"{name} line {n}"
        try:
            if name == "regions.csv":
                code = (row["code"] or None,) if "code" in row else ()
                out.append((row["name"], row["parent"] or None, row["region_type"] or None, *code))
            elif name == "campaigns.csv":
                start, end = _date(row["start_date"], where), _date(row["end_date"], where)
                if start and end and end < start:
                    raise MasterDataError(f"{where}: end_date {end} is before start_date {start}")
                out.append((row["name"], start, end))
            elif name == "indicators.csv":
                fmt = row["data_format"].lower()
                if fmt not in DATA_FORMATS:
                    raise MasterDataError(f"{where}: data_format {row['data_format']!r} is not one "
                                          f"of {', '.join(DATA_FORMATS)}")
                out.append((row["name"], fmt))
            else:
                calc = row["calculation"].upper()
                calc = CALCULATION_ALIASES.get(calc, calc)
                if calc not in CALCULATIONS:
                    raise MasterDataError(f"{where}: calculation {row['calculation']!r} is not one "
                                          f"of {', '.join(CALCULATIONS)}")
                out.append((row["indicator"], row["component"], calc))
            if not out[-1][0]:
                raise MasterDataError(f"{where}: no name")
            key = out[-1][:key_size]
            if key in first_line:
                raise MasterDataError(f"{where}: {quote_input(' / '.join(map(str, key)), 100)!r} is "
                                      f"already on line {first_line[key]}")
            first_line[key] = n
        except MasterDataError as exc:
            problems.append(str(exc))
    if problems:
        raise MasterDataError("; ".join(problems[:10]))
    return out


def _check_references(conn: psycopg.Connection) -> None:
    """Every parent is a region, the tree has no cycle, and calculations name real indicators."""
    regions = dict(conn.execute("select name, parent from raw_polio.region").fetchall())
    unknown = sorted({p for p in regions.values() if p and p not in regions})
    if unknown:
        raise MasterDataError(f"regions.csv: parent(s) not defined as regions: {', '.join(unknown[:10])}")
    for start in regions:
        seen, node = set(), start
        while node is not None:
            if node in seen:
                raise MasterDataError(f"regions.csv: the region tree has a cycle through {start!r}")
            seen.add(node)
            node = regions.get(node)
    missing = conn.execute(
        "select distinct c.x from raw_polio.calculated_indicator_component cic "
        "cross join lateral (values (cic.indicator), (cic.component)) c(x) "
        "where not exists (select 1 from raw_polio.indicator i where i.name = c.x) order by 1"
    ).fetchall()
    if missing:
        raise MasterDataError("calculated_indicators.csv: unknown indicator(s): "
                              + ", ".join(r[0] for r in missing[:10]))


def load_metadata(folder: InputFolder | Path, *, url: str | None = None) -> MetadataResult:
    """Upsert master data by name from the CSV files present in ``folder`` (all in one transaction).

    ``folder`` is resolved by the caller (`tributary.inputs.resolve_input_folder` for a param; a
    Path is a folder the calling code chose); its files are read once, here."""
    if isinstance(folder, Path):
        folder = InputFolder.trusted(folder)
    elif not isinstance(folder, InputFolder):  # a param's string must pass the trust boundary first
        raise TypeError(f"load_metadata takes an InputFolder or a Path, not {type(folder).__name__}")
    with folder.local_path() as local:
        present = [name for name in MASTER_FILES if (local / name).is_file()]
        if not present:
            raise MasterDataError(f"{quote_input(folder.given)}: none of {', '.join(MASTER_FILES)} found")
        prepared, columns_of = {}, {}
        for name in present:
            table, columns, _key = MASTER_FILES[name]
            rows = read_csv(local / name, columns, OPTIONAL_COLUMNS.get(name))
            columns_of[name] = list(rows[0][1])
            prepared[name] = _clean_rows(name, rows)
    rows_in, inserted, updated = {}, {}, {}
    with warehouse.transaction(url) as conn:
        changes.lock_for_write(conn)
        for name in present:
            table, _columns, key = MASTER_FILES[name]
            result = warehouse.load(conn, table, columns_of[name], prepared[name], mode="upsert", key=key)
            rows_in[name], inserted[name], updated[name] = result.rows_in, result.inserted, result.updated
        _check_references(conn)
        if any(inserted.values()) or any(updated.values()):
            changes.log_changes(conn, [changes.master_change(", ".join(present))])
    result = MetadataResult(rows_in, inserted, updated)
    log.info("master data from %s: %s", folder.given, result.summary())
    return result
