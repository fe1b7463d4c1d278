"""Bounded list routes: every list answers one page and says whether more rows exist.

- `PageQuery` (a `Paging`) is a list route's query parameters: `limit` (default 1,000, at most
  10,000; more is a 422), `offset` and `format` (`json` or `csv`). Its `respond` answers the
  route over a query: the page as CSV (`stream_csv`) or shaped as JSON, with the page headers;
  `respond_rows` does the same for rows already in hand.
- `fetch_page` runs a query for one page: it fetches ``limit + 1`` rows, so ``more`` costs no
  second query.
- `page_headers` says the same in headers (``X-More``, ``X-Limit``, ``X-Offset`` and a
  ``Link: <…>; rel="next"``), for routes whose body is a plain JSON list; every list route sets
  them, so a client can read any list the same way.
- `stream_csv` answers ``format=csv``: rows are read through a server-side cursor in batches and
  written as they come, so neither side holds the page in memory.

A query given here must end with its ``order by`` (pages of an unordered query are not stable),
must not have its own ``limit``/``offset``, and takes named parameters (``%(name)s``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse

from tributary import warehouse

DEFAULT_LIMIT = 1_000
MAX_LIMIT = 10_000
#: Rows per round trip when streaming CSV.
CSV_BATCH = 2_000

PAGING = ("Lists are paged: `limit` rows (default 1,000, at most 10,000) after `offset`. Whether "
          "more rows exist is in the body where it has a place for it (`more`) and always in the "
          "headers `X-More: true|false` and `Link: <…>; rel=\"next\"`.")

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT,
                             description=f"Rows per page (1–{MAX_LIMIT:,}; default {DEFAULT_LIMIT:,}).")]
Offset = Annotated[int, Query(ge=0, description="Rows to skip: the previous page's offset + limit.")]
Format = Annotated[Literal["json", "csv"], Query(
    description="`json`, or `csv`: the same page as CSV with a header row, streamed.")]
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Page:
    """One page of a query's rows."""

    columns: list[str]
    rows: list[tuple]
    limit: int
    offset: int
    more: bool

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def require_built(relation: str, built_by: str) -> None:
    """503 naming the DAG to run when a route's mart does not exist yet."""
    with warehouse.connect() as conn:
        if conn.execute("select to_regclass(%s)", (relation,)).fetchone()[0] is None:
            raise HTTPException(503, f"{relation} is not built yet: run the {built_by} DAG")


def _paged(query: str) -> str:
    return f"{query.rstrip().rstrip(';')}\nlimit %(page_limit)s offset %(page_offset)s"


def fetch_page(query: str, params: Mapping[str, Any], *, limit: int, offset: int,
               url: str | None = None) -> Page:
    """Rows ``offset`` to ``offset + limit`` of ``query``, and whether more follow."""
    with warehouse.connect(url) as conn, conn.cursor() as cur:
        cur.execute(_paged(query), {**params, "page_limit": limit + 1, "page_offset": offset})
        columns = [d.name for d in cur.description]
        rows = cur.fetchall()
    return Page(columns, rows[:limit], limit, offset, more=len(rows) > limit)


def page_headers(request: Request, *, limit: int, offset: int, more: bool) -> dict[str, str]:
    """``X-More`` and friends, plus a ``Link`` to the next page when there is one."""
    headers = {"X-More": "true" if more else "false", "X-Limit": str(limit), "X-Offset": str(offset)}
    if more:
        following = request.url.include_query_params(limit=limit, offset=offset + limit)
        headers["Link"] = f'<{following}>; rel="next"'
    return headers


def mark_page(response: Response, request: Request, page: Page) -> None:
    """Put `page_headers` on a route's response (the ``response: Response`` parameter)."""
    response.headers.update(page_headers(request, limit=page.limit, offset=page.offset, more=page.more))


def csv_cell(value: Any) -> Any:
    """How a database value is written in CSV: empty for null, ISO dates, JSON for documents."""
    if value is None:
        return ""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return value


def stream_csv(request: Request, query: str, params: Mapping[str, Any], *, limit: int, offset: int,
               filename: str = "rows.csv", header: Sequence[str] | None = None,
               row: Callable[[tuple], Sequence[Any]] | None = None,
               url: str | None = None) -> StreamingResponse:
    """The page as CSV, read through a server-side cursor and streamed.

    ``header`` and ``row`` reshape what the query returns (default: its columns, as they are).
    The cursor is scrollable: a ``MOVE`` to row ``limit + 1`` tells whether more rows exist before
    the first byte is sent (Postgres keeps the page, not this process), then the rows are fetched
    from the start in batches."""
    conn = warehouse.connect(url)
    try:
        cursor = conn.cursor(name="csv_page", scrollable=True)
        cursor.execute(_paged(query), {**params, "page_limit": limit + 1, "page_offset": offset})
        more = conn.execute(f"move absolute {limit + 1} in csv_page").rowcount == 1
        conn.execute("move absolute 0 in csv_page")
        columns = list(header) if header is not None else [d.name for d in cursor.description]
    except BaseException:
        conn.close()
        raise

    def body() -> Iterator[str]:
        try:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(columns)
            left = limit
            while left:
                batch = cursor.fetchmany(min(CSV_BATCH, left))
                if not batch:
                    break
                left -= len(batch)
                writer.writerows([csv_cell(v) for v in (row(r) if row else r)] for r in batch)
                yield out.getvalue()
                out.seek(0)
                out.truncate()
            if out.tell():
                yield out.getvalue()
        finally:
            conn.close()

    headers = {**page_headers(request, limit=limit, offset=offset, more=more),
               "Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(body(), media_type=CSV_TYPE, headers=headers)


@dataclass(frozen=True)
class Paging:
    """A list route's call: which page (``limit``, ``offset``), as what (``format``), and the
    request and response its answer reads and marks."""

    request: Request
    response: Response
    limit: int
    offset: int
    format: Literal["json", "csv"]

    def respond(self, query: str, params: Mapping[str, Any], *, filename: str,
                shape: Callable[[Page], Any] = Page.records) -> Any:
        """The answer over ``query``: with ``format=csv`` the page streamed as CSV, else
        ``shape(page)`` (default: its records) with the page headers set on the response."""
        if self.format == "csv":
            return stream_csv(self.request, query, params, limit=self.limit, offset=self.offset,
                              filename=filename)
        page = fetch_page(query, params, limit=self.limit, offset=self.offset)
        return self.respond_rows(page, filename=filename, shape=shape)

    def respond_rows(self, page: Page, *, filename: str,
                     shape: Callable[[Page], Any] = Page.records) -> Any:
        """`respond` for a page of rows already in hand (not a query): CSV is written whole."""
        headers = page_headers(self.request, limit=page.limit, offset=page.offset, more=page.more)
        if self.format == "csv":
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(page.columns)
            writer.writerows([csv_cell(v) for v in row] for row in page.rows)
            return Response(out.getvalue(), media_type=CSV_TYPE,
                            headers={**headers, "Content-Disposition": f'attachment; filename="{filename}"'})
        self.response.headers.update(headers)
        return shape(page)


def _paging(request: Request, response: Response, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0,
            format: Format = "json") -> Paging:  # noqa: A002 (the public parameter name)
    return Paging(request, response, limit, offset, format)


#: A list route's ``limit``, ``offset`` and ``format`` query parameters, and its `Paging.respond`.
PageQuery = Annotated[Paging, Depends(_paging)]
