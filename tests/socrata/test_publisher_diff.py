"""Diff publishing: only new and changed rows are sent, by the fingerprint of each published row."""

from __future__ import annotations

import pytest
from tributary import warehouse

from tests.socrata.publisher_cases import COLUMNS, new_dataset_id, run, writes


@pytest.fixture
def declared(soda) -> str:
    dataset_id = new_dataset_id()
    soda.create_dataset(dataset_id, "id", COLUMNS)
    return dataset_id


def test_unchanged_data_sends_nothing_and_three_changed_rows_send_three(
        soda, declared, source_table, warehouse_url):
    table = source_table(200)
    first = run(table, declared)
    assert first["rows_sent"] == 200 and first["publication"] == "test_publication"
    assert set(soda.rows(declared, id=7)[0]) == set(COLUMNS)  # only the declared columns went

    soda.clear_requests()
    again = run(table, declared)
    assert writes(soda) == []  # not a single POST
    assert (again["status"], again["rows_sent"], again["rows_unchanged"]) == ("succeeded", 0, 200)
    assert (again["source_rows"], again["portal_rows"]) == (200, 200) and again["verified_at"]

    with warehouse.transaction(warehouse_url) as conn:
        conn.execute(f"update {table} set name = 'renamed ' || id where id in (5, 90, 150)")
        conn.execute(f"update {table} set whole = 0, seen_at = now()")  # not published: no change
    soda.clear_requests()
    changed = run(table, declared)
    sent = soda.requests()
    assert [r["rows"] for r in sent] == [3] and (sent[0]["first_id"], sent[0]["last_id"]) == (5, 150)
    assert (changed["rows_sent"], changed["rows_unchanged"], changed["rows_updated"]) == (3, 197, 3)
    assert soda.rows(declared, id=90)[0]["name"] == "renamed 90"

    soda.clear_requests()
    full = run(table, declared, full=True)
    assert sum(r["rows"] for r in soda.requests()) == 200 and full["rows_updated"] == 200


def test_sync_deletes_sends_changes_and_deletions_only(soda, declared, source_table, warehouse_url):
    table = source_table(120)
    run(table, declared, sync_deletes=True)
    with warehouse.transaction(warehouse_url) as conn:
        conn.execute(f"delete from {table} where id in (3, 60)")
        conn.execute(f"update {table} set amount = -1 where id = 100")
        conn.execute(f"insert into {table} (id, name, amount, day, even) "
                     "values (500, 'new', 1, date '2024-05-01', true)")
    soda.clear_requests()
    summary = run(table, declared, sync_deletes=True)
    assert [(r["rows"], r["first_id"], r["last_id"]) for r in soda.requests()] == [
        (2, 100, 500), (2, 3, 60)]
    assert (summary["rows_sent"], summary["deletes_sent"], summary["portal_rows"]) == (2, 2, 119)
    ids = {r["id"] for r in soda.all_rows(declared)}
    assert 3 not in ids and 60 not in ids and 500 in ids and len(ids) == 119


def test_a_failed_diff_resumes_after_the_last_acknowledged_chunk(soda, declared, source_table,
                                                                 warehouse_url):
    table = source_table(300)
    run(table, declared)
    with warehouse.transaction(warehouse_url) as conn:
        conn.execute(f"update {table} set name = 'v2' where id % 10 = 0")  # 30 rows, ids 10..300
    soda.add_fault(503, on_request=2, times=2)  # the second chunk fails on both attempts
    with pytest.raises(Exception, match="503"):
        run(table, declared, key="retried", chunk_size=10)
    soda.clear_requests()
    summary = run(table, declared, key="retried", chunk_size=10)  # the task's retry
    assert [(r["first_id"], r["last_id"]) for r in soda.requests()] == [(110, 200), (210, 300)]
    assert (summary["attempts"], summary["rows_sent"], summary["status"]) == (2, 30, "succeeded")
    assert {r["name"] for r in soda.all_rows(declared) if r["id"] % 10 == 0} == {"v2"}
