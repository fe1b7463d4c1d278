"""One DAG per declared publication, ``socrata_publish_<name>``, generated from the registry.

Each runs when its mart's domain rebuilt its marts (the Asset ``tributary://marts/<domain>`` the
refresh DAG emits), and also on the declaration's cron ``schedule`` when it has one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tributary.assets import marts
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.socrata.registry import Declaration

DAG_PREFIX = "socrata_publish_"


def run_params() -> dict[str, Any]:
    """The params every publication run takes (the hand-run DAG adds which publication)."""
    from airflow.sdk import Param  # noqa: PLC0415

    return {
        "simulate": Param(False, type="boolean", title="Simulate",
                          description="Dry run: write the rows as CSV files to the lake instead "
                                      "of sending them."),
        "full": Param(False, type="boolean", title="Full",
                      description="Resend every row, not only new and changed ones."),
    }


def schedule_of(declaration: Declaration) -> Any:
    """The mart's Asset, or the Asset or the declared cron, whichever comes first."""
    asset = marts(declaration.domain)
    if declaration.schedule is None:
        return [asset]
    from airflow.sdk import AssetOrTimeSchedule  # noqa: PLC0415
    from airflow.timetables.trigger import CronTriggerTimetable  # noqa: PLC0415

    return AssetOrTimeSchedule(timetable=CronTriggerTimetable(declaration.schedule, timezone="UTC"),
                               assets=[asset])


def doc_of(declaration: Declaration) -> str:
    dataset = declaration.dataset_id or "(named per deployment)"
    when = f" and on `{declaration.schedule}` (UTC)" if declaration.schedule else ""
    return f"""
### {DAG_PREFIX}{declaration.name}

Publishes the declared publication **`{declaration.name}`** ({declaration.label}): the mart
`{declaration.relation}` to Socrata dataset `{dataset}` through the connection `socrata_default`,
{declaration.mode} by `{declaration.row_id}`, {len(declaration.columns)} columns, chunks of
{declaration.chunk_size:,}{", deleting rows gone from the mart" if declaration.sync_deletes else ""}.
Declared in dbt (`models/{declaration.domain}/marts/_publications.yml`).

Runs when `{declaration.domain}` rebuilt its marts (Asset `tributary://marts/{declaration.domain}`){when}.
Skipped, with the reason in the log, where this deployment has no portal connection or no dataset
id for it (Variable `socrata_dataset_ids` or the connection extra `datasets`).

Params: **simulate** (CSV files in the lake, nothing sent), **full** (resend every row).
"""


def publication_dag(declaration: Declaration):
    """The DAG ``socrata_publish_<name>`` of one declaration."""
    from airflow.sdk import dag, task  # noqa: PLC0415

    name = declaration.name

    @dag(
        dag_id=f"{DAG_PREFIX}{name}",
        schedule=schedule_of(declaration),
        start_date=datetime(2024, 1, 1),
        catchup=False,
        max_active_runs=1,  # one publication to a dataset at a time
        default_args=DEFAULT_ARGS,
        tags=["socrata", "publish", declaration.domain],
        doc_md=doc_of(declaration),
        params=run_params(),
    )
    def publish_one():
        @task(task_id="publish")
        def publish(params: dict, **context: Any) -> dict:
            from tributary.socrata.publications import run_in_task  # noqa: PLC0415

            return run_in_task(name, simulate=bool(params["simulate"]), full=bool(params["full"]),
                               context=context)

        publish()

    return publish_one()
