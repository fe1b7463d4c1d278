"""Active data: one CSV per server, scale and day in the lake, as the original exporter kept its
``active_data/<scale>_<date>.csv``: the day's entries in export order, decrypted, one column per
field (sorted), so people can open a day of a questionnaire in a spreadsheet.

Key: ``active/mindtrails/<server>/<scale>/<YYYY-MM-DD>.csv`` (the UTC day of the export). Each
export appends its new entries to its day's file. The file is written whole from the warehouse
(``raw_mindtrails.entry`` ⋈ ``decoded``), and ``raw_mindtrails.active_file`` records what it
holds, so a file is rewritten only when its day gained entries or an entry was decrypted since:
the same export run twice, a retried task, or a crash between the lake write and the record,
never appends a row twice, and a run that missed its turn is caught up by the next one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
from dataclasses import dataclass

from tributary import warehouse
from tributary.inputs import safe_name
from tributary.mindtrails.alerts import DEFAULT as DEFAULT_ALERTS
from tributary.mindtrails.alerts import Alert, AlertSettings

log = logging.getLogger(__name__)

ROOT = "active/mindtrails"
RECORD_COLUMNS = ["server", "scale", "day", "entries", "decrypt_failed", "lake_key", "written_at"]

#: Per scale and UTC day of ``server``: what the warehouse holds and what the file holds.
DAYS = """
with held as (
    select e.scale, (e.exported_at at time zone 'UTC')::date as day,
           count(*)::int as entries, count(*) filter (where d.decrypt_failed)::int as decrypt_failed
    from raw_mindtrails.entry e
    join raw_mindtrails.decoded d using (server, scale, id)
    where e.server = %(server)s and (%(scales)s::text[] is null or e.scale = any(%(scales)s::text[]))
    group by 1, 2
)
select h.scale, h.day, h.entries, h.decrypt_failed,
       f.entries is distinct from h.entries or f.decrypt_failed is distinct from h.decrypt_failed
from held h
left join raw_mindtrails.active_file f
  on f.server = %(server)s and f.scale = h.scale and f.day = h.day
order by h.scale, h.day
"""

ROWS = """
select e.id, d.payload
from raw_mindtrails.entry e
join raw_mindtrails.decoded d using (server, scale, id)
where e.server = %s and e.scale = %s and (e.exported_at at time zone 'UTC')::date = %s
order by e.exported_at, e.id
"""


@dataclass(frozen=True)
class ActiveFile:
    server: str
    scale: str
    day: str
    key: str
    entries: int


def active_key(server: str, scale: str, day: dt.date) -> str:
    return f"{ROOT}/{safe_name(server, what='server')}/{safe_name(scale, what='scale')}/{day.isoformat()}.csv"


def cell(value: object) -> str:
    """A field as the CSV shows it: text as is, null empty, numbers, booleans and nested values
    as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def render(payloads: list[dict]) -> bytes:
    """The CSV of a day's entries: a header of every field any entry has, sorted."""
    fields = sorted({key for payload in payloads for key in payload})
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(fields)
    for payload in payloads:
        writer.writerow([cell(payload.get(f)) for f in fields])
    return out.getvalue().encode()


def write_active_data(server: str, lake, *, scales: list[str] | None = None, force: bool = False,
                      url: str | None = None, alerts: AlertSettings = DEFAULT_ALERTS) -> list[ActiveFile]:
    """(Re)write the active-data CSVs of ``server`` whose day changed (every day with ``force``),
    of ``scales`` only when given; returns the files written. A file that cannot be written
    alerts (write_failed) and fails after the others were tried."""
    written: list[ActiveFile] = []
    failures: list[str] = []
    with warehouse.connect(url) as conn:
        days = conn.execute(DAYS, {"server": server, "scales": scales}).fetchall()
    for scale, day, _held, failed, changed in days:
        if not (changed or force):
            continue
        key = active_key(server, scale, day)
        with warehouse.connect(url) as conn:
            rows = conn.execute(ROWS, (server, scale, day)).fetchall()
        try:
            lake.put_bytes(key, render([payload for _, payload in rows]))
            with warehouse.transaction(url) as conn:
                warehouse.load(conn, "raw_mindtrails.active_file", RECORD_COLUMNS,
                               [(server, scale, day, len(rows), failed, key, dt.datetime.now(dt.UTC))],
                               mode="upsert", key=["server", "scale", "day"])
        except Exception as exc:
            alerts.send(Alert("write_failed", server, scale, [i for i, _ in rows],
                              f"Could not write the active-data file {key} "
                              f"({type(exc).__name__}: {exc}); the next run tries again."))
            failures.append(f"{key}: {exc}")
            continue
        written.append(ActiveFile(server, scale, day.isoformat(), key, len(rows)))
        log.info("%s: %d entries", key, len(rows))
    if failures:
        raise ActiveDataFailed(f"server {server!r}: {len(failures)} active-data files not written: "
                               + "; ".join(failures)[:600])
    return written


class ActiveDataFailed(RuntimeError):
    """Some active-data files could not be written (the lake refused); retried, and caught up by
    the next run anyway."""
