"""The upsert operator against the local SODA server and the test warehouse."""

from __future__ import annotations

import csv
import json

import pytest
from tributary import warehouse
from tributary.socrata.operators import SocrataUpsertOperator
from tributary.socrata.responses import SocrataError
from tributary.socrata.source import SourceError

from tests.socrata.conftest import task_context


def publish(table: str, dataset_id: str, context: dict | None = None, **kwargs):
    kwargs.setdefault("retry_base_delay", 0.01)
    operator = SocrataUpsertOperator(task_id="publish", table=table, dataset_id=dataset_id,
                                     row_id="id", **kwargs)
    return operator.execute(context or task_context())


def ledger(run_id: int) -> tuple[list[tuple], int]:
    with warehouse.connect() as conn:
        chunks = conn.execute("select chunk_number, kind, rows from publish.chunk where run_id = %s "
                              "order by chunk_number", (run_id,)).fetchall()
        portal = conn.execute("select portal, dataset_id from publish.run where run_id = %s",
                              (run_id,)).fetchone()
        published = conn.execute("select count(*) from publish.published_row where portal = %s "
                                 "and dataset_id = %s", portal).fetchone()[0]
    return chunks, published


def test_rows_arrive_exactly_once_with_soda_types(soda, dataset, source_table):
    table = source_table(2_500)
    summary = publish(table, dataset, chunk_size=1_000)

    sent = soda.requests()
    assert [r["rows"] for r in sent] == [1_000, 1_000, 500]
    assert all(r["status"] == 200 and r["app_token"] for r in sent)
    rows = soda.all_rows(dataset)
    assert sorted(r["id"] for r in rows) == list(range(1, 2_501))
    row = next(r for r in rows if r["id"] == 10)
    assert row == {"id": 10, "name": "name 10", "amount": 12.5, "whole": 10,
                   "day": "2024-01-11T00:00:00.000", "seen_at": "2024-01-01T08:40:00.000",
                   "seen_utc": "2024-01-01T06:40:00.000Z",
                   "even": True, "maybe": None}
    assert type(row["whole"]) is int and type(row["amount"]) is float
    assert summary["status"] == "succeeded"
    assert (summary["rows_total"], summary["rows_sent"], summary["chunks_sent"]) == (2_500, 2_500, 3)
    assert (summary["rows_created"], summary["rows_updated"]) == (2_500, 0)
    chunks, published = ledger(summary["run_id"])
    assert chunks == [(1, "upsert", 1_000), (2, "upsert", 1_000), (3, "upsert", 500)]
    assert published == 2_500

    soda.clear_requests()
    again = publish(table, dataset, chunk_size=1_000)  # a new publication of unchanged rows
    assert soda.requests() == [] and again["rows_sent"] == 0
    assert (again["source_rows"], again["rows_unchanged"], again["portal_rows"]) == (2_500, 2_500, 2_500)

    full = publish(table, dataset, chunk_size=1_000, full=True)  # full: every row again
    assert (full["rows_created"], full["rows_updated"], full["full_resend"]) == (0, 2_500, True)
    assert [r["rows"] for r in soda.requests()] == [1_000, 1_000, 500]
    assert len(soda.all_rows(dataset)) == 2_500


def test_a_retried_task_resumes_after_the_last_acknowledged_chunk(soda, dataset, source_table):
    table = source_table(5_000)
    context = task_context()
    soda.add_fault(503, on_request=3, times=2)  # chunk 3 fails on both attempts
    with pytest.raises(SocrataError, match="503"):
        publish(table, dataset, context, chunk_size=1_000, max_attempts=2)
    assert [(r["status"], r["rows"] if r["status"] == 200 else None) for r in soda.requests()] == [
        (200, 1_000), (200, 1_000), (503, None), (503, None)]
    with warehouse.connect() as conn:
        status, error, run_id = conn.execute(
            "select status, error, run_id from publish.run where publication_key like %s",
            (f"%/{dataset}",)).fetchone()
    assert status == "failed" and "503" in error
    assert ledger(run_id) == ([(1, "upsert", 1_000), (2, "upsert", 1_000)], 2_000)

    soda.clear_requests()
    summary = publish(table, dataset, context, chunk_size=1_000)  # the task's retry

    resent = soda.requests()
    assert [(r["first_id"], r["last_id"]) for r in resent] == [
        (2_001, 3_000), (3_001, 4_000), (4_001, 5_000)]
    assert summary["run_id"] == run_id and summary["attempts"] == 2
    assert (summary["status"], summary["rows_sent"], summary["chunks_sent"]) == ("succeeded", 5_000, 5)
    assert ledger(run_id)[0] == [(n, "upsert", 1_000) for n in range(1, 6)]
    assert sorted(r["id"] for r in soda.all_rows(dataset)) == list(range(1, 5_001))


def test_429_waits_as_long_as_retry_after_says(soda, dataset, source_table):
    table = source_table(300)
    soda.add_fault(429, on_request=2, retry_after=1)
    summary = publish(table, dataset, chunk_size=100, retry_base_delay=0.01)
    sent = soda.requests()
    assert [r["status"] for r in sent] == [200, 429, 200, 200]
    # The backoff alone would have waited 0.01 s; the portal asked for 1 s.
    assert sent[2]["at"] - sent[1]["at"] >= 1.0
    assert summary["rows_sent"] == 300 and len(soda.all_rows(dataset)) == 300


def test_bad_credentials_fail_clearly_and_record_nothing(soda, dataset, source_table, monkeypatch):
    table = source_table(50)
    wrong = soda.connection_json(password=soda.password + "-wrong")
    monkeypatch.setenv("AIRFLOW_CONN_SOCRATA_DEFAULT", wrong)
    with pytest.raises(SocrataError, match=r"refused the credentials .*401.*Invalid username or password"):
        publish(table, dataset)
    assert [r["status"] for r in soda.requests()] == [401]  # not retried
    with warehouse.connect() as conn:
        run_id, status, rows_sent = conn.execute(
            "select run_id, status, rows_sent from publish.run where dataset_id = %s",
            (dataset,)).fetchone()
    assert (status, rows_sent) == ("failed", 0)
    assert ledger(run_id) == ([], 0)
    assert soda.all_rows(dataset) == []


def test_other_4xx_fail_at_once_with_the_body(soda, dataset, source_table):
    soda.add_fault(400, on_request=1, body="Illegal field name: 'whole'")
    with pytest.raises(SocrataError, match="400.*Illegal field name"):
        publish(source_table(10), dataset)
    assert len(soda.requests()) == 1


def test_simulate_writes_csv_files_and_sends_nothing(soda, dataset, source_table, tmp_path,
                                                       monkeypatch):
    table = source_table(250)
    summary = publish(table, dataset, chunk_size=100, simulate=True, simulate_path=str(tmp_path))
    files = sorted(tmp_path.rglob("*.csv"))
    assert [f.name for f in files] == ["chunk_00001.csv", "chunk_00002.csv", "chunk_00003.csv"]
    rows = [row for f in files for row in csv.DictReader(f.open())]
    assert [int(r["id"]) for r in rows] == list(range(1, 251))
    assert rows[9]["day"] == "2024-01-11T00:00:00.000" and rows[4]["maybe"] == ""
    assert summary["simulate"] and summary["rows_sent"] == 250

    # The connection can ask for dry runs too; files then go to the lake.
    monkeypatch.setenv("AIRFLOW_CONN_SOCRATA_DEFAULT", soda.connection_json(
        extra={"app_token": soda.app_token, "simulate": True}))
    lake_summary = publish(table, dataset, chunk_size=100)
    assert lake_summary["simulate"] and lake_summary["output_path"].startswith("lake:socrata/simulate/")

    assert soda.requests() == [] and soda.all_rows(dataset) == []
    assert ledger(summary["run_id"])[1] == 0  # nothing counts as published


def test_sync_deletes_removes_rows_gone_from_the_source(soda, dataset, source_table, warehouse_url,
                                                        tmp_path):
    table = source_table(100)
    publish(table, dataset, chunk_size=40)
    with warehouse.transaction(warehouse_url) as conn:
        conn.execute(f"delete from {table} where id <= 10 or id = 55")

    dry = publish(table, dataset, chunk_size=40, sync_deletes=True, simulate=True,
                  simulate_path=str(tmp_path))
    deleted_files = sorted(tmp_path.rglob("*_deleted.csv"))
    assert len(deleted_files) == 1 and dry["deletes_sent"] == 11
    assert len(soda.all_rows(dataset)) == 100  # the dry run changed nothing

    soda.clear_requests()
    summary = publish(table, dataset, chunk_size=40, sync_deletes=True)
    ids = sorted(r["id"] for r in soda.all_rows(dataset))
    assert ids == [i for i in range(11, 101) if i != 55]
    assert (summary["deletes_sent"], summary["rows_deleted"]) == (11, 11)
    assert [r["rows"] for r in soda.requests()] == [11]  # the other rows did not change
    assert ledger(summary["run_id"])[1] == 89
    assert (summary["portal_rows"], summary["source_rows"]) == (89, 89)

    nothing = publish(table, dataset, chunk_size=40, sync_deletes=True)
    assert nothing["deletes_sent"] == 0


def test_new_response_shape_and_row_errors(soda, dataset, warehouse_url):
    soda.set_response_shape("new")
    try:
        sql = "select id, 'x' as v from generate_series(1, 30) id"
        summary = SocrataUpsertOperator(task_id="p", sql=sql, dataset_id=dataset, row_id="id",
                                        chunk_size=20).execute(task_context())
        assert (summary["rows_created"], summary["chunks_sent"]) == (30, 2)
        bad = "select id, null::int as \"id \" from generate_series(1, 3) id"
        soda.create_dataset(dataset, "other")  # now rows lack the dataset's identifier
        with pytest.raises(SocrataError, match="rejected 3 row.*no value for row identifier 'other'"):
            SocrataUpsertOperator(task_id="p", sql=bad, dataset_id=dataset,
                                  row_id="id").execute(task_context())
    finally:
        soda.set_response_shape("legacy")


def test_duplicate_or_missing_row_ids_are_refused(soda, dataset):
    for sql, message in [("select 1 as id union all select 1", "not unique"),
                         ("select null::int as id", "no value"),
                         ("select 1 as key", "not a column")]:
        with pytest.raises(SourceError, match=message):
            SocrataUpsertOperator(task_id="p", sql=sql, dataset_id=dataset,
                                  row_id="id").execute(task_context())
    assert json.dumps(soda.requests()) == "[]"


class _Hook:
    """A hook whose connection resolves to ``base_url`` (or raises ``missing``)."""

    def __init__(self, base_url: str = "https://portal.test", simulate: bool = False,
                 missing: Exception | None = None) -> None:
        self._base_url, self.simulate, self.missing = base_url, simulate, missing

    @property
    def base_url(self) -> str:
        if self.missing:
            raise self.missing
        return self._base_url


def test_where_a_publication_goes_and_whether_it_is_a_dry_run():
    from tributary.socrata.publisher import NO_PORTAL, destination

    assert destination(_Hook(), False) == ("https://portal.test", False)
    assert destination(_Hook(simulate=True), False) == ("https://portal.test", True)
    assert destination(None, True) == (NO_PORTAL, True)  # a dry run needs no connection
    gone = LookupError("no connection socrata_default")
    assert destination(_Hook(missing=gone), True) == (NO_PORTAL, True)
    with pytest.raises(LookupError):
        destination(_Hook(missing=gone), False)


def test_a_yes_no_argument_that_is_neither_is_refused():
    from tributary.errors import BadInput

    with pytest.raises(BadInput, match="publish: full must be true or false"):
        publish("public.anything", "abcd-1234", full="maybe", simulate=True)
