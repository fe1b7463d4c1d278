"""Bad-input corpus of the traffic sources: bluetooth text files, the wavetronix CSV and the
GRIDSMART count archives, run through the stage that reads them (`standardize`).

A file that cannot be read fails its item with an `ItemError`; when every failed item failed on
bad input the stage raises `BadItems` (a `BadInput`: no retry), nothing is catalogued for the
item, and the input object is untouched. Single bad lines become rejects in `raw_traffic.reject`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass

import psycopg
import pytest
from tributary import warehouse
from tributary.errors import BadInput
from tributary.traffic import bluetooth, pipeline, wavetronix
from tributary.traffic.catalog import CatalogEntry, upsert
from tributary.traffic.stages import BadItems, StageOptions, run_stage

from tests.bad_input.corpus import zip_bomb

FIRST_DAY = dt.date(2031, 3, 1)
BT = "6/1/2024 1:00:{s:02d} AM,10.0.0.1,6/1/2024 1:00:01 AM,lamar_6th,QUJD{s}"
WT_HEADER = ",".join(wavetronix.COLUMNS)
WT = "31,3,2024-06-02 01:{m:02d}:01,LAMAR6TH,NB_in,48,2,38,0,1,0,0"
GS = "8,23,{s}.0,-300,S,14,30,G,1.0,0,1.0,0.0,40,38"


def bt(*extra: str, good: int = 10) -> bytes:
    return ("\r\n".join([*(BT.format(s=s) for s in range(good)), *extra]) + "\r\n").encode()


def wt(*extra: str, header: str = WT_HEADER, good: int = 10) -> bytes:
    return ("\r\n".join([header, *(WT.format(m=m) for m in range(good)), *extra]) + "\r\n").encode()


def gs_zip(*extra: str, members: dict[str, bytes] | None = None, good: int = 10) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        text = "\r\n".join([*(GS.format(s=3600 + s) for s in range(good)), *extra]) + "\r\n"
        for name, data in (members or {"4f2e.csv": text.encode()}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


@dataclass(frozen=True)
class Case:
    name: str
    source: str  # bluetooth, wavetronix or gridsmart
    data: bytes
    error: str | None = None  # regex of the item's failure; None: the item goes through
    rejected: str | None = None  # regex of the one reject's reason


CASES = [
    Case("bt truncated", "bluetooth", bt()[:-30], error="is truncated: its last line has no line ending"),
    Case("bt binary", "bluetooth", bytes(range(256)) * 8 + b"\n", error="none of its .* lines is a unmatched record"),
    Case("bt wrong columns", "bluetooth", wt(), error="none of its 11 lines .* line 1: expected 5 fields, got 12"),
    Case("bt ragged line", "bluetooth", bt("6/1/2024 1:00:00 AM,10.0.0.1"), rejected="expected 5 fields, got 2"),
    Case("bt NUL byte", "bluetooth", bt("6/1/2024 1:00:00 AM,10.0.0.1,x,lamar\x00,QUJD"), rejected="holds a NUL byte"),
    Case("bt cell over 64 KB", "bluetooth", bt("6/1/2024 1:00:00 AM,10.0.0.1,x,lamar," + "Q" * 70_000),
         rejected="a cell holds more than 65,536 characters"),
    Case("bt cell over the csv limit", "bluetooth", bt("6/1/2024 1:00:00 AM,10.0.0.1,x,lamar," + "Q" * 200_000),
         rejected="a cell holds more than 65,536 characters"),
    Case("wt missing columns", "wavetronix", wt(header=WT_HEADER.replace("volume", "vol")),
         error=r"lacks columns \['volume'\]"),
    Case("wt header of 5,000 columns", "wavetronix", wt(header=WT_HEADER + "," + ",".join(f"c{i}" for i in range(4988))),
         error="header has 5,000 columns, more than 4,096"),
    Case("wt binary", "wavetronix", bytes(range(1, 256)) * 8 + b"\n", error="lacks columns"),
    Case("wt truncated", "wavetronix", wt()[:-20], error="is truncated"),
    Case("wt non-numeric volume", "wavetronix", wt("31,3,2024-06-02 02:00:01,LAMAR6TH,NB_in,n/a,2,38,0,1,0,0"),
         rejected="bad value: invalid literal for int.*'n/a'"),
    Case("wt bad date", "wavetronix", wt("31,3,2024-02-30 02:00:01,LAMAR6TH,NB_in,4,2,38,0,1,0,0"),
         rejected="bad value: day is out of range"),
    Case("wt ragged row", "wavetronix", wt("31,3,2024-06-02 02:00:01"), rejected="expected 12 fields"),
    Case("wt cell over 64 KB", "wavetronix", wt("31,3,2024-06-02 02:00:01,LAMAR6TH," + "N" * 70_000 + ",4,2,38,0,1,0,0"),
         rejected="a cell holds more than 65,536 characters"),
    Case("gs corrupt zip", "gridsmart", gs_zip()[:40] + b"\xff" * 60 + gs_zip()[100:], error="corrupt zip"),
    Case("gs truncated zip", "gridsmart", gs_zip()[:-60], error="corrupt zip"),
    Case("gs not a zip", "gridsmart", b"PK but not really" * 10, error="corrupt zip"),
    Case("gs zip bomb", "gridsmart", zip_bomb(70), error="unzips to more than 67,108,864 bytes: refused as a zip bomb"),
    Case("gs binary member", "gridsmart", gs_zip(members={"4f2e.csv": bytes(range(128, 256))}), error="is not UTF-8 text"),
    Case("gs no zone files", "gridsmart", gs_zip(members={"readme.txt": b"hi"}), error="holds no zone count files"),
    Case("gs wrong columns", "gridsmart", gs_zip(members={"4f2e.csv": wt()}), error="none of its 11 count lines"),
    Case("gs ragged line", "gridsmart", gs_zip("8,23,3700.0,-300"), rejected="expected 14 fields, got 4"),
    Case("gs bad number", "gridsmart", gs_zip("8,23,nan,-300,S,14,30,G,1.0,0,1.0,0.0,40,38"), rejected="bad value"),
]


def place(case: Case, lake, conn, day: dt.date) -> str:
    """Put the case's file where its standardize stage reads it; returns the lake path."""
    if case.source == "bluetooth":
        path = f"{bluetooth.LANDING}Austin_bt_{day:%m-%d-%Y}.txt"
        lake.put_bytes(path, case.data)
        run_stage(pipeline.stage("bluetooth", "ingest"), day, day + dt.timedelta(days=1), StageOptions(), lake)
        return path
    entry = (CatalogEntry("raw", "wt", "wavetronix", "csv", day, {"derived_from": "wavetronix"})
             if case.source == "wavetronix" else
             CatalogEntry("raw", "gs", "cam_1", "zip", day, {"derived_from": "cam_1"}))
    lake.put_bytes(entry.pointer, case.data)
    upsert(conn, [entry])
    return entry.pointer


def derived(conn, day: dt.date, repository: str) -> int:
    return conn.execute("select count(*) from lake.catalog where repository = %s and collection_date::date "
                        "between %s and %s", (repository, day - dt.timedelta(days=1),
                                              day + dt.timedelta(days=1))).fetchone()[0]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_source_file(case: Case, warehouse_url, file_lake):
    day = FIRST_DAY + dt.timedelta(days=3 * CASES.index(case))
    with warehouse.transaction(warehouse_url) as conn:
        path = place(case, file_lake, conn, day)
    stage = pipeline.stage(case.source, "standardize")
    try:
        report = run_stage(stage, day, day + dt.timedelta(days=1), StageOptions(), file_lake)
    except BadItems as exc:
        assert case.error, f"unexpected failure: {exc}"
        assert isinstance(exc, BadInput)  # no retries
        assert re.search(case.error, str(exc)), str(exc)
        assert "1 failed" in str(exc) and len(str(exc)) < 800
        with psycopg.connect(warehouse_url) as conn:
            assert derived(conn, day, "rawjson") == 0  # nothing catalogued for the item
    else:
        assert not case.error, f"the item went through, expected a failure: {report.summary()}"
        assert len(report.done) == 1
        with psycopg.connect(warehouse_url) as conn:
            rejects = conn.execute("select reason, length(raw) from raw_traffic.reject where source like %s",
                                   (f"raw/{day:%Y/%m/%d}/%",)).fetchall()
        assert len(rejects) == 1 and re.search(case.rejected, rejects[0][0]), rejects
        assert rejects[0][1] <= 4_100
    assert file_lake.get_bytes(path) == case.data  # the input is where it was, unchanged


def test_a_source_not_answering_is_retried_bad_input_is_not(warehouse_url, file_lake):
    """The stage's failure is a BadInput only when every failed item failed on bad input."""
    from tributary.errors import SourceUnavailable
    from tributary.traffic.stages import Item, ItemError, Stage, StageFailed

    def failing(errors):
        def process(run, item):
            raise errors[item.label]
        return Stage("standardize", "zz", "rawjson",
                     lambda run: [Item(label, run.start, label) for label in errors], process,
                     is_done=lambda run, item: False)

    day = dt.date(2034, 1, 1)
    bad = {"a": ItemError("a is truncated"), "b": ItemError("b is truncated")}
    with pytest.raises(BadItems):
        run_stage(failing(bad), day, day + dt.timedelta(days=1), StageOptions(), file_lake)
    mixed = {"a": ItemError("a is truncated"), "b": SourceUnavailable("camera b did not answer")}
    with pytest.raises(StageFailed) as failed:
        run_stage(failing(mixed), day, day + dt.timedelta(days=1), StageOptions(), file_lake)
    assert not isinstance(failed.value, BadInput) and "2 failed" in str(failed.value)
