"""Clean one day's export into Parquet: typed events, long properties and the by-mdn table.

Memory stays flat in the file size: lines are read one at a time and written to Parquet in
batches of ``batch_rows`` (one row group per batch). Times are parsed to UTC, ids stay strings
(``"00123"`` keeps its zeros), empty fields become nulls.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tributary.app_events.export import ExportError, read_lines
from tributary.app_events.layout import (
    COLUMNS,
    EXTRA_TIME_COLUMNS,
    FLOAT_COLUMNS,
    TIME_COLUMNS,
)
from tributary.app_events.properties import PropertyError, split_properties
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

_NULLS = {"", "null", "NULL", "None", "\\N"}
_TIME_AT = [COLUMNS.index(c) for c in (*TIME_COLUMNS, *EXTRA_TIME_COLUMNS)]
_FLOAT_AT = [COLUMNS.index(c) for c in FLOAT_COLUMNS]
_MDN, _EVENT_ID, _EVENT_TIME = COLUMNS.index("mdn"), COLUMNS.index("event_id"), COLUMNS.index("event_time")
_PROPS = COLUMNS.index("event_properties")


#: An event later than this after the end of its export's day cannot have happened yet when
#: the export was written: its clock is wrong, and the line is rejected.
FUTURE_SLACK = dt.timedelta(days=1)


class LineError(BadInput):
    """One line cannot be cleaned; it becomes a reject with this reason."""


def parse_time(text: str | None) -> dt.datetime | None:
    """An export timestamp as an aware UTC datetime. Naive values are UTC (the export's zone);
    values with an offset are converted. Empty → None; anything else unparseable → ValueError."""
    if text is None or text in _NULLS:
        return None
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def clean_fields(fields: Sequence[str], day: dt.date | None = None) -> list[Any]:
    """Typed values of one line's 40 fields (see the module doc); raises LineError. With
    ``day`` (the export's day), an event_time after that day's end + `FUTURE_SLACK` is refused."""
    values: list[Any] = [None if f in _NULLS else f for f in fields]
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
        latest = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), UTC) + FUTURE_SLACK
        if values[_EVENT_TIME] > latest:
            raise LineError(f"event_time {fields[_EVENT_TIME]!r} is in the future of the export "
                            f"of {day} (later than {latest:%Y-%m-%d %H:%M} UTC)")
    return values


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


class _BatchWriter:
    """Rows buffered per dataset and flushed to its Parquet file as one row group per batch."""

    def __init__(self, out_dir: Path, batch_rows: int):
        self.batch_rows = batch_rows
        self.paths = {name: out_dir / f"{name}.parquet" for name in SCHEMAS}
        self.writers = {name: pq.ParquetWriter(self.paths[name], SCHEMAS[name], compression="zstd")
                        for name in SCHEMAS}
        self.buffers: dict[str, list[tuple]] = {name: [] for name in SCHEMAS}

    def add(self, name: str, row: tuple) -> None:
        buffer = self.buffers[name]
        buffer.append(row)
        if len(buffer) >= self.batch_rows:
            self.flush(name)

    def flush(self, name: str) -> None:
        rows = self.buffers[name]
        if not rows:
            return
        schema = SCHEMAS[name]
        columns = [pa.array(col, type=field.type) for col, field in zip(zip(*rows, strict=True), schema, strict=True)]
        self.writers[name].write_table(pa.Table.from_arrays(columns, schema=schema))
        rows.clear()

    def close(self) -> None:
        for name, writer in self.writers.items():
            self.flush(name)
            writer.close()


def clean_export(
    path: Path, day: dt.date, out_dir: Path, *, source: str,
    batch_rows: int = 20_000, max_reject_ratio: float = 0.1,
) -> CleanSummary:
    """Clean the export at ``path`` into ``out_dir``/{events,properties,by_mdn}.parquet and
    ``rejects.jsonl``. Raises ExportError when the file is unusable or too many lines are bad."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = CleanSummary(day.isoformat())
    writer = _BatchWriter(out_dir, batch_rows)
    try:
        with (out_dir / "rejects.jsonl").open("w", encoding="utf-8") as rejects:
            for line in read_lines(path, source):
                summary.lines += 1
                problem = line.problem
                if problem is None:
                    try:
                        values = clean_fields(line.fields, day)
                        pairs = split_properties(values[_PROPS])
                    except (LineError, PropertyError) as exc:
                        problem = str(exc)
                if problem is not None:
                    summary.rejects += 1
                    rejects.write(json.dumps({"line_number": line.number, "reason": problem,
                                              "raw": reject_raw(line.raw)}) + "\n")
                    continue
                writer.add("events", (day, line.number, *values))
                summary.events += 1
                for prop, value in pairs:
                    writer.add("properties", (day, line.number, values[_EVENT_ID], prop, value))
                summary.properties += len(pairs)
                if values[_MDN] is not None:
                    writer.add("by_mdn", (day, values[_MDN], values[_EVENT_TIME]))
                    summary.by_mdn += 1
    finally:
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
