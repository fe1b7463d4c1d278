"""Fixtures for the Socrata tests: one stand-in server per module, tables in the session DB."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from tributary import warehouse

from include.standins.socrata_session import CONN_ENV, SodaStandIn, standin_session


@pytest.fixture(scope="module")
def soda_server() -> Iterator[SodaStandIn]:
    with standin_session(set_env=False) as server:
        yield server


@pytest.fixture
def soda(soda_server: SodaStandIn, monkeypatch: pytest.MonkeyPatch) -> Iterator[SodaStandIn]:
    """The module's stand-in, with ``socrata_default`` pointing at it and no faults left over."""
    monkeypatch.setenv(CONN_ENV, soda_server.connection_json())
    soda_server.clear_faults()
    soda_server.clear_requests()
    yield soda_server
    soda_server.clear_faults()


@pytest.fixture
def dataset(soda: SodaStandIn) -> str:
    """A new dataset on the stand-in with row identifier ``id``."""
    dataset_id = f"{uuid.uuid4().hex[:4]}-{uuid.uuid4().hex[:4]}"
    soda.create_dataset(dataset_id, "id")
    return dataset_id


@pytest.fixture
def source_table(warehouse_url: str):
    """Makes ``socrata_test.<unique>`` with ids ``1..n`` and columns of every kind; returns name."""
    made: list[str] = []

    def make(n: int) -> str:
        name = f"socrata_test.t_{uuid.uuid4().hex[:10]}"
        with warehouse.transaction(warehouse_url) as conn:
            conn.execute("create schema if not exists socrata_test")
            conn.execute(f"""
                create table {name} as
                select g as id,
                       'name ' || g as name,
                       (g * 1.25)::numeric(12, 2) as amount,
                       g::numeric as whole,
                       date '2024-01-01' + g as day,
                       timestamp '2024-01-01 08:30' + g * interval '1 minute' as seen_at,
                       timestamptz '2024-01-01 08:30+02' + g * interval '1 minute' as seen_utc,
                       g % 2 = 0 as even,
                       case when g % 5 = 0 then null else g end as maybe
                from generate_series(1, {n}) g""")
        made.append(name)
        return name

    yield make
    with warehouse.transaction(warehouse_url) as conn:
        for name in made:
            conn.execute(f"drop table if exists {name}")


def task_context(run_id: str | None = None, task_id: str = "publish") -> dict:
    """What the operator reads from an Airflow context: the task instance's identity."""
    ti = SimpleNamespace(dag_id="socrata_test", run_id=run_id or f"manual__{uuid.uuid4().hex[:8]}",
                         task_id=task_id, map_index=-1)
    return {"ti": ti}
