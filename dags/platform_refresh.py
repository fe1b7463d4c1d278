"""
### platform_refresh

Builds the platform's own dbt models (`models/platform`): **`platform.load_history`**, what every
raw table received per day through the warehouse loader, with throughput. Each model's dbt tests
run right after it.

Runs daily; trigger it by hand to refresh now. No params.
"""

from datetime import datetime

from airflow.sdk import dag
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.dbt_dags import dbt_models


@dag(
    dag_id="platform_refresh",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["platform", "dbt"],
    doc_md=__doc__,
)
def platform_refresh():
    dbt_models("platform_models", select=["path:models/platform"])


platform_refresh()
