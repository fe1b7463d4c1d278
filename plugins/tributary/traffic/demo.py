"""`make demo` for the traffic lake: sample sensor data through every stage to the portal.

Generates a week of sample data, starts the inventory, camera and SODA stand-ins, backfills the
first days with the stage code directly, runs the DAGs (unit data and the three sources) for the
last days, builds `traffic.sensor_health` and the open-data views (dbt), sends the traffic
publications to the stand-in portal, and writes one PNG chart
per source. Idempotent: a second demo finds everything done and writes nothing new.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from tributary import settings, standin, warehouse
from tributary.traffic import pipeline
from tributary.traffic.charts import sensor_health_chart
from tributary.traffic.stages import StageFailed

START = dt.date(2024, 6, 1)
DAYS = 7
DAG_DAYS = 2  # the last days go through Airflow; the ones before are backfilled directly
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
    from tributary.socrata import standin_session  # noqa: PLC0415

    sample = _generator().generate(settings.LOCAL_DIR / "sample" / "traffic", START, DAYS)
    ctx.say(f"  sample: {DAYS} days from {START} in {sample}")
    ctx.say(f"  vendor table vendor_wavetronix.detector_counts: {_fill_vendor_table(sample):,} new rows")
    lake = ctx.lake
    for path in sorted((sample / "bluetooth").iterdir()):
        target = f"landing/bluetooth/{path.name}"
        if not lake.exists(target):
            lake.put_file(target, path)
    token = secrets.token_hex(16)
    inventory = standin.start("traffic_inventory", "--devices", str(sample / "devices.json"),
                              env={"TRAFFIC_INVENTORY_TOKEN": token})
    cameras = standin.start("gridsmart_device", "--data", str(sample / "gridsmart"))
    os.environ["AIRFLOW_CONN_TRAFFIC_INVENTORY"] = json.dumps(
        {"conn_type": "http", "host": inventory.host, "port": inventory.port, "schema": "http",
         "password": token})
    os.environ["AIRFLOW_CONN_WAVETRONIX"] = warehouse.warehouse_url().replace(
        "postgresql://", "postgres://", 1)
    os.environ["AIRFLOW_CONN_GRIDSMART"] = json.dumps(
        {"conn_type": "http", "extra": {"url_template": f"{cameras.url}/devices/{{ip}}"}})
    try:
        with standin_session(pipeline.portal_datasets()) as portal:
            backfill_end = START + dt.timedelta(days=DAYS - DAG_DAYS)
            ctx.say(f"  backfill {START}..{backfill_end - dt.timedelta(days=1)} (stage code directly)")
            for source in ("unit_data", *SOURCES):
                try:
                    pipeline.run_days(source, START, backfill_end)
                except StageFailed as exc:
                    ctx.say(f"    {exc}")
                    raise
            for offset in range(DAYS - DAG_DAYS, DAYS):
                day = START + dt.timedelta(days=offset)
                ctx.say(f"  DAG runs for {day}:")
                ctx.run("traffic_unit_data", day=day)
                for dag_id in SOURCES.values():
                    ctx.run(dag_id, day=day)
            _build_marts(ctx)
            _publish(ctx)
            received = {d["id"]: d["rows"] for d in portal.datasets()}
    finally:
        inventory.stop()
        cameras.stop()
    _summarise(ctx, received)


def _publish(ctx) -> None:
    """What the `socrata_publish_traffic_*` DAGs do after traffic_refresh: each declared traffic
    publication sends its mart's new and changed rows."""
    from tributary.socrata import publications, registry  # noqa: PLC0415

    for declaration in registry.load().in_domain("traffic"):
        summary = publications.run(declaration.name, key=f"demo/traffic/{declaration.name}")
        ctx.say(f"  ✓ publication {declaration.name}: {summary['rows_sent']:,} rows sent to "
                f"{summary['dataset_id']}")


def _build_marts(ctx) -> None:
    """dbt build of models/traffic in one dbt process (what `traffic_refresh` runs through cosmos,
    one task per model; one process is much quicker for a demo)."""
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run([str(dbt), "build", "--quiet", "--select", "path:models/traffic",
                             "--project-dir", str(settings.DBT_DIR),
                             "--profiles-dir", str(settings.DBT_DIR)],
                            cwd=settings.DBT_DIR, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"dbt build of models/traffic failed:\n{result.stdout[-3000:]}")
    ctx.say("  ✓ dbt build models/traffic (traffic.sensor_health and its tests)")


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
        for source in ("bt", "wt", "gs"):
            path = sensor_health_chart(conn, source, ctx.report(f"traffic/sensor_health_{source}.png"))
            ctx.say(f"  chart: {path}")
