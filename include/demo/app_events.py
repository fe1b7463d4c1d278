"""`make demo` for app_events: three generated days and the sample dimension files go to the
lake's landing area, `app_dimensions` and `app_events` (per day) load them, `app_refresh`
builds the star (and the report `reports/app_events/<day>/daily_active_lines_by_grouping.csv` in
the lake); the table counts go to the log. Idempotent: days are replaced,
dimensions upserted."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from tributary import settings, warehouse
from tributary.app_events import layout

from include.sample.app_events import generate as sample

SAMPLE = settings.SAMPLE_DIR / "app_events"
FIRST_DAY = dt.date(2024, 5, 20)
DAYS = 3
EVENTS_PER_DAY = 2_000


def steps() -> int:
    return 2 + DAYS


def run(ctx) -> None:
    lake = ctx.lake
    for path in sorted(SAMPLE.glob("*.csv")):
        lake.put_file(f"{layout.DIMENSIONS_PREFIX}/{path.name}", path)
    groupings = sample.lines_of(SAMPLE)
    days = [FIRST_DAY + dt.timedelta(days=i) for i in range(DAYS)]
    with tempfile.TemporaryDirectory(prefix="app-demo-") as tmp:
        for day in days:
            local = sample.write_export(Path(tmp) / layout.file_name(day), day, EVENTS_PER_DAY,
                                        list(groupings), groupings=groupings)
            lake.put_file(layout.landing_path(day), local)
    ctx.say(f"dropped {DAYS} exports of {EVENTS_PER_DAY:,} events and 3 dimension files in {lake.url}")
    ctx.run("app_dimensions")
    for day in days:
        ctx.run("app_events", {"wait_timeout_minutes": 1, "poke_interval_seconds": 5}, day=day)
    ctx.run("app_refresh")
    with warehouse.connect() as conn:
        for table in ("raw_app.event", "raw_app.event_property", "raw_app.by_mdn", "raw_app.reject",
                      "app.dim_line", "app.dim_account", "app.dim_calendar", "app.fct_activity",
                      "app.fct_limit", "app.daily_active_lines", "app.limited_active_lines",
                      "app.top_properties"):
            ctx.detail(f"{table:32s} {conn.execute(f'select count(*) from {table}').fetchone()[0]:>8,}")
