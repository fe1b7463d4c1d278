"""The write discipline of `raw_polio`: one writer at a time, and every change logged.

The incremental dbt models ask "what changed after change N?". That question only has a safe
answer if change ids become visible in id order, so every writer takes the same transaction-level
advisory lock before it allocates ids and holds it until commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from tributary import warehouse

#: Advisory lock key of the polio raw tables (an arbitrary constant, "polio" in ASCII).
WRITE_LOCK = 0x706F6C696F

CHANGE_COLUMNS = ["change_kind", "document_id", "mapping_kind", "source_string", "region",
                  "campaign", "indicator"]


def lock_for_write(conn: psycopg.Connection) -> None:
    """Serialise with every other polio writer until this transaction ends."""
    conn.execute("select pg_advisory_xact_lock(%s)", (WRITE_LOCK,))


@contextmanager
def write_session(url: str | None = None) -> Iterator[psycopg.Connection]:
    """An autocommit connection that holds the write lock until the block ends, for a writer that
    commits in several steps (a document loaded over several connections). Its own transactions
    may take `lock_for_write` again: a session's advisory locks do not block each other."""
    with warehouse.connect(url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (WRITE_LOCK,))
        try:
            yield conn
        finally:
            if not conn.closed:
                conn.execute("select pg_advisory_unlock(%s)", (WRITE_LOCK,))


def log_changes(conn: psycopg.Connection, changes: Iterable[Sequence[Any]]) -> int:
    """Append change rows (tuples in `CHANGE_COLUMNS` order) to ``raw_polio.change_log``."""
    return warehouse.load(conn, "raw_polio.change_log", CHANGE_COLUMNS, changes).inserted


def document_change(document_id: int) -> tuple:
    return ("document", document_id, None, None, None, None, None)


def mapping_change(kind: str, source_string: str) -> tuple:
    return ("mapping", None, kind, source_string, None, None, None)


def data_entry_change(region: str, campaign: str, indicator: str) -> tuple:
    return ("data_entry", None, None, None, region, campaign, indicator)


def master_change(what: str) -> tuple:
    return ("master", None, None, what, None, None, None)
