"""HTTP API of the polio domain (included under /api/v1 with authentication by the app).

- ``GET /datapoint``: values from ``polio.datapoint_with_computed`` (stored, aggregated and
  calculated), filtered by indicator (required), campaign (names or a start-date range) and
  region (names, or the children / descendants of a type of parent regions); JSON or CSV.
- ``GET /region``, ``/campaign``, ``/indicator``: master data.
- ``POST /datapoint``: data entry. The value is stored at once (202) and shows in the marts after
  the next ``polio_refresh``.

List parameters repeat (``?indicator__in=a&indicator__in=b``): names may contain commas.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, Field

from tributary import warehouse
from tributary.api.auth import Caller
from tributary.polio.master import Entry, MasterDataError, enter_values

router = APIRouter(tags=["polio"])

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


def _rows(sql: str, params: dict[str, Any]) -> list[tuple]:
    with warehouse.connect() as conn:
        return conn.execute(sql, params).fetchall()


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
)
select d.region, d.campaign, d.indicator, d.value, d.is_calc
from polio.datapoint_with_computed d
join raw_polio.campaign c on c.name = d.campaign
where d.indicator = any(%(indicators)s)
  and (case when %(campaigns)s::text[] is not null then d.campaign = any(%(campaigns)s)
            else c.start_date >= %(start)s and c.start_date <= %(end)s end)
  and (case when %(regions)s::text[] is not null then d.region = any(%(regions)s)
            when %(parents)s::text[] is not null then d.region in (select region from wanted_regions)
            else true end)
order by c.start_date desc, d.campaign, d.region, d.indicator
"""


@router.get("/datapoint", response_model=DatapointList,
            responses={200: {"content": {"text/csv": {}}}, 400: {"description": "bad parameters"}})
def get_datapoints(
    _caller: Caller,
    indicator__in: NAMES = None,
    campaign__in: NAMES = None,
    campaign_start: dt.date | None = None,
    campaign_end: dt.date | None = None,
    region__in: NAMES = None,
    parent_region__in: NAMES = None,
    region_type: str | None = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002 (the public parameter name)
):
    """Values per region, campaign and indicator (stored, aggregated and calculated)."""
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
    rows = _rows(DATAPOINT_SQL, {
        "indicators": indicator__in, "campaigns": campaign__in or None,
        "start": campaign_start or DEFAULT_START, "end": campaign_end or DEFAULT_END,
        "regions": region__in or None, "parents": parent_region__in or None,
        "region_type": region_type,
    })
    if format == "csv":
        return Response(_pivot_csv(rows, indicator__in), media_type="text/csv")
    return DatapointList(
        meta={"count": len(rows), "indicator__in": indicator__in},
        objects=[Datapoint(region=r, campaign=c, indicator=i, value=v, is_calc=k)
                 for r, c, i, v, k in rows],
    )


def _pivot_csv(rows: list[tuple], indicators: list[str]) -> str:
    """One row per (region, campaign): campaign, region, then one column per indicator."""
    table: dict[tuple[str, str], dict[str, float | None]] = {}
    for region, campaign, indicator, value, _ in rows:
        table.setdefault((campaign, region), {})[indicator] = value
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["campaign", "region", *indicators])
    for (campaign, region), values in table.items():
        writer.writerow([campaign, region, *("" if values.get(i) is None else values[i]
                                             for i in indicators)])
    return out.getvalue()


@router.get("/region")
def get_regions(_caller: Caller) -> list[dict[str, Any]]:
    """Master regions (name, parent, region_type)."""
    return [{"name": n, "parent": p, "region_type": t} for n, p, t in
            _rows("select name, parent, region_type from raw_polio.region order by name", {})]


@router.get("/campaign")
def get_campaigns(_caller: Caller) -> list[dict[str, Any]]:
    """Master campaigns, latest first."""
    return [{"name": n, "start_date": s, "end_date": e} for n, s, e in _rows(
        "select name, start_date, end_date from raw_polio.campaign "
        "order by start_date desc nulls last, name", {})]


@router.get("/indicator")
def get_indicators(_caller: Caller) -> list[dict[str, Any]]:
    """Master indicators with their data format (int, pct, bool)."""
    return [{"name": n, "data_format": f} for n, f in
            _rows("select name, data_format from raw_polio.indicator order by name", {})]


@router.post("/datapoint", status_code=status.HTTP_202_ACCEPTED, response_model=DataEntryAccepted,
             responses={400: {"description": "unknown names or a bad value"}})
def post_datapoint(entry: DataEntryIn, caller: Caller) -> DataEntryAccepted:
    """Data entry: store (or with value null remove) a value; it wins over every document."""
    try:
        counts = enter_values([Entry(entry.region, entry.campaign, entry.indicator, entry.value)],
                              entered_by=caller)
    except MasterDataError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    return DataEntryAccepted(status="accepted", **counts,
                             note="stored; shows in polio.datapoint after the next polio_refresh")
