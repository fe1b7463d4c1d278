"""The mapping review in the Airflow web UI (real cluster, headless Chromium): a run of
`polio_mapping_review` opens its human-in-the-loop form, a user picks suggested masters for two
near-miss district spellings and submits; the run maps them (history via ui, by that user) and
emits the raw_polio Asset for the refresh. A review nobody answers times out and maps nothing.

The screenshot of the form is kept under .local/artifacts/screenshots/; with
TRIBUTARY_DOCS_SCREENSHOTS=1 it is also written to docs/mapping_review.png (for the README)."""

from __future__ import annotations

import os
import shutil
import time

import httpx
import pytest
from tributary import settings, warehouse
from tributary.polio import mappings, master_data
from tributary.polio.ingest import ingest

from tests.operations.browser import screenshot
from tests.operations.test_web_ui import build_polio_marts, login

DAG_ID = "polio_mapping_review"
SAMPLE = settings.SAMPLE_DIR / "polio"
#: Spellings of AfgPolioCases.csv (rhizome) and the masters a reviewer picks for them.
PICKS = {"Khak-e- Safed": "Khaki Safid", "Balabluk": "Bala Bulook"}


def _wait_for_task_state(api, run_id: str, task_id: str, state: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        states = {t.task_id: t.state for t in api.task_runs(DAG_ID, run_id)}
        if states.get(task_id) == state:
            return
        if time.monotonic() > deadline or api.run(DAG_ID, run_id)["state"] in ("success", "failed"):
            raise AssertionError(f"{task_id} never {state}: {states}")
        time.sleep(1)


def _rows(url: str, sql: str, params=()) -> list[tuple]:
    with warehouse.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.mark.slow
def test_review_form_maps_the_picked_masters(airflow_cluster, airflow_api, ops_warehouse, page, tmp_path):
    airflow_api.wait_for_dags([DAG_ID])
    airflow_api.set_paused(DAG_ID, False)
    url = ops_warehouse
    master_data.load_metadata(SAMPLE / "master", url=url)
    doc = tmp_path / "afg_cases.csv"
    doc.write_text("campaign,region,Percent missed due to refusal\n"
                   + "".join(f"2016 March NID OPV,{s},0.{n}\n" for n, s in enumerate(PICKS, start=1)))
    ingest(doc, url=url)
    mappings.apply_mappings(mappings.read_mapping_file(SAMPLE / "mappings.csv"), url=url, via="csv")
    build_polio_marts(url)

    # Nobody answers: the review times out (the scheduler's sweep) into "skip", nothing is mapped.
    unanswered = airflow_api.trigger(DAG_ID, {"batch_size": 100, "response_timeout": 1})
    run = airflow_api.wait_for_run(DAG_ID, unanswered, timeout=90)
    states = {t.task_id: t.state for t in airflow_api.task_runs(DAG_ID, unanswered)}
    assert (run["state"], states["review"], states["apply"]) == ("success", "success", "skipped"), states
    assert _rows(url, "select * from raw_polio.mapping where source_string = any(%s)", (list(PICKS),)) == []

    run_id = airflow_api.trigger(DAG_ID, {"batch_size": 100})
    _wait_for_task_state(airflow_api, run_id, "review", "awaiting_input")

    login(page, airflow_cluster)
    page.goto(f"{airflow_cluster.url}/dags/{DAG_ID}/runs/{run_id}/tasks/review/required_actions")
    page.get_by_role("button", name="Map the chosen masters").wait_for()
    for source in PICKS:
        page.get_by_text(f"region: {source}").first.wait_for()
    shot = screenshot(page, "mapping_review_form")
    if os.environ.get("TRIBUTARY_DOCS_SCREENSHOTS"):
        (settings.REPO_ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, settings.REPO_ROOT / "docs" / "mapping_review.png")
    # One dropdown per string, in batch order (most facts first, then by string). The cluster's
    # warehouse is shared with other tests, which may leave strings of their own unmapped, so
    # the batch is read back from the run rather than assumed to hold only ours.
    prepared = airflow_api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/prepare/"
                               "xcomEntries/return_value", deserialize=True)["value"]
    order = [item["source_string"] for item in prepared["batch"]]
    assert set(PICKS) <= set(order), order
    dropdowns = page.get_by_role("combobox")
    assert dropdowns.count() == len(order)
    for source in PICKS:
        dropdowns.nth(order.index(source)).click(force=True)
        page.get_by_role("option", name=PICKS[source]).first.click()
        page.get_by_text(f"{PICKS[source]}  (").first.wait_for()
    screenshot(page, "mapping_review_picked")
    page.get_by_role("button", name="Map the chosen masters").click()

    run = airflow_api.wait_for_run(DAG_ID, run_id, timeout=90)
    assert run["state"] == "success", {t.task_id: t.state for t in airflow_api.task_runs(DAG_ID, run_id)}
    assert dict(_rows(url, "select source_string, master from raw_polio.mapping "
                           "where kind = 'region' and source_string = any(%s)", (list(PICKS),))) == PICKS
    history = _rows(url, "select source_string, old_master, new_master, changed_by, via "
                         "from raw_polio.mapping_change where source_string = any(%s) order by 1", (list(PICKS),))
    assert history == [(s, None, PICKS[s], airflow_cluster.username, "ui") for s in sorted(PICKS)]
    # The refresh follows: the run's apply task emitted the raw_polio Asset (polio_refresh's schedule).
    events = airflow_api.get("/api/v2/assets/events", source_dag_id=DAG_ID, source_run_id=run_id)
    assert [e["name"] for e in events["asset_events"]] == ["tributary://raw_polio"], events

    # The mapping API mounted in Airflow: a Viewer may not write; a User's change triggers
    # polio_refresh (Airflow lets only Op/Admin post Asset events); an Admin's emits the Asset.
    def put(username: str, mapping: dict) -> httpx.Response:
        api = airflow_cluster.api(username)
        try:
            return httpx.put(f"{airflow_cluster.url}/tributary/api/v1/polio/mapping", json=mapping,
                             headers={"Authorization": f"Bearer {api.token}"}, timeout=60)
        finally:
            api.close()

    clear = {"kind": "region", "source_string": "Balabluk", "master": None}
    assert put("vera", clear).status_code == 403
    by_user = put("uma", clear)
    assert by_user.status_code == 200, by_user.text
    assert by_user.json()["changed"] == 1 and by_user.json()["refresh"].startswith("polio_refresh run "), by_user.json()
    by_admin = put(airflow_cluster.username, {**clear, "master": "Bala Bulook"})
    assert by_admin.json()["refresh"].startswith("asset event "), by_admin.json()
    assert _rows(url, "select old_master, new_master, changed_by, via from raw_polio.mapping_change "
                      "where source_string = 'Balabluk' order by change_id")[-2:] == [
        ("Bala Bulook", None, "uma", "api"), (None, "Bala Bulook", airflow_cluster.username, "api")]
