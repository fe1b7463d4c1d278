"""SODA JSON encoding (as the warehouse writes it), response parsing and the CSV fallback."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from psycopg import sql
from tributary import warehouse
from tributary.socrata import soda
from tributary.socrata.csv_fallback import CsvFallback, slug
from tributary.socrata.responses import (
    SocrataError,
    UpsertResult,
    check,
    error_message,
    parse_upsert,
)
from tributary.socrata.revision import CsvUpload
from tributary.socrata.source import Source, changed_rows, published_columns

#: (SQL value, its type oid, the SODA JSON value the warehouse writes for it)
VALUES = [
    ("12::numeric", 1700, 12),
    ("12.50::numeric", 1700, 12.5),
    ("'NaN'::numeric", 1700, None),
    ("'Infinity'::float8", 701, None),
    ("3.25::float8", 701, 3.25),
    ("7", 23, 7),
    ("true", 16, True),
    ("null::text", 25, None),
    ("'x\"y'::text", 25, 'x"y'),
    ("date '2024-02-29'", 1082, "2024-02-29T00:00:00.000"),
    ("timestamp '2024-02-29 13:05:01.123456'", 1114, "2024-02-29T13:05:01.123"),
    ("timestamptz '2024-02-29 15:05+02'", 1184, "2024-02-29T13:05:00.000Z"),
    ("'00000000-0000-0000-0000-000000000001'::uuid", 2950, "00000000-0000-0000-0000-000000000001"),
    ("""'{"latitude": 1.5}'::jsonb""", 3802, {"latitude": 1.5}),
    ("interval '1 day 2 seconds'", 1186, 86402),
    ("'\\x00ff'::bytea", 17, "00ff"),
]


def test_values_as_the_warehouse_writes_them(warehouse_url):
    with warehouse.connect(warehouse_url) as conn:
        for literal, type_oid, expected in VALUES:
            text = conn.execute(sql.SQL("select json_build_object('v', {})::text").format(
                soda.value(sql.SQL(literal), type_oid))).fetchone()[0]
            encoded = json.loads(text)["v"]
            assert (literal, encoded, type(encoded)) == (literal, expected, type(expected))


def test_body_is_a_json_array_of_rows_and_deletes():
    rows = [b'{"id":1,"day":"2024-01-02T00:00:00.000"}', soda.deleted_row("id", "9"),
            soda.deleted_row("id", '"a\\"b"')]
    assert json.loads(soda.body(rows)) == [
        {"id": 1, "day": "2024-01-02T00:00:00.000"}, {"id": 9, ":deleted": True},
        {"id": 'a"b', ":deleted": True}]
    assert soda.objects(rows[:2]) == json.loads(soda.body(rows[:2]))


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


def test_csv_fallback_writes_header_rows_and_deletes(tmp_path):
    fallback = CsvFallback(folder=tmp_path / "out")
    path = fallback.write(1, [{"id": 1, "name": "a,b", "n": None, "ok": True}])
    assert (tmp_path / "out" / "chunk_00001.csv").read_text() == 'id,name,n,ok\n1,"a,b",,true\n'
    assert path.endswith("chunk_00001.csv")
    fallback.write(2, soda.objects([soda.deleted_row("id", "5")]), deleted=True)
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


def test_rows_and_ledger_lines_survive_backslashes_tabs_and_quotes(warehouse_url):
    awkward = 'a\\b\tc"d'
    source = Source(query=f"select {sql.quote(awkward)}::text as id, 1.50::numeric as n")
    with warehouse.connect(warehouse_url) as conn:
        columns = published_columns(conn, source, None)
        statement, params = changed_rows(source, columns, "id",
                                         ledger=("http://portal\\x", "abcd-1234", 7))
        [(obj, value, line)] = conn.execute(statement, params).fetchall()
        assert json.loads(obj) == {"id": awkward, "n": 1.5} and json.loads(value) == awkward
        conn.execute("create temp table copied (portal text, dataset_id text, row_value jsonb, "
                     "fingerprint bigint, run_id bigint)")
        with conn.cursor().copy("copy copied from stdin") as copy:
            copy.write(line)
        assert conn.execute("select portal, dataset_id, row_value, fingerprint is not null, run_id "
                            "from copied").fetchone() == ("http://portal\\x", "abcd-1234", awkward,
                                                         True, 7)
