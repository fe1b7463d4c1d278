"""The report file `polio_refresh` leaves in the lake after the marts are built:
``reports/polio/<YYYY-MM-DD>/missing_mapping.csv`` (the run's day): every source string still to
map, per document, with the facts waiting on it, for whoever writes the next mapping file.
Re-running a day rewrites it."""

from __future__ import annotations

import datetime as dt

from tributary import reports

DOMAIN = "polio"
#: file name -> its query (the columns a mapping file's author needs, in a stable order)
QUERIES = {
    "missing_mapping.csv": "select kind, source_string, document_id, rows from polio.missing_mapping "
                           "order by kind, source_string, document_id",
}


def write_reports(day: dt.date, url: str | None = None, lake=None) -> dict[str, int]:
    """Write every polio report of ``day``; returns lake key -> rows."""
    return reports.write_query_reports(DOMAIN, day, QUERIES, url=url, lake=lake)
