"""
### app_refresh

Builds the app_events star schema in `app` (`models/app_events`): dimensions `dim_calendar`,
`dim_account`, `dim_line`, facts `fct_activity`, `fct_limit`, and the marts
`activity_by_device_grouping`, `daily_active_lines`, `limited_active_lines`, `top_properties`.
Each model's dbt tests run right after it. The last task, `write_reports`, writes
`reports/app_events/<YYYY-MM-DD>/daily_active_lines_by_grouping.csv` to the lake (the day is the
run's logical date; a re-run rewrites it).

Scheduled on the Asset `tributary://raw_app` (emitted by `app_events` and `app_dimensions`);
trigger it by hand to rebuild now. No params.
"""

from datetime import datetime

from airflow.sdk import dag, task
from tributary.assets import RAW_APP
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.dbt_dags import dbt_models
from tributary.marts import marts_built


@dag(
    dag_id="app_refresh",
    schedule=[RAW_APP],
    start_date=datetime(2024, 5, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["app_events", "dbt"],
    doc_md=__doc__,
)
def app_refresh():
    @task
    def write_reports(**context) -> dict:
        """The app_events report files of the run's day, into the lake."""
        from tributary.app_events import reports
        from tributary.reports import run_day

        return reports.write_reports(run_day(context))

    (dbt_models("app_events_models", select=["path:models/app_events"]) >> marts_built("app_events")
     >> write_reports())


app_refresh()
