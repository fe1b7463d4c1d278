"""Traffic fixtures: the sample data, the inventory and camera stand-ins, Airflow connections."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import uuid
from pathlib import Path

import pytest
from tributary import settings

from include.standins import launch

START = dt.date(2024, 6, 1)
DAYS = 3


def load_generator():
    path = settings.SAMPLE_DIR / "traffic" / "generate.py"
    spec = importlib.util.spec_from_file_location("traffic_sample_generate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Path:
    return load_generator().generate(tmp_path_factory.mktemp("traffic-sample"), START, DAYS)


@pytest.fixture(scope="session")
def inventory(sample: Path):
    token = uuid.uuid4().hex
    server = launch.start("traffic_inventory", "--devices", str(sample / "devices.json"),
                           env={"TRAFFIC_INVENTORY_TOKEN": token})
    yield server, token
    server.stop()


@pytest.fixture(scope="session")
def cameras(sample: Path):
    server = launch.start("gridsmart_device", "--data", str(sample / "gridsmart"))
    yield server
    server.stop()


@pytest.fixture
def traffic_env(fresh_warehouse, inventory, cameras, sample, monkeypatch):
    """A fresh warehouse with the vendor table filled, and the connections the DAGs use."""
    import csv

    import psycopg
    from tributary import warehouse

    server, token = inventory
    monkeypatch.setenv("AIRFLOW_CONN_TRAFFIC_INVENTORY", json.dumps(
        {"conn_type": "http", "host": server.host, "port": server.port, "schema": "http",
         "password": token}))
    monkeypatch.setenv("AIRFLOW_CONN_WAVETRONIX", fresh_warehouse.replace("postgresql://", "postgres://", 1))
    monkeypatch.setenv("AIRFLOW_CONN_GRIDSMART", json.dumps(
        {"conn_type": "http", "extra": {"url_template": f"{cameras.url}/devices/{{ip}}"}}))
    with (sample / "wavetronix" / "detector_counts.csv").open() as fh:
        reader = csv.DictReader(fh)
        rows = [tuple(r.values()) for r in reader]
        columns = reader.fieldnames
    with psycopg.connect(fresh_warehouse) as conn:
        warehouse.copy_rows(conn, "vendor_wavetronix.detector_counts", columns, rows)
    return fresh_warehouse
