"""Bluetooth (AWAM readers): three daily text files through raw → rawjson → ready → portal.

- IAF ``Austin_bt_MM-DD-YYYY.txt``: one line per device address read by a reader;
- ITMF ``Austin_btmatch_…``: one line per address matched between two readers (a trip);
- TMSR ``Austin_bt_summary_15_…``: 15-minute travel-time summaries per reader pair.
Files are headerless CSV with ``M/D/YYYY h:mm:ss AM`` local timestamps. Files are dropped by the
AWAM host into ``landing/bluetooth/`` in the lake.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tributary import warehouse
from tributary.errors import MAX_CELL_CHARS, reject_raw
from tributary.traffic import catalog, documents, publish, stages, unit_data
from tributary.traffic.calendar import CITY_TZ, day_of_week, localise
from tributary.traffic.catalog import CatalogEntry
from tributary.traffic.perfmet import Obs
from tributary.traffic.stages import Item, ItemError, ItemResult, StageRun

SOURCE = "bt"
LANDING = "landing/bluetooth/"
FILE_NAME = re.compile(r"^(Austin_bt_summary_15|Austin_btmatch|Austin_bt)_(\d{1,2})-(\d{1,2})-(\d{4})\.txt$")
TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p")


def _int(text: str) -> int:
    return int(text)


def _float(text: str) -> float:
    return float(text)


@dataclass(frozen=True)
class FileType:
    base: str
    kind: str  # the header's file_type
    fields: tuple[tuple[str, Callable[[str], Any] | None], ...]  # None: text; "time": timestamp
    times: tuple[str, ...]
    readers: tuple[str, ...]  # fields naming readers (joined to unit data in ready)


FILE_TYPES = {ft.base: ft for ft in (
    FileType("Austin_bt", "unmatched",
             (("host_timestamp", None), ("ip_address", None), ("field_timestamp", None),
              ("reader_id", None), ("dev_addr", None)),
             ("host_timestamp", "field_timestamp"), ("reader_id",)),
    FileType("Austin_btmatch", "matched",
             (("dev_addr", None), ("origin_reader_id", None), ("dest_reader_id", None),
              ("start_time", None), ("end_time", None), ("travel_time_secs", _int),
              ("speed", _int), ("match_validity", None), ("filter_id", _int)),
             ("start_time", "end_time"), ("origin_reader_id", "dest_reader_id")),
    FileType("Austin_bt_summary_15", "traf_match_summary",
             (("origin_reader_id", None), ("dest_reader_id", None), ("origin_road", None),
              ("origin_cross_st", None), ("origin_dir", None), ("dest_road", None),
              ("dest_cross_st", None), ("dest_dir", None), ("seg_length", _float),
              ("timestamp", None), ("avg_travel_time", _float), ("avg_speed", _float),
              ("interval", _int), ("samples", _int), ("std_dev", _float)),
             ("timestamp",), ("origin_reader_id", "dest_reader_id")),
)}


def parse_time(text: str) -> dt.datetime | None:
    """An AWAM timestamp as an aware city time; None when it cannot be read."""
    for fmt in TIME_FORMATS:
        try:
            return localise(dt.datetime.strptime(text.strip(), fmt))
        except ValueError:
            continue
    return None


def parse_file_name(name: str) -> tuple[str, dt.date] | None:
    match = FILE_NAME.match(name)
    if not match:
        return None
    base, month, day, year = match.groups()
    try:
        return base, dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


@dataclass
class Parsed:
    data: list[dict[str, Any]]
    rejects: list[warehouse.Reject]
    bad_times: int


def parse_lines(file_type: FileType, lines: list[str]) -> Parsed:
    """Headerless CSV → records; malformed lines become rejects, unreadable times become null."""
    data, rejects, bad_times = [], [], 0
    width = len(file_type.fields)
    for number, raw in enumerate(lines, start=1):
        values, problem = _fields(raw, width)
        if values is None and problem is None:
            continue
        if problem:
            rejects.append(warehouse.Reject(number, problem, reject_raw(raw)))
            continue
        record: dict[str, Any] = {}
        try:
            for (name, cast), value in zip(file_type.fields, values, strict=True):
                record[name] = cast(value) if cast else value.strip()
        except ValueError as exc:
            rejects.append(warehouse.Reject(number, f"bad number: {exc}"[:300], reject_raw(raw)))
            continue
        for name in file_type.times:
            moment = parse_time(record[name])
            bad_times += moment is None
            record[name] = moment.isoformat(sep=" ") if moment else None
        data.append(record)
    return Parsed(data, rejects, bad_times)


def _fields(line: str, width: int) -> tuple[list[str] | None, str | None]:
    """One headerless CSV line's fields, or why it is rejected; (None, None) for a blank line."""
    if "\x00" in line:
        return None, "holds a NUL byte"
    if len(line) > width * (MAX_CELL_CHARS + 1):
        return None, f"longer than {width * (MAX_CELL_CHARS + 1):,} characters"
    try:
        values = next(csv.reader([line]), [])
    except csv.Error as exc:  # the csv module's own cell limit (128 KB) is past ours
        return None, (f"a cell holds more than {MAX_CELL_CHARS:,} characters" if "field limit" in str(exc)
                      else f"not readable as CSV ({exc})")
    if not "".join(values).strip():
        return None, None
    if len(values) != width:
        return None, f"expected {width} fields, got {len(values):,}"
    if max(map(len, values)) > MAX_CELL_CHARS:
        return None, f"a cell holds more than {MAX_CELL_CHARS:,} characters"
    return values, None


def reader_obs(day: dt.date, data: list[dict[str, Any]]) -> list[Obs]:
    """IAF: addresses read per reader that day, with the first and last read."""
    counts: dict[str, int] = defaultdict(int)
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for row in data:
        reader, moment = row["reader_id"], row["host_timestamp"]
        counts[reader] += 1
        if moment:
            first[reader] = min(first.get(reader, moment), moment)
            last[reader] = max(last.get(reader, moment), moment)
    return [Obs(day, SOURCE, "reads", reader, float(n),
                dt.datetime.fromisoformat(first[reader]) if reader in first else None,
                dt.datetime.fromisoformat(last[reader]) if reader in last else None)
            for reader, n in sorted(counts.items())]


# --- stages --------------------------------------------------------------------------------


def _ingest_items(run: StageRun) -> list[Item]:
    items = []
    days = set(run.days)
    for obj in run.lake.list(LANDING):
        name = obj.path.rsplit("/", 1)[-1]
        parsed = parse_file_name(name)
        if parsed and parsed[1] in days:
            items.append(Item(name, parsed[1], name, (parsed[0], obj.path)))
    return sorted(items, key=lambda i: (i.day, i.label))


def _ingest(run: StageRun, item: Item) -> ItemResult:
    base, path = item.payload
    data = run.lake.get_bytes(path)
    entry = CatalogEntry("raw", SOURCE, base, "txt", item.day,
                         {"derived_from": item.base, "bytes": len(data)})
    return ItemResult(objects=[(entry, data)], records=data.count(b"\n"))


def _standardize(run: StageRun, item: Item) -> ItemResult:
    source: CatalogEntry = item.payload
    file_type = FILE_TYPES[source.id_base]
    parsed = parse_lines(file_type, documents.text_lines(run.read(source), source.pointer))
    if parsed.rejects and not parsed.data:
        first = parsed.rejects[0]
        raise ItemError(f"{source.pointer}: none of its {len(parsed.rejects):,} lines is a "
                        f"{file_type.kind} record (wrong file or binary?); line {first.line_number}: "
                        f"{first.reason}")
    entry = CatalogEntry("rawjson", SOURCE, source.id_base, "json", item.day,
                         {"derived_from": source.id_base, "records": len(parsed.data),
                          "rejects": len(parsed.rejects), "bad_timestamps": parsed.bad_times})
    document = {"header": documents.header(entry, "bluetooth", file_type=file_type.kind,
                                           origin_filename=source.pointer.rsplit("/", 1)[-1],
                                           bad_timestamps=parsed.bad_times,
                                           rejected_lines=len(parsed.rejects)),
                "data": parsed.data}
    obs = reader_obs(item.day, parsed.data) if file_type.kind == "unmatched" else []
    return ItemResult([(entry, documents.dumps(document))], len(parsed.data), obs,
                      [stages.reject_loader(source.pointer, parsed.rejects)])


def join_unit_data(file_type: FileType, data: list[dict[str, Any]],
                   devices: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict], int]:
    """Add ``device_id`` (or ``origin_/dest_device_id``) per reader; rows naming a reader the
    inventory does not know are dropped and counted."""
    by_name = {d["device_name"]: d for d in devices}
    kept, used, dropped = [], {}, 0
    for row in data:
        names = [row[f] for f in file_type.readers]
        if not all(n in by_name for n in names):
            dropped += 1
            continue
        out = dict(row)
        for field_name, name in zip(file_type.readers, names, strict=True):
            key = "device_id" if field_name == "reader_id" else field_name.replace("reader_id", "device_id")
            out[key] = by_name[name]["device_id"]
            used[name] = by_name[name]
        kept.append(out)
    return kept, [used[n] for n in sorted(used)], dropped


def _ready(run: StageRun, item: Item) -> ItemResult:
    source: CatalogEntry = item.payload
    file_type = FILE_TYPES[source.id_base]
    document = documents.loads(run.read(source), source.pointer)
    with run.db() as conn:
        devices = unit_data.devices_for(conn, SOURCE, item.day)
    if not devices:
        raise ItemError(f"no bluetooth unit data for {item.day}: run traffic_unit_data first")
    kept, used, dropped = join_unit_data(file_type, document["data"], devices)
    entry = CatalogEntry("ready", SOURCE, source.id_base, "json", item.day,
                         {"derived_from": source.id_base, "records": len(kept),
                          "unmatched_dropped": dropped})
    out = {"header": {**document["header"], **documents.header(entry, "bluetooth"),
                      "file_type": file_type.kind, "unmatched_dropped": dropped},
           "data": kept, "devices": used}
    return ItemResult([(entry, documents.dumps(out))], len(kept))


# --- publish -------------------------------------------------------------------------------


def record_id(*parts: Any) -> str:
    return hashlib.md5("|".join(str(p) for p in parts).encode()).hexdigest()  # noqa: S324


def address_counter(*row_lists: list[dict[str, Any]]) -> dict[str, int]:
    """Device addresses → 1, 2, 3… in order of first appearance (IAF first), reset every day,
    so the portal never sees an address that could track a phone across days."""
    counter: dict[str, int] = {}
    for rows in row_lists:
        for row in rows:
            counter.setdefault(row["dev_addr"], len(counter) + 1)
    return counter


def _dow(moment: str | None) -> int | None:
    return day_of_week(dt.datetime.fromisoformat(moment).astimezone(CITY_TZ)) if moment else None


def publish_rows(base: str, day: dt.date, data: list[dict[str, Any]],
                 counter: dict[str, int]) -> list[tuple]:
    """Ready records → rows of the portal dataset for this file type (see PUBLISH)."""
    if base == "Austin_bt":
        return [(day, record_id(r["host_timestamp"], r["reader_id"], r["dev_addr"]),
                 r["host_timestamp"], r["ip_address"], r["field_timestamp"], r["reader_id"],
                 counter[r["dev_addr"]], r["device_id"], _dow(r["host_timestamp"])) for r in data]
    if base == "Austin_btmatch":
        return [(day, record_id(r["dev_addr"], r["origin_reader_id"], r["dest_reader_id"],
                                r["start_time"], r["end_time"]),
                 counter[r["dev_addr"]], r["origin_reader_id"], r["dest_reader_id"],
                 r["start_time"], r["end_time"], r["travel_time_secs"], r["speed"],
                 r["match_validity"], r["filter_id"], _dow(r["start_time"])) for r in data]
    return [(day, record_id(r["origin_reader_id"], r["dest_reader_id"], r["timestamp"]),
             r["origin_reader_id"], r["dest_reader_id"], r["origin_road"], r["origin_cross_st"],
             r["origin_dir"], r["dest_road"], r["dest_cross_st"], r["dest_dir"], r["seg_length"],
             r["timestamp"], r["avg_travel_time"], r["avg_speed"], r["interval"], r["samples"],
             r["std_dev"], _dow(r["timestamp"])) for r in data]


PUBLISH = {
    "Austin_bt": publish.Target(
        "raw_traffic.bt_iaf_publish", "traffic_bt_iaf", "record_id",
        ["collection_date", "record_id", "host_read_time", "field_device_ip",
         "field_device_read_time", "reader_identifier", "device_address", "device_id",
         "day_of_week"]),
    "Austin_btmatch": publish.Target(
        "raw_traffic.bt_itmf_publish", "traffic_bt_itmf", "record_id",
        ["collection_date", "record_id", "device_address", "origin_reader_identifier",
         "destination_reader_identifier", "start_time", "end_time", "travel_time_seconds",
         "speed_miles_per_hour", "match_validity", "filter_identifier", "day_of_week"]),
    "Austin_bt_summary_15": publish.Target(
        "raw_traffic.bt_tmsr_publish", "traffic_bt_tmsr", "record_id",
        ["collection_date", "record_id", "origin_reader_identifier",
         "destination_reader_identifier", "origin_roadway", "origin_cross_street",
         "origin_direction", "destination_roadway", "destination_cross_street",
         "destination_direction", "segment_length_miles", "timestamp",
         "average_travel_time_seconds", "average_speed_miles_per_hour",
         "summary_interval_minutes", "number_samples", "standard_deviation", "day_of_week"]),
}


def _publish(run: StageRun, item: Item) -> ItemResult:
    source: CatalogEntry = item.payload
    data = documents.loads(run.read(source), source.pointer)["data"]
    iaf: list[dict[str, Any]] = []
    if source.id_base != "Austin_bt":
        with run.db() as conn:
            iaf_entries = catalog.derived(conn, "ready", SOURCE, item.day, "Austin_bt")
        if iaf_entries:
            iaf = documents.loads(run.read(iaf_entries[0]), iaf_entries[0].pointer)["data"]
    counter = address_counter(iaf, data) if source.id_base != "Austin_bt_summary_15" else {}
    rows = publish_rows(source.id_base, item.day, data, counter)
    sent = publish.publish_day(run, item, PUBLISH[source.id_base], rows)
    return ItemResult(records=sent)


STAGES = stages.lake_stages(
    SOURCE, ingest_items=_ingest_items, ingest=_ingest, standardize=_standardize, ready=_ready,
    publish=_publish, raw_ext="txt", wanted=FILE_TYPES.__contains__,
    published=publish.is_published(PUBLISH.get))
