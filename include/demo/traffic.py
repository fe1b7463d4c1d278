"""`make demo` for the traffic lake: sample sensor data through every stage to the portal.

Generates a week of sample data and starts the inventory, camera and SODA stand-ins; then only
runs DAGs: each lake DAG once over a window of the first days (`start_date`/`end_date`), once
without dates for the last days (it catches up from the last processed day), `traffic_refresh`
(marts, then the health reports into the lake) and the traffic publications; and prints where
the reports are. Idempotent: a second demo finds everything done and writes nothing new.
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


def run(ctx) -> None:
    from include.standins.socrata_session import session as standin_session  # noqa: PLC0415

    sample = _generator().generate(settings.LOCAL_DIR / "sample" / "traffic", START, DAYS)
    ctx.say(f"  sample: {DAYS} days from {START} in {sample}")
    ctx.say(f"  vendor table vendor_wavetronix.detector_counts: {_fill_vendor_table(sample):,} new rows")
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
            ctx.say(f"  one run per DAG over the window {START}..{window_end}:")
            for dag_id in ("traffic_unit_data", *SOURCES.values()):
                ctx.run(dag_id, window)
            ctx.say(f"  one run per DAG without dates, for {last}: catches up from the last "
                    "processed day")
            for dag_id in ("traffic_unit_data", *SOURCES.values()):
                ctx.run(dag_id, day=last)
            ctx.run("traffic_refresh", day=last)
            for declaration in registry.load().in_domain("traffic"):
                ctx.run("socrata_publish", {"publication": declaration.name})
            received = {d["id"]: d["rows"] for d in portal.datasets()}
    finally:
        inventory.stop()
        cameras.stop()
    _summarise(ctx, received)


def _summarise(ctx, received: dict[str, int]) -> None:
    with warehouse.connect() as conn:
        ctx.say("  lake.catalog (objects per repository and source):")
        for repo, source, n in conn.execute(
                "select repository, data_source, count(*) from lake.catalog group by 1, 2 order by 1, 2"):
            ctx.say(f"    {repo:8s} {source:3s} {n:5,}")
        ctx.say("  portal datasets (rows the stand-in holds after this demo):")
        for dataset, rows in sorted(received.items()):
            ctx.say(f"    {dataset}: {rows:,}")
        jobs = conn.execute("select count(*) from perfmet.job").fetchone()[0]
        ctx.say(f"  perfmet.job: {jobs} stage runs recorded")
        ctx.say("  traffic.sensor_health, last day per source (not healthy):")
        for source, name, reason in conn.execute(
                "select data_source, sensor_name, reason from traffic.sensor_health h where"
                " collection_date = (select max(collection_date) from traffic.sensor_health"
                " where data_source = h.data_source) and reason is not null order by 1, 2"):
            ctx.say(f"    {source} {name}: {reason}")
        ctx.say("  traffic.sensor_uptime_daily, last day (listed / responsive / generating / suspect):")
        for source, listed, responsive, generating, suspect in conn.execute(
                "select data_source, sensors_listed, responsive, generating, suspect"
                " from traffic.sensor_uptime_daily u where collection_date = (select"
                " max(collection_date) from traffic.sensor_uptime_daily where data_source ="
                " u.data_source) order by 1"):
            ctx.say(f"    {source}: {listed} / {responsive} / {generating} / {suspect}")
    ctx.show_reports("traffic")
