"""Shared by the test_publisher_* modules: a declared publication of a `source_table` table."""

from __future__ import annotations

import uuid

from tributary.http_source import RetryPolicy
from tributary.socrata.hook import SocrataHook
from tributary.socrata.ledger import Publication
from tributary.socrata.publisher import publish
from tributary.socrata.source import Source

#: The declared columns (a subset of `source_table`'s) and their SODA types.
COLUMNS = {"id": "number", "name": "text", "amount": "number", "day": "floating_timestamp",
           "even": "checkbox"}


def new_dataset_id() -> str:
    return f"{uuid.uuid4().hex[:4]}-{uuid.uuid4().hex[:4]}"


def run(table: str, dataset_id: str, *, key: str | None = None, emit=None, **changes) -> dict:
    """Publish ``table`` as a declared publication through ``socrata_default``."""
    hook = SocrataHook(retry_policy=RetryPolicy(max_attempts=2, base_delay=0.01))
    fields = {"key": key or f"test/{uuid.uuid4().hex[:8]}", "portal": hook.base_url,
              "dataset_id": dataset_id, "source_label": table, "row_id": "id",
              "chunk_size": 40, "columns": COLUMNS, "name": "test_publication", **changes}
    return publish(Publication(**fields), Source(table=table), portal=hook,
                   emit=emit or (lambda message: None))


def writes(soda) -> list[dict]:
    """Every request that could change the portal (anything but a GET)."""
    return [c for c in soda.calls() if c["method"] != "GET"]
