"""
### app_dimensions

Loads the line, account and limit files of the app_events domain: every `LineDimension*.csv`,
`AccountDimension*.csv` and `LimitFact*.csv` under `landing/app_dimensions/` in the lake is
upserted into `raw_app.line_dim` (key MTN), `raw_app.account_dim` (CUST_ACCT) and
`raw_app.limit_fact` (MTN, LIMIT_TYPE, LIMITING_DT) in one transaction; rows without a key or
with a bad date go to `raw_app.reject` with their line number. Loaded files then move to
`archive/app_dimensions/`. Skips when no file is waiting. Emits `tributary://raw_app`.

Daily; trigger it by hand after dropping files. No params.
"""

from datetime import datetime

from airflow.sdk import dag, task
from tributary.app_events import steps
from tributary.assets import RAW_APP
from tributary.dag_defaults import DEFAULT_ARGS


@dag(
    dag_id="app_dimensions",
    schedule="@daily",
    start_date=datetime(2024, 5, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["app_events", "extract"],
    doc_md=__doc__,
)
def app_dimensions():
    @task(outlets=[RAW_APP])
    def load_dimension_files(**context):
        return steps.load_dimension_files(context)

    @task
    def archive_dimension_files(loaded, **context):
        steps.archive_dimension_files(context, loaded)

    archive_dimension_files(load_dimension_files())


app_dimensions()
