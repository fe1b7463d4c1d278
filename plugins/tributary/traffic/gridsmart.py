"""GRIDSMART cameras: per-vehicle counts fetched from each device, aggregated to 15 minutes.

Ingest asks every camera in the unit data for the day's zipped count files
(``GET <device>/api/counts/bydate/<day>``) and its site file (``GET <device>/api/site``). The
device URL is ``http://<device_ip>:8902`` unless the Airflow connection ``gridsmart`` gives
``{"url_template": "http://host:port/devices/{ip}"}`` in its extra (the local stand-in). A camera
that does not answer is logged and retried by the next run, not a failure. The inventory's
``device_ip`` must be a host or host:port and its name a safe file name (it becomes part of lake
keys): otherwise that camera's item fails with the reason and the others go on.
Standardize writes one JSON per zone with the clock-corrected local ``timestamp_adj``; ready
merges zones, site and unit data (``<name>_counts``) and aggregates to 15 minutes per approach,
turn and heavy-vehicle flag (``<name>_agg15``); publish sends the aggregates.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import statistics
import zipfile
import zlib
from collections import defaultdict
from typing import Any

import requests

from tributary import warehouse
from tributary.errors import MAX_CELL_CHARS, TributaryError, quote_input, reject_raw
from tributary.inputs import host_port, safe_name
from tributary.traffic import catalog, documents, publish, stages, unit_data
from tributary.traffic.calendar import CITY_TZ, day_of_week, timebin
from tributary.traffic.catalog import CatalogEntry
from tributary.traffic.hooks import CameraHook
from tributary.traffic.perfmet import Obs
from tributary.traffic.stages import Item, ItemError, ItemResult, StageRun

log = logging.getLogger("tributary.traffic")

SOURCE = "gs"
CONN_ID = "gridsmart"
HEAVY_FEET = 17
TURNS = {"S": "THRU", "L": "LEFT TURN", "R": "RIGHT TURN", "U": "U-TURN"}
V8_FIELDS = [("count_version", int), ("site_version", int), ("timestamp", float),
             ("utc_offset", int), ("turn", str), ("vehicle_length", float), ("speed", float),
             ("light_state", str), ("seconds_in_zone", float), ("vehicles_in_zone", int),
             ("light_state_sec", float), ("sec_since_green", float),
             ("zone_freeflow_speed", float), ("zone_freeflow_speed_cal", float)]
DEVICE_TIME = "%m/%d/%Y %I:%M:%S %p"
#: The largest zone file read from a counts archive (a busy zone's day is a few MB); a member
#: that unzips to more is refused, so a zip bomb cannot exhaust memory.
MAX_ZONE_BYTES = 64 * 1024 * 1024


def url_template() -> str:
    """The cameras' URL template (``{ip}`` for the device address), see `CameraHook`."""
    return CameraHook(CONN_ID).url_template


def _get(url: str) -> requests.Response | None:
    """The device's answer, or None when it is offline / has nothing (logged)."""
    try:
        response = CameraHook(CONN_ID).request("GET", url)
    except TributaryError as exc:  # offline, or no counts that day: the next run asks again
        log.warning("gridsmart: %s", exc)
        return None
    if response.status_code != 200:
        log.warning("gridsmart: %s answered %s", url, response.status_code)
        return None
    return response


# --- time ----------------------------------------------------------------------------------


def clock_drift(site: dict[str, Any], utc_offset_minutes: int) -> dt.timedelta:
    """How far the camera's clock is ahead of the host's: the camera's local time, taken back to
    UTC with the offset it reports, minus the host's UTC time read at the same moment."""
    stamp = site.get("datetime") or {}
    try:
        device_local = dt.datetime.strptime(stamp["DateTime"], DEVICE_TIME)
        host_utc = dt.datetime.strptime(stamp["HostTimeUTC"], DEVICE_TIME)
    except (KeyError, ValueError):
        return dt.timedelta(0)
    return device_local - dt.timedelta(minutes=utc_offset_minutes) - host_utc


def adjusted_time(day: dt.date, seconds: float, utc_offset_minutes: int,
                  drift: dt.timedelta) -> dt.datetime:
    """A count row's true local time: seconds after the camera's midnight, back to UTC with the
    camera's offset (which may ignore daylight saving), minus the clock drift, in city time."""
    device_local = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)
    utc = device_local - dt.timedelta(minutes=utc_offset_minutes) - drift
    return utc.replace(tzinfo=dt.UTC).astimezone(CITY_TZ)


# --- parsing -------------------------------------------------------------------------------


def read_zip(data: bytes, label: str) -> dict[str, str]:
    """Zone GUID → CSV text of a counts archive; a damaged archive, a member that unzips to more
    than `MAX_ZONE_BYTES` or is not UTF-8 text is an ItemError. Reading a member to its end
    checks its CRC."""
    zones = {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        for name in archive.namelist():
            if not name.lower().endswith(".csv"):
                continue
            with archive.open(name) as member:
                content = member.read(MAX_ZONE_BYTES + 1)
            if len(content) > MAX_ZONE_BYTES:
                raise ItemError(f"{label}: member {quote_input(name, 80)} unzips to more than "
                                f"{MAX_ZONE_BYTES:,} bytes: refused as a zip bomb")
            try:
                zones[name.rsplit("/", 1)[-1][:-4]] = content.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ItemError(f"{label}: member {quote_input(name, 80)} is not UTF-8 text "
                                f"(byte {exc.start + 1})") from None
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, zlib.error, NotImplementedError) as exc:
        raise ItemError(f"{label}: corrupt zip ({quote_input(exc)})") from None
    return zones


def parse_zone(text: str, day: dt.date, drift_for: Any) -> tuple[list[dict[str, Any]], list[warehouse.Reject]]:
    rows, rejects = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        problem = None
        if "\x00" in line:
            problem = "holds a NUL byte"
        elif len(line) > len(V8_FIELDS) * (MAX_CELL_CHARS + 1):
            problem = f"a cell holds more than {MAX_CELL_CHARS:,} characters"
        else:
            try:
                values = next(csv.reader([line]), [])
            except csv.Error as exc:  # the csv module's own cell limit (128 KB) is past ours
                values, problem = [], (f"a cell holds more than {MAX_CELL_CHARS:,} characters"
                                       if "field limit" in str(exc) else f"not readable as CSV ({exc})")
        if problem:
            rejects.append(warehouse.Reject(number, problem, reject_raw(line)))
            continue
        if not values:
            continue
        if len(values) != len(V8_FIELDS):
            rejects.append(warehouse.Reject(number, f"expected {len(V8_FIELDS)} fields, got {len(values):,}",
                                            reject_raw(line)))
            continue
        try:
            row = {name: cast(value) for (name, cast), value in zip(V8_FIELDS, values, strict=True)}
            moment = adjusted_time(day, row["timestamp"], row["utc_offset"], drift_for(row["utc_offset"]))
        except (ValueError, OverflowError) as exc:
            rejects.append(warehouse.Reject(number, f"bad value: {quote_input(exc)}", reject_raw(line)))
            continue
        row["timestamp_adj"] = moment.isoformat(sep=" ")
        rows.append(row)
    return rows, rejects


def zone_approaches(site: dict[str, Any]) -> dict[str, str]:
    """Zone id (GUID without dashes) → approach, from the site file's zone masks."""
    found = {}
    for camera in (site.get("site") or {}).get("CameraDevices", []):
        for mask in camera.get("Fisheye", {}).get("CameraMasks", {}).get("ZoneMasks", []):
            vehicle = mask.get("Vehicle") or {}
            if "Id" in vehicle:
                found[vehicle["Id"].replace("-", "")] = vehicle.get("ApproachType")
    return found


def aggregate(counts: list[dict[str, Any]], minutes: int = 15) -> list[dict[str, Any]]:
    """Vehicles → one row per (bin, approach, turn, heavy ≥ 17 ft): volume, speed and
    seconds-in-zone average and sample standard deviation (0 for a single vehicle)."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for row in counts:
        start = timebin(dt.datetime.fromisoformat(row["timestamp_adj"]), minutes)
        key = (start.isoformat(sep=" "), row.get("zone_approach"), row["turn"],
               int(row["vehicle_length"] >= HEAVY_FEET))
        groups[key].append(row)

    def std(values: list[float]) -> float:
        return round(statistics.stdev(values), 3) if len(values) > 1 else 0.0

    out = []
    for (start, approach, turn, heavy), rows in sorted(groups.items(), key=lambda kv: tuple(map(str, kv[0]))):
        speeds = [r["speed"] for r in rows]
        zone_secs = [r["seconds_in_zone"] for r in rows]
        out.append({"timestamp": start, "zone_approach": approach, "turn": turn,
                    "heavy_vehicle": heavy, "volume": len(rows),
                    "speed_avg": round(statistics.fmean(speeds), 3), "speed_std": std(speeds),
                    "seconds_in_zone_avg": round(statistics.fmean(zone_secs), 3),
                    "seconds_in_zone_std": std(zone_secs)})
    return out


# --- stages --------------------------------------------------------------------------------


def _ingest_items(run: StageRun) -> list[Item]:
    items = []
    with run.db() as conn:
        for day in run.days:
            for device in unit_data.devices_for(conn, SOURCE, day):
                items.append(Item(f"{device['device_name']} {day}", day, device["device_name"], device))
    return items


def _ingest(run: StageRun, item: Item) -> ItemResult:
    device = item.payload
    name = safe_name(device["device_name"] or "", what="device")
    base_url = url_template().format(ip=host_port(device["device_ip"] or "", what="camera address"))
    counts = _get(f"{base_url}/api/counts/bydate/{item.day.isoformat()}")
    if counts is None:
        return ItemResult()
    site = _get(f"{base_url}/api/site")
    objects = [(CatalogEntry("raw", SOURCE, name, "zip", item.day,
                             {"derived_from": name, "device_ip": device["device_ip"]}), counts.content)]
    if site is not None:
        objects.append((CatalogEntry("raw", SOURCE, f"{name}_site", "json", item.day,
                                     {"derived_from": name, "device_ip": device["device_ip"]}),
                        site.content))
    return ItemResult(objects, 1)


def _site(run: StageRun, name: str, day: dt.date) -> dict[str, Any]:
    with run.db() as conn:
        entry = catalog.latest_on_or_before(conn, "raw", SOURCE, f"{name}_site", day)
    return documents.loads(run.read(entry), entry.pointer) if entry else {}


def _standardize(run: StageRun, item: Item) -> ItemResult:
    source: CatalogEntry = item.payload
    zones = read_zip(run.read(source), source.pointer)
    site = _site(run, item.base, item.day)
    objects, rejects, volume, times = [], [], 0, []
    for guid, text in sorted(zones.items()):
        rows, bad = parse_zone(text, item.day, lambda offset: clock_drift(site, offset))
        rejects += bad
        volume += len(rows)
        times += [r["timestamp_adj"] for r in rows]
        entry = CatalogEntry("rawjson", SOURCE, f"{item.base}_{guid}", "json", item.day,
                             {"derived_from": item.base, "zone": guid, "records": len(rows)})
        header = documents.header(entry, "gridsmart", zip_name=source.pointer.rsplit("/", 1)[-1],
                                  origin_filename=f"{guid}.csv", version=8, guid=guid)
        objects.append((entry, documents.dumps({"header": header, "data": rows})))
    if not objects:
        raise ItemError(f"{source.pointer}: the archive holds no zone count files")
    if rejects and not volume:
        raise ItemError(f"{source.pointer}: none of its {len(rejects):,} count lines is readable "
                        f"(wrong columns?); line {rejects[0].line_number}: {rejects[0].reason}")
    obs = [Obs(item.day, SOURCE, "volume", item.base, float(volume),
               dt.datetime.fromisoformat(min(times)) if times else None,
               dt.datetime.fromisoformat(max(times)) if times else None)]
    return ItemResult(objects, volume, obs, [stages.reject_loader(source.pointer, rejects)])


def _ready_items(run: StageRun) -> list[Item]:
    with run.db() as conn:
        found = catalog.entries(conn, "rawjson", SOURCE, run.start, run.end, id_ext="json")
    names = sorted({(e.day, e.metadata.get("derived_from")) for e in found if e.metadata.get("zone")})
    return [Item(f"{name} {day}", day, name) for day, name in names]


def _ready(run: StageRun, item: Item) -> ItemResult:
    with run.db() as conn:
        zones = [e for e in catalog.derived(conn, "rawjson", SOURCE, item.day, item.base)
                 if e.metadata.get("zone")]
        devices = {d["device_name"]: d for d in unit_data.devices_for(conn, SOURCE, item.day)}
    device = devices.get(item.base)
    if device is None:
        raise ItemError(f"{item.base} is not in the GRIDSMART unit data for {item.day}")
    site = _site(run, item.base, item.day)
    approaches = zone_approaches(site)
    counts, outside = [], 0
    for entry in zones:
        document = documents.loads(run.read(entry), entry.pointer)
        zone = entry.metadata["zone"].replace("-", "")
        for row in document["data"]:
            if dt.datetime.fromisoformat(row["timestamp_adj"]).date() != item.day:
                outside += 1  # the camera's day is not the city's day: keep the file to its day
                continue
            counts.append({**row, "zone": zone, "zone_approach": approaches.get(zone)})
    counts.sort(key=lambda r: r["timestamp_adj"])
    device_doc = {**device, "collection_date": str(device["collection_date"])}
    base_header = {"data_type": "gridsmart", "version": 8, "outside_day_dropped": outside}
    counts_entry = CatalogEntry("ready", SOURCE, f"{item.base}_counts", "json", item.day,
                                {"derived_from": item.base, "records": len(counts)})
    agg = aggregate(counts)
    agg_entry = CatalogEntry("ready", SOURCE, f"{item.base}_agg15", "json", item.day,
                             {"derived_from": item.base, "records": len(agg), "agg_interval_sec": 900})
    return ItemResult([
        (counts_entry, documents.dumps({"header": {**documents.header(counts_entry, "gridsmart"), **base_header},
                                        "counts": counts, "site": site, "device": device_doc})),
        (agg_entry, documents.dumps({"header": {**documents.header(agg_entry, "gridsmart"), **base_header,
                                                "agg_interval_sec": 900},
                                     "data": agg, "site": site, "device": device_doc})),
    ], len(counts))


def turn_movement(turn: str) -> str:
    """GRIDSMART's S/L/R/U as the portal spells them."""
    return TURNS.get(turn, turn)


def publish_rows(day: dt.date, device: dict[str, Any], data: list[dict[str, Any]]) -> list[tuple]:
    rows = []
    for r in data:
        start = dt.datetime.fromisoformat(r["timestamp"]).replace(tzinfo=None)
        key = f"{device['atd_device_id']}|{r['timestamp']}|{r['zone_approach']}|{r['turn']}|{r['heavy_vehicle']}"
        rows.append((day, hashlib.md5(key.encode()).hexdigest(), device["atd_device_id"],  # noqa: S324
                     device["device_name"], start, r["zone_approach"], turn_movement(r["turn"]),
                     bool(r["heavy_vehicle"]), r["volume"], r["speed_avg"], r["speed_std"],
                     r["seconds_in_zone_avg"], r["seconds_in_zone_std"], day_of_week(start),
                     start.strftime("%H:%M"), start.year, start.month, start.day, start.hour,
                     start.minute))
    return rows


TARGET = publish.Target(
    "raw_traffic.gs_publish", "traffic_gridsmart", "row_id",
    ["collection_date", "row_id", "atd_device_id", "intersection_name", "read_date",
     "zone_approach", "turn_movement", "heavy_vehicle", "volume", "speed_average", "speed_stddev",
     "seconds_in_zone_average", "seconds_in_zone_stddev", "day_of_week", "timebin", "year",
     "month", "day", "hour", "minute"])


def _publish(run: StageRun, item: Item) -> ItemResult:
    source: CatalogEntry = item.payload
    document = documents.loads(run.read(source), source.pointer)
    rows = publish_rows(item.day, document["device"], document["data"])
    return ItemResult(records=publish.publish_day(run, item, TARGET, rows))


def _is_aggregate(base: str) -> bool:
    return base.endswith("_agg15")


#: Ready goes per camera (its zones together); every camera's aggregates publish to one dataset.
STAGES = stages.lake_stages(
    SOURCE, ingest_items=_ingest_items, ingest=_ingest, standardize=_standardize, ready=_ready,
    publish=_publish, raw_ext="zip",
    items={"ready": _ready_items, "publish": stages.catalogued("ready", "json", wanted=_is_aggregate)},
    published=publish.is_published(lambda base: TARGET if _is_aggregate(base) else None))
