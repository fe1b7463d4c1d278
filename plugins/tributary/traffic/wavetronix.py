"""Wavetronix radar detectors: 15-minute counts per detector, read from the vendor's database.

Ingest reads a day's rows through the SQL connection ``wavetronix`` (any DB-API connection
Airflow knows; the table defaults to ``vendor_wavetronix.detector_counts`` and can be set in the
connection's extra as ``{"table": "…"}``) and stores them as CSV in the lake. Standardize casts
the integers; ready joins ``intID`` to the unit data; publish adds direction, day of week,
15-minute time bin and an md5 ``row_id``.

Rows arrive during the day, so a day is ingested in parts: each part holds the rows read after
the day's high-water mark (the newest ``curDateTime`` already in the lake, recorded as
``through`` in each raw part's catalog metadata) up to the newest row at listing time. The first
part of a day is ``wavetronix``, later ones ``wavetronix_<HHMMSS>`` (their ``through``). Every
later stage handles each part on its own, so an hourly intraday run loads each row once. The
mark assumes the vendor writes readings in time order (it does: one row per detector and 15
minutes, written when the interval closes).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tributary import warehouse
from tributary.errors import MAX_CELL_CHARS, MAX_COLUMNS, BadInput, quote_input, reject_raw
from tributary.traffic import catalog, documents, publish, stages, unit_data
from tributary.traffic.calendar import day_of_week, localise, timebin_label
from tributary.traffic.catalog import CatalogEntry
from tributary.traffic.perfmet import Obs
from tributary.traffic.stages import Item, ItemError, ItemResult, StageRun

SOURCE = "wt"
BASE = "wavetronix"
CONN_ID = "wavetronix"
DEFAULT_TABLE = "vendor_wavetronix.detector_counts"
COLUMNS = ["detID", "intID", "curDateTime", "intName", "detName", "volume", "occupancy", "speed",
           "status", "uploadSuccess", "detCountComparison", "dailyCumulative"]
INTEGERS = ["detID", "intID", "volume", "occupancy", "speed", "status", "uploadSuccess",
            "detCountComparison", "dailyCumulative"]


def vendor_table(extra: dict[str, Any]) -> str:
    """The vendor table the connection's extra names (``{"table": "schema.table"}``), checked."""
    table = extra.get("table") or DEFAULT_TABLE
    if not isinstance(table, str) or not all(
            part and part.replace("_", "").isalnum() for part in table.split(".")):
        raise BadInput(f"connection {CONN_ID!r}: table {quote_input(table, 80)!r} is not a plain "
                       "schema.table name")
    return table


def _vendor():
    """(DB-API hook, table) for the connection ``wavetronix``.

    ``table`` is ours, not the driver's: the hook gets the connection without it, because a SQL
    hook passes every extra key on to its driver (psycopg2 refuses ``invalid connection option
    "table"``)."""
    import attrs  # noqa: PLC0415
    from airflow.sdk import BaseHook  # noqa: PLC0415

    conn = BaseHook.get_connection(CONN_ID)
    extra = dict(conn.extra_dejson or {})
    table = vendor_table(extra)
    extra.pop("table", None)
    own = attrs.evolve(conn, extra=json.dumps(extra) if extra else None)
    return own.get_hook(hook_params={"connection": own}), table


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(day, dt.time()), dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


@dataclass(frozen=True)
class Part:
    """The rows of one raw part: read after ``after`` (None: from midnight) up to ``through``."""

    after: str | None
    through: str

    @property
    def lower(self) -> dt.datetime | None:
        return dt.datetime.fromisoformat(self.after) if self.after else None


def is_part(base: str) -> bool:
    return base == BASE or base.startswith(f"{BASE}_")


def part_base(first: bool, through: str) -> str:
    return BASE if first else f"{BASE}_{dt.datetime.fromisoformat(through):%H%M%S}"


def _ingest_items(run: StageRun) -> list[Item]:
    """Per day: the parts already in the lake (skipped unless ``force`` re-reads their range) and
    a new part of the rows after the day's mark, if the vendor has any."""
    hook, table = _vendor()
    items = []
    with run.db() as conn:
        known = catalog.entries(conn, "raw", SOURCE, run.start, run.end, id_ext="csv")
    for day in run.days:
        start, end = _day_bounds(day)
        # a part catalogued without a mark (before parts existed) covers the whole day
        parts = {e.id_base: Part(e.metadata.get("after"),
                                 e.metadata.get("through") or end.isoformat(sep=" "))
                 for e in known if e.day == day and is_part(e.id_base)}
        items += [Item(f"{base} {day}", day, base, part) for base, part in sorted(parts.items())]
        mark = max((part.through for part in parts.values()), default=None)
        lower = dt.datetime.fromisoformat(mark) if mark else None
        count, newest = hook.get_records(
            f'select count(*), max("curDateTime") from {table}'  # noqa: S608
            ' where "curDateTime" >= %s and "curDateTime" < %s'
            ' and (%s::timestamp is null or "curDateTime" > %s::timestamp)',
            parameters=(start, end, lower, lower))[0]
        if count:
            through = newest.isoformat(sep=" ")
            base = part_base(not parts, through)
            items.append(Item(f"{base} {day} ({count} new rows)", day, base, Part(mark, through)))
    return items


def _ingest(run: StageRun, item: Item) -> ItemResult:
    hook, table = _vendor()
    part: Part = item.payload
    start, end = _day_bounds(item.day)
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    rows = hook.get_records(
        f'select {cols} from {table} where "curDateTime" >= %s and "curDateTime" < %s'  # noqa: S608
        ' and (%s::timestamp is null or "curDateTime" > %s::timestamp)'
        ' and "curDateTime" <= %s order by "curDateTime", "detID"',
        parameters=(start, end, part.lower, part.lower, dt.datetime.fromisoformat(part.through)))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v for v in row])
    entry = CatalogEntry("raw", SOURCE, item.base, "csv", item.day,
                         {"derived_from": item.base, "rows": len(rows), "after": part.after,
                          "through": part.through})
    return ItemResult([(entry, buffer.getvalue().encode())], len(rows))


def standardize_rows(lines: list[str]) -> tuple[list[dict[str, Any]], list[warehouse.Reject]]:
    """CSV with a header → records with integers cast and the time localised; bad rows rejected."""
    reader = csv.DictReader(lines)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise ItemError(f"wavetronix CSV header is not readable ({exc})") from None
    if len(header) > MAX_COLUMNS:
        raise ItemError(f"wavetronix CSV header has {len(header):,} columns, more than {MAX_COLUMNS:,}")
    missing = set(COLUMNS) - set(header)
    if missing:
        raise ItemError(f"wavetronix CSV lacks columns {sorted(missing)} "
                        f"(header: {quote_input(','.join(header))})")
    data, rejects = [], []
    for number, row in _numbered(reader):
        raw = reject_raw(lines[number - 1] if number <= len(lines) else "")
        problem = _problem(row, len(header))
        if problem:
            rejects.append(warehouse.Reject(number, problem, raw))
            continue
        try:
            record: dict[str, Any] = {k.lower(): row[k] for k in COLUMNS}
            for k in INTEGERS:
                record[k.lower()] = int(row[k])
            record["curdatetime"] = localise(dt.datetime.fromisoformat(row["curDateTime"])).isoformat(sep=" ")
        except (TypeError, ValueError) as exc:
            rejects.append(warehouse.Reject(number, f"bad value: {quote_input(exc)}", raw))
            continue
        data.append(record)
    if rejects and not data:
        raise ItemError(f"wavetronix CSV: none of its {len(rejects):,} rows is readable; "
                        f"line {rejects[0].line_number}: {rejects[0].reason}")
    return data, rejects


def _numbered(reader: csv.DictReader) -> Iterator[tuple[int, dict | None]]:
    """(line number, row) per data row; None as the row for a line the csv module refuses
    (a cell over its field limit)."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield reader.reader.line_num, None
            continue
        yield reader.reader.line_num, row


def _problem(row: dict | None, width: int) -> str | None:
    if row is None:
        return f"a cell holds more than {MAX_CELL_CHARS:,} characters"
    if None in row or None in row.values():
        return f"expected {width} fields"
    values = [str(v) for v in row.values()]
    if any("\x00" in v for v in values):
        return "holds a NUL byte"
    if max(map(len, values), default=0) > MAX_CELL_CHARS:
        return f"a cell holds more than {MAX_CELL_CHARS:,} characters"
    return None


def volume_totals(data: list[dict[str, Any]]) -> dict[str, list]:
    """Per intersection: [vehicles counted, first reading, last reading] of these records."""
    totals: dict[str, list] = {}
    for r in data:
        total, lo, hi = totals.get(r["intname"], [0, r["curdatetime"], r["curdatetime"]])
        totals[r["intname"]] = [total + r["volume"], min(lo, r["curdatetime"]), max(hi, r["curdatetime"])]
    return totals


def merge_totals(*parts: dict[str, list]) -> dict[str, list]:
    """The day's totals from its parts' totals."""
    merged: dict[str, list] = {}
    for totals in parts:
        for name, (total, lo, hi) in totals.items():
            if name in merged:
                t0, lo0, hi0 = merged[name]
                merged[name] = [t0 + total, min(lo0, lo), max(hi0, hi)]
            else:
                merged[name] = [total, lo, hi]
    return merged


def volume_obs(day: dt.date, totals: dict[str, list]) -> list[Obs]:
    """Vehicles counted per intersection that day, with the first and last reading."""
    return [Obs(day, SOURCE, "volume", name, float(total), dt.datetime.fromisoformat(lo),
                dt.datetime.fromisoformat(hi))
            for name, (total, lo, hi) in sorted(totals.items())]


def _standardize(run: StageRun, item: Item) -> ItemResult:
    source: CatalogEntry = item.payload
    data, rejects = standardize_rows(documents.text_lines(run.read(source), source.pointer))
    totals = volume_totals(data)
    # The day's measure per intersection sums every part of the day (each part keeps its own
    # totals in its catalog entry), so an intraday part does not replace the day's count.
    with run.db() as conn:
        others = [e.metadata.get("volume") or {} for e in
                  catalog.entries(conn, "rawjson", SOURCE, item.day, item.day + dt.timedelta(days=1),
                                  id_ext="json") if is_part(e.id_base) and e.id_base != item.base]
    entry = CatalogEntry("rawjson", SOURCE, item.base, "json", item.day,
                         {"derived_from": item.base, "records": len(data), "rejects": len(rejects),
                          "volume": totals})
    document = {"header": documents.header(entry, "wavetronix", data_source="wavetronix",
                                           origin_filename=source.pointer.rsplit("/", 1)[-1]),
                "data": data}
    return ItemResult([(entry, documents.dumps(document))], len(data),
                      volume_obs(item.day, merge_totals(*others, totals)),
                      [stages.reject_loader(source.pointer, rejects)])


def _ready(run: StageRun, item: Item) -> ItemResult:
    source: CatalogEntry = item.payload
    document = documents.loads(run.read(source), source.pointer)
    with run.db() as conn:
        devices = unit_data.devices_for(conn, SOURCE, item.day)
    if not devices:
        raise ItemError(f"no wavetronix unit data for {item.day}: run traffic_unit_data first")
    by_kits = {d["kits_id"]: d for d in devices if d.get("kits_id") is not None}
    kept, used, dropped = [], {}, 0
    for row in document["data"]:
        device = by_kits.get(row["intid"])
        if device is None:
            dropped += 1
            continue
        used[device["device_id"]] = device
        kept.append({**row, "device_id": device["device_id"], "atd_device_id": device["atd_device_id"]})
    entry = CatalogEntry("ready", SOURCE, item.base, "json", item.day,
                         {"derived_from": item.base, "records": len(kept), "unmatched_dropped": dropped})
    out = {"header": {**document["header"], **documents.header(entry, "wavetronix"),
                      "unmatched_dropped": dropped},
           "data": kept, "devices": [{**d, "collection_date": str(d["collection_date"])}
                                     for d in used.values()]}
    return ItemResult([(entry, documents.dumps(out))], len(kept))


def direction(det_name: str) -> str | None:
    """The detector name's part before ``_`` (``NB_in`` → ``NB``); None when it has no ``_``."""
    return det_name.split("_", 1)[0] if "_" in det_name else None


def row_id(intname: str, curdatetime: str, detid: int) -> str:
    return hashlib.md5(f"{intname}{curdatetime}{detid}".encode()).hexdigest()  # noqa: S324


def publish_row(day: dt.date, r: dict[str, Any]) -> tuple:
    moment = dt.datetime.fromisoformat(r["curdatetime"]).replace(tzinfo=None)  # local wall time
    return (day, row_id(r["intname"], moment.isoformat(), r["detid"]), r["intid"], r["intname"],
            r["detid"], r["detname"], moment, direction(r["detname"]), day_of_week(moment),
            timebin_label(moment), moment.year, moment.month, moment.day, moment.hour,
            moment.minute, r["volume"], r["occupancy"], r["speed"])


TARGET = publish.Target(
    "raw_traffic.wt_publish", "traffic_wavetronix", "row_id",
    ["collection_date", "row_id", "int_id", "intname", "detid", "detname", "curdatetime",
     "direction", "day_of_week", "timebin", "year", "month", "day", "hour", "minute", "volume",
     "occupancy", "speed"])


def _publish(run: StageRun, item: Item) -> ItemResult:
    source: CatalogEntry = item.payload
    data = documents.loads(run.read(source), source.pointer)["data"]
    rows = [publish_row(item.day, r) for r in data]
    return ItemResult(records=publish.publish_day(run, item, TARGET, rows))


#: Every part of a day goes through each stage on its own, and publishes to the one dataset.
STAGES = stages.lake_stages(
    SOURCE, ingest_items=_ingest_items, ingest=_ingest, standardize=_standardize, ready=_ready,
    publish=_publish, raw_ext="csv", wanted=is_part,
    published=publish.is_published(lambda base: TARGET if is_part(base) else None))
