"""Column-wise cleaning of many export rows at once (pyarrow.compute, no per-line Python).

This is the fast path of `clean.py`: it types what it can vouch for and marks every row it
cannot (``undecided``) for the line-by-line path, which accepts or rejects it with its reason.
So a value takes this path only in spellings where Arrow and Python agree exactly: times as
``YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]`` (naive = UTC; offsets and other ISO forms go line by line),
numbers as plain decimals; an impossible date such as Feb 30 fails Arrow's cast like Python's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tributary.app_events.layout import (
    COLUMNS,
    DELIMITER,
    EXTRA_TIME_COLUMNS,
    FLOAT_COLUMNS,
    NULL_TOKENS,
    TIME_COLUMNS,
)
from tributary.errors import MAX_CELL_CHARS

TIMESTAMP = pa.timestamp("us", tz="UTC")
_NULL_SET = pa.array(sorted(NULL_TOKENS))
_LONGEST_NULL = max(len(token) for token in NULL_TOKENS)
_TIME = r"^[12]\d{3}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$"
_NUMBER = r"^-?\d{1,17}(\.\d{1,17})?$"
_READ = pacsv.ParseOptions(delimiter=DELIMITER, quote_char=False, double_quote=False,
                           escape_char=False, newlines_in_values=False, ignore_empty_lines=False)
_CONVERT = pacsv.ConvertOptions(column_types=dict.fromkeys(COLUMNS, pa.string()),
                                strings_can_be_null=False, check_utf8=False)


def parse_rows(lines: bytes, longest: int) -> pa.Table:
    """The 40 string columns of ``lines``: UTF-8, ``\\n``-separated, each with exactly 39
    delimiters and no ``\\r`` (the caller checked; a pipe-delimited export has no quoting)."""
    # One thread: on a shared machine it costs the least CPU per row (measured).
    options = pacsv.ReadOptions(column_names=list(COLUMNS), use_threads=False,
                                block_size=max(1 << 20, 2 * longest + 2))
    return pacsv.read_csv(pa.py_buffer(lines), read_options=options, parse_options=_READ,
                          convert_options=_CONVERT)


@dataclass
class Typed:
    """Typed columns by name, and the rows the line-by-line path must decide."""

    columns: dict[str, pa.Array]
    undecided: np.ndarray


def _mask(values: pa.Array) -> np.ndarray:
    return values.fill_null(False).to_numpy(zero_copy_only=False)


def _cast(values: pa.Array, pattern: str, to: pa.DataType, undecided: np.ndarray) -> pa.Array:
    """``values`` cast to ``to`` where they match ``pattern``; any other non-null value marks its
    row undecided. A matching value the cast refuses (Feb 30) is found one by one: rare."""
    matches = pc.match_substring_regex(values, pattern)
    undecided |= _mask(pc.invert(matches))
    values = pc.if_else(matches, values, pa.scalar(None, pa.string()))
    try:
        return values.cast(to)
    except pa.ArrowInvalid:
        bad = np.zeros(len(values), dtype=bool)
        for i, value in enumerate(values.to_pylist()):
            if value is not None:
                try:
                    pa.scalar(value).cast(to)
                except pa.ArrowInvalid:
                    bad[i] = True
        undecided |= bad
        return pc.if_else(pa.array(bad), pa.scalar(None, pa.string()), values).cast(to)


def type_columns(table: pa.Table, latest: dt.datetime) -> Typed:
    """Nulls for the export's null spellings, times as UTC timestamps, coordinates as floats.
    Undecided: a cell longer than 64 KB in bytes (the line path counts characters), a time or
    number in another spelling, a missing `event_time` or one later than ``latest``."""
    undecided = np.zeros(table.num_rows, dtype=bool)
    typed: dict[str, pa.Array] = {}
    for name in COLUMNS:
        values = table.column(name).combine_chunks()
        lengths = pc.binary_length(values)
        shortest, longest = pc.min_max(lengths).values()
        if (longest.as_py() or 0) > MAX_CELL_CHARS:
            undecided |= _mask(pc.greater(lengths, MAX_CELL_CHARS))
        if (shortest.as_py() or 0) <= _LONGEST_NULL:  # else no cell can be a null spelling
            nulls = pc.is_in(values, value_set=_NULL_SET)
            if pc.any(nulls).as_py():
                values = pc.if_else(nulls, pa.scalar(None, pa.string()), values)
        if name in TIME_COLUMNS or name in EXTRA_TIME_COLUMNS:
            values = _cast(values, _TIME, pa.timestamp("us"), undecided).cast(TIMESTAMP)
        elif name in FLOAT_COLUMNS:
            values = _cast(values, _NUMBER, pa.float64(), undecided)
        typed[name] = values
    event_time = typed["event_time"]
    undecided |= _mask(pc.is_null(event_time))
    undecided |= _mask(pc.greater(event_time, pa.scalar(latest, TIMESTAMP)))
    return Typed(typed, undecided)
