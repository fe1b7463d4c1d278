"""`GET /api/v1/platform/load_history`: what each raw table received per day."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from tributary.api import pages
from tributary.api.pages import PageQuery

router = APIRouter(prefix="/platform", tags=["platform"])


class LoadDay(BaseModel):
    target: str
    load_date: dt.date
    loads: int
    rows_in: int
    inserted: int
    updated: int
    deleted: int
    seconds: float
    rows_per_second: float | None


LOAD_HISTORY = """
select target, load_date, loads, rows_in, inserted, updated, deleted, seconds, rows_per_second
from platform.load_history
where (%(target)s::text is null or target = %(target)s)
  and (%(since)s::date is null or load_date >= %(since)s)
order by load_date desc, target
"""


@router.get("/load_history", response_model=list[LoadDay], responses={200: {"content": {"text/csv": {}}}},
            description="Rows loaded per raw table and day, newest first (the "
                        "`platform.load_history` mart). " + pages.PAGING)
def load_history(
    paging: PageQuery,
    target: Annotated[str | None, Query(description="raw table, `schema.table`")] = None,
    since: Annotated[dt.date | None, Query(description="first day to include (UTC)")] = None,
):
    pages.require_built("platform.load_history", "platform_refresh")
    return paging.respond(LOAD_HISTORY, {"target": target, "since": since}, filename="load_history.csv")
