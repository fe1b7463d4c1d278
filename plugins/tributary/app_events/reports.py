"""The report file `app_refresh` leaves in the lake after the star is built:
``reports/app_events/<YYYY-MM-DD>/daily_active_lines_by_grouping.csv`` (the run's day): per device
grouping, the line-days active in the app and their events, busiest first. Re-running a day
rewrites it."""

from __future__ import annotations

import datetime as dt

from tributary import reports

DOMAIN = "app_events"
#: file name -> its query
QUERIES = {
    "daily_active_lines_by_grouping.csv": (
        "select device_grouping, sum(active_lines) as line_days, sum(events) as events "
        "from app.daily_active_lines group by device_grouping "
        "order by events desc, device_grouping"),
}


def write_reports(day: dt.date, url: str | None = None, lake=None) -> dict[str, int]:
    """Write every app_events report of ``day``; returns lake key -> rows."""
    return reports.write_query_reports(DOMAIN, day, QUERIES, url=url, lake=lake)
