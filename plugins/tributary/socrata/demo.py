"""`make demo` for Socrata: start the local SODA server, publish a small table, a dry run, a delete.

Publishes ``publish.demo_stations`` (made here: 20 stations) to dataset ``demo-stns`` through the
``socrata_publish`` DAG, then changes the table and publishes again with ``sync_deletes``, then
does a simulate run (CSV files in the lake). Other domains' demos use `standin_session()` the same
way to publish their marts.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

from tributary import warehouse
from tributary.socrata import standin_session

DATASET = "demo-stns"
TABLE = "publish.demo_stations"
COLUMNS = ["station_id", "name", "district", "daily_average", "opened_on", "checked_at"]


def _stations(count: int) -> list[tuple]:
    checked = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)
    return [(i, f"Station {i:02d}", ["north", "south", "east", "west"][i % 4],
             Decimal(f"{i * 37 % 1000}.{i % 10}5"), dt.date(2020, 1, 1) + dt.timedelta(days=30 * i),
             checked + dt.timedelta(minutes=i)) for i in range(1, count + 1)]


def _prepare(count: int) -> None:
    with warehouse.transaction() as conn:
        warehouse.create_raw_tables(conn, "socrata")
        conn.execute(f"""create table if not exists {TABLE} (
            station_id int primary key, name text not null, district text, daily_average numeric(8, 2),
            opened_on date, checked_at timestamptz)""")
        warehouse.load(conn, TABLE, COLUMNS, _stations(count), mode="replace",
                       replace_where=("true", []))


def run(ctx) -> None:
    with standin_session({DATASET: "station_id"}) as portal:
        ctx.say(f"  local SODA server on {portal.url} (connection socrata_default points at it)")
        _prepare(20)
        conf = {"table": TABLE, "dataset_id": DATASET, "row_id": "station_id", "chunk_size": 8,
                "sync_deletes": True, "simulate": False}
        ctx.run("socrata_publish", conf)
        requests = portal.requests()
        ctx.say(f"  sent {sum(r['rows'] for r in requests)} rows in {len(requests)} upserts "
                f"(chunks of 8); the portal holds {len(portal.all_rows(DATASET))} rows")

        _prepare(17)  # stations 18-20 closed: sync_deletes removes them from the dataset
        portal.clear_requests()
        ctx.run("socrata_publish", conf)
        rows = portal.all_rows(DATASET)
        ctx.say(f"  after closing 3 stations: {len(rows)} rows on the portal, "
                f"{sum(r['rows'] for r in portal.requests())} rows sent (17 upserts + 3 deletes)")
        for row in portal.rows(DATASET, **{"$where": "district = 'north'", "$order": "station_id",
                                           "$limit": 2}):
            ctx.say(f"    {row}")

        portal.clear_requests()
        ctx.run("socrata_publish", {**conf, "simulate": True})
        with warehouse.connect() as conn:
            (output,) = conn.execute("select output_path from publish.run where dataset_id = %s "
                                     "and simulate order by run_id desc limit 1", (DATASET,)).fetchone()
        files = sorted(o.path for o in ctx.lake.list(output.removeprefix("lake:")))
        ctx.say(f"  simulate: {len(files)} CSV files in the lake, {len(portal.requests())} requests "
                f"sent (e.g. {files[0] if files else '-'})")

        report = ctx.report("socrata/demo_stations_on_portal.csv")
        with report.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(sorted(rows, key=lambda r: r["station_id"]))
        with warehouse.connect() as conn:
            runs = conn.execute("select run_id, status, simulate, rows_sent, deletes_sent, chunks_sent "
                                "from publish.run where dataset_id = %s order by run_id desc limit 3",
                                (DATASET,)).fetchall()
        ctx.say("  publish.run (latest): " + "; ".join(
            f"#{r[0]} {r[1]}{' (simulated)' if r[2] else ''} {r[3]} rows, {r[4]} deletes, {r[5]} chunks"
            for r in runs))
        ctx.say(f"  report: {report}")
