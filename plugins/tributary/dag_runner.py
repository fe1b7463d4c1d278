"""Run one DAG run in-process (`make run`, the demo and the tests use this).

Like `airflow dags test`, but retries are switched off so a failing task ends the run at once
instead of waiting out its retry delay, and the outcome comes back as data.
"""

from __future__ import annotations

import datetime as dt
import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tributary import settings


class DagRunFailed(RuntimeError):
    """The run ended in a state other than success."""


@dataclass
class RunOutcome:
    """A finished run: its state, and each task instance's (``task`` or ``task[map_index]``)
    state and duration in seconds (None for a task that never ran)."""

    dag_id: str
    run_id: str
    state: str
    task_states: dict[str, str] = field(default_factory=dict)
    durations: dict[str, float | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.state == "success"

    @property
    def failed_tasks(self) -> list[str]:
        """The tasks that failed themselves (not those skipped because an upstream one failed)."""
        return [task for task, state in self.task_states.items() if state == "failed"]

    def table(self) -> str:
        """The run's state, then a row per task: its state and how long it ran."""
        width = max((len(t) for t in self.task_states), default=4)
        state_width = max((len(s) for s in self.task_states.values()), default=5)
        lines = [f"{self.dag_id} run {self.run_id}: {self.state}",
                 f"  {'task'.ljust(width)}  {'state'.ljust(state_width)}  duration"]
        for task, state in self.task_states.items():
            duration = self.durations.get(task)
            shown = "" if duration is None else f"{duration:6.1f} s"
            lines.append(f"  {task.ljust(width)}  {state.ljust(state_width)}  {shown}".rstrip())
        return "\n".join(lines)


def parse_dag_folder(path: Path = settings.DAGS_DIR):
    """A DagBag of a DAG file or of the whole folder (some files define several DAGs)."""
    from airflow.dag_processing.dagbag import DagBag  # noqa: PLC0415

    return DagBag(dag_folder=str(path))


def load_dag(dag_id: str, dags_dir: Path = settings.DAGS_DIR):
    """Parse the file ``dags/<dag_id>.py`` if it exists (fast), else the whole folder."""
    own_file = dags_dir / f"{dag_id}.py"
    bag = parse_dag_folder(own_file if own_file.exists() else dags_dir)
    if dag_id not in bag.dags:
        errors = "\n".join(f"{k}: {v}" for k, v in bag.import_errors.items())
        known = ", ".join(sorted(bag.dags)) or "none"
        raise KeyError(f"no DAG {dag_id!r} (DAGs found: {known})" + (f"\n{errors}" if errors else ""))
    return bag.dags[dag_id]


def day_to_logical_date(dag, day: dt.date) -> dt.datetime:
    """The logical date whose data interval starts on ``day`` for this DAG's timetable."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    from airflow.serialization.encoders import coerce_to_core_timetable  # noqa: PLC0415

    timetable = coerce_to_core_timetable(dag.timetable)
    interval = timetable.infer_manual_data_interval(run_after=start)
    if interval.start.date() < day:  # interval timetables infer the interval *before* run_after
        return start + (interval.end - interval.start)
    return start


def run_dag(
    dag_id: str,
    conf: dict[str, Any] | None = None,
    *,
    day: dt.date | None = None,
    dags_dir: Path = settings.DAGS_DIR,
    retries: int = 0,
) -> RunOutcome:
    """Run ``dag_id`` once with ``conf``; for a daily DAG, ``day`` names the day processed."""
    dag = load_dag(dag_id, dags_dir)
    for task in dag.tasks:
        task.retries = retries
    logical_date = day_to_logical_date(dag, day) if day else dt.datetime.now(dt.UTC)
    # All tasks run in this one process, which by now holds Airflow, the parsed DAGs and their
    # imports. cosmos ends every dbt task with gc.collect(), which scanned all of that each time
    # (about 0.6 s a task, a third of an incremental polio_refresh); frozen objects are skipped.
    gc.collect()
    gc.freeze()
    try:
        dag_run = dag.test(logical_date=logical_date, run_conf=conf or {})
    finally:
        gc.unfreeze()
    instances = [(ti.task_id + (f"[{ti.map_index}]" if ti.map_index >= 0 else ""), ti) for ti in
                 sorted(dag_run.get_task_instances(), key=lambda t: (t.task_id, t.map_index))]
    return RunOutcome(
        dag_id, dag_run.run_id, str(dag_run.state),
        task_states={name: str(ti.state) for name, ti in instances},
        durations={name: ti.duration for name, ti in instances},
    )
