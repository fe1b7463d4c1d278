"""Unit data: the device inventory (the city's asset system) that makes sensor files self-describing.

Retrieved over the HTTP connection ``traffic_inventory`` (``GET /api/v1/devices?device_type=…``,
bearer token in the connection's password), stored per day in the lake
(``raw/…/<source>/unit_data_<source>_<day>.json``) and in ``raw_traffic.device``.
``device_id`` is the md5 of type, IP, latitude and longitude as the inventory spells them.
A device whose name could not name a file (a path separator, ``..``: names become lake keys and
file names downstream) is not loaded: it goes to ``raw_traffic.reject`` with the reason, is
logged and listed in the catalog entry's ``rejected_devices``, and the other devices load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any

import psycopg

from tributary import warehouse
from tributary.inputs import InputRejected, safe_name
from tributary.traffic import catalog
from tributary.traffic.catalog import CatalogEntry
from tributary.traffic.hooks import InventoryHook
from tributary.traffic.stages import Item, ItemResult, Stage, StageRun, reject_loader

log = logging.getLogger("tributary.traffic")

CONN_ID = "traffic_inventory"
DEVICE_TYPES = {"bt": "BLUETOOTH", "wt": "WAVETRONIX", "gs": "GRIDSMART"}
DEVICE_COLUMNS = ["collection_date", "data_source", "device_id", "device_type", "device_name",
                  "atd_device_id", "device_ip", "device_status", "ip_comm_status",
                  "atd_location_id", "kits_id", "lat", "lon", "primary_st", "cross_st"]


def device_id(device: dict[str, Any]) -> str:
    """md5 of type + IP + lat + lon (strings as the inventory gives them)."""
    key = "".join(str(device.get(k) or "") for k in ("device_type", "device_ip", "lat", "lon"))
    return hashlib.md5(key.encode()).hexdigest()  # noqa: S324 (an identifier, not security)


def fetch_devices(device_type: str, conn_id: str = CONN_ID) -> list[dict[str, Any]]:
    """The inventory's devices of one type (through `InventoryHook`), each with its ``device_id``."""
    return [{**d, "device_id": device_id(d)} for d in InventoryHook(conn_id).devices(device_type)]


def named_devices(devices: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[warehouse.Reject]]:
    """The devices whose names can become part of a path, and a reject for each other one
    (its position in the inventory's list, the reason, the device as JSON)."""
    kept, rejects = [], []
    for number, device in enumerate(devices, start=1):
        name = device.get("device_name")
        try:
            if name:  # a nameless device names no file; the joins by name just skip it
                safe_name(str(name), what="device")
        except InputRejected as exc:
            rejects.append(warehouse.Reject(number, str(exc), json.dumps(device, default=str)))
            continue
        kept.append(device)
    return kept, rejects


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def device_rows(day: dt.date, source: str, devices: list[dict[str, Any]]) -> list[tuple]:
    return [(day, source, d["device_id"], d.get("device_type"), d.get("device_name"),
             _int(d.get("atd_device_id")), d.get("device_ip"), d.get("device_status"),
             d.get("ip_comm_status"), d.get("atd_location_id"), _int(d.get("kits_id")),
             _float(d.get("lat")), _float(d.get("lon")), d.get("primary_st"), d.get("cross_st"))
            for d in devices]


def devices_for(conn: psycopg.Connection, source: str, day: dt.date) -> list[dict[str, Any]]:
    """The inventory as retrieved on ``day`` (or the nearest retrieval before, else after)."""
    snapshot = conn.execute(
        "select collection_date from raw_traffic.device where data_source = %s"
        " order by (collection_date <= %s) desc,"
        " case when collection_date <= %s then collection_date end desc nulls last,"
        " collection_date limit 1", (source, day, day)).fetchone()
    if snapshot is None:
        return []
    cur = conn.execute(
        "select * from raw_traffic.device where data_source = %s and collection_date = %s"
        " order by device_name", (source, snapshot[0]))
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _items(run: StageRun) -> list[Item]:
    return [Item(f"unit data {source} {day}", day, "inventory", source)
            for day in run.days for source in DEVICE_TYPES]


def _retrieve(run: StageRun, item: Item) -> ItemResult:
    source = item.payload
    retrieved = fetch_devices(DEVICE_TYPES[source])
    devices, rejects = named_devices(retrieved)
    rejected = [retrieved[r.line_number - 1].get("device_name") for r in rejects]
    for reject in rejects:
        log.warning("%s: %s: not loaded", item.label, reject.reason)
    entry = CatalogEntry("raw", source, "unit_data", "json", item.day,
                         {"derived_from": "inventory", "devices": len(devices),
                          **({"rejected_devices": rejected} if rejected else {})})
    # The lake keeps the inventory as retrieved; only the devices that passed are loaded.
    document = {"header": {"data_type": f"{source}_unit_data", "target_filename":
                           entry.pointer.rsplit("/", 1)[-1],
                           "collection_date": entry.collection_date.isoformat()},
                "devices": retrieved}
    rows = device_rows(item.day, source, devices)

    def load(conn: psycopg.Connection) -> None:
        warehouse.load(conn, "raw_traffic.device", DEVICE_COLUMNS, rows, mode="replace",
                       replace_where=("collection_date = %s and data_source = %s",
                                      [item.day, source]))

    return ItemResult(objects=[(entry, json.dumps(document, indent=1).encode())],
                      records=len(devices), loads=[load, reject_loader(entry.pointer, rejects)])


def _done(run: StageRun, item: Item) -> bool:
    with run.db() as conn:
        found = catalog.derived(conn, "raw", item.payload, item.day, "inventory")
    return bool(found) and all(run.lake.exists(e.pointer) for e in found)


STAGE = Stage("retrieve", "unit", "raw", _items, _retrieve, is_done=_done)
