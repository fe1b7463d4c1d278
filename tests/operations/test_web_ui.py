"""The Airflow 3 web UI in a real browser (Debian's Chromium): log in through the login page, see
every DAG with no import errors, fill and submit the data-entry trigger form, and read the
result back through the HTTP APIs (Airflow's and Tributary's). Screenshots are kept under
.local/artifacts/screenshots/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tributary import settings

from tests.operations.browser import screenshot

DAG_ID = "polio_data_entry"
ENTRY = {"region": "Kano", "campaign": "Nigeria January 2016",
         "indicator": "Number of children missed due to child not available", "value": 321}


def login(page, cluster) -> None:
    page.goto(cluster.url + "/")
    page.wait_for_url("**/auth/login**")
    page.fill("input[name=username]", cluster.username)
    page.fill("input[name=password]", cluster.password)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def build_polio_marts(warehouse_url: str) -> None:
    """The marts the datapoint route reads (what polio_refresh builds), against `warehouse_url`."""
    from tributary.environment import dbt_env

    env = {**os.environ, **dbt_env(warehouse_url)}
    cmd = [str(Path(sys.executable).with_name("dbt")), "run", "--threads", "4", "--select", "+path:models/polio/marts",
           "--project-dir", str(settings.DBT_DIR), "--profiles-dir", str(settings.DBT_DIR),
           "--target-path", str(Path(os.environ["TRIBUTARY_TEST_TMP"]) / "dbt-target-ui")]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=settings.DBT_DIR)
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.mark.slow
def test_login_list_trigger_form_and_read_back(airflow_cluster, airflow_api, ops_warehouse, page):
    from tributary.dag_runner import parse_dag_folder
    from tributary.polio.master_data import load_metadata

    expected = sorted(parse_dag_folder().dags)  # every DAG the folder defines (some files make several)
    registered = airflow_api.wait_for_dags(expected)
    assert airflow_api.import_errors() == []
    load_metadata(settings.SAMPLE_DIR / "polio" / "master", url=ops_warehouse)

    # Unauthenticated visitors land on the login page.
    login(page, airflow_cluster)
    screenshot(page, "01_home_after_login")

    page.goto(airflow_cluster.url + "/dags?limit=100")
    page.get_by_text(f"{len(registered)} Dags").wait_for()
    for dag_id in expected:
        page.get_by_role("link", name=dag_id, exact=True).first.wait_for()
    assert "Import Error" not in page.content()
    screenshot(page, "02_dag_list")

    page.goto(f"{airflow_cluster.url}/dags/{DAG_ID}")
    page.get_by_test_id("trigger-dag-button").click()
    form = page.get_by_role("dialog")
    form.wait_for()
    for title in ("Region", "Campaign", "Indicator", "Value"):
        assert form.locator("label").filter(has_text=title).count() >= 1, f"form field {title!r} has no title"
    assert form.get_by_text("Master region name").count() == 1  # descriptions are shown
    submit = form.get_by_test_id("trigger-dag-submit")
    assert submit.is_disabled()  # required fields are still empty
    for name in ("region", "campaign", "indicator"):
        form.locator(f"input[name=element_{name}]").fill(ENTRY[name])
    form.locator("input[name=element_value]").fill(str(ENTRY["value"]))
    screenshot(page, "03_trigger_form_filled")
    submit.click()
    form.wait_for(state="hidden")

    runs = airflow_api.runs(DAG_ID)
    assert len(runs) == 1, runs
    run = airflow_api.wait_for_run(DAG_ID, runs[0]["dag_run_id"], timeout=120)
    page.goto(f"{airflow_cluster.url}/dags/{DAG_ID}/runs/{run['dag_run_id']}")
    page.get_by_text("success").first.wait_for()
    screenshot(page, "04_run_succeeded")
    assert run["state"] == "success"
    assert run["conf"] == ENTRY  # the form's values, typed as the params declare

    xcom = airflow_api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances/enter"
                           "/xcomEntries/return_value")
    assert xcom["value"] in ({"set": 1, "removed": 0}, "{'set': 1, 'removed': 0}")

    # The value through Tributary's API, mounted in the same API server, with the same login.
    build_polio_marts(ops_warehouse)
    response = httpx.get(f"{airflow_cluster.url}/tributary/api/v1/datapoint",
                         params={"indicator__in": ENTRY["indicator"], "campaign__in": ENTRY["campaign"],
                                 "region__in": ENTRY["region"]},
                         headers={"Authorization": f"Bearer {airflow_api.token}"}, timeout=30)
    assert response.status_code == 200, response.text
    objects = response.json()["objects"]
    assert [(o["region"], o["campaign"], o["value"]) for o in objects if not o["is_calc"]] == [
        (ENTRY["region"], ENTRY["campaign"], float(ENTRY["value"]))], objects
    assert httpx.get(f"{airflow_cluster.url}/tributary/api/v1/datapoint",
                     params={"indicator__in": ENTRY["indicator"]}, timeout=30).status_code == 401
