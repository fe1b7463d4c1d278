"""Atomic replace through a DSMAPI revision: the rows swap at apply, or not at all."""

from __future__ import annotations

import pytest
from tributary import warehouse
from tributary.socrata.responses import SocrataError

from tests.socrata.publisher_cases import COLUMNS, new_dataset_id, run, writes


@pytest.fixture
def declared(soda) -> str:
    dataset_id = new_dataset_id()
    soda.create_dataset(dataset_id, "id", COLUMNS)
    return dataset_id


def publishing_calls(soda) -> list[tuple[str, str]]:
    return [(c["method"], c["path"].split("/v1/")[1].split("/")[0])
            for c in writes(soda) if "/api/publishing/" in c["path"]]


def test_a_replace_swaps_the_rows_in_one_revision(soda, declared, source_table, warehouse_url):
    old = source_table(50)
    run(old, declared)
    new = source_table(30)
    with warehouse.transaction(warehouse_url) as conn:
        conn.execute(f"update {new} set id = id + 1000, name = 'new ' || id")
    soda.clear_requests()
    summary = run(new, declared, mode="replace", chunk_size=7)
    assert soda.requests() == []  # no upserts: everything went through the revision
    assert [m for m, _ in publishing_calls(soda)] == ["POST", "POST", "POST", "POST", "POST", "PUT"]
    rows = soda.all_rows(declared)
    assert sorted(r["id"] for r in rows) == list(range(1001, 1031))
    assert next(r for r in rows if r["id"] == 1010) == {
        "id": 1010, "name": "new 10", "amount": 12.5, "day": "2024-01-11T00:00:00.000", "even": True}
    assert (summary["mode"], summary["rows_sent"], summary["portal_rows"]) == ("replace", 30, 30)
    assert summary["revision"] == f"{declared}/1"

    soda.clear_requests()  # the ledger follows the portal: an upsert now has nothing to send
    assert run(new, declared)["rows_sent"] == 0 and writes(soda) == []


@pytest.mark.parametrize("route", ["chunk", "job"])
def test_a_replace_that_fails_leaves_the_portal_rows_unchanged(soda, declared, source_table,
                                                               route):
    run(source_table(20), declared)
    before = soda.all_rows(declared)
    soda.add_fault(400 if route == "chunk" else None, route=route, body="upload refused")
    with pytest.raises(SocrataError, match="upload refused" if route == "chunk" else "failed to apply"):
        run(source_table(5), declared, mode="replace")
    assert soda.all_rows(declared) == before
    if route == "chunk":  # failed before apply: the revision was discarded, never applied
        assert ("DELETE", "revision") in publishing_calls(soda)
        assert ("PUT", "revision") not in publishing_calls(soda)


def test_a_changed_row_identifier_replaces_and_moves_the_identifier(soda, source_table,
                                                                    warehouse_url):
    dataset_id = new_dataset_id()
    columns = {**COLUMNS, "code": "text"}
    soda.create_dataset(dataset_id, "id", columns)
    table = source_table(25)
    with warehouse.transaction(warehouse_url) as conn:
        conn.execute(f"alter table {table} add column code text")
        conn.execute(f"update {table} set code = 'c' || id")
    run(table, dataset_id, columns=columns)
    messages: list[str] = []
    summary = run(table, dataset_id, columns=columns, row_id="code", emit=messages.append)
    assert summary["mode"] == "upsert" and summary["revision"]  # declared upsert, sent as replace
    assert any("row identifier changes from 'id' to 'code'" in m for m in messages)
    assert next(d for d in soda.datasets() if d["id"] == dataset_id)["row_identifier"] == "code"
    assert soda.view(dataset_id)["rowIdentifierColumnId"] == next(
        c["id"] for c in soda.view(dataset_id)["columns"] if c["fieldName"] == "code")
    assert len(soda.all_rows(dataset_id)) == 25


def test_a_dataset_without_row_identifier_is_replaced(soda, source_table):
    dataset_id = new_dataset_id()
    soda.create_dataset(dataset_id, None, COLUMNS)
    table = source_table(12)
    run(table, dataset_id, row_id=None, mode="replace")
    summary = run(table, dataset_id, row_id=None, mode="replace")  # twice: still 12 rows
    assert (summary["portal_rows"], summary["source_rows"], summary["row_id"]) == (12, 12, None)
    assert "rowIdentifierColumnId" not in soda.view(dataset_id)
