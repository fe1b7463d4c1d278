"""Clean one day's export into Parquet: typed events, long properties and the by-mdn table.

The export is read a block at a time (`export.BLOCK_BYTES` of text, one Parquet row group per
block, so memory stays flat in the file size) and each block is cleaned column-wise: `columns`
types the cells, `properties.flatten_many` splits the JSON. The few lines that fast path cannot
vouch for (a ragged line, a pipe inside the JSON, a time with an offset, anything to reject)
go through the line-by-line rules here (`clean_fields`, `split_properties`), which give each
reject its reason; both paths yield the same rows. Times are parsed to UTC, ids stay strings
(``"00123"`` keeps its zeros), empty fields and the null spellings become nulls.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tributary.app_events import columns
from tributary.app_events.export import (
    BLOCK_BYTES,
    Chunk,
    ExportError,
    Line,
    check_line,
    read_chunks,
)
from tributary.app_events.layout import (
    COLUMNS,
    DELIMITER,
    EXTRA_TIME_COLUMNS,
    FLOAT_COLUMNS,
    N_COLUMNS,
    NULL_TOKENS,
    TIME_COLUMNS,
)
from tributary.app_events.properties import PropertyError, flatten_many, split_properties
from tributary.errors import BadInput, quote_input, reject_raw

UTC = dt.UTC
_TS = pa.timestamp("us", tz="UTC")


def _column_type(name: str) -> pa.DataType:
    if name in TIME_COLUMNS or name in EXTRA_TIME_COLUMNS:
        return _TS
    if name in FLOAT_COLUMNS:
        return pa.float64()
    return pa.string()


EVENT_SCHEMA = pa.schema(
    [("event_date", pa.date32()), ("line_number", pa.int64())]
    + [(name, _column_type(name)) for name in COLUMNS]
)
PROPERTY_SCHEMA = pa.schema([
    ("event_date", pa.date32()), ("line_number", pa.int64()), ("event_id", pa.string()),
    ("property", pa.string()), ("value", pa.string()),
])
BY_MDN_SCHEMA = pa.schema([("event_date", pa.date32()), ("mdn", pa.string()), ("event_time", _TS)])
SCHEMAS = {"events": EVENT_SCHEMA, "properties": PROPERTY_SCHEMA, "by_mdn": BY_MDN_SCHEMA}

_TIME_AT = [COLUMNS.index(c) for c in (*TIME_COLUMNS, *EXTRA_TIME_COLUMNS)]
_FLOAT_AT = [COLUMNS.index(c) for c in FLOAT_COLUMNS]
_MDN, _EVENT_ID, _EVENT_TIME = COLUMNS.index("mdn"), COLUMNS.index("event_id"), COLUMNS.index("event_time")
_PROPS = COLUMNS.index("event_properties")


#: An event later than this after the end of its export's day cannot have happened yet when
#: the export was written: its clock is wrong, and the line is rejected.
FUTURE_SLACK = dt.timedelta(days=1)


def latest_event_time(day: dt.date) -> dt.datetime:
    """The latest `event_time` an export of ``day`` can hold."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), UTC) + FUTURE_SLACK


class LineError(BadInput):
    """One line cannot be cleaned; it becomes a reject with this reason."""


def parse_time(text: str | None) -> dt.datetime | None:
    """An export timestamp as an aware UTC datetime. Naive values are UTC (the export's zone);
    values with an offset are converted. Empty → None; anything else unparseable → ValueError."""
    if text is None or text in NULL_TOKENS:
        return None
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def clean_fields(fields: Sequence[str], day: dt.date | None = None) -> list[Any]:
    """Typed values of one line's 40 fields (see the module doc); raises LineError. With
    ``day`` (the export's day), an event_time after that day's end + `FUTURE_SLACK` is refused."""
    values: list[Any] = [None if f in NULL_TOKENS else f for f in fields]
    for i in _TIME_AT:
        try:
            values[i] = parse_time(values[i])
        except (ValueError, OverflowError):
            raise LineError(f"{COLUMNS[i]} is not a timestamp: {quote_input(fields[i])!r}") from None
    for i in _FLOAT_AT:
        if values[i] is not None:
            try:
                values[i] = float(values[i])
            except ValueError:
                raise LineError(f"{COLUMNS[i]} is not a number: {quote_input(fields[i])!r}") from None
    if values[_EVENT_TIME] is None:
        raise LineError("event_time is missing")
    if day is not None:
        latest = latest_event_time(day)
        if values[_EVENT_TIME] > latest:
            raise LineError(f"event_time {fields[_EVENT_TIME]!r} is in the future of the export "
                            f"of {day} (later than {latest:%Y-%m-%d %H:%M} UTC)")
    return values


#: Events per Parquet row group (several blocks): fewer, larger groups cost less CPU to write.
ROW_GROUP_EVENTS = 25_000


@dataclass
class CleanSummary:
    day: str
    lines: int = 0
    events: int = 0
    properties: int = 0
    by_mdn: int = 0
    rejects: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Block:
    """One block's output: its three tables, its rejects (line, reason, raw) and line count."""

    tables: dict[str, pa.Table]
    rejects: list[tuple[int, str, str]] = field(default_factory=list)
    lines: int = 0


@dataclass
class _Rows:
    """The lines of a block that split into 40 fields, in line order: the plain ones parsed by
    Arrow (their byte spans in ``data``) and those the line path split (``extra``)."""

    table: pa.Table  # 40 string columns, one row per line
    numbers: np.ndarray  # line number of each row
    origin: np.ndarray  # per row: i >= 0 for ``spans[i]``, -1 - k for ``extra[k]``
    data: bytes
    spans: np.ndarray  # (start, end) in ``data`` of each parsed line
    extra: list[Line]
    terminated: bool  # the last line in ``data`` had a newline

    def line(self, row: int) -> Line:
        """One row as the line-by-line path sees it (`check_line`)."""
        at = int(self.origin[row])
        if at < 0:
            return self.extra[-1 - at]
        start, end = self.spans[at]
        line = check_line(int(self.numbers[row]), self.data[start:end],
                          self.terminated or end < len(self.data))
        # Never None: a line of 39 delimiters is not blank.
        return line or Line(int(self.numbers[row]), None, "", "blank line")


def _per_line(positions: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """How many of the sorted byte ``positions`` fall in each line (lines end at ``ends``)."""
    return np.diff(np.searchsorted(positions, ends), prepend=0)


def _split_rows(chunk: Chunk, block: _Block) -> _Rows:
    """The chunk's lines split into fields: the plain ones (39 delimiters, valid UTF-8, no NUL,
    no CR but before the newline) by Arrow's CSV parser in one go, the rest by `check_line`,
    whose rejects go to ``block``. No per-line Python for plain lines."""
    data = chunk.data
    raw = np.frombuffer(data, np.uint8)
    ends = np.append(np.flatnonzero(raw == ord("\n")), len(data))
    starts = np.concatenate(([0], ends[:-1] + 1))
    plain = _per_line(np.flatnonzero(raw == ord(DELIMITER)), ends) == N_COLUMNS - 1
    offsets = pa.py_buffer(np.append(starts, len(data)).astype(np.int32))
    text = pa.StringArray.from_buffers(len(ends), offsets, pa.py_buffer(data))
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:  # some line is not UTF-8: find which, one by one (rare)
        for i in np.flatnonzero(plain):
            try:
                data[starts[i]:ends[i]].decode("utf-8")
            except UnicodeDecodeError:
                plain[i] = False
    if b"\x00" in data:
        plain &= _per_line(np.flatnonzero(raw == 0), ends) == 0
    if b"\r" in data:  # Arrow ends a line at a CR: only one right before the newline is plain
        before_end = raw[np.maximum(ends - 1, 0)] == ord("\r")
        plain &= _per_line(np.flatnonzero(raw == ord("\r")), ends) == before_end
    at = np.flatnonzero(plain)
    if len(at) == len(ends):
        table = columns.parse_rows(data, int((ends - starts).max()))
    elif len(at):
        kept = text.filter(pa.array(plain))
        table = columns.parse_rows(kept.buffers()[2][:pc.sum(pc.binary_length(kept)).as_py()],
                                   int((ends - starts)[at].max()))
    else:
        table = pa.table({name: pa.array([], pa.string()) for name in COLUMNS})
    if table.num_rows != len(at):
        raise RuntimeError(f"parsed {table.num_rows} rows from {len(at)} lines")  # a bug, not input
    extra = []
    for i in np.flatnonzero(~plain):
        terminated = chunk.terminated or i < len(ends) - 1
        line = check_line(chunk.first + int(i), data[starts[i]:ends[i]], terminated)
        if line is None:
            continue
        block.lines += 1
        if line.fields is None:
            block.rejects.append((line.number, line.problem or "", line.raw))
        else:
            extra.append(line)
    numbers, origin = (chunk.first + at).astype(np.int64), np.arange(len(at))
    if extra:  # put them in line order among the parsed ones
        table = pa.concat_tables([table, pa.table(
            [pa.array(col, pa.string()) for col in zip(*(x.fields for x in extra), strict=True)],
            names=list(COLUMNS))])
        numbers = np.append(numbers, [x.number for x in extra])
        origin = np.append(origin, -1 - np.arange(len(extra)))
        order = np.argsort(numbers, kind="stable")
        table, numbers, origin = table.take(order), numbers[order], origin[order]
    block.lines += len(at)
    return _Rows(table, numbers, origin, data, np.stack([starts[at], ends[at]], axis=1), extra,
                 chunk.terminated)


def _python_table(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    if not rows:
        return schema.empty_table()
    return pa.Table.from_arrays([pa.array(col, type=f.type) for col, f in
                                 zip(zip(*rows, strict=True), schema, strict=True)], schema=schema)


def _clean_block(chunk: Chunk, day: dt.date) -> _Block:
    """Clean one chunk of lines into its three tables (rows in line order) and rejects."""
    block = _Block({})
    rows = _split_rows(chunk, block)
    typed = columns.type_columns(rows.table, latest_event_time(day))
    undecided = typed.undecided
    decided = np.flatnonzero(~undecided)
    properties = typed.columns["event_properties"]
    flat = flatten_many((properties if len(decided) == len(undecided) else properties.take(decided))
                        .to_pylist())
    undecided[decided[flat.undecided]] = True
    keep = np.flatnonzero(~undecided)
    owners = np.repeat(decided, flat.counts)  # the row of each property pair

    # The line-by-line path decides the rest, with the same rules and the reasons.
    events, pairs = [], []
    for i in np.flatnonzero(undecided):
        line = rows.line(int(i))
        if line.fields is None:  # e.g. a cell over 64 KB
            block.rejects.append((line.number, line.problem or "", line.raw))
            continue
        try:
            values = clean_fields(line.fields, day)
            split = split_properties(values[_PROPS])
        except (LineError, PropertyError) as exc:
            block.rejects.append((line.number, str(exc), line.raw))
            continue
        events.append((day, line.number, *values))
        pairs.extend((day, line.number, values[_EVENT_ID], prop, value) for prop, value in split)

    date = pa.scalar(day, pa.date32())
    every = len(keep) == len(undecided)
    fast_events = pa.Table.from_arrays(
        [pa.repeat(date, len(keep)), pa.array(rows.numbers[keep])]
        + [typed.columns[name] if every else typed.columns[name].take(keep) for name in COLUMNS],
        schema=EVENT_SCHEMA)
    fast_pairs = pa.Table.from_arrays(
        [pa.repeat(date, len(owners)), pa.array(rows.numbers[owners]),
         typed.columns["event_id"].take(owners), pa.array(flat.names, pa.string()),
         pa.array(flat.values, pa.string())], schema=PROPERTY_SCHEMA)
    if events or pairs:  # rows the line path decided go in line order too
        fast_events = pa.concat_tables([fast_events, _python_table(events, EVENT_SCHEMA)]) \
            .sort_by("line_number")
        fast_pairs = pa.concat_tables([fast_pairs, _python_table(pairs, PROPERTY_SCHEMA)]) \
            .sort_by("line_number")
    with_mdn = fast_events.filter(pc.is_valid(fast_events.column("mdn")))
    block.tables = {"events": fast_events, "properties": fast_pairs,
                    "by_mdn": with_mdn.select(BY_MDN_SCHEMA.names)}
    block.rejects.sort()
    return block


def clean_export(
    path: Path, day: dt.date, out_dir: Path, *, source: str,
    block_bytes: int = BLOCK_BYTES, max_reject_ratio: float = 0.1,
) -> CleanSummary:
    """Clean the export at ``path`` into ``out_dir``/{events,properties,by_mdn}.parquet and
    ``rejects.jsonl``. Raises ExportError when the file is unusable or too many lines are bad."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = CleanSummary(day.isoformat())
    writers = {name: pq.ParquetWriter(out_dir / f"{name}.parquet", schema, compression="zstd")
               for name, schema in SCHEMAS.items()}
    pending: dict[str, list[pa.Table]] = {name: [] for name in SCHEMAS}

    def write_row_groups() -> None:
        for name, tables in pending.items():
            if any(t.num_rows for t in tables):
                writers[name].write_table(pa.concat_tables(tables))
            tables.clear()

    try:
        with (out_dir / "rejects.jsonl").open("w", encoding="utf-8") as rejects:
            for item in read_chunks(path, source, block_bytes):
                if isinstance(item, Chunk):
                    block = _clean_block(item, day)
                else:  # a line too long to hold
                    block = _Block({}, [(item.number, item.problem or "", item.raw)], 1)
                for name, table in block.tables.items():
                    pending[name].append(table)
                if sum(t.num_rows for t in pending["events"]) >= ROW_GROUP_EVENTS:
                    write_row_groups()
                summary.lines += block.lines
                summary.rejects += len(block.rejects)
                for number, reason, raw in block.rejects:
                    rejects.write(json.dumps({"line_number": number, "reason": reason,
                                              "raw": reject_raw(raw)}) + "\n")
                if block.tables:
                    summary.events += block.tables["events"].num_rows
                    summary.properties += block.tables["properties"].num_rows
                    summary.by_mdn += block.tables["by_mdn"].num_rows
        write_row_groups()
    finally:
        for writer in writers.values():
            writer.close()
    if summary.lines == 0:
        raise ExportError(f"{source} holds a header and no events: nothing loaded; it stays in landing")
    if summary.rejects > max_reject_ratio * summary.lines:
        raise ExportError(
            f"{source}: {summary.rejects} of {summary.lines} lines rejected, more than "
            f"{max_reject_ratio:.0%}; first reasons in {out_dir / 'rejects.jsonl'}"
            f" – e.g. {_first_reason(out_dir / 'rejects.jsonl')}"
        )
    if summary.events == 0:
        raise ExportError(f"{source}: none of its {summary.lines} lines could be loaded – e.g. "
                          f"{_first_reason(out_dir / 'rejects.jsonl')}; it stays in landing")
    return summary


def _first_reason(path: Path) -> str:
    with path.open(encoding="utf-8") as fh:
        first = json.loads(fh.readline())
    return f"line {first['line_number']}: {first['reason']}"
