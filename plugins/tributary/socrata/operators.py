"""`SocrataUpsertOperator`: publish a warehouse table, view or query to a Socrata dataset."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator

from tributary.flags import flag
from tributary.http_source import RetryPolicy
from tributary.socrata.ledger import Publication
from tributary.socrata.source import Source


class SocrataUpsertOperator(BaseOperator):
    """Publish rows from the warehouse to a Socrata dataset with the SODA upsert API.

    Rows are streamed from the warehouse with a server-side cursor in row-identifier order,
    encoded as SODA JSON (ISO 8601 dates, numbers as numbers, NULL as null) and POSTed to
    ``/resource/<dataset_id>.json`` in chunks of ``chunk_size`` rows; rows unchanged since the
    last publication to the dataset are skipped (``full`` resends them). Each acknowledged chunk
    is recorded in ``publish.chunk`` (the publication in ``publish.run``), so a retried task
    resumes after the last acknowledged chunk. Afterwards the portal's row count is checked. 429 and 5xx answers are retried with exponential backoff
    honouring ``Retry-After``; other 4xx answers and responses reporting row errors fail the task
    with the portal's message.

    .. seealso::
        SODA upsert: https://dev.socrata.com/publishers/upsert.html

    :param dataset_id: the dataset's 4x4 identifier, e.g. ``abcd-1234``. (templated)
    :param row_id: the column that is the dataset's row identifier; rows are matched, ordered and
        resumed by it, so it must be unique and not null. (templated)
    :param table: a table or view in the warehouse, ``schema.name``. Give this or ``sql``. (templated)
    :param sql: a SELECT whose rows to publish (or a ``.sql`` file). Give this or ``table``. (templated)
    :param chunk_size: rows per upsert request (default 10,000). (templated)
    :param sync_deletes: also delete from the dataset the rows published before (by this platform)
        whose identifiers are gone from the source. (templated)
    :param full: resend every row; by default only rows new or changed since the last
        publication to the dataset are sent (by each row's recorded fingerprint). (templated)
    :param simulate: write each chunk as a CSV file instead of sending it (a dry run). Also on when
        the connection's extra says ``"simulate": true``. (templated)
    :param simulate_path: local folder for the CSV files; by default they go to the lake under
        ``socrata/simulate/<dataset_id>/<publication>/``. (templated)
    :param socrata_conn_id: the Airflow connection of type ``socrata``.
    :param max_attempts: attempts per request on 429 / 5xx / network errors.
    :param retry_base_delay: first backoff delay in seconds (doubles per attempt) when the portal
        gives no ``Retry-After``.
    :param warehouse_url: the warehouse to read from; default `tributary.warehouse.warehouse_url()`.
    :return: the ``publish.run`` row of the publication (pushed as XCom).
    """

    template_fields: Sequence[str] = ("dataset_id", "row_id", "table", "sql", "chunk_size",
                                      "sync_deletes", "full", "simulate", "simulate_path")
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"sql": "sql"}
    ui_color = "#e8f1fb"

    def __init__(
        self,
        *,
        dataset_id: str,
        row_id: str,
        table: str | None = None,
        sql: str | None = None,
        chunk_size: int | str = 10_000,
        sync_deletes: bool | str = False,
        full: bool | str = False,
        simulate: bool | str = False,
        simulate_path: str | None = None,
        socrata_conn_id: str = "socrata_default",
        max_attempts: int = 6,
        retry_base_delay: float = 1.0,
        warehouse_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if bool(table) == bool(sql):
            raise ValueError(f"{self.task_id}: give exactly one of table= and sql=")
        # What is published, how, as a dry run or not, and through which connections.
        self.dataset_id, self.row_id, self.table, self.sql = dataset_id, row_id, table, sql
        self.chunk_size, self.sync_deletes, self.full = chunk_size, sync_deletes, full
        self.simulate, self.simulate_path = simulate, simulate_path
        self.socrata_conn_id, self.warehouse_url = socrata_conn_id, warehouse_url
        self.max_attempts, self.retry_base_delay = max_attempts, retry_base_delay

    def execute(self, context: Any) -> dict[str, Any]:
        from tributary.socrata.hook import SocrataHook  # noqa: PLC0415
        from tributary.socrata.publisher import destination, publication_key, send  # noqa: PLC0415

        chunk_size = int(self.chunk_size)
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
        hook = SocrataHook(self.socrata_conn_id, retry_policy=RetryPolicy(
            max_attempts=self.max_attempts, base_delay=self.retry_base_delay))
        portal, simulate = destination(hook, self._flag_argument("simulate"))
        pub = Publication(
            key=publication_key(context, self.dataset_id), portal=portal,
            dataset_id=self.dataset_id, source_label=self.table or (self.sql or "").strip(),
            row_id=self.row_id, chunk_size=chunk_size, simulate=simulate,
            sync_deletes=self._flag_argument("sync_deletes"), full=self._flag_argument("full"))
        summary = send(pub, Source(table=self.table or None, query=self.sql or None), hook,
                       simulate_path=self.simulate_path, warehouse_url=self.warehouse_url,
                       emit=self.log.info)
        self.log.info("publication %s %s: %s rows sent in %s chunk(s) (%s created, %s updated, "
                      "%s deleted)%s", summary["run_id"], summary["status"], summary["rows_sent"],
                      summary["chunks_sent"], summary["rows_created"], summary["rows_updated"],
                      summary["rows_deleted"],
                      f"; CSV files in {summary['output_path']}" if simulate else "")
        return summary

    def _flag_argument(self, name: str) -> bool:
        """The yes/no argument ``name`` (templated, so possibly text)."""
        return flag(getattr(self, name), what=f"{self.task_id}: {name}")
