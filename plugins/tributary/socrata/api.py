"""`GET /api/v1/socrata/publications`: every declared publication and whether the portal has it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from tributary.api import pages
from tributary.api.pages import PageQuery

router = APIRouter(prefix="/socrata", tags=["socrata"])


class PublicationStatus(BaseModel):
    publication: str
    dataset_id: str | None
    mart: str
    last_run_id: int | None
    last_run_at: dt.datetime | None
    last_run_status: str | None
    last_run_simulated: bool | None
    last_run_rows_sent: int | None
    rows_on_portal: int | None
    rows_in_source: int | None
    verified_at: dt.datetime | None
    last_change_sent_at: dt.datetime | None
    status: str
    last_error: str | None


PUBLICATIONS = """
select publication, dataset_id, mart, last_run_id, last_run_at, last_run_status,
       last_run_simulated, last_run_rows_sent, rows_on_portal, rows_in_source, verified_at,
       last_change_sent_at, status, last_error
from publish.publication_status
where (%(status)s::text is null or status = %(status)s)
order by publication
"""


@router.get("/publications", response_model=list[PublicationStatus],
            responses={200: {"content": {"text/csv": {}}}},
            description="Every declared publication (dbt exposures with meta.socrata): its "
                        "dataset, last run, rows on the portal and in the source at the last "
                        "landing check, last change sent, status (the `publish.publication_status` "
                        "mart). " + pages.PAGING)
def publications(
    paging: PageQuery,
    status: Annotated[str | None, Query(
        max_length=40, description="Only this status: never run, running, failed, simulated, "
                                   "count mismatch, in sync.")] = None,
):
    pages.require_built("publish.publication_status", "platform_refresh")
    return paging.respond(PUBLICATIONS, {"status": status}, filename="publications.csv")
