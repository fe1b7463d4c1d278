"""What traffic takes from outside: the local_copy folder a run names is confined to the output
roots before any work; inventory device names that could name a path are rejected and listed
while the other devices load; a camera address must be host[:port]."""

from __future__ import annotations

import datetime as dt
import json

import psycopg
import pytest
from tributary.inputs import InputRejected
from tributary.traffic import pipeline
from tributary.traffic.catalog import object_path
from tributary.traffic.stages import StageFailed, StageOptions

from include.standins import launch
from tests.traffic.helpers import count, day


@pytest.fixture
def exports(tmp_path, monkeypatch):
    folder = tmp_path / "exports"
    monkeypatch.setenv("TRIBUTARY_OUTPUT_ROOTS", str(folder))
    return folder


@pytest.mark.parametrize("given", ["/etc", "../x", "~", "~/x", "dry/../../x"])
def test_local_copy_outside_the_output_roots_is_refused(exports, given):
    with pytest.raises(InputRejected, match="^path outside the allowed output roots: "):
        StageOptions.from_params({"local_copy": given})


def test_a_relative_local_copy_lands_under_the_first_output_root(exports):
    assert StageOptions.from_params({"local_copy": "dry run"}).local_copy == (exports / "dry run").resolve()
    assert StageOptions.from_params({"local_copy": ""}).local_copy is None


def test_a_refused_local_copy_fails_the_task_before_any_work(fresh_warehouse, file_lake, exports):
    start = dt.datetime.combine(day(0), dt.time(), dt.UTC)
    context = {"data_interval_start": start, "data_interval_end": start + dt.timedelta(days=1),
               "run_id": "manual", "params": {"local_copy": "/etc", "simulate": False}}
    with pytest.raises(InputRejected, match="/etc"):
        pipeline.plan_task("unit_data", context)  # the run's first task
    assert file_lake.list() == []
    for table in ("lake.catalog", "perfmet.job", "raw_traffic.device"):
        assert count(fresh_warehouse, f"select count(*) from {table}") == 0, table


BAD_ADDRESSES = ["evil.com/path?x", "1.2.3.4:99999", "http://x"]


@pytest.fixture
def odd_inventory(traffic_env, sample, tmp_path, monkeypatch):
    """The sample inventory with one camera named ``../../x`` and three with addresses that are
    not host[:port], served by its own stand-in."""
    devices = json.loads((sample / "devices.json").read_text())
    cameras = [d for d in devices if d["device_type"] == "GRIDSMART"]
    cameras[0]["device_name"] = "../../x"
    for camera, address in zip(cameras[1:], BAD_ADDRESSES, strict=False):
        camera["device_ip"] = address
    path = tmp_path / "devices.json"
    path.write_text(json.dumps(devices))
    token = "odd-inventory-token"
    with launch.start("traffic_inventory", "--devices", str(path),
                       env={"TRAFFIC_INVENTORY_TOKEN": token}) as server:
        monkeypatch.setenv("AIRFLOW_CONN_TRAFFIC_INVENTORY", json.dumps(
            {"conn_type": "http", "host": server.host, "port": server.port, "schema": "http",
             "password": token}))
        yield [c["device_name"] for c in cameras[1:4]]


def test_odd_devices_are_rejected_and_listed_while_the_others_go_on(traffic_env, file_lake,
                                                                    odd_inventory, caplog):
    caplog.set_level("WARNING", logger="tributary.traffic")
    pipeline.run_days("unit_data", day(0), day(1))
    # The camera named ../../x is not loaded, and is listed: log, rejects, catalog.
    assert "device '../../x' cannot name a file" in caplog.text
    pointer = object_path("raw", "gs", "unit_data", "json", day(0))
    with psycopg.connect(traffic_env) as conn:
        names = {n for (n,) in conn.execute(
            "select device_name from raw_traffic.device where data_source = 'gs'")}
        rejects = conn.execute("select source, reason, raw from raw_traffic.reject").fetchall()
        metadata = conn.execute("select metadata from lake.catalog where pointer = %s",
                                [pointer]).fetchone()[0]
    assert len(names) == 9 and "../../x" not in names
    assert [(source, json.loads(raw)["device_name"]) for source, _, raw in rejects] == [
        (pointer, "../../x")]
    assert metadata["rejected_devices"] == ["../../x"] and metadata["devices"] == 9
    assert count(traffic_env, "select count(*) from raw_traffic.device where data_source = 'bt'") == 10

    # Each camera with a bad address fails alone, with the reason; the other cameras are fetched.
    with pytest.raises(StageFailed) as failed:
        pipeline.run_days("gridsmart", day(0), day(1), stages=("ingest",))
    message = str(failed.value)
    assert "3 failed" in message and "6 done" in message
    for name, address in zip(odd_inventory, BAD_ADDRESSES, strict=True):
        assert f"{name} {day(0)}: InputRejected: camera address '{address}' is not a host or host:port" in message
    zips = [o.path for o in file_lake.list("raw/") if o.path.endswith(".zip")]
    assert len(zips) == 5  # six cameras went on; one of them is offline in the sample
    assert not any(name in path for path in zips for name in odd_inventory)
