"""Which collection days a traffic DAG run processes (its window), decided once per run.

- ``start_date`` / ``end_date`` (inclusive; ``end_date`` defaults to ``start_date``): those days.
- ``intraday``: what arrived since the last run, from the day of the source's high-water mark
  (the newest day it has in the lake's ``raw`` repository) to the run's day; each day's ingest
  takes only what is new (Wavetronix rows after the day's mark, Bluetooth files not catalogued
  yet), so an hourly run loads every row once.
- neither, in a scheduled or backfill run: the days of the run's data interval.
- neither, in a manual run: every day from the last fully processed day (the newest day the
  source has in the catalog's last repository, inclusive: late items of that day are picked
  up) to the run's day (its data interval's start: yesterday for a run triggered now). Without
  any processed day, the run's day alone.

Bad params fail here, before any work, with `BadInput`: a date that is not YYYY-MM-DD, an end
before the start, a window longer than `MAX_WINDOW_DAYS`, a day in the future, dates together
with ``intraday``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from tributary.errors import BadInput, quote_input
from tributary.traffic.calendar import CITY_TZ, days_between

#: The longest window one run takes (a catch-up over a longer gap must name its dates).
MAX_WINDOW_DAYS = 366

#: Where a source's processed days are looked up: (data source codes, last repository, base).
#: A day counts as processed when its items reached the source's last lake repository.
PROGRESS = {
    "unit_data": (("bt", "wt", "gs"), "raw", "unit_data"),
    "bluetooth": (("bt",), "ready", None),
    "wavetronix": (("wt",), "ready", None),
    "gridsmart": (("gs",), "ready", None),
}
#: Sources whose data arrives during the day.
INTRADAY_SOURCES = ("bluetooth", "wavetronix")


@dataclass(frozen=True)
class RunWindow:
    days: tuple[dt.date, ...]
    why: str

    def as_xcom(self) -> dict[str, Any]:
        return {"days": [d.isoformat() for d in self.days], "why": self.why}

    @classmethod
    def from_xcom(cls, value: Mapping[str, Any]) -> RunWindow:
        return cls(tuple(dt.date.fromisoformat(d) for d in value["days"]), value["why"])


def parse_day(value: Any, param: str) -> dt.date | None:
    """A YYYY-MM-DD param as a date; empty or None is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise BadInput(f"{param} {quote_input(text, 40)!r} is not a YYYY-MM-DD date")


def _span(start: dt.date, end: dt.date, what: str) -> tuple[dt.date, ...]:
    days = (end - start).days + 1
    if days > MAX_WINDOW_DAYS:
        raise BadInput(f"{what} {start}..{end} is {days:,} days, more than {MAX_WINDOW_DAYS}; "
                       "process it in shorter windows (start_date/end_date)")
    return tuple(days_between(start, end + dt.timedelta(days=1)))


def explicit_window(params: Mapping[str, Any], today: dt.date) -> RunWindow | None:
    """The window ``start_date``/``end_date`` name (None when neither is given)."""
    start = parse_day(params.get("start_date"), "start_date")
    end = parse_day(params.get("end_date"), "end_date")
    if start is None and end is None:
        return None
    if params.get("intraday"):
        raise BadInput("intraday picks its own days (what arrived since the last run); give "
                       "either start_date/end_date or intraday, not both")
    if start is None:
        raise BadInput(f"end_date {end} needs a start_date")
    end = end or start
    if end < start:
        raise BadInput(f"end_date {end} is before start_date {start}")
    if end > today:
        raise BadInput(f"end_date {end} is in the future (today is {today} in the city)")
    return RunWindow(_span(start, end, "the window"), f"window {start}..{end}")


def last_day(conn: psycopg.Connection, source: str, repository: str | None = None) -> dt.date | None:
    """The newest collection day (city time) ``source`` has in the catalog: in its last
    repository (processed), or in ``repository``."""
    codes, last_repository, base = PROGRESS[source]
    row = conn.execute(
        "select max(collection_date) from lake.catalog where data_source = any(%s)"
        " and repository = %s and (%s::text is null or id_base = %s)"
        " and (%s::text is not null or id_base <> 'unit_data')",
        (list(codes), repository or last_repository, base, base, base)).fetchone()
    return row[0].astimezone(CITY_TZ).date() if row and row[0] else None


def resolve(source: str, params: Mapping[str, Any], *, run_type: str, run_day: dt.date,
            today: dt.date, conn: psycopg.Connection) -> RunWindow:
    """The run's days. ``run_day`` is the start of its data interval; ``today`` the city day
    the run happens on (its data interval's end)."""
    if source not in PROGRESS:
        raise KeyError(source)
    window = explicit_window(params, today)
    if window is not None:
        return window
    if params.get("intraday"):
        if source not in INTRADAY_SOURCES:
            raise BadInput(f"intraday applies to {', '.join(INTRADAY_SOURCES)}, not {source}")
        mark = last_day(conn, source, "raw")
        start = min(mark, today) if mark else today
        return RunWindow(_span(start, today, "intraday since the high-water mark"),
                         f"intraday: what arrived since the mark ({mark or 'none yet'}) to {today}")
    if run_type != "manual":
        return RunWindow((run_day,), f"{run_type} run for {run_day}")
    last = last_day(conn, source)
    start = min(last, run_day) if last else run_day
    return RunWindow(_span(start, run_day, "the catch-up"),
                     f"catch-up from the last processed day ({last or 'none yet'}) to {run_day}")
