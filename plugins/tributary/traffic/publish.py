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
from types import SimpleNamespace

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
    """Upsert the item's staged rows to the portal through the platform's Socrata operator.

    The operator names its publication after the task instance (so a retry resumes it); here one
    task publishes many items, so each item gets its own name under the stage's run.
    """
    from tributary.socrata.operators import SocrataUpsertOperator  # noqa: PLC0415

    task_id = f"publish_{base}_{day:%Y%m%d}"
    operator = SocrataUpsertOperator(
        task_id=task_id, sql=item_query(target, base, day), dataset_id=target.dataset_id,
        row_id=target.row_id, chunk_size=CHUNK_SIZE, socrata_conn_id=SOCRATA_CONN_ID)
    dag_id, _, run_id = run.run_label.partition("/")
    instance = SimpleNamespace(dag_id=dag_id or "traffic", run_id=run_id or "local",
                               task_id=task_id, map_index=-1)
    return operator.execute(context={"ti": instance})


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
