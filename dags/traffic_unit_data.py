"""
### traffic_unit_data

Retrieves the traffic device inventory ("unit data": Bluetooth readers, Wavetronix detectors,
GRIDSMART cameras) from the city's asset system over the HTTP connection `traffic_inventory`
(`GET /api/v1/devices?device_type=…`, bearer token in the connection's password), once per day
(backfillable; `start_date`/`end_date` for a window, a manual run without them catches up from
the last retrieved day). Each source's list is written to the lake as
`raw/YYYY/MM/DD/<source>/unit_data_<source>_<day>.json` (catalogued in `lake.catalog`) and to
`raw_traffic.device`, with `device_id` = md5 of type, IP, latitude and longitude. The source
DAGs join their readings to it in their `ready` stage. A device whose name holds a path
separator or `..` is not loaded: it is logged, listed in the catalog entry's
`rejected_devices` and stored in `raw_traffic.reject` with the reason.

Params: `start_date`/`end_date` (inclusive window), `force` (retrieve again although the day has unit data), `simulate` (write nothing, log
what would be written), `local_copy` (also write every object under this folder: relative to the
first `TRIBUTARY_OUTPUT_ROOTS` folder, default `.local/exports`, or absolute under one; anything
else fails the run before any work).
"""

from datetime import datetime

from airflow.sdk import dag, task
from tributary.assets import RAW_TRAFFIC_DEVICE
from tributary.dag_defaults import DEFAULT_ARGS, daily_schedule
from tributary.traffic.dag_params import stage_params
from tributary.traffic.pipeline import plan_task, run_task


@dag(
    dag_id="traffic_unit_data",
    schedule=daily_schedule(),
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    params=stage_params(),
    tags=["traffic", "lake"],
    doc_md=__doc__,
)
def traffic_unit_data():
    @task
    def plan(**context):
        return plan_task("unit_data", context)

    @task(outlets=[RAW_TRAFFIC_DEVICE])
    def retrieve(**context):
        return run_task("unit_data", "retrieve", context)

    plan() >> retrieve()


traffic_unit_data()
