"""The shape every traffic source DAG shares: plan (the run's days) → ingest → standardize →
ready → publish over every day of the window, plus a task that fails the run when any stage had
failed items or days.

The DAG files (`dags/traffic_<source>.py`) keep their own documentation and call `source_dag`.
"""

from __future__ import annotations

from datetime import datetime

from tributary.dag_defaults import DEFAULT_ARGS, daily_schedule
from tributary.traffic.dag_params import stage_params
from tributary.traffic.pipeline import plan_task, run_task
from tributary.traffic.run_window import INTRADAY_SOURCES

#: What the source DAGs emit when their day is published; `traffic_refresh` runs on it.
PERFMET_ASSET_URI = "tributary://traffic/perfmet"


def source_dag(source: str, doc_md: str):
    """The daily staged DAG ``traffic_<source>``."""
    from airflow.sdk import Asset, dag, task  # noqa: PLC0415

    @dag(
        dag_id=f"traffic_{source}",
        schedule=daily_schedule(),
        start_date=datetime(2024, 1, 1),
        catchup=False,
        default_args=DEFAULT_ARGS,
        params=stage_params(intraday=source in INTRADAY_SOURCES),
        max_active_runs=1,  # two runs of one source would race for the same items
        tags=["traffic", "lake"],
        doc_md=doc_md,
    )
    def staged():
        # Later stages run even when an earlier one had failed items: they carry on with the
        # items that succeeded, and `items_failed` fails the run at the end.
        @task
        def plan(**context):
            """The run's collection days (window, catch-up, intraday); bad params fail here."""
            return plan_task(source, context)

        @task
        def ingest(**context):
            return run_task(source, "ingest", context)

        @task(trigger_rule="all_done")
        def standardize(**context):
            return run_task(source, "standardize", context)

        @task(trigger_rule="all_done")
        def ready(**context):
            return run_task(source, "ready", context)

        @task(trigger_rule="all_done", outlets=[Asset(PERFMET_ASSET_URI)])
        def publish(**context):
            return run_task(source, "publish", context)

        @task(trigger_rule="one_failed")
        def items_failed():
            """Fails the run when a stage failed (the later stages still ran for the other items)."""
            # The failing stage was retried already if a retry could help; this summary cannot.
            from airflow.sdk.exceptions import AirflowFailException  # noqa: PLC0415

            raise AirflowFailException("a stage had failed items or days (its log names them); "
                                       "fix the input, re-run those days")

        planned = plan()
        stages = [ingest(), standardize(), ready(), publish()]
        planned >> stages[0] >> stages[1] >> stages[2] >> stages[3]
        [planned, *stages] >> items_failed()

    return staged()
