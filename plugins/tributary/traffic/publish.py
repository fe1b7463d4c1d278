"""The publish stage: one lake item's rows to its open-data portal dataset.

Rows are staged in a warehouse table (``raw_traffic.<x>_publish``, the item's partition replaced),
then `tributary.socrata.operators.SocrataUpsertOperator` upserts those rows in 10,000-row
chunks, and ``raw_traffic.publication`` records what was sent (the stage's "target has it").
Socrata upserts are idempotent on the row identifier, so ``force`` only resends.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from tributary import warehouse
from tributary.traffic.stages import Item, StageRun

log = logging.getLogger("tributary.traffic")

#: The seed publisher's chunk size.
CHUNK_SIZE = 10_000
SOCRATA_CONN_ID = os.environ.get("TRAFFIC_SOCRATA_CONN_ID", "socrata_default")


@dataclass(frozen=True)
class Target:
    table: str
    dataset_id: str
    row_id: str
    columns: list[str]


def is_published(targets: dict[str, Target]) -> Callable[[StageRun, Item], bool]:
    """A stage's "target has it" check for the portal: the publication ledger has the item."""
    def done(run: StageRun, item: Item) -> bool:
        target = targets.get(item.base)
        if target is None:
            return True
        with run.db() as conn:
            row = conn.execute(
                "select 1 from raw_traffic.publication where data_source = %s and id_base = %s"
                " and collection_date = %s and dataset_id = %s",
                (run.data_source, item.base, item.day, target.dataset_id)).fetchone()
        return row is not None
    return done


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def item_query(target: Target, base: str, day: dt.date) -> str:
    """The SELECT the Socrata operator publishes: one lake item's staged rows (without the
    partition columns, which the portal does not have)."""
    columns = ", ".join(f'"{c}"' for c in target.columns if c != "collection_date")
    return (f"select {columns} from {target.table} where lake_item = {_literal(base)} "
            f"and collection_date = date '{day.isoformat()}'")


def send(run: StageRun, target: Target, base: str, day: dt.date) -> dict:
    """Upsert the item's staged rows to the portal with the platform's Socrata publisher (what
    `SocrataUpsertOperator` runs in a task of its own). One stage task publishes many items, so
    each item is a publication of its own, named after the stage's run: a re-run resumes it."""
    from tributary.socrata.hook import SocrataHook  # noqa: PLC0415
    from tributary.socrata.ledger import Publication  # noqa: PLC0415
    from tributary.socrata.operators import simulate_fallback  # noqa: PLC0415
    from tributary.socrata.publisher import publish  # noqa: PLC0415
    from tributary.socrata.source import Source  # noqa: PLC0415

    hook = SocrataHook(SOCRATA_CONN_ID)
    query = item_query(target, base, day)
    key = f"{run.run_label}/publish_{base}_{day:%Y%m%d}/{target.dataset_id}"
    simulate = hook.simulate  # a connection marked simulate writes CSV files, as the operator does
    pub = Publication(key=key, portal=hook.base_url, dataset_id=target.dataset_id,
                      source_label=query, row_id=target.row_id, chunk_size=CHUNK_SIZE,
                      simulate=simulate, sync_deletes=False)
    fallback = simulate_fallback(target.dataset_id, key) if simulate else None
    return publish(pub, Source(query=query), portal=None if simulate else hook, fallback=fallback,
                   emit=log.info)


def publish_day(run: StageRun, source: str, base: str, day: dt.date, target: Target,
                rows: list[tuple]) -> int:
    """Stage, send and record one item's rows; in simulate mode only log what would be sent."""
    key = target.columns.index(target.row_id)
    rows = list({row[key]: row for row in rows}.values())  # a repeated line is one portal row
    if run.options.simulate:
        log.info("simulate: would publish %d rows of %s %s to dataset %s", len(rows), base, day,
                 target.dataset_id)
        return len(rows)
    with run.tx() as conn:
        warehouse.load(conn, target.table, ["lake_item", *target.columns],
                       ((base, *row) for row in rows), mode="replace",
                       replace_where=("lake_item = %s and collection_date = %s", [base, day]))
    send(run, target, base, day)
    with run.tx() as conn:
        warehouse.load(conn, "raw_traffic.publication",
                       ["data_source", "id_base", "collection_date", "dataset_id", "rows_sent",
                        "published_at"],
                       [(source, base, day, target.dataset_id, len(rows), dt.datetime.now(dt.UTC))],
                       mode="upsert", key=["data_source", "id_base", "collection_date", "dataset_id"])
    return len(rows)
