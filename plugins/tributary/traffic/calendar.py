"""The city's calendar: sensor days are local days in Austin, whatever the server's clock says."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CITY_TZ = ZoneInfo("America/Chicago")


def local_midnight(day: dt.date) -> dt.datetime:
    """Start of ``day`` in the city's time zone (aware)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=CITY_TZ)


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """The days in [start, end)."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days)]


def day_of_week(moment: dt.date | dt.datetime) -> int:
    """Sunday = 0 … Saturday = 6 (the portal's convention; Python's weekday() has Monday = 0)."""
    return (moment.weekday() + 1) % 7


def localise(naive: dt.datetime) -> dt.datetime:
    """A naive local wall-clock time as an aware city time."""
    return naive.replace(tzinfo=CITY_TZ)


def timebin(moment: dt.datetime, minutes: int = 15) -> dt.datetime:
    """The start of the ``minutes``-long bin holding ``moment``.

    Bins are labelled by their start, so 10:59 is in 10:45 and the label never reads ``:60``
    (the seed rounded to the nearest bin without carrying into the hour).
    """
    return moment.replace(minute=moment.minute - moment.minute % minutes, second=0, microsecond=0)


def timebin_label(moment: dt.datetime, minutes: int = 15) -> str:
    return timebin(moment, minutes).strftime("%H:%M")
