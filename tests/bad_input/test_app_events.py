"""Bad-input corpus of the app_events domain: daily exports and dimension files.

Each case is run through the same steps the DAG tasks call (archive → clean → load, or the
dimension load) and asserts one of two documented outcomes: the file fails as a whole with a
`BadInput` naming it (nothing loaded, the landing file untouched, no retry), or the bad lines
become rejects with their reason in `raw_app.reject` while the good lines load.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
import resource
from dataclasses import dataclass

import psycopg
import pytest
from tributary import warehouse
from tributary.app_events import dimensions, ingest, layout
from tributary.app_events.layout import COLUMNS, DELIMITER
from tributary.errors import BadInput

from include.sample.app_events import generate as sample
from tests.bad_input.corpus import gzip_bomb

HEADER = DELIMITER.join(COLUMNS)
MDNS = ["5551230001", "0551230002"]
FIRST_DAY = dt.date(2031, 1, 1)


def good_lines(day: dt.date, count: int = 10) -> list[str]:
    return list(sample.event_lines(day, count, MDNS))


def with_field(line: str, column: str, value: str) -> str:
    fields = line.split(DELIMITER)
    fields[COLUMNS.index(column)] = value
    return DELIMITER.join(fields)


def gz(text: str | bytes) -> bytes:
    return gzip.compress(text.encode() if isinstance(text, str) else text)


def export(day: dt.date, lines: list[str], header: str = HEADER) -> bytes:
    return gz("\n".join([header, *lines]) + "\n")


@dataclass(frozen=True)
class Case:
    name: str
    build: object  # (day) -> bytes of the landing file
    error: str | None = None  # regex of the BadInput message; None: the day loads
    rejected: str | None = None  # regex of the one reject's reason
    events: int = 10  # events loaded when the day loads


def _corrupt(day: dt.date) -> bytes:
    data = bytearray(export(day, good_lines(day, 200)))
    data[len(data) // 2: len(data) // 2 + 16] = b"\xff" * 16
    return bytes(data)


EXPORTS = [
    Case("empty file", lambda d: b"", error="is empty"),
    Case("empty gzip", lambda d: gz(b""), error="is empty"),
    Case("header only", lambda d: gz(HEADER + "\n"), error="holds a header and no events"),
    Case("wrong header", lambda d: export(d, good_lines(d), HEADER.replace("event_time", "evt_time")),
         error=r"line 1: header column 6 is 'evt_time', expected 'event_time'"),
    Case("wrong delimiter", lambda d: export(d, [x.replace("|", ",") for x in good_lines(d)],
                                           HEADER.replace("|", ",")),
         error="header has 1 columns, expected 40"),
    Case("header of 5,000 columns", lambda d: export(d, good_lines(d), "|".join(f"c{i}" for i in range(5000))),
         error="header has 5,000 columns, more than 4,096"),
    Case("truncated gzip", lambda d: export(d, good_lines(d, 300))[:-400], error="not a readable gzip"),
    Case("corrupt gzip", _corrupt, error="not a readable gzip"),
    Case("not gzip at all", lambda d: ("\n".join([HEADER, *good_lines(d)]) + "\n").encode(),
         error="not a readable gzip"),
    Case("binary inside gzip", lambda d: gz(bytes(range(128, 256)) * 50), error="header line is not UTF-8"),
    Case("gzip bomb (1 GB of one line)", lambda d: gzip_bomb(1024), error="refused as a gzip bomb"),
    Case("BOM before the header", lambda d: b"\xef\xbb\xbf" + gzip.decompress(export(d, good_lines(d))),
         error="not a readable gzip"),
    Case("BOM inside the gzip", lambda d: gz(b"\xef\xbb\xbf" + gzip.decompress(export(d, good_lines(d))))),
    Case("ragged line", lambda d: export(d, [*good_lines(d), "0123|ragged"]),
         rejected="expected 40 fields, found 2"),
    Case("NUL byte", lambda d: export(d, [*good_lines(d), with_field(good_lines(d, 11)[10], "city", "Aus\x00tin")]),
         rejected="holds a NUL byte"),
    Case("line not UTF-8", lambda d: gz(gzip.decompress(export(d, good_lines(d))) + b"\xff\xfe|x\n"),
         rejected="not UTF-8 text"),
    Case("cell over 64 KB", lambda d: export(d, [*good_lines(d), with_field(good_lines(d, 11)[10], "city", "x" * 70_000)]),
         rejected="city holds 70,000 characters, more than 65,536"),
    Case("line over 10 MB", lambda d: export(d, [*good_lines(d), "x" * 11_000_000]),
         rejected="line longer than"),
    Case("10,000 pipes", lambda d: export(d, [*good_lines(d), "|" * 10_000]),
         rejected="expected 40 fields, found 10,001"),
    Case("invalid date", lambda d: export(d, [*good_lines(d), with_field(good_lines(d, 11)[10], "event_time",
                                                                        "2024-02-30 10:00:00")]),
         rejected="event_time is not a timestamp: '2024-02-30 10:00:00'"),
    Case("future date", lambda d: export(d, [*good_lines(d), with_field(good_lines(d, 11)[10], "event_time",
                                                                       "2099-01-01 00:00:00")]),
         rejected="is in the future of the export"),
    Case("non-numeric ids stay text", lambda d: export(d, [with_field(with_field(x, "event_id", "abc"), "mdn", "n/a")
                                                         for x in good_lines(d)])),
    Case("duplicate property keys", lambda d: export(d, [*good_lines(d), with_field(
        good_lines(d, 11)[10], "event_properties", '{"a.b": 1, "a": {"b": 2}}')]),
         rejected="property 'a.b' appears twice"),
    Case("NUL inside a property", lambda d: export(d, [*good_lines(d), with_field(
        good_lines(d, 11)[10], "event_properties", '{"a": "x\\u0000y"}')]),
         rejected="holds a NUL character"),
    Case("properties not JSON", lambda d: export(d, [*good_lines(d), with_field(
        good_lines(d, 11)[10], "event_properties", "{oops")]),
         rejected="event_properties is not valid JSON"),
    Case("most lines bad", lambda d: export(d, [*good_lines(d), *["a|b"] * 10]),
         error="10 of 20 lines rejected, more than 10%"),
]


def day_rows(conn: psycopg.Connection, day: dt.date) -> tuple[int, ...]:
    return tuple(conn.execute(f"select count(*) from {t} where event_date = %s", [day]).fetchone()[0]  # noqa: S608
                 for t in ("raw_app.event", "raw_app.event_property", "raw_app.by_mdn", "raw_app.export_file"))


@pytest.mark.parametrize("case", EXPORTS, ids=[c.name for c in EXPORTS])
def test_export(case: Case, warehouse_url, file_lake):
    day = FIRST_DAY + dt.timedelta(days=EXPORTS.index(case))
    data = case.build(day)
    file_lake.put_bytes(layout.landing_path(day), data)
    source = layout.file_name(day)
    with psycopg.connect(warehouse_url) as conn:
        before = day_rows(conn, day)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        archived = ingest.archive(file_lake, day)
        summary = ingest.clean(file_lake, day, archived)
        with warehouse.transaction(warehouse_url) as conn:
            ingest.load_day(conn, file_lake, day, archived, summary)
    except BadInput as exc:
        assert case.error, f"unexpected failure: {exc}"
        assert re.search(case.error, str(exc)), str(exc)
        assert len(str(exc)) < 600 and source in str(exc)
        with psycopg.connect(warehouse_url) as conn:
            assert day_rows(conn, day) == before  # nothing loaded
        assert not file_lake.exists(layout.parquet_path("events", day))  # nothing staged
    else:
        assert not case.error, "the day loaded, expected a failure"
        with psycopg.connect(warehouse_url) as conn:
            events = day_rows(conn, day)[0]
            rejects = conn.execute("select line_number, reason, length(raw) from raw_app.reject "
                                   "where source = %s", [source]).fetchall()
            ids = conn.execute("select distinct event_id, mdn from raw_app.event where event_date = %s",
                               [day]).fetchall()
        assert events == case.events
        if case.rejected:
            assert len(rejects) == 1 and re.search(case.rejected, rejects[0][1]), rejects
            assert rejects[0][0] == case.events + 2 and rejects[0][2] <= 4_100  # line, raw capped
        else:
            assert rejects == []
        if "ids" in case.name:
            assert ids == [("abc", "n/a")]
    assert file_lake.get_bytes(layout.landing_path(day)) == data  # the input is where it was
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024
    assert grown_mb < 200, f"peak memory grew by {grown_mb:.0f} MB"


# --- dimension files ---------------------------------------------------------------------------

LINE_HEADER = "MTN,DEVICE_GROUPING,SALES_CHANNEL,SVC_ACT_DT"
GOOD = ["5550000001,IOS,ONLINE,2020-01-02", "5550000002,ANDROID,RETAIL,01/03/2020"]


def csv_file(*rows: str, header: str = LINE_HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


DIMENSIONS = [
    Case("empty", lambda n: b"", error="empty: no header line"),
    Case("header only", lambda n: csv_file(), error="holds a header and no rows"),
    Case("missing column", lambda n: csv_file(*GOOD, header="MTN,DEVICE_GROUPING,SALES_CHANNEL,ACTIVATED"),
         error=r"line 1: lacks column\(s\) SVC_ACT_DT"),
    Case("wrong delimiter", lambda n: csv_file(*[g.replace(",", ";") for g in GOOD],
                                             header=LINE_HEADER.replace(",", ";")),
         error=r"lacks column\(s\) MTN, DEVICE_GROUPING"),
    Case("header of 5,000 columns", lambda n: csv_file(*GOOD, header=LINE_HEADER + "," + ",".join(
        f"c{i}" for i in range(4996))), error="header has 5,000 columns, more than 4,096"),
    Case("binary", lambda n: bytes(range(128, 256)) * 40, error=r"line 1: not UTF-8 text"),
    Case("unclosed quote", lambda n: csv_file(GOOD[0], '5550000003,"IOS,ONLINE,2020-01-02', GOOD[1]),
         error="line 3: a quote opened here is not closed"),
    Case("BOM", lambda n: b"\xef\xbb\xbf" + csv_file(*GOOD), events=2),
    Case("ragged row", lambda n: csv_file(*GOOD, "5550000003,IOS"), rejected="expected 4 fields, found 2",
         events=2),
    Case("invalid date", lambda n: csv_file(*GOOD, "5550000003,IOS,ONLINE,2020-02-30"),
         rejected="not a date: '2020-02-30'", events=2),
    Case("future date", lambda n: csv_file(*GOOD, "5550000003,IOS,ONLINE,2999-01-01"),
         rejected="'2999-01-01' is in the future", events=2),
    Case("duplicate key", lambda n: csv_file(*GOOD, "5550000001,BASIC,RETAIL,2021-01-01"),
         rejected="duplicate key 5550000001 .first on line 2, which is kept", events=2),
    Case("missing key", lambda n: csv_file(*GOOD, ",IOS,ONLINE,2020-01-01"), rejected="missing key mtn",
         events=2),
    Case("NUL byte", lambda n: csv_file(*GOOD, "5550000003,IO\x00S,ONLINE,2020-01-01"),
         rejected="holds a NUL byte", events=2),
    Case("cell over 64 KB", lambda n: csv_file(*GOOD, "5550000003," + "x" * 70_000 + ",ONLINE,2020-01-01"),
         rejected="a cell holds 70,000 characters, more than 65,536", events=2),
    Case("cell over the csv limit", lambda n: csv_file(*GOOD, "5550000003," + "x" * 200_000 + ",ONLINE,2020-01-01"),
         rejected="a cell holds more than 65,536 characters", events=2),
    Case("non-numeric id stays text", lambda n: csv_file(*GOOD, "MTN-0003,IOS,ONLINE,2020-01-01"), events=3),
]


@pytest.mark.parametrize("case", DIMENSIONS, ids=[c.name for c in DIMENSIONS])
def test_dimension_file(case: Case, fresh_warehouse, file_lake):
    path = f"{layout.DIMENSIONS_PREFIX}/LineDimension_{DIMENSIONS.index(case)}.csv"
    data = case.build(None)
    file_lake.put_bytes(path, data)
    try:
        with warehouse.transaction(fresh_warehouse) as conn:
            dimensions.load_dimensions(conn, file_lake)
    except BadInput as exc:
        assert case.error, f"unexpected failure: {exc}"
        assert re.search(case.error, str(exc)), str(exc)
        assert len(str(exc)) < 600 and path.rsplit("/", 1)[1] in str(exc)
        loaded = 0
    else:
        assert not case.error, "the file loaded, expected a failure"
        loaded = case.events
    with psycopg.connect(fresh_warehouse) as conn:
        assert conn.execute("select count(*) from raw_app.line_dim").fetchone()[0] == loaded
        rejects = conn.execute("select reason from raw_app.reject").fetchall()
    if case.rejected:
        assert len(rejects) == 1 and re.search(case.rejected, rejects[0][0]), rejects
    else:
        assert rejects == []
    assert file_lake.get_bytes(path) == data  # still in landing (archived only by the next task)
