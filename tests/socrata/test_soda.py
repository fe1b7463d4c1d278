"""SODA JSON encoding, response parsing, backoff and the CSV fallback (no server needed)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from types import SimpleNamespace

import pytest
from tributary.socrata import soda
from tributary.socrata.backoff import RetryPolicy, is_retryable, parse_retry_after
from tributary.socrata.csv_fallback import CsvFallback, slug
from tributary.socrata.responses import (
    SocrataError,
    UpsertResult,
    check,
    error_message,
    parse_upsert,
)
from tributary.socrata.revision import CsvUpload


@pytest.mark.parametrize(("value", "expected"), [
    (decimal.Decimal("12"), 12),
    (decimal.Decimal("12.50"), 12.5),
    (decimal.Decimal("NaN"), None),
    (float("inf"), None),
    (3.25, 3.25),
    (7, 7),
    (True, True),
    (None, None),
    ("x", "x"),
    (dt.date(2024, 2, 29), "2024-02-29T00:00:00.000"),
    (dt.datetime(2024, 2, 29, 13, 5, 1, 123456), "2024-02-29T13:05:01.123"),
    (dt.datetime(2024, 2, 29, 13, 5, tzinfo=dt.UTC), "2024-02-29T13:05:00.000+00:00"),
    (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    ({"latitude": 1.5}, {"latitude": 1.5}),
])
def test_encode_value(value, expected):
    encoded = soda.encode_value(value)
    assert encoded == expected
    assert type(encoded) is type(expected)


def test_payload_is_a_json_array_of_rows_and_deletes():
    rows = [soda.encode_row(["id", "amount", "day"], [1, decimal.Decimal("2.5"), dt.date(2024, 1, 2)]),
            soda.deleted_row("id", 9)]
    assert json.loads(soda.payload(rows)) == [
        {"id": 1, "amount": 2.5, "day": "2024-01-02T00:00:00.000"}, {"id": 9, ":deleted": True}]


def test_encode_row_refuses_a_row_of_the_wrong_width():
    with pytest.raises(ValueError):
        soda.encode_row(["a", "b"], [1])


def test_parse_legacy_and_new_shapes():
    legacy = '{"By RowIdentifier": 3, "Rows Updated": 1, "Rows Deleted": 1, "Rows Created": 1, "Errors": 0, "By SID": 0}'
    new = '{"rows_created": 4, "rows_updated": 2, "rows_deleted": 0, "errors": []}'
    assert parse_upsert(legacy) == UpsertResult(created=1, updated=1, deleted=1)
    assert parse_upsert(new) == UpsertResult(created=4, updated=2)


@pytest.mark.parametrize("body", [
    '{"Rows Created": 1, "Errors": 2, "Error Messages": ["row 2: bad date"]}',
    '{"rows_created": 1, "errors": [{"message": "row 2: bad date"}, {"message": "row 3"}]}',
])
def test_row_errors_fail_with_the_portal_message(body):
    with pytest.raises(SocrataError, match="row 2: bad date"):
        check(parse_upsert(body))


def test_error_bodies_and_garbage_raise():
    with pytest.raises(SocrataError, match="Invalid username"):
        parse_upsert('{"code": "invalid_credentials", "error": true, "message": "Invalid username"}')
    with pytest.raises(SocrataError, match="not JSON"):
        parse_upsert("<html>gateway</html>")
    with pytest.raises(SocrataError, match="unexpected"):
        parse_upsert('{"hello": 1}')
    assert error_message('{"code": "not_found", "message": "no view"}') == "not_found: no view"
    assert error_message("plain text") == "plain text"


def test_backoff_grows_is_capped_and_yields_to_retry_after():
    policy = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=3)
    assert [policy.delay(n) for n in range(1, 6)] == [0.5, 1, 2, 3, 3]
    assert policy.delay(1, "7") == 7
    assert RetryPolicy(max_retry_after=10).delay(1, "3600") == 10
    assert policy.should_retry(1, 429) and policy.should_retry(1, 503) and policy.should_retry(1, None)
    assert not policy.should_retry(1, 400) and not policy.should_retry(1, 401)
    assert not policy.should_retry(5, 503)
    assert is_retryable(500) and not is_retryable(404)


def test_retry_after_as_http_date():
    now = dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("Mon, 01 Jan 2024 12:00:30 GMT", now) == 30
    assert parse_retry_after("Mon, 01 Jan 2024 11:00:00 GMT", now) == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_csv_fallback_writes_header_rows_and_deletes(tmp_path):
    fallback = CsvFallback(folder=tmp_path / "out")
    path = fallback.write(1, [{"id": 1, "name": "a,b", "n": None, "ok": True}])
    assert (tmp_path / "out" / "chunk_00001.csv").read_text() == 'id,name,n,ok\n1,"a,b",,true\n'
    assert path.endswith("chunk_00001.csv")
    fallback.write(2, [soda.deleted_row("id", 5)], deleted=True)
    assert (tmp_path / "out" / "chunk_00002_deleted.csv").read_text() == "id,:deleted\n5,true\n"
    assert slug("dag/run:1/task") == "dag_run_1_task"


class RecordingPortal:
    """Answers DSMAPI upload calls and keeps what was sent (no network needed)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bytes | None]] = []

    def request(self, method, path, *, data=None, **kwargs):
        self.sent.append((method, path, data))
        return SimpleNamespace(json=lambda: {})


def test_csv_upload_sends_byte_chunks_in_order_and_commits_the_last():
    portal = RecordingPortal()
    links = {"chunk": "/s/1/chunk/{seq_num}/{byte_offset}", "commit": "/s/1/commit/{seq_num}/{byte_offset}"}
    upload = CsvUpload(portal, links, ["id", "name", "ok"], chunk_bytes=16)
    upload.add([{"id": 1, "name": "a,b", "ok": True}, {"id": 2, "name": None, "ok": False}])
    upload.add([{"id": 3, "name": "c"}])
    upload.commit()
    text = b'id,name,ok\n1,"a,b",true\n2,,false\n3,c,\n'
    chunks = [(p, d) for m, p, d in portal.sent if "/chunk/" in p]
    assert b"".join(d for _, d in chunks) == text
    assert [p for p, _ in chunks] == [f"/s/1/chunk/{n}/{n * 16}" for n in range(len(chunks))]
    assert all(len(d) == 16 for _, d in chunks[:-1])
    assert portal.sent[-1][:2] == ("POST", f"/s/1/commit/{len(chunks) - 1}/{len(text)}")
