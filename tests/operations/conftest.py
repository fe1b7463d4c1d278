"""Fixtures for running Tributary as users do: one multi-process Airflow cluster (CeleryExecutor,
private Redis broker, the session's metadata DB) shared by the web-UI and Celery tests, and a
headless Chromium. Every process started here is stopped by the fixtures' finalizers."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tributary import environment, settings

from tests.operations import browser as browser_mod
from tests.operations.cluster import AirflowCluster, ClusterConfig, LocalRedis

TMP = Path(os.environ["TRIBUTARY_TEST_TMP"])

#: A dead worker's tasks are failed (and retried elsewhere) after this many silent seconds.
HEARTBEAT_TIMEOUT = 12
#: A message reserved by the killed worker is re-queued after this many seconds.
QUEUED_TIMEOUT = 40
#: Users besides the admin, to test what each role may do through the APIs.
USERS = {"vera": "viewer", "uma": "user"}


def pytest_collection_modifyitems(config, items):
    """Keep these tests on one xdist worker (``--dist loadgroup``): they share a Celery cluster, a
    warehouse and a docs build, which each worker would otherwise start for itself."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.xdist_group("operations"))


@pytest.fixture(scope="session")
def redis_broker() -> Iterator[LocalRedis]:
    broker = LocalRedis(TMP / "redis").start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def docs_target() -> Path:
    """Where the session's dbt docs are written (and what cosmos serves in the cluster's UI)."""
    path = TMP / "dbt-docs"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def ops_warehouse() -> Iterator[str]:
    """The cluster's own warehouse database (raw tables created): what its DAG runs write."""
    from tributary import warehouse

    server = environment.with_database(os.environ["WAREHOUSE_URL"], "postgres")
    name = f"{environment.database_of(os.environ['WAREHOUSE_URL'])}_ops"
    environment.ensure_database(server, name)
    url = environment.with_database(server, name)
    with warehouse.transaction(url) as conn:
        warehouse.create_raw_tables(conn)
    try:
        yield url
    finally:
        environment.drop_database(server, name)


@pytest.fixture(scope="session")
def airflow_cluster(redis_broker: LocalRedis, docs_target: Path, ops_warehouse: str) -> Iterator[AirflowCluster]:
    """API server (UI + execution API), scheduler, DAG processor, triggerer and two Celery
    workers, each its own process, on free loopback ports."""
    config = ClusterConfig(
        home=TMP / "cluster",
        executor="CeleryExecutor",
        workers=2,
        worker_concurrency=2,
        broker_url=redis_broker.url,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
        queued_timeout=QUEUED_TIMEOUT,
        users=USERS,
        extra_env={
            "AIRFLOW__COSMOS__DBT_DOCS_PROJECTS": json.dumps(
                {"tributary": {"dir": str(docs_target), "name": "Tributary dbt docs"}}),
            "WAREHOUSE_URL": ops_warehouse,
            "AIRFLOW_CONN_WAREHOUSE": ops_warehouse,
            "TRIBUTARY_PG_DBNAME": environment.database_of(ops_warehouse),
        },
    )
    cluster = AirflowCluster(os.environ, config)
    cluster.start(timeout=240)
    try:
        yield cluster
    finally:
        cluster.stop()
        # Keep the components' logs (and task logs) as test artifacts: TMP goes at session end.
        kept = settings.LOCAL_DIR / "artifacts" / "cluster-logs"
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(config.home / "processes", kept / "processes", dirs_exist_ok=True)
        if (config.home / "logs").exists():
            shutil.copytree(config.home / "logs", kept / "logs", dirs_exist_ok=True)
        print(f"cluster logs: {kept}")


@pytest.fixture(scope="session")
def airflow_api(airflow_cluster: AirflowCluster):
    api = airflow_cluster.api()
    try:
        yield api
    finally:
        api.close()


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium (Debian's package): a missing browser is an error, never a skip."""
    with browser_mod.chromium() as browser:
        yield browser


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()
