"""HTTP routes of the mapping workbench (included by `tributary.polio.api`, under /api/v1).

- ``GET /polio/mapping/missing``: unmapped strings, most facts first, with their documents and
  suggested masters (as of the last `polio_refresh` or review); paged like every list.
- ``PUT /polio/mapping``: set (or with ``master: null`` remove) one mapping or a list of them.
  Needs a role that may trigger DAGs; each change is recorded in ``raw_polio.mapping_change``
  (via ``api``, by the caller), and the refresh is requested (`refresh_request`).
"""

from __future__ import annotations

from typing import Annotated, Literal

import psycopg
from fastapi import APIRouter, Body, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field

from tributary.api import pages
from tributary.api.auth import Caller, Writer
from tributary.api.pages import DEFAULT_LIMIT, Limit, Offset
from tributary.polio.mapping_review import DOCUMENTS_LISTED
from tributary.polio.mappings import Mapping, apply_mappings
from tributary.polio.master_data import MasterDataError
from tributary.polio.refresh_request import request_refresh

router = APIRouter(tags=["polio mapping"])

Kind = Literal["region", "campaign", "indicator"]
#: The most mappings one PUT takes.
BULK_MAX = 10_000

MISSING_SQL = f"""
select s.kind, s.source_string, s.facts, s.documents,
       array(select mm.document_id from polio.missing_mapping mm
             where mm.kind = s.kind and mm.source_string = s.source_string
             order by mm.document_id limit {DOCUMENTS_LISTED}) as document_ids,
       coalesce((select json_agg(json_build_object('rank', g.rank, 'master', g.master,
                                                   'score', g.score, 'reason', g.reason)
                                 order by g.rank)
                 from raw_polio.mapping_suggestion g
                 where g.kind = s.kind and g.source_string = s.source_string), '[]') as suggestions
from polio.source_string s
where s.master is null
  and not exists (select 1 from raw_polio.mapping m
                  where m.kind = s.kind and m.source_string = s.source_string)
  and (%(kind)s::text is null or s.kind = %(kind)s)
order by s.facts desc, s.kind, s.source_string
"""


class MappingIn(BaseModel):
    kind: Kind
    source_string: str = Field(min_length=1, max_length=1000, description="The string as written")
    master: str | None = Field(description="The master name; null removes the mapping")


class MappingResult(BaseModel):
    set: int
    unchanged: int
    removed: int
    changed: int = Field(description="Rows added to raw_polio.mapping_change")
    refresh: str = Field(description="How the refresh was requested (or what to run)")


@router.get("/polio/mapping/missing",
            description="Unmapped source strings, most facts first: facts, documents (the first "
                        f"{DOCUMENTS_LISTED} ids) and up to three suggested masters with score and "
                        "reason, as of the last polio_refresh or review. " + pages.PAGING)
def get_missing(_caller: Caller, request: Request, response: Response,
                kind: Annotated[Kind | None, Query()] = None,
                limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> list[dict]:
    try:
        page = pages.fetch_page(MISSING_SQL, {"kind": kind}, limit=limit, offset=offset)
    except psycopg.errors.UndefinedTable:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            "the polio marts are not built yet: run polio_refresh") from None
    pages.mark_page(response, request, page)
    return page.records()


@router.put("/polio/mapping", response_model=MappingResult,
            responses={400: {"description": "an unknown master"},
                       403: {"description": "the caller's role may not change data"}})
def put_mapping(
    writer: Writer,
    body: Annotated[MappingIn | Annotated[list[MappingIn], Field(min_length=1, max_length=BULK_MAX)],
                    Body(description="One mapping, or a list of them (the last one for a string wins)")],
) -> MappingResult:
    """Set or remove mappings; the refresh follows. Needs a role that may trigger DAGs."""
    items = body if isinstance(body, list) else [body]
    try:
        counts = apply_mappings([Mapping(m.kind, m.source_string, m.master) for m in items],
                                by=writer.name, via="api")
    except MasterDataError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    refresh = (request_refresh(writer, {"mappings": counts["changed"], "by": writer.name})
               if counts["changed"] else "not needed: nothing changed")
    return MappingResult(**counts, refresh=refresh)
