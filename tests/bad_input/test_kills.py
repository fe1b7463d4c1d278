"""Kills lose nothing: the app_events day load, the MindTrails export and a traffic stage are
SIGKILLed at named points (`tributary.faults.checkpoint`, armed by ``TRIBUTARY_KILL_AT`` in a
child process), re-run, and compared with an uninterrupted run: the same rows, nothing
duplicated, no landing file or website entry lost."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import uuid
import zipfile

import psycopg
import pytest
from tributary import settings
from tributary.app_events import layout
from tributary.settings import KILL_AT
from tributary.traffic.catalog import CatalogEntry, upsert

from tests.app_events.conftest import drop_export
from tests.bad_input import steps
from tests.mindtrails.conftest import connect_server

pytestmark = pytest.mark.slow


def killed_at(point: str, *args: str) -> None:
    """Run ``steps`` with ``args`` in a child that SIGKILLs itself at ``point``; it must die there."""
    child = subprocess.run([sys.executable, "-m", "tests.bad_input.steps", *args], cwd=settings.REPO_ROOT,
                           env={**os.environ, KILL_AT: point}, capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, f"never reached {point}: {child.stderr[-2000:]}"


# --- app_events ---------------------------------------------------------------------------------

APP_DAY = dt.date(2032, 5, 20)


def app_tables(url: str, day: dt.date) -> dict[str, list[tuple]]:
    with psycopg.connect(url) as conn:
        def rows(sql: str) -> list[tuple]:
            return sorted(conn.execute(sql, [day]).fetchall(), key=repr)
        return {
            "event": rows("select * from raw_app.event where event_date = %s"),
            "event_property": rows("select * from raw_app.event_property where event_date = %s"),
            "by_mdn": rows("select * from raw_app.by_mdn where event_date = %s"),
            "export_file": rows("select event_date, file_name, archive_path, sha256, size_bytes, lines, "
                                "events, properties, rejects from raw_app.export_file where event_date = %s"),
            "reject": rows("select source, line_number, reason, raw from raw_app.reject "
                           "where source = 'amplitude_' || %s::text || '.txt.gz'"),
        }


APP_POINTS = ["app_events.after_first_chunk", "app_events.before_commit",
              "app_events.before_landing_removal"]


@pytest.mark.parametrize("point", APP_POINTS)
def test_app_events_day(point, warehouse_url, file_lake, tmp_path):
    day = APP_DAY + dt.timedelta(days=APP_POINTS.index(point))
    local = drop_export(file_lake, tmp_path, day, count=150, extra_lines=[(7, "0123|ragged")])
    landing = layout.landing_path(day)
    steps.app_day(day)  # the uninterrupted run
    expected = app_tables(warehouse_url, day)
    assert len(expected["event"]) == 150 and len(expected["reject"]) == 1
    assert not file_lake.exists(landing)
    with psycopg.connect(warehouse_url) as conn:  # back to before the day was loaded
        for table in ("event", "event_property", "by_mdn", "export_file"):
            conn.execute(f"delete from raw_app.{table} where event_date = %s", [day])  # noqa: S608
        conn.execute("delete from raw_app.reject where source = %s", [layout.file_name(day)])
    file_lake.put_file(landing, local)

    killed_at(point, "app_day", day.isoformat())
    assert file_lake.get_bytes(landing) == local.read_bytes()  # the delivery survives the kill
    if point != "app_events.before_landing_removal":
        assert app_tables(warehouse_url, day)["event"] == []  # the uncommitted load left nothing
    steps.app_day(day)  # the re-run
    assert app_tables(warehouse_url, day) == expected  # same rows, nothing twice
    assert not file_lake.exists(landing)
    assert [o.path for o in file_lake.list("archive/app_events")] == [
        layout.archive_path(day, expected["export_file"][0][3])]


# --- MindTrails -------------------------------------------------------------------------------

MINDTRAILS_POINTS = {"OA": "mindtrails.after_backup", "DASS21": "mindtrails.mid_commit",
                     "Demographics": "mindtrails.before_delete"}


def test_mindtrails_export(warehouse_url, file_lake, study_keys, site, smtp_sink, monkeypatch):
    name = f"k{uuid.uuid4().hex[:8]}"
    connect_server(monkeypatch, site, name, private_key=study_keys[0], delete_mode=True)
    for scale, point in MINDTRAILS_POINTS.items():
        on_site = site.entries(scale)
        killed_at(point, "mindtrails_scale", name, scale)
        assert site.entries(scale) == on_site  # nothing deleted before it is stored
        steps.mindtrails_scale(name, scale)  # the re-run
        with psycopg.connect(warehouse_url) as conn:
            stored = conn.execute("select id, payload from raw_mindtrails.entry where server = %s "
                                  "and scale = %s order by id", (name, scale)).fetchall()
            deleted = conn.execute("select count(*) from raw_mindtrails.deletion where server = %s "
                                   "and scale = %s", (name, scale)).fetchone()[0]
            benchmark = conn.execute("select current_id from raw_mindtrails.benchmark where server = %s "
                                     "and scale = %s", (name, scale)).fetchone()[0]
        # what an uninterrupted run gives: every entry stored once, as sent, then deleted
        assert stored == [(e["id"], e) for e in on_site]
        assert site.entries(scale) == [] and deleted == len(on_site)
        assert benchmark == max(e["id"] for e in on_site)
        backed_up = {e["id"] for o in file_lake.list(f"raw/mindtrails/{name}/{scale}")
                     if not o.path.endswith(".meta.json") for e in json.loads(file_lake.get_bytes(o.path))}
        assert backed_up == {e["id"] for e in on_site}  # the lake alone can rebuild them


# --- traffic ----------------------------------------------------------------------------------

TRAFFIC_DAY = dt.date(2033, 6, 1)
ZONE = "8,23,{s}.0,-300,S,14,30,G,1.0,0,1.0,0.0,40,38"


def camera_zip(camera: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for zone in range(2):
            rows = [ZONE.format(s=3600 + 60 * i + zone + camera) for i in range(20)]
            rows.insert(5 * zone, "8,23,oops")  # a reject on another line in each zone
            archive.writestr(f"zone{zone}.csv", "\r\n".join(rows) + "\r\n")
    return buffer.getvalue()


def traffic_state(url: str, lake, day: dt.date) -> dict:
    with psycopg.connect(url) as conn:
        catalog = conn.execute(
            "select repository, id_base, id_ext, pointer, metadata from lake.catalog where data_source = 'gs' "
            "and repository = 'rawjson' and collection_date::date = %s order by 2, 3", [day]).fetchall()
        obs = conn.execute("select sensor_name, value, min_timestamp, max_timestamp from perfmet.obs "
                           "where data_source = 'gs' and collection_date = %s order by 1", [day]).fetchall()
        rejects = conn.execute("select source, line_number, reason from raw_traffic.reject where source like %s "
                               "order by 1, 2", [f"raw/{day:%Y/%m/%d}/gs/%"]).fetchall()
    documents = {row[3]: json.loads(lake.get_bytes(row[3]))["data"] for row in catalog}
    return {"catalog": catalog, "obs": obs, "rejects": rejects, "documents": documents}


def test_traffic_stage(warehouse_url, file_lake):
    day = TRAFFIC_DAY
    entries = [CatalogEntry("raw", "gs", f"cam_{n}", "zip", day, {"derived_from": f"cam_{n}"}) for n in range(2)]
    with psycopg.connect(warehouse_url) as conn:
        upsert(conn, entries)
    for n, entry in enumerate(entries):
        file_lake.put_bytes(entry.pointer, camera_zip(n))
    sources = {e.pointer: file_lake.get_bytes(e.pointer) for e in entries}

    def reset() -> None:
        with psycopg.connect(warehouse_url) as conn:
            for pointer in conn.execute("delete from lake.catalog where data_source = 'gs' and repository = "
                                        "'rawjson' and collection_date::date = %s returning pointer", [day]):
                file_lake.delete(pointer[0])
            conn.execute("delete from perfmet.obs where data_source = 'gs' and collection_date = %s", [day])
            conn.execute("delete from raw_traffic.reject where source like %s", [f"raw/{day:%Y/%m/%d}/gs/%"])

    steps.traffic_stage("gridsmart", "standardize", day)  # the uninterrupted run
    expected = traffic_state(warehouse_url, file_lake, day)
    assert len(expected["catalog"]) == 4 and len(expected["rejects"]) == 4
    for point in ("traffic.after_first_object", "traffic.mid_commit", "traffic.after_first_item"):
        reset()
        killed_at(point, "traffic_stage", "gridsmart", "standardize", day.isoformat())
        steps.traffic_stage("gridsmart", "standardize", day)  # the re-run
        assert traffic_state(warehouse_url, file_lake, day) == expected, point
        assert {p: file_lake.get_bytes(p) for p in sources} == sources  # inputs untouched
