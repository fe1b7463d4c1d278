"""What every Tributary DAG shares: owner, retries, and how its documentation is written."""

from __future__ import annotations

from datetime import date, timedelta

OWNER = "tributary"

#: Scheduled runs retry twice; `make run` and tests strip retries so a failure shows at once.
DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
}


def daily_schedule():
    """Daily runs over whole UTC days: the run for day D has data interval [D, D + 1) and starts
    after D ends. Daily DAGs process `processing_day(context)`; `make run DATE=D` runs day D."""
    from airflow.timetables.interval import CronDataIntervalTimetable  # noqa: PLC0415

    return CronDataIntervalTimetable("0 0 * * *", timezone="UTC")


def processing_day(context) -> date:
    """The day a daily run processes: the start of its data interval."""
    return context["data_interval_start"].date()
