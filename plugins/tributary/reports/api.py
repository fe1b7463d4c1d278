"""``/api/v1/reports``: the report files every refresh leaves in the lake.

- ``GET /reports?domain=&day=`` lists them (newest day first), one bounded page at a time.
- ``GET /reports/{domain}/{day}/{name}`` serves one with its content type.

Reads, so open to every authenticated caller.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel

from tributary import reports
from tributary.api import pages
from tributary.api.pages import PageQuery
from tributary.errors import BadInput, quote_input
from tributary.lake import LakeError

router = APIRouter(prefix="/reports", tags=["reports"])

#: What a report is served as, by its name's suffix. Only these are shown in the browser
#: (inline); anything else (HTML, SVG: they could run script in the API's origin) is served as
#: a download of opaque bytes.
INLINE_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".pdf": "application/pdf",
}
DOWNLOAD_TYPE = "application/octet-stream"

COLUMNS = ["domain", "day", "name", "size", "key", "url"]


class ReportItem(BaseModel):
    domain: str
    day: dt.date
    name: str
    size: int
    key: str
    url: str


class ReportList(BaseModel):
    limit: int
    offset: int
    more: bool
    items: list[ReportItem]


def media_type(name: str) -> tuple[str, bool]:
    """(content type, shown inline) of a report by its name."""
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    found = INLINE_TYPES.get(suffix)
    return (found, True) if found else (DOWNLOAD_TYPE, False)


def _disposition(name: str, inline: bool) -> str:
    kind = "inline" if inline else "attachment"
    if name.isascii() and name.isprintable() and '"' not in name:
        return f'{kind}; filename="{name}"'
    return f"{kind}; filename*=utf-8''{quote(name, safe='')}"


def _unprocessable(exc: BadInput) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


@router.get(
    "", response_model=ReportList, responses={200: {"content": {"text/csv": {}}},
                                              422: {"description": "a domain or day that cannot name a report"}},
    summary="Report files in the lake, newest day first",
    description=(
        "Every file under `reports/<domain>/<YYYY-MM-DD>/` in the lake (written by the task that "
        "ends each domain's refresh DAG, the day being the run's logical date), newest day first, "
        "then by domain and name. `url` serves the file. " + pages.PAGING),
)
def list_reports(
    paging: PageQuery,
    domain: Annotated[str | None, Query(description="Only this domain's reports (`polio`, `app_events`, …).")] = None,
    day: Annotated[dt.date | None, Query(description="Only this day's reports (YYYY-MM-DD).")] = None,
):
    try:
        found = reports.list_reports(domain, day)
    except BadInput as exc:
        raise _unprocessable(exc) from None
    limit, offset = paging.limit, paging.offset
    base = str(paging.request.url_for("list_reports"))
    items = [ReportItem(domain=r.domain, day=r.day, name=r.name, size=r.size, key=r.key,
                        url=f"{base}/{quote(r.domain, safe='')}/{r.day}/{quote(r.name, safe='')}")
             for r in found[offset:offset + limit]]
    page = pages.Page(COLUMNS, [tuple(getattr(item, c) for c in COLUMNS) for item in items],
                      limit, offset, more=len(found) > offset + limit)
    return paging.respond_rows(page, filename="reports.csv",
                               shape=lambda page: ReportList(limit=limit, offset=offset, more=page.more,
                                                             items=items))


@router.get(
    "/{domain}/{day}/{name}",
    response_class=Response,
    responses={200: {"content": {t: {} for t in {*INLINE_TYPES.values(), DOWNLOAD_TYPE}},
                     "description": "The file, with the content type of its name"},
               404: {"description": "no such report"},
               422: {"description": "a domain, day or name that cannot name a report"}},
    summary="One report file",
    description=(
        "The report `reports/<domain>/<day>/<name>` from the lake. CSV, Markdown, text, JSON, "
        "PNG, JPEG and PDF are served with their content type, to be shown inline; any other "
        "file as `application/octet-stream`, to be downloaded."),
)
def report_file(domain: str, day: str, name: str) -> Response:
    try:
        data = reports.read_report(domain, day, name)
    except BadInput as exc:
        raise _unprocessable(exc) from None
    except (LakeError, IsADirectoryError):  # a folder is not a report either
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"no report {quote_input(name)!r} of {quote_input(domain, 60)!r} on {day}") from None
    kind, inline = media_type(name)
    headers: dict[str, Any] = {
        "Content-Disposition": _disposition(name, inline),
        "X-Content-Type-Options": "nosniff",  # a browser never second-guesses the type above
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
    }
    return Response(data, media_type=kind, headers=headers)
