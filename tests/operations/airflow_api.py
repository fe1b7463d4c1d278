"""A small client for Airflow 3's REST API (`/api/v2`): what operators script against a running
deployment (trigger a run, wait for it, read where its tasks ran) and what the operations tests
use to read back what they did through the web UI."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

FINISHED_RUN_STATES = {"success", "failed"}


class AirflowApiError(RuntimeError):
    """The API answered with an error, or a wait ran out of time."""


@dataclass(frozen=True)
class TaskRun:
    task_id: str
    map_index: int
    state: str | None
    try_number: int
    hostname: str


class AirflowApi:
    """Bearer-token session against one Airflow API server (`POST /auth/token` first)."""

    def __init__(self, base_url: str, username: str, password: str, *, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout)
        token = self._client.post("/auth/token", json={"username": username, "password": password})
        if token.status_code not in (200, 201):
            raise AirflowApiError(f"login as {username!r} failed: {token.status_code} {token.text[:300]}")
        self._client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    @property
    def token(self) -> str:
        return self._client.headers["Authorization"].removeprefix("Bearer ")

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._client.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise AirflowApiError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    # --- DAGs -----------------------------------------------------------------------------------
    def dag_ids(self) -> list[str]:
        dags = self.get("/api/v2/dags", limit=1000)["dags"]
        return sorted(d["dag_id"] for d in dags)

    def import_errors(self) -> list[dict]:
        return self.get("/api/v2/importErrors", limit=1000)["import_errors"]

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.request("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": paused})

    def wait_for_dags(self, dag_ids: list[str], timeout: float = 120.0) -> list[str]:
        """Block until the DAG processor has registered every DAG in `dag_ids`; return all ids."""
        deadline = time.monotonic() + timeout
        while True:
            present = self.dag_ids()
            missing = sorted(set(dag_ids) - set(present))
            if not missing:
                return present
            if time.monotonic() > deadline:
                errors = [e.get("filename") for e in self.import_errors()]
                raise AirflowApiError(f"DAGs not registered after {timeout:.0f}s: {missing}; import errors in {errors}")
            time.sleep(1.0)

    # --- runs -----------------------------------------------------------------------------------
    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        body = {"logical_date": None, "conf": conf or {}}
        return self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)["dag_run_id"]

    def runs(self, dag_id: str) -> list[dict]:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns", limit=100, order_by="-run_after")["dag_runs"]

    def run(self, dag_id: str, run_id: str) -> dict:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 180.0) -> dict:
        """Poll until the run finishes (success or failed); raise when `timeout` passes first."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.run(dag_id, run_id)
            if run["state"] in FINISHED_RUN_STATES:
                return run
            if time.monotonic() > deadline:
                states = {t.task_id: t.state for t in self.task_runs(dag_id, run_id)}
                raise AirflowApiError(f"{dag_id} run {run_id} still {run['state']} after {timeout:.0f}s: {states}")
            time.sleep(1.0)

    def task_runs(self, dag_id: str, run_id: str) -> list[TaskRun]:
        """The run's task instances (latest try of each), with the host each ran on."""
        body = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=1000)
        return [TaskRun(t["task_id"], t.get("map_index", -1), t["state"], t.get("try_number", 0),
                        t.get("hostname") or "") for t in body["task_instances"]]

    def task_tries(self, dag_id: str, run_id: str, task_id: str) -> list[TaskRun]:
        """Every try of one task, oldest first (a retried task has several, on different hosts)."""
        body = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/tries")
        return [TaskRun(t["task_id"], t.get("map_index", -1), t["state"], t.get("try_number", 0),
                        t.get("hostname") or "") for t in body["task_instances"]]
