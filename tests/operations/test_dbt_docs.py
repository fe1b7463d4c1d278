"""The dbt docs site: generated from a warehouse where every model is built (empty), every model
and column described, opened in a real browser (a mart and its lineage graph), and the same docs
served inside the Airflow UI by cosmos."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tributary import environment, settings
from tributary.operations import docs_coverage

from include.standins.launch import free_port
from tests.operations.browser import screenshot

MART = "model.tributary.load_history"


def _dbt(args: list[str], env: dict, target: Path, check: bool = True) -> subprocess.CompletedProcess:
    cmd = [str(Path(sys.executable).with_name("dbt")), *args, "--project-dir", str(settings.DBT_DIR),
           "--profiles-dir", str(settings.DBT_DIR), "--target-path", str(target)]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=settings.DBT_DIR)
    if check and result.returncode:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{result.stdout[-4000:]}")
    return result


@pytest.fixture(scope="module")
def docs(docs_target: Path, ops_warehouse: str) -> Path:
    """Every model built on the session's empty raw tables (so the catalog knows the real
    columns), then `make docs`' steps: `dbt docs generate` and the one-file `--static` site."""
    env = {**os.environ, **environment.dbt_env(ops_warehouse)}
    run = _dbt(["run", "--threads", "4"], env, docs_target, check=False)
    print(run.stdout[-1500:])  # a broken model shows below as "not built"
    _dbt(["docs", "generate"], env, docs_target)
    _dbt(["docs", "generate", "--static"], env, docs_target)
    return docs_target


@pytest.fixture(scope="module")
def docs_site(docs: Path, ops_warehouse: str) -> Iterator[str]:
    """`dbt docs serve` on a free loopback port, as `make docs` runs it."""
    port = free_port()
    env = {**os.environ, **environment.dbt_env(ops_warehouse)}
    cmd = [str(Path(sys.executable).with_name("dbt")), "docs", "serve", "--port", str(port), "--host",
           "127.0.0.1", "--no-browser", "--project-dir", str(settings.DBT_DIR), "--profiles-dir",
           str(settings.DBT_DIR), "--target-path", str(docs)]
    proc = subprocess.Popen(cmd, env=env, cwd=settings.DBT_DIR, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/index.html", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "dbt docs serve did not start"
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_every_model_and_column_is_documented(docs: Path):
    manifest, catalog = docs_coverage.load(docs)
    assert catalog is not None
    gaps = docs_coverage.model_gaps(manifest, catalog) + docs_coverage.source_gaps(manifest)
    no_freshness = docs_coverage.sources_without_freshness(manifest)
    print(f"sources without freshness ({len(no_freshness)}): {no_freshness}")
    assert [str(g) for g in gaps] == [], f"{len(gaps)} documentation gaps:\n" + "\n".join(map(str, gaps))


def test_exposures_name_their_consumers(docs: Path):
    manifest, _ = docs_coverage.load(docs)
    exposures = docs_coverage.exposures(manifest)
    api = exposures["exposure.tributary.tributary_api"]
    assert "model.tributary.datapoint_with_computed" in api["depends_on"]["nodes"]
    assert all(e["description"].strip() for e in exposures.values())


def test_coverage_reader_finds_gaps():
    manifest = {"nodes": {
        "model.tributary.a": {"resource_type": "model", "package_name": "tributary", "description": "",
                              "columns": {"x": {"description": "x"}, "gone": {"description": "old"}}},
        "model.other.b": {"resource_type": "model", "package_name": "other", "description": ""},
        "model.tributary.inlined": {"resource_type": "model", "package_name": "tributary",
                                    "description": "ephemeral", "config": {"materialized": "ephemeral"},
                                    "columns": {"z": {"description": ""}}},
    }, "sources": {}}
    catalog = {"nodes": {"model.tributary.a": {"columns": {"X": {}, "y": {}}}}}
    gaps = [str(g) for g in docs_coverage.model_gaps(manifest, catalog)]
    assert gaps == ["model.tributary.a: model has no description",
                    "model.tributary.a.gone: documented column does not exist",
                    "model.tributary.a.y: column not documented in YAML",
                    "model.tributary.inlined.z: column has no description"]


@pytest.mark.slow
def test_docs_site_shows_a_mart_and_its_lineage(docs_site: str, page):
    page.goto(f"{docs_site}/#!/model/{MART}")
    page.get_by_text("load_history").first.wait_for()
    page.get_by_text("Description").first.wait_for()
    screenshot(page, "10_dbt_docs_mart")
    page.locator("[title='View Lineage Graph'], .btn-circle, button:has-text('Lineage')").first.click()
    page.locator("#cy canvas, canvas").first.wait_for()
    page.wait_for_timeout(1000)
    screenshot(page, "11_dbt_docs_lineage")
    assert page.locator("canvas").count() >= 1


@pytest.mark.slow
def test_docs_inside_the_airflow_ui(docs: Path, airflow_cluster, page):
    from tests.operations.test_web_ui import login

    login(page, airflow_cluster)
    page.goto(f"{airflow_cluster.url}/cosmos/tributary/dbt_docs")
    frame = page.frame_locator("iframe")
    frame.get_by_text("load_history").first.wait_for(state="attached")  # the project tree rendered
    screenshot(page, "12_dbt_docs_in_airflow")
    served = httpx.get(f"{airflow_cluster.url}/cosmos/tributary/manifest.json", timeout=30)
    assert served.status_code == 200
    assert MART in served.json()["nodes"]
