"""Bounded pages: `more` from one extra row, headers for plain lists, CSV streamed from a
server-side cursor (against the session's real warehouse)."""

from __future__ import annotations

import csv
import io

from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from tributary.api.pages import Format, Limit, Offset, fetch_page, mark_page, stream_csv

SERIES = "select g as n, 'row ' || g as label from generate_series(1, %(rows)s) g order by g"


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/numbers")
    def numbers(request: Request, response: Response, rows: int = 25, limit: Limit = 1000,
                offset: Offset = 0, format: Format = "json"):  # noqa: A002
        if format == "csv":
            return stream_csv(request, SERIES, {"rows": rows}, limit=limit, offset=offset)
        page = fetch_page(SERIES, {"rows": rows}, limit=limit, offset=offset)
        mark_page(response, request, page)
        return page.records()

    return app


def test_pages_say_whether_more_rows_exist(warehouse_url):
    client = TestClient(_app())
    first = client.get("/numbers", params={"limit": 10})
    assert [r["n"] for r in first.json()] == list(range(1, 11))
    assert first.headers["X-More"] == "true"
    assert first.headers["Link"].endswith('offset=10>; rel="next"')
    last = client.get("/numbers", params={"limit": 10, "offset": 20})
    assert [r["n"] for r in last.json()] == [21, 22, 23, 24, 25]
    assert last.headers["X-More"] == "false" and "Link" not in last.headers
    exact = client.get("/numbers", params={"limit": 5, "offset": 20})  # the last row ends the page
    assert exact.headers["X-More"] == "false"
    assert client.get("/numbers").headers["X-Limit"] == "1000"
    assert client.get("/numbers", params={"limit": 10_000}).status_code == 200
    assert client.get("/numbers", params={"limit": 10_001}).status_code == 422
    assert client.get("/numbers", params={"offset": -1}).status_code == 422


def test_csv_streams_the_page(warehouse_url):
    client = TestClient(_app())
    with client.stream("GET", "/numbers", params={"rows": 7000, "limit": 5000, "offset": 1000,
                                                   "format": "csv"}) as response:
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["X-More"] == "true"
        chunks = list(response.iter_text())
    rows = list(csv.reader(io.StringIO("".join(chunks))))
    assert rows[0] == ["n", "label"]
    assert [int(r[0]) for r in rows[1:]] == list(range(1001, 6001))
    assert len(chunks) > 1  # written batch by batch, not as one body
    tail = client.get("/numbers", params={"rows": 7000, "limit": 5000, "offset": 6000, "format": "csv"})
    assert tail.headers["X-More"] == "false"
    assert tail.text.splitlines()[1:] == [f"{n},row {n}" for n in range(6001, 7001)]
    empty = client.get("/numbers", params={"rows": 0, "format": "csv"})
    assert empty.text == "n,label\n" and empty.headers["X-More"] == "false"
