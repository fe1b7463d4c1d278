"""HTTP API of the polio domain (included under /api/v1 with authentication by the app).

- ``GET /datapoint``: values from ``polio.datapoint_with_computed`` (stored, aggregated and
  calculated), filtered by indicator (required), campaign (names or a start-date range) and
  region (names, or the children / descendants of a type of parent regions); JSON or CSV.
- ``GET /region``, ``/campaign``, ``/indicator``: master data.
- ``POST /datapoint``: data entry (a role that may trigger DAGs). The value is stored at once
  (202) and shows in the marts after the next ``polio_refresh``.
- ``GET /polio/mapping/missing``, ``PUT /polio/mapping``: the mapping workbench
  (`tributary.polio.mapping_api`).

Every list is one page (`tributary.api.pages`): ``limit``/``offset``, ``more``, ``format=csv``.

List parameters repeat (``?indicator__in=a&indicator__in=b``): names may contain commas.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from tributary.api import pages
from tributary.api.auth import Caller, Writer
from tributary.api.pages import PageQuery
from tributary.polio import mapping_api
from tributary.polio.data_entry import Entry, enter_values
from tributary.polio.master_data import MasterDataError

router = APIRouter(tags=["polio"])
router.include_router(mapping_api.router)

DEFAULT_START = dt.date(2012, 1, 1)
DEFAULT_END = dt.date(2900, 1, 1)
NAMES = Annotated[list[str] | None, Query()]


class Datapoint(BaseModel):
    region: str
    campaign: str
    indicator: str
    value: float | None
    is_calc: bool


class DatapointList(BaseModel):
    meta: dict[str, Any]
    objects: list[Datapoint]


class DataEntryIn(BaseModel):
    region: str = Field(min_length=1, description="Master region name")
    campaign: str = Field(min_length=1, description="Master campaign name")
    indicator: str = Field(min_length=1, description="Master indicator name")
    value: float | None = Field(description="The value; null removes the entry")


class DataEntryAccepted(BaseModel):
    status: str
    set: int
    removed: int
    note: str


DATAPOINT_SQL = """
with recursive below as (
    select r.name as region, r.region_type, 1 as depth
    from raw_polio.region r where r.parent = any(%(parents)s)
    union all
    select r.name, r.region_type, b.depth + 1
    from below b join raw_polio.region r on r.parent = b.region
    where %(region_type)s::text is not null and b.depth < 64
),
wanted_regions as (
    select region from below
    where (%(region_type)s::text is null and depth = 1) or region_type = %(region_type)s
),
wanted as (
    select d.region, d.campaign, d.indicator, d.value, d.is_calc, c.start_date
    from polio.datapoint_with_computed d
    join raw_polio.campaign c on c.name = d.campaign
    where d.indicator = any(%(indicators)s)
      and (case when %(campaigns)s::text[] is not null then d.campaign = any(%(campaigns)s)
                else c.start_date >= %(start)s and c.start_date <= %(end)s end)
      and (case when %(regions)s::text[] is not null then d.region = any(%(regions)s)
                when %(parents)s::text[] is not null then d.region in (select region from wanted_regions)
                else true end)
)
"""
# JSON: one object per value.
DATAPOINT_ROWS = DATAPOINT_SQL + """
select region, campaign, indicator, value, is_calc from wanted
order by start_date desc, campaign, region, indicator
"""
# CSV: one row per (campaign, region), so a page never splits a row.
DATAPOINT_PIVOT = DATAPOINT_SQL + """
select campaign, region, array_agg(indicator order by indicator) as indicators,
       array_agg(value order by indicator) as vals
from wanted group by start_date, campaign, region
order by start_date desc, campaign, region
"""


@router.get("/datapoint", response_model=DatapointList,
            responses={200: {"content": {"text/csv": {}}}, 400: {"description": "bad parameters"}},
            description="Values per region, campaign and indicator (stored, aggregated and "
                        "calculated). JSON pages count values and say `limit`, `offset` and `more` "
                        "in `meta`; CSV pages count rows of (campaign, region) with one column per "
                        "indicator. " + pages.PAGING)
def get_datapoints(
    _caller: Caller,
    paging: PageQuery,
    indicator__in: NAMES = None,
    campaign__in: NAMES = None,
    campaign_start: dt.date | None = None,
    campaign_end: dt.date | None = None,
    region__in: NAMES = None,
    parent_region__in: NAMES = None,
    region_type: str | None = None,
):
    if not indicator__in:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "'indicator__in' is a required parameter!")
    if campaign__in and (campaign_start or campaign_end):
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            "give campaign__in or campaign_start/campaign_end, not both")
    if region__in and parent_region__in:
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            "give region__in or parent_region__in, not both")
    if region_type and not parent_region__in:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "region_type needs parent_region__in")
    params = {
        "indicators": indicator__in, "campaigns": campaign__in or None,
        "start": campaign_start or DEFAULT_START, "end": campaign_end or DEFAULT_END,
        "regions": region__in or None, "parents": parent_region__in or None,
        "region_type": region_type,
    }
    limit, offset = paging.limit, paging.offset
    if paging.format == "csv":
        def pivot(row: tuple) -> list:
            campaign, region, indicators, values = row
            found = dict(zip(indicators, values, strict=True))
            return [campaign, region, *(found.get(i) for i in indicator__in)]

        return pages.stream_csv(paging.request, DATAPOINT_PIVOT, params, limit=limit, offset=offset,
                                header=["campaign", "region", *indicator__in], row=pivot,
                                filename="datapoints.csv")
    return paging.respond_rows(
        pages.fetch_page(DATAPOINT_ROWS, params, limit=limit, offset=offset), filename="datapoints.csv",
        shape=lambda page: DatapointList(
            meta={"count": len(page.rows), "indicator__in": indicator__in,
                  "limit": limit, "offset": offset, "more": page.more},
            objects=[Datapoint(region=r, campaign=c, indicator=i, value=v, is_calc=k)
                     for r, c, i, v, k in page.rows]))


@router.get("/region",
            description="Master regions (name, parent, region_type), by name. " + pages.PAGING)
def get_regions(_caller: Caller, paging: PageQuery) -> list[dict[str, Any]]:
    return paging.respond("select name, parent, region_type from raw_polio.region "
                         "order by name", {}, filename="regions.csv")


@router.get("/campaign", description="Master campaigns, latest first. " + pages.PAGING)
def get_campaigns(_caller: Caller, paging: PageQuery) -> list[dict[str, Any]]:
    return paging.respond("select name, start_date, end_date from raw_polio.campaign "
                         "order by start_date desc nulls last, name", {}, filename="campaigns.csv")


@router.get("/indicator", description="Master indicators with their data format (int, pct, bool), "
            "by name. " + pages.PAGING)
def get_indicators(_caller: Caller, paging: PageQuery) -> list[dict[str, Any]]:
    return paging.respond("select name, data_format from raw_polio.indicator "
                         "order by name", {}, filename="indicators.csv")


@router.post("/datapoint", status_code=status.HTTP_202_ACCEPTED, response_model=DataEntryAccepted,
             responses={400: {"description": "unknown names or a bad value"},
                        403: {"description": "the caller's role may not change data"}})
def post_datapoint(entry: DataEntryIn, writer: Writer) -> DataEntryAccepted:
    """Data entry: store (or with value null remove) a value; it wins over every document.
    Needs a role that may trigger DAGs."""
    try:
        counts = enter_values([Entry(entry.region, entry.campaign, entry.indicator, entry.value)],
                              entered_by=writer.name)
    except MasterDataError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    return DataEntryAccepted(status="accepted", **counts,
                             note="stored; shows in polio.datapoint after the next polio_refresh")
