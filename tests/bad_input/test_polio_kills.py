"""Kills lose nothing in polio ingest: a load on the bulk path (several COPY streams) and one read
row by row are SIGKILLed at three named points each (`tributary.faults.checkpoint`, armed by
``TRIBUTARY_KILL_AT`` in a forked child), re-run, and compared with an uninterrupted run: the
same facts and rejects, nothing twice, the killed attempt failed with no facts left behind."""

from __future__ import annotations

import signal
from pathlib import Path

import psycopg
import pytest

from tests.bad_input.polio_steps import forked, load

pytestmark = pytest.mark.slow

POINTS = {
    "bulk": ["polio.bulk_after_first_chunk", "polio.bulk_between_stream_commits",
             "polio.bulk_before_marked_loaded"],
    "rows": ["polio.rows_after_first_block", "polio.rows_before_rejects", "polio.rows_before_commit"],
}


def document(tmp_path: Path, how: str) -> Path:
    """A long document on the bulk path; one with a note column (read row by row) of more than
    one COPY block (20,000 facts) and a ragged row (a reject)."""
    path = tmp_path / f"{how}.csv"
    if how == "bulk":
        lines = ["campaign,region,indicator,value", *(f"jan,Kano {n % 40},ind {n % 7},{n}" for n in range(3_000))]
    else:
        indicators = [f"ind {k}" for k in range(8)]
        lines = [",".join(["note", "campaign", "region", *indicators]),
                 *(",".join(["n", "jan", f"Kano {n}", *(str(n + k) for k in range(8))]) for n in range(3_000))]
        lines.insert(100, "n,jan,Kano")
    path.write_text("\n".join(lines) + "\n")
    return path


def state(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url) as conn:
        def rows(sql: str) -> list[tuple]:
            return sorted(conn.execute(sql).fetchall(), key=repr)
        return {
            "loaded": rows("select file_name, layout, facts, rejected_rows from raw_polio.document "
                           "where status = 'loaded'"),
            "facts": rows("select d.row_number, campaign_string, region_string, indicator_string, value_string "
                          "from raw_polio.source_datapoint d join raw_polio.document using (document_id) "
                          "where status = 'loaded'"),
            "rejects": rows("select line_number, reason, raw from raw_polio.reject"),
            # every fact stored belongs to a loaded document: a killed attempt left none behind
            "stored": rows("select count(*) from raw_polio.source_datapoint"),
            "changes": rows("select change_kind, count(*) from raw_polio.change_log group by 1"),
        }


def reset(url: str) -> None:
    with psycopg.connect(url) as conn:
        for stream in range(4):
            conn.execute(f"delete from raw_polio.source_datapoint_{stream}")  # noqa: S608
        for table in ("document", "reject", "change_log"):
            conn.execute(f"delete from raw_polio.{table}")  # noqa: S608


@pytest.mark.parametrize("how", ["bulk", "rows"])
def test_a_killed_ingest_loses_nothing(how, fresh_warehouse, tmp_path):
    url = fresh_warehouse
    with psycopg.connect(url) as conn:
        conn.execute("select raw_platform.create_reject_table('raw_polio')")
    path = document(tmp_path, how)
    content = path.read_bytes()
    assert forked(load, path, how) == 0  # the uninterrupted run
    expected = state(url)
    facts = 3_000 if how == "bulk" else 24_000
    rejects = 0 if how == "bulk" else 1
    assert expected["loaded"] == [(path.name, "long" if how == "bulk" else "wide", facts, rejects)]
    assert expected["stored"] == [(facts,)] and len(expected["rejects"]) == rejects
    for point in POINTS[how]:
        reset(url)
        assert forked(load, path, how, kill_at=point) == -signal.SIGKILL, f"never reached {point}"
        assert state(url)["loaded"] == [], point  # nothing the marts read
        assert forked(load, path, how) == 0  # the re-run
        assert state(url) == expected, point  # the same facts and rejects, nothing twice
        with psycopg.connect(url) as conn:
            statuses = conn.execute("select status, coalesce(error like 'interrupted:%%', false) "
                                    "from raw_polio.document order by document_id").fetchall()
        # the bulk load commits its document first ('loading'): the re-run marks it failed
        assert statuses == ([("failed", True), ("loaded", False)] if how == "bulk" else [("loaded", False)]), point
        assert path.read_bytes() == content
