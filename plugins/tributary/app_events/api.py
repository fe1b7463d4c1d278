"""HTTP routes over the app star schema (mounted under /api/v1 with authentication).

- ``GET /app/activity`` – `app.fct_activity`, filtered by line and date range.
- ``GET /app/by_device?grouping=ANDROID`` – `app.activity_by_device_grouping` for one grouping.
- ``GET /app/by_limit?type=USG`` – `app.limited_active_lines`: lines with that limit that were active.

Each answers one page (`tributary.api.pages`): a `Page` with ``total`` and ``more``, or CSV.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from tributary import warehouse
from tributary.api import pages
from tributary.api.pages import PageQuery, Paging

router = APIRouter(prefix="/app", tags=["app_events"])

DateFrom = Annotated[dt.date | None, Query(description="First day (YYYY-MM-DD), inclusive.")]
DateTo = Annotated[dt.date | None, Query(description="Last day (YYYY-MM-DD), inclusive.")]
CSV = {200: {"content": {"text/csv": {}}}}


class Page(BaseModel):
    total: int
    limit: int
    offset: int
    more: bool
    items: list[dict[str, Any]]


def _page(paging: Paging, table: str, columns: str, order: str, filters: dict[str, tuple[str, Any]]):
    """One page of ``table``; ``filters`` maps a parameter name to (condition, value)."""
    where = " and ".join(cond for cond, _ in filters.values()) or "true"
    params = {name: value for name, (_, value) in filters.items()}
    # Table and column names are constants of this module; only values are parameters.
    query = f"select {columns} from {table} where {where} order by {order}"

    def counted(page: pages.Page) -> Page:
        with warehouse.connect() as conn:
            total = conn.execute(f"select count(*) from {table} where {where}", params).fetchone()[0]
        return Page(total=total, limit=page.limit, offset=page.offset, more=page.more, items=page.records())

    try:
        return paging.respond(query, params, filename=f"{table.split('.')[-1]}.csv", shape=counted)
    except Exception as exc:  # e.g. the marts are not built yet
        if type(exc).__module__.startswith("psycopg"):
            raise HTTPException(503, f"app marts unavailable: {type(exc).__name__}") from None
        raise


def _dates(date_from: dt.date | None, date_to: dt.date | None, column: str) -> dict[str, tuple[str, Any]]:
    if date_from and date_to and date_from > date_to:
        raise HTTPException(422, "date_from is after date_to")
    filters = {}
    if date_from:
        filters["date_from"] = (f"{column} >= %(date_from)s", date_from)
    if date_to:
        filters["date_to"] = (f"{column} <= %(date_to)s", date_to)
    return filters


@router.get("/activity", response_model=Page, responses=CSV,
            summary="App events per line, day and event type", description=pages.PAGING)
def activity(
    paging: PageQuery,
    mdn: Annotated[str | None, Query(pattern=r"^\d{4,15}$", description="Line number (digits).")] = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
):
    filters = _dates(date_from, date_to, "event_date")
    if mdn:
        filters["mdn"] = ("mdn = %(mdn)s", mdn)
    return _page(paging, "app.fct_activity", "mdn, event_date, event_type, events",
                 "event_date, mdn, event_type", filters)


@router.get("/by_device", response_model=Page, responses=CSV,
            summary="Activity of one device grouping", description=pages.PAGING)
def by_device(
    paging: PageQuery,
    grouping: Annotated[str, Query(pattern=r"^[A-Za-z_]{2,30}$", description="e.g. ANDROID, IOS.")],
    date_from: DateFrom = None,
    date_to: DateTo = None,
):
    filters = {"grouping": ("device_grouping = %(grouping)s", grouping.upper()),
               **_dates(date_from, date_to, "event_date")}
    return _page(paging, "app.activity_by_device_grouping",
                 "device_grouping, event_date, event_type, active_lines, events",
                 "event_date, event_type", filters)


@router.get("/by_limit", response_model=Page, responses=CSV,
            summary="Active lines with a limit of one type", description=pages.PAGING)
def by_limit(
    paging: PageQuery,
    type: Annotated[str, Query(pattern=r"^[A-Za-z]{2,10}$", description="Limit type, e.g. USG.")],  # noqa: A002
):
    return _page(paging, "app.limited_active_lines",
                 "mtn, limit_type, cust_acct, latest_limit_date, device_grouping, segment_name, "
                 "svc_plan, active_days, events, events_since_limit, first_active_date, last_active_date",
                 "mtn", {"type": ("limit_type = %(type)s", type.upper())})
