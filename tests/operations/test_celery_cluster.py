"""The DAGs under CeleryExecutor: Redis broker, Postgres metadata DB and result backend, a
scheduler, a DAG processor, an API server and two Celery workers as separate processes. A run's
parallel tasks spread over both workers; killing one worker mid-run does not stop the run."""

from __future__ import annotations

import time

import pytest

DAG_ID = "platform_selfcheck"
CHECKS = {"warehouse_read", "warehouse_write", "raw_schemas", "lake"}


def _wait(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


@pytest.mark.slow
def test_run_spreads_over_workers_and_survives_losing_one(airflow_cluster, airflow_api):
    api = airflow_api
    api.wait_for_dags([DAG_ID])
    api.set_paused(DAG_ID, False)
    # Long enough that every check is still running when a worker is lost.
    run_id = api.trigger(DAG_ID, {"samples": 12})
    workers = set(airflow_cluster.worker_names)
    assert len(workers) == 2

    def both_workers_busy():
        running = [t for t in api.task_runs(DAG_ID, run_id) if t.task_id in CHECKS and t.state == "running"]
        hosts = {t.hostname for t in running}
        return running if hosts == workers else None

    running = _wait(both_workers_busy, 90, "checks running on both workers")
    victim = "worker-2"
    lost = sorted(t.task_id for t in running if t.hostname == victim)
    airflow_cluster.kill(victim)

    run = api.wait_for_run(DAG_ID, run_id, timeout=150)
    final = {t.task_id: t for t in api.task_runs(DAG_ID, run_id)}
    assert run["state"] == "success", (final, airflow_cluster.component("scheduler").log_tail())
    assert all(t.state == "success" for t in final.values()), final
    # The lost checks were retried, and their successful try ran on the surviving worker.
    for task_id in lost:
        tries = api.task_tries(DAG_ID, run_id, task_id)
        assert final[task_id].try_number >= 2, (task_id, tries)
        assert final[task_id].hostname == "worker-1", (task_id, final[task_id])
        assert any(t.hostname == victim for t in tries if t.try_number < final[task_id].try_number), tries
