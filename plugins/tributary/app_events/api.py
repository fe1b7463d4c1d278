"""HTTP routes over the app star schema (mounted under /api/v1 with authentication).

- ``GET /app/activity`` – `app.fct_activity`, filtered by line and date range, paginated.
- ``GET /app/by_device?grouping=ANDROID`` – `app.activity_by_device_grouping` for one grouping.
- ``GET /app/by_limit?type=USG`` – `app.limited_active_lines`: lines with that limit that were active.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from tributary import warehouse

router = APIRouter(prefix="/app", tags=["app_events"])

Limit = Annotated[int, Query(ge=1, le=1000, description="Page size (1–1000).")]
Offset = Annotated[int, Query(ge=0, description="Rows to skip.")]
DateFrom = Annotated[dt.date | None, Query(description="First day (YYYY-MM-DD), inclusive.")]
DateTo = Annotated[dt.date | None, Query(description="Last day (YYYY-MM-DD), inclusive.")]


class Page(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


def _page(table: str, columns: str, order: str, filters: list[tuple[str, Any]],
          limit: int, offset: int) -> Page:
    where = " and ".join(cond for cond, _ in filters) or "true"
    params = [value for _, value in filters]
    try:
        with warehouse.connect() as conn, conn.cursor() as cur:
            # Table and column names are constants of this module; only values are parameters.
            cur.execute(f"select count(*) from {table} where {where}", params)
            total = cur.fetchone()[0]
            cur.execute(f"select {columns} from {table} where {where} order by {order} "
                        "limit %s offset %s", [*params, limit, offset])
            names = [d.name for d in cur.description]
            items = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    except Exception as exc:  # e.g. the marts are not built yet
        if type(exc).__module__.startswith("psycopg"):
            raise HTTPException(503, f"app marts unavailable: {type(exc).__name__}") from None
        raise
    return Page(total=total, limit=limit, offset=offset, items=items)


def _dates(date_from: dt.date | None, date_to: dt.date | None, column: str) -> list[tuple[str, Any]]:
    if date_from and date_to and date_from > date_to:
        raise HTTPException(422, "date_from is after date_to")
    filters = []
    if date_from:
        filters.append((f"{column} >= %s", date_from))
    if date_to:
        filters.append((f"{column} <= %s", date_to))
    return filters


@router.get("/activity", response_model=Page, summary="App events per line, day and event type")
def activity(
    mdn: Annotated[str | None, Query(pattern=r"^\d{4,15}$", description="Line number (digits).")] = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page:
    filters = _dates(date_from, date_to, "event_date")
    if mdn:
        filters.append(("mdn = %s", mdn))
    return _page("app.fct_activity", "mdn, event_date, event_type, events",
                 "event_date, mdn, event_type", filters, limit, offset)


@router.get("/by_device", response_model=Page, summary="Activity of one device grouping")
def by_device(
    grouping: Annotated[str, Query(pattern=r"^[A-Za-z_]{2,30}$", description="e.g. ANDROID, IOS.")],
    date_from: DateFrom = None,
    date_to: DateTo = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page:
    filters = [("device_grouping = %s", grouping.upper()), *_dates(date_from, date_to, "event_date")]
    return _page("app.activity_by_device_grouping",
                 "device_grouping, event_date, event_type, active_lines, events",
                 "event_date, event_type", filters, limit, offset)


@router.get("/by_limit", response_model=Page, summary="Active lines with a limit of one type")
def by_limit(
    type: Annotated[str, Query(pattern=r"^[A-Za-z]{2,10}$", description="Limit type, e.g. USG.")],  # noqa: A002
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page:
    return _page("app.limited_active_lines",
                 "mtn, limit_type, cust_acct, latest_limit_date, device_grouping, segment_name, "
                 "svc_plan, active_days, events, events_since_limit, first_active_date, last_active_date",
                 "mtn", [("limit_type = %s", type.upper())], limit, offset)
