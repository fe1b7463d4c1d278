"""
### app_refresh

Builds the app_events star schema in `app` (`models/app_events`): dimensions `dim_calendar`,
`dim_account`, `dim_line`, facts `fct_activity`, `fct_limit`, and the marts
`activity_by_device_grouping`, `daily_active_lines`, `limited_active_lines`, `top_properties`.
Each model's dbt tests run right after it.

Scheduled on the Asset `tributary://raw_app` (emitted by `app_events` and `app_dimensions`);
trigger it by hand to rebuild now. No params.
"""

from datetime import datetime

from airflow.sdk import Asset, dag
from tributary.app_events.layout import ASSET_URI
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.dbt_dags import dbt_models
from tributary.marts import marts_built


@dag(
    dag_id="app_refresh",
    schedule=[Asset(ASSET_URI)],
    start_date=datetime(2024, 5, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["app_events", "dbt"],
    doc_md=__doc__,
)
def app_refresh():
    dbt_models("app_models", select=["path:models/app_events"]) >> marts_built("app_events")


app_refresh()
