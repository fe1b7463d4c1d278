"""Rebuild ``raw_mindtrails`` from the lake backups: replay every raw response, oldest first,
through the same load as the export (new ids only; benchmark only moves up). Running it twice, or
on a warehouse that already holds the data, changes nothing; on an empty warehouse it gives the
rows the original exports loaded, with their original export times.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from tributary import warehouse
from tributary.mindtrails.backups import list_backups
from tributary.mindtrails.export import ExportError, parse_entries, store

log = logging.getLogger(__name__)


@dataclass
class RecoverResult:
    backups: int = 0
    entries: int = 0
    inserted: int = 0


def recover(lake, server: str | None = None, url: str | None = None) -> RecoverResult:
    result = RecoverResult()
    backups = sorted(list_backups(lake, server), key=lambda b: (b.server, b.scale, b.path))
    with warehouse.transaction(url) as conn:
        for backup in backups:
            raw = lake.get_bytes(backup.path)
            meta = json.loads(lake.get_bytes(backup.path.removesuffix(".json") + ".meta.json"))
            if hashlib.sha256(raw).hexdigest() != meta["sha256"]:
                raise ExportError(f"backup {backup.path} does not match its checksum: not replayed")
            entries = parse_entries(raw, backup.server, backup.scale)
            inserted = store(conn, backup.server, backup.scale, backup.deleteable, entries,
                             backup.exported_at, backup.path).inserted
            result.backups += 1
            result.entries += len(entries)
            result.inserted += inserted
    log.info("recovered %d backups: %d entries, %d were missing", result.backups, result.entries,
             result.inserted)
    return result
