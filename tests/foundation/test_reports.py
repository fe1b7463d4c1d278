"""Report files in the lake: keys checked before they become paths, listing order and filters,
the day a run's reports belong to; the same on a folder and on S3 (moto on loopback)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from tributary import reports, warehouse
from tributary.errors import BadInput

DAY = dt.date(2026, 3, 14)


@pytest.mark.parametrize("day", ["2026-13-40", "2026-02-30", "20260314", "2026-3-14", "2026-03-14x",
                                 "../2026-03-14", "", "2026-03-14/..", "٢٠٢٦-٠٣-١٤"])
def test_a_day_must_be_a_calendar_date(day, file_lake):
    with pytest.raises(BadInput, match="is not a YYYY-MM-DD date"):
        reports.write_report("polio", day, "x.csv", b"1")
    assert file_lake.list() == []


@pytest.mark.parametrize("name", ["", ".", "..", "../x.csv", "a/b.csv", "a\\b.csv", "x\x00.csv",
                                  "tab\t.csv", ".hidden.csv", "a..b.csv", "é" * 101])
def test_names_that_cannot_be_files_are_refused(name, file_lake):
    with pytest.raises(BadInput, match="report name"):
        reports.write_report("polio", DAY, name, b"1")
    with pytest.raises(BadInput, match="report domain"):
        reports.write_report(name or "/", DAY, "x.csv", b"1")
    assert file_lake.list() == []


def test_keys_are_reports_domain_day_name():
    assert reports.report_key("app_events", DAY, "daily active.csv") == \
        "reports/app_events/2026-03-14/daily active.csv"
    assert reports.report_key("polio", "2026-03-14", "missing_mapping.csv") == \
        "reports/polio/2026-03-14/missing_mapping.csv"


def test_run_day_is_the_logical_date_or_when_the_run_was_due():
    late = dt.datetime(2026, 3, 14, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert reports.run_day({"logical_date": late}) == dt.date(2026, 3, 15)  # UTC
    due = dt.datetime(2026, 3, 1, 6, tzinfo=dt.UTC)
    assert reports.run_day({"dag_run": SimpleNamespace(run_after=due)}) == dt.date(2026, 3, 1)


@pytest.fixture(params=["file", "s3"])
def lake(request):
    return request.getfixturevalue(f"{request.param}_lake")


def test_listing_is_newest_day_first_then_domain_and_name(lake, tmp_path):
    older = DAY - dt.timedelta(days=1)
    reports.write_report("traffic", older, "b.csv", b"1")
    reports.write_report("polio", DAY, "z.csv", b"22")
    reports.write_report("app_events", DAY, "y.csv", b"333")
    reports.write_report("polio", DAY, "a.csv", b"4444")
    chart = tmp_path / "drawn.png"
    reports.chart_report("traffic", DAY, "health.png", lambda path: path.write_bytes(b"\x89PNG"))
    assert not chart.exists()
    lake.put_bytes("reports/polio/not-a-day/x.csv", b"ignored")
    lake.put_bytes("reports/polio/2026-03-14/folder/x.csv", b"ignored")
    lake.put_bytes("reportsx/polio/2026-03-14/x.csv", b"ignored")

    assert [(r.domain, r.day, r.name, r.size) for r in reports.list_reports()] == [
        ("app_events", "2026-03-14", "y.csv", 3), ("polio", "2026-03-14", "a.csv", 4),
        ("polio", "2026-03-14", "z.csv", 2), ("traffic", "2026-03-14", "health.png", 4),
        ("traffic", "2026-03-13", "b.csv", 1)]
    assert [r.key for r in reports.list_reports("polio")] == [
        "reports/polio/2026-03-14/a.csv", "reports/polio/2026-03-14/z.csv"]
    assert [r.name for r in reports.list_reports("traffic", older)] == ["b.csv"]
    assert [r.domain for r in reports.list_reports(day=DAY)] == ["app_events", "polio", "polio", "traffic"]
    assert reports.list_reports("migration") == []
    assert reports.read_report("traffic", DAY, "health.png") == b"\x89PNG"

    reports.write_report("polio", DAY, "a.csv", b"rewritten")  # a re-run replaces the day's file
    assert reports.read_report("polio", DAY, "a.csv") == b"rewritten"
    assert len(reports.list_reports("polio")) == 2


def test_a_query_becomes_a_csv_report(warehouse_url, file_lake):
    with warehouse.connect() as conn:
        key, rows = reports.write_query_report(
            conn, "platform", DAY, "numbers.csv",
            "select g as n, 'row, ' || g as label from generate_series(1, %s) g order by g", (3,))
        with pytest.raises(BadInput):
            reports.write_query_report(conn, "platform", DAY, "../x.csv", "select 1/0")  # never runs
    assert (key, rows) == ("reports/platform/2026-03-14/numbers.csv", 3)
    assert file_lake.get_bytes(key) == b'n,label\n1,"row, 1"\n2,"row, 2"\n3,"row, 3"\n'

    written = reports.write_query_reports("platform", DAY, {"one.csv": "select 1 as one",
                                                            "none.csv": "select 1 as one where false"})
    assert written == {"reports/platform/2026-03-14/one.csv": 1, "reports/platform/2026-03-14/none.csv": 0}
    assert file_lake.get_bytes("reports/platform/2026-03-14/none.csv") == b"one\n"
    with pytest.raises(BadInput):  # every name is checked before the first query runs
        reports.write_query_reports("platform", "2026-03-15", {"ok.csv": "select 1", "a/b.csv": "select 1"})
    assert reports.list_reports("platform", "2026-03-15") == []
