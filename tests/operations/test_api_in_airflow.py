"""Tributary's API mounted in the cluster's Airflow API server: a Viewer reads but gets 403 on
every write route; a User's upload starts the DAG run through Airflow's API, the run loads the
file on a Celery worker, and the upload listing shows the outcome."""

from __future__ import annotations

import httpx
import pytest
from tributary import settings, warehouse

DOCUMENT = settings.SAMPLE_DIR / "polio" / "documents" / "nigeria_2016_01_long.csv"


def _client(cluster, username: str) -> httpx.Client:
    api = cluster.api(username)  # a token through POST /auth/token
    token = api.token
    api.close()
    return httpx.Client(base_url=f"{cluster.url}/tributary", timeout=60,
                        headers={"Authorization": f"Bearer {token}"})


def _write_routes(schema: dict) -> list[tuple[str, str]]:
    return [(method.upper(), path.replace("{kind}", "polio_document"))
            for path, operations in schema["paths"].items()
            for method in operations if method in ("post", "put", "patch", "delete")]


@pytest.mark.slow
def test_viewer_reads_only_and_an_upload_starts_its_run(airflow_cluster, airflow_api, ops_warehouse):
    airflow_api.wait_for_dags(["polio_ingest"])
    airflow_api.set_paused("polio_ingest", False)

    with _client(airflow_cluster, "vera") as viewer:
        writes = _write_routes(viewer.get("/openapi.json").json())
        assert ("POST", "/api/v1/datapoint") in writes and ("POST", "/api/v1/uploads/polio_document") in writes
        for method, path in writes:
            response = viewer.request(method, path, json={})
            assert response.status_code == 403, (method, path, response.text)
            assert "writes need a role that may trigger DAGs" in response.json()["detail"]
        for path in ("/api/v1/region", "/api/v1/indicator", "/api/v1/uploads"):
            assert viewer.get(path).status_code == 200, path

    with _client(airflow_cluster, "uma") as user:
        response = user.post("/api/v1/uploads/polio_document",
                             files={"file": (DOCUMENT.name, DOCUMENT.read_bytes(), "text/csv")},
                             data={"region_column": "Region", "campaign_column": "Campaign"})
        assert response.status_code == 202, response.text
        accepted = response.json()
        assert accepted["dag_id"] == "polio_ingest" and accepted["dag_run_id"]

        run = airflow_api.wait_for_run("polio_ingest", accepted["dag_run_id"], timeout=150)
        assert run["state"] == "success", airflow_cluster.logs()
        assert run["conf"] == {"path": accepted["key"], "region_column": "Region", "campaign_column": "Campaign"}
        with warehouse.connect(ops_warehouse) as conn:
            status, facts = conn.execute("select status, facts from raw_polio.document where source = %s",
                                         (accepted["key"],)).fetchone()
        assert status == "loaded" and facts > 0

        listed = user.get("/api/v1/uploads", params={"kind": "polio_document"}).json()["items"]
        mine = next(u for u in listed if u["upload_id"] == accepted["upload_id"])
        assert (mine["uploaded_by"], mine["status"], mine["facts"]) == ("uma", "loaded", facts)
        assert mine["dag_run_state"] == "success"
