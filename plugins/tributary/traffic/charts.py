"""The traffic health reports: a PNG chart per source of `traffic.sensor_health` (each sensor's
daily measure over the last 30 days) and `traffic.sensor_uptime_daily` as CSV, written to the
lake under ``reports/traffic/<day>/`` by `traffic_refresh` (`tributary.reports`)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import psycopg

from tributary import reports, warehouse

log = logging.getLogger("tributary.traffic")

DOMAIN = "traffic"
SOURCE_NAMES = {"bt": "Bluetooth reads", "wt": "Wavetronix volume", "gs": "GRIDSMART volume"}


def sensor_health_chart(conn: psycopg.Connection, source: str, path: Path, days: int = 30) -> Path:
    """Write the chart for one source (lines per sensor, suspect days marked, dead days shaded)."""
    import matplotlib  # noqa: PLC0415  (only the report task draws)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    rows = conn.execute(
        "select sensor_name, collection_date, value, suspect, responsive from traffic.sensor_health"
        " where data_source = %s and collection_date > (select max(collection_date) from"
        " traffic.sensor_health where data_source = %s) - %s order by sensor_name, collection_date",
        (source, source, days)).fetchall()
    series: dict[str, list[tuple[dt.date, float | None, bool, bool]]] = {}
    for name, day, value, suspect, responsive in rows:
        series.setdefault(name, []).append((day, value, suspect, responsive))
    fig, ax = plt.subplots(figsize=(10, 5))
    for name, points in series.items():
        xs = [p[0] for p in points]
        ys = [p[1] if p[1] is not None else float("nan") for p in points]
        (line,) = ax.plot(xs, ys, marker=".", label=name)
        bad = [(p[0], p[1]) for p in points if p[2] and p[1] is not None]
        if bad:
            ax.scatter(*zip(*bad, strict=True), s=90, facecolors="none", edgecolors="red", zorder=3)
        dead = [p[0] for p in points if not p[3]]
        if dead:
            ax.scatter(dead, [0] * len(dead), marker="x", color=line.get_color(), zorder=3)
    ax.set_title(f"{SOURCE_NAMES.get(source, source)} per sensor and day "
                 "(red ring: suspect, x at 0: no data)")
    ax.set_ylabel("per day")
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_health_reports(day: dt.date | str, *, lake=None) -> list[str]:
    """Every health report of ``day`` (the refresh's logical date) into the lake; returns their
    keys. A source without rows in the mart gets no chart (nothing to draw)."""
    keys = []
    with warehouse.connect() as conn:
        sources = [r[0] for r in conn.execute(
            "select distinct data_source from traffic.sensor_health order by 1")]
        for source in sources:
            keys.append(reports.chart_report(
                DOMAIN, day, f"sensor_health_{source}.png",
                lambda path, source=source: sensor_health_chart(conn, source, path), lake=lake))
        key, rows = reports.write_query_report(
            conn, DOMAIN, day, "sensor_uptime_daily.csv",
            "select * from traffic.sensor_uptime_daily order by data_source, collection_date",
            lake=lake)
        keys.append(key)
    log.info("traffic health reports for %s: %s (%d uptime rows)", day, ", ".join(keys), rows)
    return keys
