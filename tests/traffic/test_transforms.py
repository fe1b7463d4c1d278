"""Transforms of the three sources, one rule at a time (no warehouse, no lake)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

import pytest
from tributary.traffic import bluetooth, gridsmart, unit_data, wavetronix
from tributary.traffic.calendar import CITY_TZ, day_of_week, timebin_label
from tributary.traffic.catalog import object_path
from tributary.traffic.documents import text_lines
from tributary.traffic.stages import ItemError


def test_object_path_layout():
    assert object_path("rawjson", "bt", "Austin_bt", "json", dt.date(2024, 6, 1)) == \
        "rawjson/2024/06/01/bt/Austin_bt_bt_2024-06-01.json"


@pytest.mark.parametrize(("text", "expected"), [
    ("6/1/2024 12:00:12 AM", dt.datetime(2024, 6, 1, 0, 0, 12)),
    ("12/03/2010 01:05:00 PM", dt.datetime(2010, 12, 3, 13, 5)),
    ("6/1/2024 12:15 PM", dt.datetime(2024, 6, 1, 12, 15)),  # summary files have no seconds
])
def test_awam_timestamps_are_local_city_times(text, expected):
    moment = bluetooth.parse_time(text)
    assert moment.replace(tzinfo=None) == expected and moment.tzinfo == CITY_TZ
    assert moment.utcoffset() == (dt.timedelta(hours=-5) if expected.month == 6 else dt.timedelta(hours=-6))


def test_unreadable_timestamps_become_null_and_are_counted_while_bad_lines_are_rejected():
    lines = ["6/1/2024 1:00:00 AM,10.0.0.1,6/1/2024 1:00:01 AM,lamar_6th,QUJD",
             "13/45/2024 99:99:99 XM,10.0.0.1,6/1/2024 1:00:01 AM,lamar_6th,QUJD",
             "only,three,fields"]
    parsed = bluetooth.parse_lines(bluetooth.FILE_TYPES["Austin_bt"], lines)
    assert [r["host_timestamp"] for r in parsed.data] == ["2024-06-01 01:00:00-05:00", None]
    assert parsed.bad_times == 1
    assert [(r.line_number, r.reason) for r in parsed.rejects] == [(3, "expected 5 fields, got 3")]


def test_device_id_is_md5_of_type_ip_lat_lon():
    device = {"device_type": "BLUETOOTH", "device_ip": "172.16.132.68", "lat": "30.2715378",
              "lon": "-97.7539673", "device_name": "lamar_6th"}
    assert unit_data.device_id(device) == hashlib.md5(
        b"BLUETOOTH172.16.132.6830.2715378-97.7539673").hexdigest()


def test_ready_drops_and_counts_readers_missing_from_unit_data():
    devices = [{"device_name": "a", "device_id": "ida"}, {"device_name": "b", "device_id": "idb"}]
    rows = [{"origin_reader_id": "a", "dest_reader_id": "b"},
            {"origin_reader_id": "a", "dest_reader_id": "ghost"}]
    kept, used, dropped = bluetooth.join_unit_data(bluetooth.FILE_TYPES["Austin_btmatch"], rows, devices)
    assert kept == [{"origin_reader_id": "a", "dest_reader_id": "b", "origin_device_id": "ida",
                     "dest_device_id": "idb"}]
    assert dropped == 1 and [d["device_id"] for d in used] == ["ida", "idb"]


def test_addresses_become_a_per_day_counter_in_order_of_first_sighting():
    iaf = [{"dev_addr": "x"}, {"dev_addr": "y"}, {"dev_addr": "x"}]
    assert bluetooth.address_counter(iaf, [{"dev_addr": "z"}, {"dev_addr": "y"}]) == {"x": 1, "y": 2, "z": 3}


@pytest.mark.parametrize(("clock", "label"), [
    ("10:59:59", "10:45"), ("23:59:00", "23:45"), ("00:00:00", "00:00"), ("07:15:01", "07:15"),
    ("07:52:30", "07:45"),
])
def test_timebin_is_the_bin_start_and_never_reads_60(clock, label):
    moment = dt.datetime.fromisoformat(f"2024-06-01 {clock}")
    assert timebin_label(moment) == label
    assert all(not timebin_label(moment.replace(minute=m)).endswith(":60") for m in range(60))


def test_day_of_week_counts_from_sunday():
    assert day_of_week(dt.date(2024, 6, 2)) == 0  # a Sunday
    assert day_of_week(dt.date(2024, 6, 1)) == 6  # a Saturday
    assert day_of_week(dt.date(2024, 6, 3)) == 1


def test_wavetronix_publish_row():
    record = {"intid": 3, "intname": "LAMAR6TH", "detid": 31, "detname": "NB_in",
              "curdatetime": "2024-06-02 01:59:01-05:00", "volume": 48, "occupancy": 2, "speed": 38}
    row = dict(zip(["collection_date", *wavetronix.TARGET.columns[1:]],
                   wavetronix.publish_row(dt.date(2024, 6, 2), record), strict=True))
    assert row["direction"] == "NB" and row["day_of_week"] == 0 and row["timebin"] == "01:45"
    assert row["row_id"] == hashlib.md5(b"LAMAR6TH2024-06-02T01:59:0131").hexdigest()
    assert (row["hour"], row["minute"]) == (1, 59)
    assert wavetronix.direction("Lane2") is None


def test_wavetronix_integers_are_cast_and_bad_rows_rejected():
    header = ",".join(wavetronix.COLUMNS)
    good = "31,3,2024-06-02 01:30:01,LAMAR6TH,NB_in,48,2,38,0,1,0,0"
    bad = "31,3,2024-06-02 01:45:01,LAMAR6TH,NB_in,n/a,2,38,0,1,0,0"
    data, rejects = wavetronix.standardize_rows([header, good, bad])
    assert data[0]["volume"] == 48 and data[0]["curdatetime"] == "2024-06-02 01:30:01-05:00"
    assert [(r.line_number, "n/a" in r.reason) for r in rejects] == [(3, True)]


def test_turns_map_to_portal_names():
    assert [gridsmart.turn_movement(t) for t in "SLRU"] == ["THRU", "LEFT TURN", "RIGHT TURN", "U-TURN"]


def test_gridsmart_aggregates_to_15_minutes_by_approach_turn_and_heavy_vehicle():
    def vehicle(clock, turn="S", length=14.0, speed=30.0, secs=2.0, approach="Northbound"):
        return {"timestamp_adj": f"2024-06-01 {clock}-05:00", "turn": turn, "vehicle_length": length,
                "speed": speed, "seconds_in_zone": secs, "zone_approach": approach}
    counts = [vehicle("08:00:10", speed=30), vehicle("08:14:59", speed=40, secs=4.0),
              vehicle("08:05:00", length=17.0), vehicle("08:15:00"), vehicle("08:01:00", turn="L")]
    rows = {(r["timestamp"][11:16], r["turn"], r["heavy_vehicle"]): r for r in gridsmart.aggregate(counts)}
    assert set(rows) == {("08:00", "S", 0), ("08:00", "S", 1), ("08:15", "S", 0), ("08:00", "L", 0)}
    light = rows[("08:00", "S", 0)]
    assert (light["volume"], light["speed_avg"], light["speed_std"]) == (2, 35.0, 7.071)
    assert (light["seconds_in_zone_avg"], light["seconds_in_zone_std"]) == (3.0, 1.414)
    assert rows[("08:00", "S", 1)]["volume"] == 1 and rows[("08:00", "S", 1)]["speed_std"] == 0.0


def test_gridsmart_clock_correction():
    site = {"datetime": {"DateTime": "6/8/2024 2:32:13 AM", "HostTimeUTC": "06/08/2024 08:30:38 AM"}}
    drift = gridsmart.clock_drift(site, -360)  # the camera ignores DST and runs 95 s fast
    assert drift == dt.timedelta(seconds=95)
    moment = gridsmart.adjusted_time(dt.date(2024, 6, 1), 3600 + 95, -360, drift)
    assert moment.isoformat() == "2024-06-01T02:00:00-05:00"


def test_a_corrupt_zip_is_a_clear_item_error():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("zone.csv", "8,23,1.0,-300,S,14,30,G,1.0,0,1.0,0.0,40,38\r\n" * 100)
    data = buffer.getvalue()
    assert list(gridsmart.read_zip(data, "ok.zip")) == ["zone"]
    with pytest.raises(ItemError, match="bad.zip: corrupt zip"):
        gridsmart.read_zip(data[: len(data) // 2], "bad.zip")


def test_a_text_file_without_final_line_ending_is_truncated():
    assert text_lines(b"a,b\r\nc,d\r\n", "f") == ["a,b", "c,d"]
    with pytest.raises(ItemError, match="f is truncated"):
        text_lines(b"a,b\r\nc,", "f")
