"""The helpers every lake source builds its stages from: which stage reads which repository, the
item listers, the reject loader and the run's days (no warehouse: the catalog is faked)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from tributary import warehouse
from tributary.traffic import publish, stages
from tributary.traffic.catalog import CatalogEntry
from tributary.traffic.stages import Item, ItemResult, StageOptions, StageRun

DAY = dt.date(2024, 6, 1)


def make_run(data_source: str = "xx", start: dt.date = DAY, days: int = 1) -> StageRun:
    return StageRun(data_source, "stage", start, start + dt.timedelta(days=days), StageOptions(),
                    lake=None, conn="the connection")


@pytest.fixture
def listed(monkeypatch):
    """The catalog as (repository, source, ext) -> entries; records each question asked."""
    shelves: dict[tuple[str, str, str], list[CatalogEntry]] = {}
    asked: list[tuple] = []

    def entries(conn, repository, data_source, start, end, *, id_ext=None):
        asked.append((conn, repository, data_source, start, end, id_ext))
        return shelves.get((repository, data_source, id_ext), [])

    monkeypatch.setattr(stages.catalog, "entries", entries)
    return shelves, asked


def test_the_run_lists_its_collection_days():
    assert make_run(days=3).days == [DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)]
    assert make_run(days=0).days == []


def test_catalogued_items_are_the_wanted_entries_of_the_runs_source(listed):
    shelves, asked = listed
    keep = CatalogEntry("raw", "xx", "keep_me", "txt", DAY)
    shelves[("raw", "xx", "txt")] = [keep, CatalogEntry("raw", "xx", "other", "txt", DAY)]
    run = make_run()
    items = stages.catalogued("raw", "txt", wanted=lambda base: base.startswith("keep"))(run)
    assert items == [Item(keep.pointer, DAY, "keep_me", keep)]
    assert asked == [("the connection", "raw", "xx", run.start, run.end, "txt")]
    assert len(stages.catalogued("raw", "txt")(run)) == 2  # by default every entry


def test_each_later_stage_reads_what_the_stage_before_wrote(listed):
    shelves, asked = listed

    def process(run: StageRun, item: Item) -> ItemResult:
        return ItemResult()

    def ingest_items(run: StageRun) -> list[Item]:
        return [Item("landed", DAY, "landed")]

    def done(run: StageRun, item: Item) -> bool:
        return True

    built = stages.lake_stages("xx", ingest_items=ingest_items, ingest=process,
                               standardize=process, ready=process, publish=process,
                               raw_ext="csv", published=done)
    assert [(s.name, s.data_source, s.target) for s in built] == [
        ("ingest", "xx", "raw"), ("standardize", "xx", "rawjson"), ("ready", "xx", "ready"),
        ("publish", "xx", "portal")]
    assert [s.is_done for s in built] == [None, None, None, done]
    assert built[0].list_items(make_run()) == [Item("landed", DAY, "landed")]
    for stage in built[1:]:
        stage.list_items(make_run())
    assert [(repository, ext) for _, repository, _, _, _, ext in asked] == [
        ("raw", "csv"), ("rawjson", "json"), ("ready", "json")]


def test_a_source_can_list_a_stages_items_its_own_way(listed):
    def own(run: StageRun) -> list[Item]:
        return [Item("own", DAY, "own")]

    built = stages.lake_stages("xx", ingest_items=own, ingest=None, standardize=None, ready=None,
                               publish=None, raw_ext="zip", published=None, items={"ready": own})
    assert built[2].list_items(make_run()) == [Item("own", DAY, "own")]
    assert listed[1] == []


def test_the_reject_loader_records_the_rejects_of_their_source(monkeypatch):
    recorded = []
    monkeypatch.setattr(warehouse, "record_rejects",
                        lambda conn, schema, source, rejects: recorded.append(
                            (conn, schema, source, rejects)))
    rejects = [warehouse.Reject(3, "expected 5 fields, got 2", "a,b")]
    stages.reject_loader("raw/x.txt", rejects)("conn")
    stages.reject_loader("raw/y.txt", [])("conn")  # nothing rejected: nothing recorded
    assert recorded == [("conn", "raw_traffic", "raw/x.txt", rejects)]


def test_an_item_without_a_publication_counts_as_published():
    @contextmanager
    def no_db():
        raise AssertionError("asked the warehouse")
        yield

    run = make_run()
    run.db = no_db
    assert publish.is_published(lambda base: None)(run, Item("x", DAY, "not_published"))
