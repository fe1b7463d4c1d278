"""What the traffic DAGs call: one function per (source, stage), reading the run's interval and
params from the Airflow context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from tributary.traffic import bluetooth, gridsmart, unit_data, wavetronix
from tributary.traffic.stages import Stage, StageOptions, StageReport, run_stage

SOURCES: dict[str, list[Stage]] = {
    "unit_data": [unit_data.STAGE],
    "bluetooth": bluetooth.stages(),
    "wavetronix": wavetronix.stages(),
    "gridsmart": gridsmart.stages(),
}
STAGE_NAMES = ("ingest", "standardize", "ready", "publish")


def stage(source: str, name: str) -> Stage:
    for candidate in SOURCES[source]:
        if candidate.name == name:
            return candidate
    raise KeyError(f"{source} has no stage {name!r}")


def interval(context: Mapping[str, Any]) -> tuple[dt.date, dt.date]:
    """The collection days [start, end) of a run: its data interval's days (at least one)."""
    start = context["data_interval_start"].date()
    end = max(context["data_interval_end"].date(), start + dt.timedelta(days=1))
    return start, end


def run_task(source: str, name: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """Run one stage for the run's interval with the run's params; returns a summary (XCom)."""
    start, end = interval(context)
    dag = context.get("dag")
    label = f"{dag.dag_id if dag else 'traffic'}/{context.get('run_id', 'local')}"
    report = run_stage(stage(source, name), start, end,
                       StageOptions.from_params(context.get("params") or {}), run_label=label)
    return summary(report)


def run_days(source: str, start: dt.date, end: dt.date, options: StageOptions | None = None,
             stages: tuple[str, ...] | None = None, lake: Any = None) -> list[StageReport]:
    """All (or some) stages of a source over [start, end) without Airflow (tests, benchmarks).
    Stops at the first stage that fails, like a DAG run would mark it."""
    return [run_stage(s, start, end, options or StageOptions(), lake) for s in SOURCES[source]
            if stages is None or s.name in stages]


def portal_datasets() -> dict[str, dict[str, Any]]:
    """Every portal dataset the traffic publications write, with its row identifier and columns
    (what `tributary.socrata.standin_session` takes)."""
    from tributary.socrata import registry  # noqa: PLC0415

    return registry.portal_datasets(registry.load(), "traffic")


def summary(report: StageReport) -> dict[str, Any]:
    return {"done": len(report.done), "skipped": len(report.skipped), "records": report.records,
            "would_write": report.would_write[:50]}
