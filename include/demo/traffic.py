"""`make demo` for the traffic lake: sample sensor data through every stage to the portal.

Generates a week of sample data and starts the inventory, camera and SODA stand-ins; then only
runs DAGs: each lake DAG once over a window of the first days (`start_date`/`end_date`), once
without dates for the last days (it catches up from the last processed day), `traffic_refresh`
(marts, then the health reports into the lake) and the traffic publications; the health tables go to the log.
Idempotent: a second demo finds everything done and writes nothing new.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
import os
import secrets

from psycopg.conninfo import conninfo_to_dict
from tributary import settings, warehouse
from tributary.socrata import registry
from tributary.traffic import pipeline

from include.standins import launch

START = dt.date(2024, 6, 1)
DAYS = 7
CATCH_UP_DAYS = 2  # the last days: a run without dates catches them up
SOURCES = {"bluetooth": "traffic_bluetooth", "wavetronix": "traffic_wavetronix",
           "gridsmart": "traffic_gridsmart"}


def _generator():
    spec = importlib.util.spec_from_file_location(
        "traffic_sample_generate", settings.SAMPLE_DIR / "traffic" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fill_vendor_table(sample) -> int:
    with (sample / "wavetronix" / "detector_counts.csv").open() as fh:
        reader = csv.DictReader(fh)
        rows = [tuple(r.values()) for r in reader]
        columns = reader.fieldnames
    with warehouse.transaction() as conn:
        return warehouse.load(conn, "vendor_wavetronix.detector_counts", columns, rows,
                              mode="insert_new", key=["detID", "curDateTime"]).inserted


def steps() -> int:
    lake_dags = 1 + len(SOURCES)
    return 2 * lake_dags + 1 + len(registry.load().in_domain("traffic"))


def run(ctx) -> None:
    from include.standins.socrata_session import standin_session  # noqa: PLC0415

    sample = _generator().generate(settings.LOCAL_DIR / "sample" / "traffic", START, DAYS)
    ctx.detail(f"sample data in {sample}")
    ctx.say(f"sample: {DAYS} days from {START}; vendor table vendor_wavetronix.detector_counts: "
            f"{_fill_vendor_table(sample):,} new rows")
    lake = ctx.lake
    for path in sorted((sample / "bluetooth").iterdir()):
        target = f"landing/bluetooth/{path.name}"
        if not lake.exists(target):
            lake.put_file(target, path)
    token = secrets.token_hex(16)
    inventory = launch.start("traffic_inventory", "--devices", str(sample / "devices.json"),
                              env={"TRAFFIC_INVENTORY_TOKEN": token})
    cameras = launch.start("gridsmart_device", "--data", str(sample / "gridsmart"))
    os.environ["AIRFLOW_CONN_TRAFFIC_INVENTORY"] = json.dumps(
        {"conn_type": "http", "host": inventory.host, "port": inventory.port, "schema": "http",
         "password": token})
    # The vendor database is a postgres connection naming its table in the extra, as README shows.
    vendor = conninfo_to_dict(warehouse.warehouse_url())
    os.environ["AIRFLOW_CONN_WAVETRONIX"] = json.dumps(
        {"conn_type": "postgres", "host": vendor.get("host"), "port": int(vendor.get("port") or 5432),
         "login": vendor.get("user"), "password": vendor.get("password"), "schema": vendor["dbname"],
         "extra": {"table": "vendor_wavetronix.detector_counts"}})
    os.environ["AIRFLOW_CONN_GRIDSMART"] = json.dumps(
        {"conn_type": "http", "extra": {"url_template": f"{cameras.url}/devices/{{ip}}"}})
    try:
        with standin_session(pipeline.portal_datasets()) as portal:
            window_end = START + dt.timedelta(days=DAYS - CATCH_UP_DAYS - 1)
            last = START + dt.timedelta(days=DAYS - 1)
            window = {"start_date": START.isoformat(), "end_date": window_end.isoformat()}
            for dag_id in ("traffic_unit_data", *SOURCES.values()):
                ctx.run(dag_id, window)
            for dag_id in ("traffic_unit_data", *SOURCES.values()):  # catches up to the last day
                ctx.run(dag_id, day=last, detail=f"no dates: catches up to {last}")
            ctx.run("traffic_refresh", day=last)
            for declaration in registry.load().in_domain("traffic"):
                ctx.run("socrata_publish", {"publication": declaration.name})
            received = {d["id"]: d["rows"] for d in portal.datasets()}
    finally:
        inventory.stop()
        cameras.stop()
    _summarise(ctx, received)


def _summarise(ctx, received: dict[str, int]) -> None:
    """Two lines on the terminal; the catalog and sensor health tables in the log."""
    with warehouse.connect() as conn:
        catalog = conn.execute("select repository, data_source, count(*) from lake.catalog "
                               "group by 1, 2 order by 1, 2").fetchall()
        jobs = conn.execute("select count(*) from perfmet.job").fetchone()[0]
        unhealthy = conn.execute(
            "select data_source, sensor_name, reason from traffic.sensor_health h where"
            " collection_date = (select max(collection_date) from traffic.sensor_health"
            " where data_source = h.data_source) and reason is not null order by 1, 2").fetchall()
        uptime = conn.execute(
            "select data_source, sensors_listed, responsive, generating, suspect"
            " from traffic.sensor_uptime_daily u where collection_date = (select"
            " max(collection_date) from traffic.sensor_uptime_daily where data_source ="
            " u.data_source) order by 1").fetchall()
    for repo, source, n in catalog:
        ctx.detail(f"lake.catalog {repo:8s} {source:3s} {n:5,}")
    for dataset, rows in sorted(received.items()):
        ctx.detail(f"portal dataset {dataset}: {rows:,} rows held by the stand-in")
    for source, name, reason in unhealthy:
        ctx.detail(f"traffic.sensor_health, last day: {source} {name}: {reason}")
    for source, listed, responsive, generating, suspect in uptime:
        ctx.detail(f"traffic.sensor_uptime_daily, last day: {source}: listed {listed}, responsive "
                   f"{responsive}, generating {generating}, suspect {suspect}")
    ctx.say(f"lake.catalog: {sum(n for *_, n in catalog):,} objects; perfmet.job: {jobs} stage runs; "
            f"{len(unhealthy)} sensors not healthy on the last day")
