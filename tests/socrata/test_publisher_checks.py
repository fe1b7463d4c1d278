"""Before and after a publication: the portal's schema must match, and its row count must too."""

from __future__ import annotations

import pytest
from tributary import warehouse
from tributary.errors import BadInput
from tributary.socrata.publisher import PublishError
from tributary.socrata.schema import SchemaMismatch, differences, holds

from tests.socrata.publisher_cases import COLUMNS, new_dataset_id, run, writes


@pytest.mark.parametrize(("portal", "expected"), [
    ({**COLUMNS, "notes": "text"}, r"\+ notes \(text\): on the portal, not published"),
    ({k: v for k, v in COLUMNS.items() if k != "even"},
     r"- even \(checkbox\): declared, missing on the portal"),
    ({**COLUMNS, "name": "number"},
     r"~ name: declared text, the portal has number\n\s+~ name: the portal's number column "
     r"cannot hold the source's text values"),
])
def test_a_portal_schema_that_differs_fails_before_anything_is_sent(soda, source_table, portal,
                                                                   expected):
    dataset_id = new_dataset_id()
    soda.create_dataset(dataset_id, "id", portal)
    with pytest.raises(SchemaMismatch, match=expected) as failure:
        run(source_table(30), dataset_id)
    assert isinstance(failure.value, BadInput)  # no retries: the declaration must change
    assert writes(soda) == [] and soda.rows(dataset_id) == []
    with warehouse.connect() as conn:
        status, error = conn.execute("select status, error from publish.run where dataset_id = %s",
                                     (dataset_id,)).fetchone()
    assert status == "failed" and "nothing was sent" in error


def test_type_rules():
    assert holds("number", 1700) and holds("text", 1082) and holds("calendar_date", 1082)
    assert not holds("number", 25) and not holds("checkbox", 23) and not holds("date", 1114)
    assert holds("date", 1184)  # the views API's "date" is a fixed timestamp
    # the declared type matches the portal, but the source's column is text
    assert differences({"amount": "number"}, {"amount": "number"}, {"amount": 25}) == [
        "~ amount: the portal's number column cannot hold the source's text values"]


def test_a_portal_that_drops_rows_fails_with_both_numbers_and_the_retry_resends(
        soda, source_table, warehouse_url):
    dataset_id = new_dataset_id()
    soda.create_dataset(dataset_id, "id", COLUMNS)
    table = source_table(100)
    soda.add_fault(on_request=2, drop_rows=3)  # answers "40 created", keeps 37
    with pytest.raises(PublishError, match="holds 97 rows on the portal, the source has 100"):
        run(table, dataset_id, key="dropped")
    with warehouse.connect(warehouse_url) as conn:
        row = conn.execute("select status, error, source_rows, portal_rows, verified_at is not null "
                           "from publish.run where publication_key = 'dropped'").fetchone()
    assert row[0] == "failed" and "97" in row[1] and "100" in row[1] and row[2:] == (100, 97, True)

    soda.clear_requests()
    summary = run(table, dataset_id, key="dropped")  # the task's retry does not trust the ledger
    assert sum(r["rows"] for r in soda.requests()) == 100
    assert (summary["status"], summary["portal_rows"]) == ("succeeded", 100)
