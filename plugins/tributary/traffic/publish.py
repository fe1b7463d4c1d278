"""The publish stage: one lake item's rows staged for its open-data portal dataset.

Rows are staged in a warehouse table (``raw_traffic.<x>_publish``, the item's partition
replaced), and ``raw_traffic.publication`` records the item as staged for its publication (the
stage's "target has it"; its ``dataset_id`` column holds the publication's name). The traffic
marts ``traffic.*_open_data`` are views over those tables, and the declared publications
(``models/traffic/marts/_publications.yml``) send them to the portal after ``traffic_refresh``,
the way every domain publishes (`tributary.socrata.publications`): only new and changed rows.

A dry run (``simulate``) stages the rows the same way inside a transaction it rolls back, and
writes them as a simulated publication would (`tributary.socrata.publisher.write_chunks`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

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


def is_published(target_for: Callable[[str], Target | None]) -> Callable[[StageRun, Item], bool]:
    """A stage's "target has it" check: the item's rows are staged for its publication (an item
    whose base ``target_for`` knows no target for has nothing to publish)."""
    def done(run: StageRun, item: Item) -> bool:
        target = target_for(item.base)
        if target is None:
            return True
        with run.db() as conn:
            row = conn.execute(
                "select 1 from raw_traffic.publication where data_source = %s and id_base = %s"
                " and collection_date = %s and dataset_id = %s",
                (run.data_source, item.base, item.day, target.publication)).fetchone()
        return row is not None
    return done


def publish_day(run: StageRun, item: Item, target: Target, rows: list[tuple]) -> int:
    """Stage and record one item's rows; the number staged. A dry run stages them the same way,
    writes them as the publication's CSV files, and rolls the staging back."""
    key = target.columns.index(target.row_id)
    rows = list({row[key]: row for row in rows}.values())  # a repeated line is one portal row
    with run.tx() as conn:
        warehouse.load(conn, target.table, ["lake_item", *target.columns],
                       ((item.base, *row) for row in rows), mode="replace",
                       replace_where=("lake_item = %s and collection_date = %s",
                                      [item.base, item.day]))
        warehouse.load(conn, "raw_traffic.publication",
                       ["data_source", "id_base", "collection_date", "dataset_id", "rows_sent",
                        "published_at"],
                       [(run.data_source, item.base, item.day, target.publication, len(rows),
                         dt.datetime.now(dt.UTC))],
                       mode="upsert", key=["data_source", "id_base", "collection_date", "dataset_id"])
        if run.options.simulate:
            where = simulate_csv(conn, run, item, target)
            log.info("simulate: would stage %d rows of %s %s for publication %s; CSV files in %s",
                     len(rows), item.base, item.day, target.publication, where)
            raise psycopg.Rollback  # a dry run stages nothing
    return len(rows)


def simulate_csv(conn: psycopg.Connection, run: StageRun, item: Item, target: Target) -> str:
    """A dry run's output: the item's staged rows (in ``conn``'s transaction) as a simulated
    publication writes them (`tributary.socrata.publisher.simulate_fallback`: the lake under
    ``socrata/simulate/<dataset>/<run, item and day>/``), in its declared columns and chunks.
    Returns where they went."""
    from tributary.socrata import registry  # noqa: PLC0415
    from tributary.socrata.publisher import simulate_fallback, write_chunks  # noqa: PLC0415
    from tributary.socrata.source import Source, published_columns  # noqa: PLC0415

    declaration = registry.load().get(target.publication)
    staged = Source(query=sql.SQL("select * from {} where lake_item = {} and collection_date = {}")
                    .format(warehouse.ident(target.table), sql.Literal(item.base),
                            sql.Literal(item.day)).as_string(conn))
    columns = published_columns(conn, staged, [c for c in declaration.columns
                                               if c in target.columns])
    dataset = declaration.dataset_id or f"unassigned-{declaration.name}"
    fallback = simulate_fallback(dataset, f"{run.run_label}/{item.base}/{item.day.isoformat()}")
    write_chunks(conn, staged, columns, target.row_id, declaration.chunk_size, fallback)
    return fallback.location
