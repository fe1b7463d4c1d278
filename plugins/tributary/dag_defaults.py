"""What every Tributary DAG shares: owner, retries, and how its documentation is written."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from tributary.errors import BadInput

OWNER = "tributary"


class UnknownParam(BadInput):
    """A run's conf names a param the DAG does not declare (a typo would otherwise be ignored)."""


def unknown_conf_keys(conf: Mapping | None, declared: Iterable[str]) -> list[str]:
    """The keys of ``conf`` that are not declared params, sorted."""
    known = set(declared)
    return sorted(key for key in (conf or {}) if key not in known)


def check_conf(conf: Mapping | None, declared: Iterable[str]) -> None:
    """UnknownParam naming the first unknown key and the known ones."""
    declared = list(declared)
    if unknown := unknown_conf_keys(conf, declared):
        known = ", ".join(declared) or "none"
        raise UnknownParam(f"unknown param {unknown[0]!r} (known: {known})")


def refuse_unknown_conf(context) -> None:
    """Before every task: a run whose conf has an undeclared key fails before any work."""
    dag_run = context.get("dag_run")
    check_conf(getattr(dag_run, "conf", None), context["dag"].params.keys())


#: Scheduled runs retry twice; `make run` and tests strip retries so a failure shows at once.
DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "pre_execute": refuse_unknown_conf,
}


def daily_schedule():
    """Daily runs over whole UTC days: the run for day D has data interval [D, D + 1) and starts
    after D ends. Daily DAGs process `processing_day(context)`; `make run DATE=D` runs day D."""
    from airflow.timetables.interval import CronDataIntervalTimetable  # noqa: PLC0415

    return CronDataIntervalTimetable("0 0 * * *", timezone="UTC")


def processing_day(context) -> date:
    """The day a daily run processes: the start of its data interval."""
    return context["data_interval_start"].date()
