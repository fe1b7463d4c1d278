"""Test harness: every session gets its own warehouse database, Airflow metadata database, lake
folder and Airflow home, on the server `WAREHOUSE_URL` names (else the embedded Postgres), and
drops them at the end. Nothing depends on state a previous run left.

This module runs before Airflow is imported anywhere, so the settings below are the ones Airflow
reads.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tributary import environment

SESSION = uuid.uuid4().hex[:8]
TMP = Path(tempfile.mkdtemp(prefix=f"tributary-test-{SESSION}-"))
SERVER_URL = environment.resolve_warehouse().url
WAREHOUSE_DB = f"test_wh_{SESSION}"
AIRFLOW_DB = f"test_af_{SESSION}"


def _configure() -> None:
    environment.ensure_database(SERVER_URL, WAREHOUSE_DB)
    environment.ensure_database(SERVER_URL, AIRFLOW_DB)
    warehouse_url = environment.with_database(SERVER_URL, WAREHOUSE_DB)
    env = {
        "WAREHOUSE_URL": warehouse_url,
        "LAKE_URL": (TMP / "lake").as_uri(),
        "TRIBUTARY_TEST_TMP": str(TMP),
        **environment.dbt_env(warehouse_url),
        **environment.airflow_env(warehouse_url, environment.with_database(SERVER_URL, AIRFLOW_DB)),
        "AIRFLOW_HOME": str(TMP / "airflow"),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(TMP / "airflow" / "logs"),
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    os.environ.update(env)
    result = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"],
                            capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"airflow db migrate failed:\n{result.stderr[-3000:]}")
    from tributary import warehouse

    with warehouse.transaction() as conn:
        warehouse.create_raw_tables(conn)


_configure()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for db in (WAREHOUSE_DB, AIRFLOW_DB):
        try:
            environment.drop_database(SERVER_URL, db)
        except Exception as exc:  # report, but do not mask the test result
            print(f"could not drop test database {db}: {exc}", file=sys.stderr)
    shutil.rmtree(TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def warehouse_url() -> str:
    """The session's test warehouse (raw tables created, shared by the session's tests)."""
    return os.environ["WAREHOUSE_URL"]


@pytest.fixture
def fresh_warehouse(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A brand-new warehouse database for one test (raw tables created), made current for the
    loader, the Airflow connection `warehouse` and the dbt profile; dropped afterwards."""
    name = f"test_wh_{SESSION}_{uuid.uuid4().hex[:6]}"
    environment.ensure_database(SERVER_URL, name)
    url = environment.with_database(SERVER_URL, name)
    monkeypatch.setenv("WAREHOUSE_URL", url)
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", url)
    monkeypatch.setenv("TRIBUTARY_PG_DBNAME", name)
    from tributary import warehouse

    with warehouse.transaction(url) as conn:
        warehouse.create_raw_tables(conn)
    try:
        yield url
    finally:
        environment.drop_database(SERVER_URL, name)


@pytest.fixture
def file_lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An empty file lake for one test, made current through LAKE_URL."""
    from tributary.lake import open_lake

    url = (tmp_path / "lake").as_uri()
    monkeypatch.setenv("LAKE_URL", url)
    return open_lake(url)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A local S3-compatible server (moto in server mode) on a loopback port."""
    from moto.server import ThreadedMotoServer

    from include.standins.launch import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_lake(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch):
    """An empty S3 lake (fresh bucket) for one test, made current through LAKE_URL."""
    import json

    import boto3

    bucket = f"lake-{uuid.uuid4().hex[:10]}"
    key_id, secret = uuid.uuid4().hex, uuid.uuid4().hex  # generated per test; moto accepts any
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps({
        "conn_type": "aws",
        "login": key_id,
        "password": secret,
        "extra": {"endpoint_url": s3_endpoint, "region_name": "us-east-1"},
    }))
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                 aws_access_key_id=key_id, aws_secret_access_key=secret).create_bucket(Bucket=bucket)
    url = f"s3://{bucket}/lake"
    monkeypatch.setenv("LAKE_URL", url)
    from tributary.lake import open_lake

    return open_lake(url)


def run_dbt(*args: str) -> subprocess.CompletedProcess:
    """dbt against the current test warehouse; raises with dbt's output when it fails."""
    from tributary import settings

    cmd = [str(Path(sys.executable).with_name("dbt")), *args,
           "--project-dir", str(settings.DBT_DIR), "--profiles-dir", str(settings.DBT_DIR),
           "--target-path", str(TMP / "dbt-target" / uuid.uuid4().hex[:6])]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=settings.DBT_DIR)
    if result.returncode:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    return result


@pytest.fixture
def dbt():
    """Run dbt commands against the current test warehouse: ``dbt("build", "--select", "polio")``."""
    return run_dbt
