"""`GET /api/v1/platform/load_history`: what each raw table received per day."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from tributary import warehouse

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


@router.get("/load_history", response_model=list[LoadDay])
def load_history(
    target: Annotated[str | None, Query(description="raw table, `schema.table`")] = None,
    since: Annotated[dt.date | None, Query(description="first day to include (UTC)")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> list[LoadDay]:
    """Rows loaded per raw table and day, newest first (the `platform.load_history` mart)."""
    with warehouse.connect() as conn:
        if conn.execute("select to_regclass('platform.load_history')").fetchone()[0] is None:
            raise HTTPException(503, "platform.load_history is not built yet: run the platform_refresh DAG")
        rows = conn.execute(
            """
            select target, load_date, loads, rows_in, inserted, updated, deleted, seconds, rows_per_second
            from platform.load_history
            where (%(target)s::text is null or target = %(target)s)
              and (%(since)s::date is null or load_date >= %(since)s)
            order by load_date desc, target
            limit %(limit)s
            """,
            {"target": target, "since": since, "limit": limit},
        ).fetchall()
    fields = list(LoadDay.model_fields)
    return [LoadDay(**dict(zip(fields, row, strict=True))) for row in rows]
