"""Export one scale from one study website: fetch above the benchmark, back up, load, delete.

Order matters, and each step only starts once the previous one is durable:
1. fetch the raw response (a failed or cut transfer stops here: nothing written);
2. validate it (malformed JSON or an entry without an integer id: rejected, nothing written);
3. write the raw response to the lake;
4. load the entries into ``raw_mindtrails.entry`` (idempotent on server, scale, id) and advance
   ``raw_mindtrails.benchmark`` in the same transaction;
5. only then, for deleteable scales of servers in delete mode, delete the committed entries from
   the website, after checking that the study key decrypts them (a wrong key deletes nothing).

In delete mode a deleteable scale is read whole (not above the benchmark): anything at or below
the benchmark still there is sensitive data that should be gone, which raises a critical alert
and is deleted again. Otherwise only entries above the benchmark are fetched.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import asdict, dataclass, field

from tributary import faults, warehouse
from tributary.errors import BadInput, SourceUnavailable, quote_input, reject_raw
from tributary.mindtrails import rsa_fields
from tributary.mindtrails.alerts import DEFAULT as DEFAULT_ALERTS
from tributary.mindtrails.alerts import Alert, AlertSettings
from tributary.mindtrails.backups import write_backup
from tributary.mindtrails.servers import Server
from tributary.mindtrails.site_client import SiteError, StudySite

log = logging.getLogger(__name__)

ENTRY_COLUMNS = ["server", "scale", "id", "payload", "exported_at", "backup_path"]
BENCHMARK_COLUMNS = ["server", "scale", "current_id", "deleteable", "updated_at"]
#: Entry ids are Postgres bigints.
MAX_ID = 2**63 - 1


class ExportError(BadInput):
    """An export cannot go on with this input or configuration (no such scale, no key or the
    wrong key in delete mode, a damaged backup); the message names the server, scale and what
    to do. Retrying cannot help, so the task fails at once."""


class EntryError(ExportError):
    """The website's response cannot be trusted as a list of entries."""


class DeleteFailed(SourceUnavailable):
    """The website did not delete some committed entries; they are safe in the warehouse and
    the lake, and the retry (or the next run) deletes them again."""


@dataclass
class ExportResult:
    server: str
    scale: str
    deleteable: bool
    fetched: int = 0
    inserted: int = 0
    benchmark_before: int | None = None
    benchmark_after: int | None = None
    backup_path: str | None = None
    exported_at: str | None = None  # ISO 8601, UTC
    stale_ids: list[int] = field(default_factory=list)
    deleted_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


# --- scale selection ---------------------------------------------------------------------------


def select_scales(listing, selector: str, server: str) -> list:
    """``.``: deleteable scales; ``all``; ``static``: the non-deleteable ones; else one name."""
    if selector in (".", ""):
        return [s for s in listing if s.deleteable]
    if selector == "all":
        return list(listing)
    if selector == "static":
        return [s for s in listing if not s.deleteable]
    chosen = [s for s in listing if s.name.lower() == selector.lower()]
    if not chosen:
        names = ", ".join(s.name for s in listing)
        raise ExportError(f"server {server!r} has no scale {quote_input(selector, 60)!r} (it has: {names})")
    return chosen


def plan(servers: list[Server], scales: str, url: str | None = None,
         alerts: AlertSettings = DEFAULT_ALERTS) -> list[dict]:
    """One work item per server × selected scale, from each website's export listing. Also keeps
    each study's session schedule (``GET /api/study``) in ``raw_mindtrails.study`` for the reports."""
    items = []
    for server in servers:
        site = StudySite(server)
        try:
            listing = site.scales()
            schedule = site.study()
        except SiteError as exc:
            alerts.send(Alert("request_failed", server.name, "(export listing)",
                              detail=f"GET export/ or study failed: {exc}"))
            raise
        with warehouse.transaction(url) as conn:
            warehouse.load(conn, "raw_mindtrails.study", ["server", "schedule", "fetched_at"],
                           [(server.name, schedule, dt.datetime.now(dt.UTC))], mode="upsert",
                           key=["server"])
        for info in select_scales(listing, scales, server.name):
            items.append({"server": server.name, "scale": info.name, "deleteable": info.deleteable})
    return items


# --- parsing -----------------------------------------------------------------------------------


def _holds_nul(value: object) -> bool:
    """Whether a NUL character hides in a JSON value's keys or strings (jsonb refuses it)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(map(_holds_nul, value))
    return False


def parse_entries(raw: bytes, server: str, scale: str) -> list[dict]:
    """The response as a list of entries with unique integer ids, or `EntryError`."""
    where = f"server {server!r}, scale {scale!r}"
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise EntryError(f"{where}: the response is not valid JSON ({exc}); nothing loaded or deleted") from None
    if not isinstance(data, list):
        raise EntryError(f"{where}: expected a JSON list of entries, got {type(data).__name__}")
    seen: set[int] = set()
    for position, entry in enumerate(data, start=1):
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(entry_id, int) or isinstance(entry_id, bool) or not 0 <= entry_id <= MAX_ID:
            raise EntryError(f"{where}: entry #{position} of {len(data)} has no integer id "
                             f"from 0 to {MAX_ID} ({quote_input(json.dumps(entry))}); "
                             "nothing loaded or deleted")
        if entry_id in seen:
            raise EntryError(f"{where}: entry id {entry_id} appears twice; nothing loaded or deleted")
        if _holds_nul(entry):
            raise EntryError(f"{where}: entry {entry_id} holds a NUL character, which the warehouse "
                             "cannot store; nothing loaded or deleted")
        seen.add(entry_id)
    return data


# --- warehouse ---------------------------------------------------------------------------------


def read_benchmark(conn, server: str, scale: str, *, lock: bool = False) -> int | None:
    row = conn.execute(
        "select current_id from raw_mindtrails.benchmark where server = %s and scale = %s"
        + (" for update" if lock else ""), (server, scale)).fetchone()
    return row[0] if row else None


@dataclass(frozen=True)
class Stored:
    inserted: int
    benchmark: int
    #: the scale had no benchmark before: this load created it
    new_benchmark: bool


def store(conn, server: str, scale: str, deleteable: bool, entries: list[dict],
          exported_at: dt.datetime, backup_path: str | None) -> Stored:
    """Load entries (new ids only) and advance the benchmark, in the caller's transaction."""
    inserted = 0
    if entries:
        rows = ((server, scale, e["id"], e, exported_at, backup_path) for e in entries)
        inserted = warehouse.load(conn, "raw_mindtrails.entry", ENTRY_COLUMNS, rows,
                                  mode="insert_new", key=["server", "scale", "id"]).inserted
    current = read_benchmark(conn, server, scale, lock=True)
    top = max([current or 0, *(e["id"] for e in entries)])
    if current is None or top > current:
        warehouse.load(conn, "raw_mindtrails.benchmark", BENCHMARK_COLUMNS,
                       [(server, scale, top, deleteable, exported_at)], mode="upsert",
                       key=["server", "scale"])
    return Stored(inserted, top, current is None)


def committed_ids(conn, server: str, scale: str, ids: list[int]) -> set[int]:
    rows = conn.execute("select id from raw_mindtrails.entry where server = %s and scale = %s "
                        "and id = any(%s)", (server, scale, ids)).fetchall()
    return {r[0] for r in rows}


# --- deleting ----------------------------------------------------------------------------------


def check_decryptable(server: Server, scale: str, entries: list[dict]) -> None:
    """Refuse to delete what the study key cannot read back: a wrong key would lose data."""
    if not server.private_key:
        raise ExportError(f"server {server.name!r} is in delete_mode but its connection has no "
                          f"private_key: nothing deleted from {scale}")
    key = rsa_fields.load_private_key(server.private_key, server.name)
    for entry in entries:
        decoded = rsa_fields.decrypt_entry(key, entry)
        if decoded.failed:
            raise ExportError(
                f"server {server.name!r}, scale {scale!r}: the private_key cannot decrypt "
                f"{', '.join(decoded.failed_fields)} of entry {entry['id']}; is it the study's key? "
                f"Entries are backed up and loaded, nothing deleted")


def delete_entries(site: StudySite, server: Server, scale: str, ids: list[int], url: str | None,
                   alerts: AlertSettings = DEFAULT_ALERTS) -> list[int]:
    """Delete committed entries one by one; record each deletion; fail (and alert) on any error."""
    with warehouse.connect(url) as conn:
        safe = committed_ids(conn, server.name, scale, ids)
    deleted, failed, first_error = [], [], ""
    for entry_id in sorted(safe):
        try:
            site.delete(scale, entry_id)
            deleted.append(entry_id)
            faults.checkpoint("mindtrails.after_first_delete")
        except Exception as exc:  # keep going: every entry gets its chance, failures are reported
            failed.append(entry_id)
            first_error = first_error or str(exc)
    if deleted:
        now = dt.datetime.now(dt.UTC)
        with warehouse.transaction(url) as conn:
            warehouse.load(conn, "raw_mindtrails.deletion", ["server", "scale", "id", "deleted_at"],
                           ((server.name, scale, i, now) for i in deleted), mode="insert_new",
                           key=["server", "scale", "id"])
    if failed:
        alert = Alert("delete_failed", server.name, scale, failed,
                      "These entries are backed up and loaded; the next run deletes them again.\n"
                      f"First error: {first_error}")
        alerts.send(alert)
        raise DeleteFailed(f"could not delete {len(failed)} entries ({alert.body().splitlines()[0]}): "
                           f"{quote_input(first_error)}")
    return deleted


# --- one server × scale ------------------------------------------------------------------------


def export_scale(server: Server, scale: str, deleteable: bool, *, lake, url: str | None = None,
                 alerts: AlertSettings = DEFAULT_ALERTS) -> ExportResult:
    """Run steps 1-5 of the module doc for one scale of one server; every failure alerts (request,
    write, delete) before it fails the task, as do stale entries and a scale's first benchmark."""
    result = ExportResult(server.name, scale, deleteable)
    site = StudySite(server)
    with warehouse.connect(url) as conn:
        result.benchmark_before = read_benchmark(conn, server.name, scale)
    deleting = deleteable and server.delete_mode
    before = result.benchmark_before
    asked = "every entry" if deleting or before is None else f"entries above id {before}"
    try:
        raw = site.fetch(scale, None if deleting else before)
    except SiteError as exc:
        alerts.send(Alert("request_failed", server.name, scale, detail=f"asked for {asked}: {exc}"))
        raise
    exported_at = dt.datetime.now(dt.UTC)
    result.exported_at = exported_at.isoformat()
    try:
        entries = parse_entries(raw, server.name, scale)
    except EntryError as exc:
        with warehouse.transaction(url) as conn:
            warehouse.record_rejects(conn, "raw_mindtrails", f"{server.name}/{scale}",
                                     [warehouse.Reject(None, str(exc), reject_raw(raw.decode("utf-8", "replace")))])
        alerts.send(Alert("request_failed", server.name, scale,
                          detail=f"asked for {asked}; the answer was refused: {exc}"))
        raise
    result.fetched = len(entries)
    ids = [e["id"] for e in entries]
    if deleting and before is not None:
        result.stale_ids = sorted(i for i in ids if i <= before)
        if result.stale_ids:
            alerts.send(Alert("stale_data", server.name, scale, result.stale_ids,
                              f"They are at or below the benchmark {before}: exported before and "
                              "should be gone. Deleting them again now."))
    try:
        if entries:
            result.backup_path = write_backup(lake, server.name, scale, raw, exported_at,
                                              deleteable, len(entries)).path
        faults.checkpoint("mindtrails.after_backup")
        with warehouse.transaction(url) as conn:
            stored = store(conn, server.name, scale, deleteable, entries, exported_at,
                           result.backup_path)
            faults.checkpoint("mindtrails.mid_commit")
    except Exception as exc:
        alerts.send(Alert("write_failed", server.name, scale, ids,
                          f"Could not back up or load the response ({type(exc).__name__}: {exc}); "
                          "nothing was deleted, the benchmark stays and the next run asks again."))
        raise
    result.inserted, result.benchmark_after = stored.inserted, stored.benchmark
    if stored.new_benchmark:
        alerts.send(Alert("new_benchmark", server.name, scale, ids,
                          f"First export of this scale: benchmark {stored.benchmark}. Later exports "
                          "ask only for entries above it."))
    faults.checkpoint("mindtrails.before_delete")
    log.info("%s/%s: %d fetched, %d new, benchmark %s -> %s", server.name, scale, result.fetched,
             result.inserted, before, result.benchmark_after)
    if deleting and entries:
        check_decryptable(server, scale, entries)
        result.deleted_ids = delete_entries(site, server, scale, ids, url, alerts)
        log.info("%s/%s: deleted %d entries from the website", server.name, scale, len(result.deleted_ids))
    return result
