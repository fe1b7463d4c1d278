"""Start and look up DAG runs through Airflow's own REST API, as the caller.

The API runs inside the Airflow API server, but goes through ``/api/v2`` like any client and
forwards the caller's own token: Airflow then applies the caller's permissions, writes its audit
log and validates the conf against the DAG's params, exactly as for a trigger from the UI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import httpx

from tributary.errors import quote_input

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
#: The most runs one state lookup asks for (Airflow's default maximum page size).
STATE_LOOKUP_RUNS = 100


class TriggerFailed(RuntimeError):
    """Airflow did not start the run; the message carries its answer."""


def airflow_base_url() -> str:
    """Where this deployment's API server answers (``[api] base_url``, else its host and port)."""
    from airflow.configuration import conf  # noqa: PLC0415  (only inside Airflow)

    base = (conf.get("api", "base_url", fallback="") or "").strip()
    if not base:
        host = conf.get("api", "host", fallback="") or "localhost"
        if host in ("0.0.0.0", "::"):  # listening everywhere: loopback reaches it
            host = "localhost"
        base = f"http://{host}:{conf.get('api', 'port', fallback='8080')}"
    return base.rstrip("/")


def _client(token: str) -> httpx.Client:
    return httpx.Client(base_url=airflow_base_url(), timeout=TIMEOUT,
                        headers={"Authorization": f"Bearer {token}"})


def trigger(dag_id: str, conf: dict[str, Any], *, token: str) -> str:
    """Start a run of ``dag_id`` with ``conf`` as the token's user; its run id."""
    try:
        with _client(token) as client:
            response = client.post(f"/api/v2/dags/{dag_id}/dagRuns",
                                   json={"logical_date": None, "conf": conf})
    except httpx.HTTPError as exc:
        raise TriggerFailed(f"Airflow's API did not answer: {type(exc).__name__}: {exc}") from None
    if response.status_code >= 400:
        raise TriggerFailed(f"Airflow answered {response.status_code}: {quote_input(response.text)}")
    return response.json()["dag_run_id"]


def run_states(runs: Iterable[tuple[str, str, dt.datetime]], *, token: str) -> dict[tuple[str, str], str]:
    """The state of each (dag_id, run_id, triggered after) Airflow shows the token's user, in one
    request; runs it does not return are left out (the lookup is best effort)."""
    runs = list(runs)
    if not runs:
        return {}
    body = {"dag_ids": sorted({dag_id for dag_id, _, _ in runs}),
            "run_after_gte": (min(at for _, _, at in runs) - dt.timedelta(minutes=1)).isoformat(),
            "order_by": "-run_after", "page_limit": STATE_LOOKUP_RUNS}
    try:
        with _client(token) as client:
            response = client.post("/api/v2/dags/~/dagRuns/list", json=body)
        response.raise_for_status()
    except httpx.HTTPError:
        return {}
    wanted = {(dag_id, run_id) for dag_id, run_id, _ in runs}
    return {(r["dag_id"], r["dag_run_id"]): r["state"] for r in response.json().get("dag_runs", [])
            if (r["dag_id"], r["dag_run_id"]) in wanted}
