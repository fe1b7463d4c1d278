"""
### traffic_gridsmart

GRIDSMART camera counts through the traffic data lake, one day per run (backfillable):

1. **ingest**: each camera in the unit data is asked for the day's zipped counts and its site
   file (`http://<ip>:8902/api/...`, or the `url_template` in the extra of connection
   `gridsmart`) → `raw`; a camera that does not answer is logged and retried next run;
2. **standardize**: one JSON per zone with the clock-corrected local `timestamp_adj`; a corrupt
   zip fails that camera only; vehicles per camera → `perfmet.obs`;
3. **ready**: zones, site and unit data merged (`<camera>_counts`) and aggregated to 15 minutes
   per (bin, approach, turn, heavy vehicle = length ≥ 17 ft): volume, speed and
   seconds-in-zone average and standard deviation (`<camera>_agg15`);
4. **publish**: turns S/L/R/U as THRU / LEFT TURN / RIGHT TURN / U-TURN, upserted to the portal
   (`sh59-i6y9`).

Each stage handles the run's day only, skips what its target already has, and fails after the
other items when one item fails (a re-run redoes only what is missing). `perfmet.job` gets a
row per stage. Needs `traffic_unit_data` for the day (or an earlier one).

Params: `force` (redo everything of the day), `simulate` (write nothing, log what would be
written), `local_copy` (also write every object under this folder).
"""

from datetime import datetime

from airflow.sdk import Asset, dag, task
from tributary.dag_defaults import DEFAULT_ARGS, daily_schedule
from tributary.traffic.dag_params import stage_params
from tributary.traffic.pipeline import run_task

SOURCE = "gridsmart"


@dag(
    dag_id="traffic_gridsmart",
    schedule=daily_schedule(),
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    params=stage_params(),
    tags=["traffic", "lake"],
    doc_md=__doc__,
)
def traffic_gridsmart():
    @task
    def ingest(**context):
        return run_task(SOURCE, "ingest", context)

    @task(trigger_rule="all_done")
    def standardize(**context):
        return run_task(SOURCE, "standardize", context)

    @task(trigger_rule="all_done")
    def ready(**context):
        return run_task(SOURCE, "ready", context)

    @task(trigger_rule="all_done", outlets=[Asset("tributary://traffic/perfmet")])
    def publish(**context):
        return run_task(SOURCE, "publish", context)

    @task(trigger_rule="one_failed")
    def items_failed():
        """Fails the run when a stage failed (the later stages still ran for the other items)."""
        raise RuntimeError("a stage had failed items; see its log, fix the input, re-run the day")

    stages = [ingest(), standardize(), ready(), publish()]
    stages[0] >> stages[1] >> stages[2] >> stages[3]
    stages >> items_failed()


traffic_gridsmart()
