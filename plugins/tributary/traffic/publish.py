"""The publish stage: one lake item's rows staged for its open-data portal dataset.

Rows are staged in a warehouse table (``raw_traffic.<x>_publish``, the item's partition
replaced), and ``raw_traffic.publication`` records the item as staged for its publication (the
stage's "target has it"; its ``dataset_id`` column holds the publication's name). The traffic
marts ``traffic.*_open_data`` are views over those tables, and the declared publications
(``models/traffic/marts/_publications.yml``) send them to the portal after ``traffic_refresh``,
the way every domain publishes (`tributary.socrata.publications`): only new and changed rows.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from tributary import warehouse
from tributary.traffic.stages import Item, StageRun

log = logging.getLogger("tributary.traffic")


@dataclass(frozen=True)
class Target:
    """Where an item's rows are staged, and the declared publication that sends them."""

    table: str
    publication: str
    row_id: str
    columns: list[str]


def is_published(targets: dict[str, Target]) -> Callable[[StageRun, Item], bool]:
    """A stage's "target has it" check: the item's rows are staged for its publication."""
    def done(run: StageRun, item: Item) -> bool:
        target = targets.get(item.base)
        if target is None:
            return True
        with run.db() as conn:
            row = conn.execute(
                "select 1 from raw_traffic.publication where data_source = %s and id_base = %s"
                " and collection_date = %s and dataset_id = %s",
                (run.data_source, item.base, item.day, target.publication)).fetchone()
        return row is not None
    return done


def publish_day(run: StageRun, source: str, base: str, day: dt.date, target: Target,
                rows: list[tuple]) -> int:
    """Stage and record one item's rows; in simulate mode only log what would be staged."""
    key = target.columns.index(target.row_id)
    rows = list({row[key]: row for row in rows}.values())  # a repeated line is one portal row
    if run.options.simulate:
        log.info("simulate: would stage %d rows of %s %s for publication %s", len(rows), base, day,
                 target.publication)
        return len(rows)
    with run.tx() as conn:
        warehouse.load(conn, target.table, ["lake_item", *target.columns],
                       ((base, *row) for row in rows), mode="replace",
                       replace_where=("lake_item = %s and collection_date = %s", [base, day]))
        warehouse.load(conn, "raw_traffic.publication",
                       ["data_source", "id_base", "collection_date", "dataset_id", "rows_sent",
                        "published_at"],
                       [(source, base, day, target.publication, len(rows), dt.datetime.now(dt.UTC))],
                       mode="upsert", key=["data_source", "id_base", "collection_date", "dataset_id"])
    return len(rows)
