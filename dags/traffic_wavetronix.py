"""
### traffic_wavetronix

Wavetronix radar detector counts through the traffic data lake, one day per run (backfillable):

1. **ingest**: the day's rows from the vendor database (SQL connection `wavetronix`, table
   `vendor_wavetronix.detector_counts` unless its extra says `{"table": ...}`) → CSV in `raw`;
2. **standardize**: integers cast, local timestamps, bad rows → `raw_traffic.reject`; vehicles
   per intersection → `perfmet.obs`;
3. **ready**: `intID` joined to the unit data, unmatched rows dropped and counted;
4. **publish**: direction (detector name before `_`), day of week (Sunday = 0), 15-minute
   `timebin` (bin start, never `:60`), md5 `row_id`; upserted to the portal (`i626-g7ub`).

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

SOURCE = "wavetronix"


@dag(
    dag_id="traffic_wavetronix",
    schedule=daily_schedule(),
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    params=stage_params(),
    tags=["traffic", "lake"],
    doc_md=__doc__,
)
def traffic_wavetronix():
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


traffic_wavetronix()
