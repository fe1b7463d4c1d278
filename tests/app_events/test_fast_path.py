"""The column-wise cleaning gives exactly what the line-by-line rules give: the same events,
properties, by-mdn rows and rejects (line numbers, reasons), on lines chosen to fall on either
side of every shortcut the fast path takes."""

import datetime as dt
import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tributary.app_events.clean import (
    SCHEMAS,
    LineError,
    clean_export,
    clean_fields,
)
from tributary.app_events.export import check_line
from tributary.app_events.layout import COLUMNS, DELIMITER
from tributary.app_events.properties import PropertyError, flatten_many, split_properties
from tributary.errors import reject_raw

from include.sample.app_events import generate as sample

DAY = dt.date(2024, 5, 20)
GOOD = list(sample.event_lines(DAY, 120, ["5551230001", "0551230002"]))
PLAIN = next(line for line in GOOD if line.count(DELIMITER) == len(COLUMNS) - 1)


def with_field(column: str, value: str) -> str:
    fields = PLAIN.split(DELIMITER)
    fields[COLUMNS.index(column)] = value
    return DELIMITER.join(fields)


TIMES = ["2024-05-20 10:04", "2024-05-20", "2024-05-20T01:00:00-05:00", "2024-05-20T01:00:00Z",
         " 2024-05-20 10:04:00 ", "2024-02-30 10:00:00", "2024-05-20 24:00:00", "0000-01-01 00:00:00",
         "2024-05-20 10:04:29.1234567", "2024-05-20 10:04:29.7", "2024-05-21 23:59:59.999999",
         "2024-05-22 00:00:00", "2024-05-22 00:00:00.000001", "", "null", "\\N", "yesterday"]
NUMBERS = ["1e5", " 1.5", "nan", "-0", "+3.25", "1_000", "abc", "NULL", "12.50"]
PROPERTIES = [
    "", "null", "  ", "[]", "{}", "{oops", '"text"', "7", '{"a": 1} x', '{"a": "tab\there"}',
    '{"a": NaN, "b": Infinity}', '{"a": 1e400}', '{"a": "\\ud800"}', '{"a": "\\ud83d\\ude00"}',
    '{"big": 123456789012345678901234567890, "f": 1e16, "g": 1.5e-7, "h": 100000.0, "i": -0.0}',
    '{"a.b": 1, "a": {"b": 2}}', '{"": {"a": 1}, "a": 2}', '{"": {"a": 1}, "b": 2}',
    '{"x": {"": {"y": 1}}}', '{"a": 1, "a": 2}', '{"e": {}, "n": {"x": {}}}',
    '{"a": "x\\u0000y"}', '{"k\\u0000": 1}', '{"a": "\\\\u0000"}',
    '{"l": [1.5, 1e16, {"a": [true, null]}], "m": ["a", 1, true, null], "n": [], "p": ["\\u00e9", "\\n"]}',
    '{"s": "line\\nbreak \\\\. \\"q\\" \\u00e9\\u2028", "t": true, "f": false, "z": null}',
    '{"p": "a | b"}', '{"deep": ' + '{"d": ' * 40 + "1" + "}" * 40 + "}",
]
SPECIAL = (
    ["0123|ragged", "   ", "|" * 39, "|" * 45, "|" * 2000, with_field("city", "Aus\x00tin"),
     with_field("city", "x" * 70_000), with_field("city", "é" * 40_000), with_field("city", "mid\rcr"),
     with_field("mdn", "None"), with_field("event_id", "abc"), with_field("user_properties", "null"),
     with_field("city", '"quoted", \\ back'), with_field("event_time", "")]
    + [with_field("event_time", t) for t in TIMES] + [with_field("client_upload_time", t) for t in TIMES]
    + [with_field("location_lat", n) for n in NUMBERS]
    + [with_field("event_properties", p) for p in PROPERTIES]
    + [DELIMITER.join(PLAIN.split(DELIMITER)[:25] + ['{"p": "x|"}', '{"q": "|y"}'] + PLAIN.split(DELIMITER)[27:])]
)


def export_bytes(crlf: bool) -> bytes:
    lines = [DELIMITER.join(COLUMNS).encode()]
    for i, line in enumerate(SPECIAL):
        lines += [g.encode() for g in GOOD[i % 7: i % 7 + i % 3]]
        lines.append(line.encode())
    lines.insert(9, b"\xff\xfe|not utf-8")
    lines += [g.encode() for g in GOOD[:20]]
    return (b"\r\n" if crlf else b"\n").join(lines)  # the last line has no newline


def line_by_line(data: bytes) -> tuple[dict[str, list[tuple]], list[dict]]:
    """What the line rules alone make of the export (the old per-line cleaning, as reference)."""
    rows: dict[str, list[tuple]] = {name: [] for name in SCHEMAS}
    rejects = []
    lines = data.split(b"\n")
    for number, raw in enumerate(lines[1:], start=2):
        line = check_line(number, raw, terminated=number <= len(lines) - 1)
        if line is None:
            continue
        try:
            if line.fields is None:
                raise LineError(line.problem)
            values = clean_fields(line.fields, DAY)
            pairs = split_properties(values[COLUMNS.index("event_properties")])
        except (LineError, PropertyError) as exc:
            rejects.append({"line_number": number, "reason": str(exc), "raw": reject_raw(line.raw)})
            continue
        rows["events"].append((DAY, number, *values))
        event_id, mdn, when = (values[COLUMNS.index(c)] for c in ("event_id", "mdn", "event_time"))
        rows["properties"] += [(DAY, number, event_id, name, value) for name, value in pairs]
        if mdn is not None:
            rows["by_mdn"].append((DAY, mdn, when))
    return rows, rejects


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_fast_path_equals_the_line_rules(tmp_path, crlf):
    data = export_bytes(crlf)
    path = tmp_path / "e.txt.gz"
    path.write_bytes(gzip.compress(data))
    expected_rows, expected_rejects = line_by_line(data)
    assert len(expected_rejects) > 30 and len(expected_rows["events"]) > 150  # both sides exercised
    # Small blocks: lines straddle reads, and blocks mix plain lines with every kind of other.
    for block_bytes in (5_000, 1 << 20):
        summary = clean_export(path, DAY, tmp_path / "out", source="e", block_bytes=block_bytes,
                               max_reject_ratio=1.0)
        rejects = [json.loads(x) for x in (tmp_path / "out" / "rejects.jsonl").read_text().splitlines()]
        assert rejects == expected_rejects
        for name, schema in SCHEMAS.items():
            table = pq.read_table(tmp_path / "out" / f"{name}.parquet")
            assert table.schema.equals(schema)
            expected = pa.Table.from_pylist([dict(zip(schema.names, row, strict=True))
                                             for row in expected_rows[name]], schema=schema)
            assert repr(table.to_pylist()) == repr(expected.to_pylist()), name  # repr: NaN == NaN
        assert (summary.events, summary.rejects) == (len(expected_rows["events"]), len(expected_rejects))


def test_flatten_many_agrees_with_split_properties():
    texts = [None, *PROPERTIES, *(line.split(DELIMITER)[COLUMNS.index("event_properties")] for line in GOOD)]
    flat = flatten_many(texts)
    pairs = iter(zip(flat.names, flat.values, strict=True))
    for position, (text, count) in enumerate(zip(texts, flat.counts, strict=True)):
        got = [next(pairs) for _ in range(count)]
        if position in flat.undecided:
            assert got == []
            continue
        assert got == split_properties(text), text
    assert len(flat.undecided) < len(PROPERTIES)  # the common shapes take the fast path
