"""The report files `mindtrails_refresh` leaves in the lake after the marts are built:
``reports/mindtrails/<YYYY-MM-DD>/`` (the run's day) with the questionnaire, participant and
attrition tables as CSV and the attrition chart as PNG. Re-running a day rewrites its files."""

from __future__ import annotations

import datetime as dt
import logging

from tributary import reports, warehouse
from tributary.mindtrails import charts

log = logging.getLogger(__name__)

DOMAIN = "mindtrails"
#: file name -> the mart it holds (every column, in a stable order)
TABLES = {
    "scale_report.csv": "select * from mindtrails.scale_report order by 1, 2",
    "column_missing.csv": "select * from mindtrails.column_missing order by 1, 2, 3",
    "participant_report.csv": "select * from mindtrails.participant_report order by 1, 2",
    "participant_session.csv": "select * from mindtrails.participant_session order by 1, 2, 3",
    "attrition.csv": "select * from mindtrails.attrition order by 1, 3",
}
CHART = "attrition.png"
ATTRITION = ("select server, session_name, session_index, participants, percent_retained "
             "from mindtrails.attrition order by server, session_index")


def write_reports(day: dt.date, url: str | None = None, lake=None) -> dict[str, int | None]:
    """Write every report of ``day``; returns lake key -> rows (None for the chart)."""
    written: dict[str, int | None] = dict(reports.write_query_reports(DOMAIN, day, TABLES, url=url, lake=lake))
    with warehouse.connect(url) as conn:
        attrition = conn.execute(ATTRITION).fetchall()
    key = reports.chart_report(DOMAIN, day, CHART, lambda path: charts.attrition_chart(attrition, path),
                               lake=lake)
    log.info("report %s", key)
    written[key] = None
    return written
