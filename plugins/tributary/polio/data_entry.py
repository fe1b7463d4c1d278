"""Data entry (`polio_data_entry`, ``POST /datapoint``): one value keyed by (region, campaign,
indicator), all three master names (`master_data`). An entered value is never overwritten by a
document; entering none removes it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from tributary import warehouse
from tributary.polio import changes
from tributary.polio.master_data import MASTER_TABLE, MasterDataError


@dataclass(frozen=True)
class Entry:
    region: str
    campaign: str
    indicator: str
    value: float | None  # None removes the entry


def enter_values(entries: Iterable[Entry], *, entered_by: str = "data-entry form",
                 url: str | None = None) -> dict[str, int]:
    """Store (or remove) data-entry values; names must be master names."""
    entries = list(entries)
    with warehouse.transaction(url) as conn:
        changes.lock_for_write(conn)
        formats = dict(conn.execute("select name, data_format from raw_polio.indicator").fetchall())
        problems = []
        for e in entries:
            for kind, name in (("region", e.region), ("campaign", e.campaign)):
                if not conn.execute(f"select 1 from {MASTER_TABLE[kind]} where name = %s", (name,)).fetchone():
                    problems.append(f"unknown {kind} {name!r}")
            if e.indicator not in formats:
                problems.append(f"unknown indicator {e.indicator!r}")
            if e.value is not None:
                if not math.isfinite(e.value):
                    problems.append(f"value {e.value!r} is not a finite number")
                elif formats.get(e.indicator) == "bool" and e.value not in (0, 1):
                    problems.append(f"{e.indicator!r} is a yes/no indicator: value must be 0 or 1")
        if problems:
            raise MasterDataError("; ".join(problems))
        final = {(e.region, e.campaign, e.indicator): e.value for e in entries}
        to_set = [(*key, value, entered_by) for key, value in final.items() if value is not None]
        result = warehouse.load(conn, "raw_polio.data_entry",
                                ["region", "campaign", "indicator", "value", "entered_by"],
                                to_set, mode="upsert", key=["region", "campaign", "indicator"])
        removed = 0
        for key, value in final.items():
            if value is None:
                removed += conn.execute(
                    "delete from raw_polio.data_entry where region = %s and campaign = %s "
                    "and indicator = %s", key).rowcount
        changes.log_changes(conn, [changes.data_entry_change(*key) for key in final])
    return {"set": result.inserted + result.updated, "removed": removed}
