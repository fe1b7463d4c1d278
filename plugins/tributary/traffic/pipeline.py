"""What the traffic DAGs call: the run's window (`plan_task`), then each stage over every day of
it (`run_task`), reading the params from the Airflow context."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from tributary import warehouse
from tributary.traffic import bluetooth, gridsmart, run_window, unit_data, wavetronix
from tributary.traffic.calendar import CITY_TZ
from tributary.traffic.stages import (
    BadItems,
    Stage,
    StageFailed,
    StageOptions,
    StageReport,
    run_stage,
)

log = logging.getLogger("tributary.traffic")

SOURCES: dict[str, list[Stage]] = {
    "unit_data": [unit_data.STAGE],
    "bluetooth": bluetooth.STAGES,
    "wavetronix": wavetronix.STAGES,
    "gridsmart": gridsmart.STAGES,
}


def stage(source: str, name: str) -> Stage:
    for candidate in SOURCES[source]:
        if candidate.name == name:
            return candidate
    raise KeyError(f"{source} has no stage {name!r}")


def interval(context: Mapping[str, Any]) -> tuple[dt.date, dt.date]:
    """The collection days [start, end) of a run's data interval (at least one); without a data
    interval (a manual run in Airflow 3 may have none), the city's yesterday."""
    start_at = context.get("data_interval_start")
    if start_at is None:
        today = _moment(context).astimezone(CITY_TZ).date()
        return today - dt.timedelta(days=1), today
    start = start_at.date()
    end = max(context["data_interval_end"].date(), start + dt.timedelta(days=1))
    return start, end


def _moment(context: Mapping[str, Any]) -> dt.datetime:
    dag_run = context.get("dag_run")
    # the moment the run stands for: its logical date (a trigger's "now"), else when it ran
    for value in (context.get("logical_date"), getattr(dag_run, "run_after", None),
                  context.get("data_interval_end")):
        if value is not None:
            return value
    return dt.datetime.now(dt.UTC)


def plan_task(source: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """The run's window (XCom for the stage tasks); bad params fail here, before any work."""
    params = context.get("params") or {}
    StageOptions.from_params(params)  # a bad local_copy fails before any work too
    dag_run = context.get("dag_run")
    run_type = getattr(getattr(dag_run, "run_type", None), "value", None) or str(
        getattr(dag_run, "run_type", "manual"))
    start, _ = interval(context)
    with warehouse.connect() as conn:
        window = run_window.resolve(source, params, run_type=run_type, run_day=start,
                                    today=_moment(context).astimezone(CITY_TZ).date(), conn=conn)
    log.info("%s: %d day(s), %s: %s", source, len(window.days), window.why,
             ", ".join(d.isoformat() for d in window.days) or "none")
    return window.as_xcom()


def run_task(source: str, name: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """Run one stage for every day of the run's window, one day after the other; a failed day
    does not stop the others, and the task fails at the end naming every failed day."""
    planned = context["ti"].xcom_pull(task_ids="plan")
    if not planned:
        from airflow.sdk.exceptions import AirflowSkipException  # noqa: PLC0415

        raise AirflowSkipException("no window: the plan task failed (see its log)")
    window = run_window.RunWindow.from_xcom(planned)
    dag = context.get("dag")
    label = f"{dag.dag_id if dag else 'traffic'}/{context.get('run_id', 'local')}"
    reports = run_window_days(stage(source, name), window.days,
                              StageOptions.from_params(context.get("params") or {}), run_label=label)
    return summary(reports)


def run_window_days(chosen: Stage, days: tuple[dt.date, ...] | list[dt.date], options: StageOptions,
                    lake: Any = None, run_label: str = "traffic/local") -> list[StageReport]:
    """One stage over each day, logging progress per day; raises at the end naming the failed
    days (`BadItems` when every failure was bad input, else `StageFailed`, which is retried)."""
    reports, failed = [], {}
    for number, day in enumerate(days, start=1):
        try:
            report = run_stage(chosen, day, day + dt.timedelta(days=1), options, lake, run_label)
        except StageFailed as exc:
            failed[day] = exc
            log.error("%s.%s: day %d/%d (%s) failed: %s", chosen.data_source, chosen.name, number,
                      len(days), day, exc)
            continue
        reports.append(report)
        log.info("%s.%s: day %d/%d (%s) done: %s", chosen.data_source, chosen.name, number,
                 len(days), day, report.summary())
    if failed:
        names = ", ".join(d.isoformat() for d in failed)
        details = "\n".join(f"{d}: {exc}" for d, exc in failed.items())
        kind = BadItems if all(isinstance(e, BadItems) for e in failed.values()) else StageFailed
        raise kind(f"{chosen.data_source}.{chosen.name}: {len(failed)} of {len(days)} day(s) "
                   f"failed: {names} (the other days went through)\n{details}")
    return reports


def run_days(source: str, start: dt.date, end: dt.date, options: StageOptions | None = None,
             stages: tuple[str, ...] | None = None, lake: Any = None) -> list[StageReport]:
    """All (or some) stages of a source over [start, end) without Airflow (tests, benchmarks).
    Stops at the first stage that fails, like a DAG run would mark it."""
    return [run_stage(s, start, end, options or StageOptions(), lake) for s in SOURCES[source]
            if stages is None or s.name in stages]


def portal_datasets() -> dict[str, dict[str, Any]]:
    """Every portal dataset the traffic publications write, with its row identifier and columns
    (what the SODA stand-in, `include/standins/socrata_session.py`, takes)."""
    from tributary.socrata import registry  # noqa: PLC0415

    return registry.portal_datasets(registry.load(), "traffic")


def summary(reports: list[StageReport]) -> dict[str, Any]:
    return {"days": len(reports), "done": sum(len(r.done) for r in reports),
            "skipped": sum(len(r.skipped) for r in reports),
            "records": sum(r.records for r in reports),
            "would_write": [w for r in reports for w in r.would_write][:50]}
