"""The shape every traffic source DAG shares: plan (the run's days) → ingest → standardize →
ready → publish over every day of the window, plus a task that fails the run when any stage had
failed items or days.

The DAG files (`dags/traffic_<source>.py`) document their stages and call `source_dag`, which
adds what every source DAG shares: how a run picks its days, and its params.
"""

from __future__ import annotations

from datetime import datetime

from tributary.dag_defaults import DEFAULT_ARGS, daily_schedule
from tributary.traffic.dag_params import stage_params
from tributary.traffic.pipeline import plan_task, run_task
from tributary.traffic.run_window import INTRADAY_SOURCES


def run_doc(source: str) -> str:
    """The part of a source DAG's documentation every source shares (intraday where it exists)."""
    intraday = source in INTRADAY_SOURCES
    return "\n".join([
        "`plan` decides the run's days once: `start_date`..`end_date` (inclusive), or, without them, a",
        "scheduled run's own day and a manual run every day from the last fully processed day (catalog)",
        "to the run's day" + (
            ", or with `intraday` what arrived since the last run (from the source's\n"
            "high-water mark in the catalog to today; hourly runs load each row once)." if intraday else "."),
        "Each stage goes through the days one after the other, skips what its target already has, and",
        "fails after the other items and days when one fails, naming the failed days (a re-run redoes",
        "only what is missing). `perfmet.job` gets a row per stage and day. Needs `traffic_unit_data`",
        "for the day (or an earlier one).",
        "",
        "Params: `start_date`/`end_date`, " + ("`intraday`, " if intraday else "")
        + "`force` (redo everything of the run's days),",
        "`simulate` (write nothing, log what would be written, and write the rows publish would stage",
        "as CSV files to the lake under `socrata/simulate/<dataset>/`), `local_copy` (also write every",
        "object under this folder: relative to the first `TRIBUTARY_OUTPUT_ROOTS` folder, default",
        "`.local/exports`, or absolute under one; anything else fails the run before any work).",
    ])


def source_dag(source: str, doc_md: str):
    """The daily staged DAG ``traffic_<source>``."""
    from airflow.sdk import dag, task  # noqa: PLC0415

    from tributary.assets import TRAFFIC_PERFMET  # noqa: PLC0415

    @dag(
        dag_id=f"traffic_{source}",
        schedule=daily_schedule(),
        start_date=datetime(2024, 1, 1),
        catchup=False,
        default_args=DEFAULT_ARGS,
        params=stage_params(intraday=source in INTRADAY_SOURCES),
        max_active_runs=1,  # two runs of one source would race for the same items
        tags=["traffic", "lake"],
        doc_md=doc_md.rstrip() + "\n\n" + run_doc(source) + "\n",
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

        @task(trigger_rule="all_done", outlets=[TRAFFIC_PERFMET])
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
