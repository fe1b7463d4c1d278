"""
### socrata_publish

Publishes a table or view of the warehouse to a Socrata dataset by hand, through the connection
**`socrata_default`** (type `socrata`: portal domain, username/password or API key, `app_token`
in extra; `"simulate": true` in extra makes every publication a dry run).

Rows are sent with the SODA upsert API in chunks, ordered by the row identifier; each
acknowledged chunk is recorded in `publish.chunk` (the publication in `publish.run`), so a retry
resumes where the last attempt stopped. Domain DAGs publish their marts with the same operator
(`tributary.socrata.operators.SocrataUpsertOperator`) in their own publish steps.

Params (trigger form):
- **table**: the table or view to publish, `schema.name` (e.g. `traffic.daily_counts`).
- **dataset_id**: the dataset's 4x4 identifier on the portal (e.g. `abcd-1234`).
- **row_id**: the column that is the dataset's row identifier (unique, not null).
- **chunk_size**: rows per upsert request (default 10,000).
- **sync_deletes**: also delete from the dataset rows published before and gone from the table.
- **simulate**: write the chunks as CSV files to the lake (`socrata/simulate/…`) instead of
  sending them.
"""

from datetime import datetime

from airflow.sdk import Param, dag
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.socrata.operators import SocrataUpsertOperator


@dag(
    dag_id="socrata_publish",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["socrata", "publish"],
    doc_md=__doc__,
    render_template_as_native_obj=True,
    params={
        "table": Param("", type="string", title="Table or view",
                       description="What to publish: a table or view in the warehouse, schema.name.",
                       pattern=r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$"),
        "dataset_id": Param("", type="string", title="Dataset id",
                            description="The Socrata dataset's 4x4 identifier, e.g. abcd-1234.",
                            pattern=r"^[A-Za-z0-9]{4}-[A-Za-z0-9]{4}$"),
        "row_id": Param("", type="string", title="Row identifier column",
                        description="The column the dataset uses as row identifier (unique, not null).",
                        minLength=1),
        "chunk_size": Param(10_000, type="integer", minimum=1, maximum=50_000, title="Chunk size",
                            description="Rows per upsert request."),
        "sync_deletes": Param(False, type="boolean", title="Sync deletes",
                              description="Delete from the dataset the rows published before that "
                                          "are gone from the table."),
        "simulate": Param(False, type="boolean", title="Simulate",
                          description="Dry run: write the chunks as CSV files to the lake instead "
                                      "of sending them."),
    },
)
def socrata_publish():
    SocrataUpsertOperator(
        task_id="publish",
        table="{{ params.table }}",
        dataset_id="{{ params.dataset_id }}",
        row_id="{{ params.row_id }}",
        chunk_size="{{ params.chunk_size }}",
        sync_deletes="{{ params.sync_deletes }}",
        simulate="{{ params.simulate }}",
        socrata_conn_id="socrata_default",
    )


socrata_publish()
