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
    """Stage and record one item's rows; in simulate mode write them as CSV files instead."""
    key = target.columns.index(target.row_id)
    rows = list({row[key]: row for row in rows}.values())  # a repeated line is one portal row
    if run.options.simulate:
        where = simulate_csv(run, base, day, target, rows)
        log.info("simulate: would stage %d rows of %s %s for publication %s; CSV files in %s",
                 len(rows), base, day, target.publication, where)
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


def simulate_csv(run: StageRun, base: str, day: dt.date, target: Target, rows: list[tuple]) -> str:
    """A dry run's output: the rows the publication would send for this item, as the CSV files
    a simulated publication writes (`tributary.socrata.operators.simulate_fallback`: the lake
    under ``socrata/simulate/<dataset>/<run, item and day>/``), in its declared columns and
    chunks. Returns where they went."""
    from tributary.socrata import registry  # noqa: PLC0415
    from tributary.socrata.operators import simulate_fallback  # noqa: PLC0415
    declaration = registry.load().get(target.publication)
    columns = [c for c in declaration.columns if c in target.columns]
    picks = [target.columns.index(c) for c in columns]
    dataset = declaration.dataset_id or f"unassigned-{declaration.name}"
    fallback = simulate_fallback(dataset, f"{run.run_label}/{base}/{day.isoformat()}")
    size = declaration.chunk_size
    for number, first in enumerate(range(0, len(rows), size), start=1):  # no rows: no file
        fallback.write(number, [{c: soda_value(row[i]) for c, i in zip(columns, picks, strict=True)}
                                for row in rows[first:first + size]])
    return fallback.location


def soda_value(value: object) -> object:
    """A staged value as the portal receives it: timestamps in ISO 8601 with milliseconds, a
    date as a floating timestamp at midnight, everything else as it is."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00.000"
    return value
