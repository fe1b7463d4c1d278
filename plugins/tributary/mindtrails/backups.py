"""Raw responses in the lake: ``raw/mindtrails/<server>/<scale>/<timestamp>.json``, written before
anything is loaded or deleted, plus a ``<timestamp>.meta.json`` written first (whether the scale
is deleteable, when it was exported), so `recover` can rebuild the warehouse from the lake alone.
Server names (a run's param) and scale names (the website's listing) come from outside: each must
be a plain name (`tributary.inputs.safe_name`) before it becomes part of a lake key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from tributary.inputs import safe_name

ROOT = "raw/mindtrails"
STAMP = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class Backup:
    server: str
    scale: str
    path: str
    exported_at: dt.datetime
    deleteable: bool


def backup_path(server: str, scale: str, exported_at: dt.datetime) -> str:
    server, scale = safe_name(server, what="server"), safe_name(scale, what="scale")
    return f"{ROOT}/{server}/{scale}/{exported_at.astimezone(dt.UTC).strftime(STAMP)}.json"


def write_backup(lake, server: str, scale: str, raw: bytes, exported_at: dt.datetime,
                 deleteable: bool, entries: int) -> Backup:
    path = backup_path(server, scale, exported_at)
    meta = {"server": server, "scale": scale, "deleteable": deleteable, "entries": entries,
            "exported_at": exported_at.isoformat(), "sha256": hashlib.sha256(raw).hexdigest()}
    lake.put_bytes(path.removesuffix(".json") + ".meta.json", json.dumps(meta).encode())
    lake.put_bytes(path, raw)
    return Backup(server, scale, path, exported_at, deleteable)


def list_backups(lake, server: str | None = None) -> Iterator[Backup]:
    """Every backup (oldest first per server and scale)."""
    prefix = f"{ROOT}/{safe_name(server, what='server')}" if server else ROOT
    for obj in lake.list(prefix):
        if not obj.path.endswith(".json") or obj.path.endswith(".meta.json"):
            continue
        meta = json.loads(lake.get_bytes(obj.path.removesuffix(".json") + ".meta.json"))
        yield Backup(meta["server"], meta["scale"], obj.path,
                     dt.datetime.fromisoformat(meta["exported_at"]), bool(meta["deleteable"]))
