"""After an API write to `raw_polio`: ask Airflow for the refresh, as the caller.

Mounted in Airflow, the route emits the `raw_polio` Asset through Airflow's REST API
(``POST /api/v2/assets/events``) with the caller's token, exactly as a polio DAG's outlet would,
so `polio_refresh` runs. Airflow lets only Op and Admin post Asset events; for a User (who may
trigger DAGs) the refresh is triggered as a run of `polio_refresh` instead. Run alone (no
Airflow), nothing can be emitted: the answer says to run `polio_refresh`.
"""

from __future__ import annotations

from typing import Any

import httpx

from tributary.api.auth import Identity
from tributary.errors import quote_input
from tributary.uploads import dag_runs

REFRESH_DAG = "polio_refresh"
#: What the answer says when no Airflow is there to ask.
RUN_IT_YOURSELF = f"run {REFRESH_DAG}"


def _asset_id(client: httpx.Client, uri: str) -> int | None:
    response = client.get("/api/v2/assets", params={"uri_pattern": uri, "limit": 100})
    response.raise_for_status()
    return next((a["id"] for a in response.json().get("assets", []) if a["uri"] == uri), None)


def request_refresh(identity: Identity, extra: dict[str, Any]) -> str:
    """Emit the raw_polio Asset event (or trigger polio_refresh); what was done, in words."""
    from tributary.assets import RAW_POLIO  # noqa: PLC0415  (Airflow's SDK: only when mounted)

    if identity.airflow_token is None:
        return RUN_IT_YOURSELF
    token = identity.airflow_token
    try:
        with httpx.Client(base_url=dag_runs.airflow_base_url(), timeout=dag_runs.TIMEOUT,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            asset_id = _asset_id(client, RAW_POLIO.uri)
            if asset_id is not None:
                response = client.post("/api/v2/assets/events", json={"asset_id": asset_id, "extra": extra})
                if response.status_code < 400:
                    return f"asset event {response.json().get('id')} on {RAW_POLIO.uri}"
                if response.status_code != 403:
                    return f"not requested: Airflow answered {response.status_code}: {quote_input(response.text)}"
    except httpx.HTTPError as exc:
        return f"not requested: Airflow's API did not answer ({type(exc).__name__}); {RUN_IT_YOURSELF}"
    # No Asset registered yet, or the caller may trigger runs but not post Asset events.
    try:
        return f"{REFRESH_DAG} run {dag_runs.trigger(REFRESH_DAG, {}, token=token)}"
    except dag_runs.TriggerFailed as exc:
        return f"not requested: {exc}; {RUN_IT_YOURSELF}"
