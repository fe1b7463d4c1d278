"""
### traffic_refresh

Builds the traffic dbt models (`models/traffic`) after a traffic source DAG finished (scheduled
on the Asset `tributary://traffic/perfmet` they emit): **`traffic.sensor_health`**, per sensor
and day whether it was responsive, generating and suspect (all zeros, or far from its 7-day
moving average by the dbt var `traffic_suspect_factor`, default 3), and
**`traffic.sensor_uptime_daily`**, per source and day how many sensors were listed, responsive,
generating and suspect. Each model's tests run right after it. Then `health_reports` draws one
chart per source of `sensor_health` and writes `sensor_uptime_daily.csv` to the lake under
`reports/traffic/<logical date>/` (a re-run of the day rewrites them). No params.
"""

from datetime import datetime

from airflow.sdk import dag, task
from tributary.assets import TRAFFIC_PERFMET
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.dbt_dags import dbt_models
from tributary.marts import marts_built


@dag(
    dag_id="traffic_refresh",
    schedule=[TRAFFIC_PERFMET],
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["traffic", "dbt"],
    doc_md=__doc__,
)
def traffic_refresh():
    @task
    def health_reports(**context):
        """The health charts and the uptime CSV of the refreshed marts, into the lake."""
        from tributary.reports import run_day  # noqa: PLC0415
        from tributary.traffic.charts import write_health_reports  # noqa: PLC0415

        return write_health_reports(run_day(context))

    models = dbt_models("traffic_models", select=["path:models/traffic"])
    models >> [health_reports(), marts_built("traffic")]


traffic_refresh()
