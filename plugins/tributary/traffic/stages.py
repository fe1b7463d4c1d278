"""How every stage of every source runs: the compare loop.

A stage lists its source items for the run's collection days, skips each item its target
already has (unless ``force``), and processes the rest one by one. A failing item is logged and
the others still run; the stage fails at the end, naming every failed item, so a re-run redoes
only what is missing. When every failed item failed on bad input (`ItemError`, any `BadInput`)
the stage raises `BadItems`, which Airflow does not retry; otherwise (a source did not answer,
anything unexpected) it raises `StageFailed` and the retry redoes the failed items.

Each item's objects are written to the lake first and then catalogued (with its perfmet
observations) in one transaction: the catalog never points at a missing object, and a
half-done item is not mistaken for a done one.

``simulate`` writes nothing (lake, catalog, metrics, portal) and logs what it would have
written; ``local_copy`` additionally writes every object under a local folder (also when
simulating, so a dry run can be inspected). The folder a param names is confined to the output
roots (`tributary.inputs.resolve_output_folder`) when the options are built, before any work.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tributary import faults, warehouse
from tributary.errors import BadInput, TributaryError, quote_input
from tributary.inputs import resolve_output_folder
from tributary.lake import open_lake
from tributary.traffic import catalog, perfmet
from tributary.traffic.calendar import days_between
from tributary.traffic.catalog import CatalogEntry

log = logging.getLogger("tributary.traffic")


class StageFailed(TributaryError):
    """Some items of a stage failed; the message names each with its error. Retried."""


class BadItems(StageFailed, BadInput):
    """Every failed item of a stage failed on bad input; retrying cannot help."""


class ItemError(BadInput):
    """An item cannot be processed (corrupt or truncated input); the message says which and why."""


@dataclass(frozen=True)
class StageOptions:
    force: bool = False
    simulate: bool = False
    #: a folder code chose, or one `from_params` confined to the output roots
    local_copy: Path | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> StageOptions:
        """A run's params as options; a ``local_copy`` outside the output roots fails here."""
        folder = (params.get("local_copy") or "").strip()
        return cls(force=bool(params.get("force", False)),
                   simulate=bool(params.get("simulate", False)),
                   local_copy=resolve_output_folder(folder, param="local_copy") if folder else None)


@dataclass(frozen=True)
class Item:
    """One unit of work: ``base`` is what the target's entries record as ``derived_from``."""

    label: str
    day: dt.date
    base: str
    payload: Any = None


@dataclass
class ItemResult:
    objects: list[tuple[CatalogEntry, bytes]] = field(default_factory=list)
    records: int = 0
    obs: list[perfmet.Obs] = field(default_factory=list)
    #: Warehouse writes that belong with the objects (run in the catalog's transaction).
    loads: list[Callable[[Any], None]] = field(default_factory=list)


@dataclass
class StageRun:
    """What a stage's functions see: the interval, the options and the lake."""

    data_source: str
    stage: str
    start: dt.date
    end: dt.date
    options: StageOptions
    lake: Any
    conn: Any = None  # one autocommit warehouse connection for the whole stage run
    run_label: str = "traffic/local"  # "<dag_id>/<run_id>" inside Airflow

    @contextmanager
    def db(self) -> Iterator[Any]:
        """The stage's connection (reads commit at once)."""
        yield self.conn

    @contextmanager
    def tx(self) -> Iterator[Any]:
        """The stage's connection inside one transaction (commits at the end of the block)."""
        with self.conn.transaction():
            yield self.conn

    def read(self, entry: CatalogEntry) -> bytes:
        return self.lake.get_bytes(entry.pointer)

    @property
    def days(self) -> list[dt.date]:
        """The run's collection days, [start, end)."""
        return days_between(self.start, self.end)


@dataclass(frozen=True)
class Stage:
    name: str
    data_source: str
    target: str  # a lake repository; stages with another target pass is_done
    list_items: Callable[[StageRun], list[Item]]
    process: Callable[[StageRun, Item], ItemResult]
    is_done: Callable[[StageRun, Item], bool] | None = None


@dataclass
class StageReport:
    stage: str
    data_source: str
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    records: int = 0
    would_write: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.data_source}.{self.stage}: {len(self.done)} done, {len(self.skipped)} "
                f"already there, {len(self.failed)} failed, {self.records:,} records")


#: The stages of a lake source, each with the repository it writes ("portal": publish stages
#: rows for the portal).
LAKE_STAGES = (("ingest", "raw"), ("standardize", "rawjson"), ("ready", "ready"),
               ("publish", "portal"))

ListItems = Callable[[StageRun], list[Item]]
Process = Callable[[StageRun, Item], ItemResult]


def every(base: str) -> bool:
    """Wants every item base."""
    return True


def lake_stages(data_source: str, *, ingest_items: ListItems, ingest: Process,
                standardize: Process, ready: Process, publish: Process, raw_ext: str,
                published: Callable[[StageRun, Item], bool],
                wanted: Callable[[str], bool] = every,
                items: Mapping[str, ListItems] | None = None) -> list[Stage]:
    """A source's `LAKE_STAGES`, each with its process. Ingest lists its own items; each later
    stage's items are what the stage before it wrote (raw entries with extension ``raw_ext``,
    JSON after that) whose base is ``wanted``, unless ``items`` names the stage's own lister.
    ``published`` is the publish stage's "target has it" check."""
    listers = {"ingest": ingest_items, "standardize": catalogued("raw", raw_ext, wanted),
               "ready": catalogued("rawjson", "json", wanted),
               "publish": catalogued("ready", "json", wanted), **(items or {})}
    processes = {"ingest": ingest, "standardize": standardize, "ready": ready, "publish": publish}
    return [Stage(name, data_source, target, listers[name], processes[name],
                  is_done=published if name == "publish" else None)
            for name, target in LAKE_STAGES]


def catalogued(repository: str, ext: str,
               wanted: Callable[[str], bool] = every) -> ListItems:
    """Lists a stage's items: the run's source's entries in ``repository`` with extension
    ``ext`` whose base is ``wanted``, each as an item labelled by its pointer (the entry as its
    payload)."""
    def items(run: StageRun) -> list[Item]:
        with run.db() as conn:
            found = catalog.entries(conn, repository, run.data_source, run.start, run.end,
                                    id_ext=ext)
        return [Item(e.pointer, e.day, e.id_base, e) for e in found if wanted(e.id_base)]
    return items


def reject_loader(source: str, rejects: list[warehouse.Reject]) -> Callable[[Any], None]:
    """An item's warehouse load recording its rejected lines of ``source`` (a lake pointer) in
    ``raw_traffic.reject``; nothing when there are none."""
    def load(conn: Any) -> None:
        if rejects:
            warehouse.record_rejects(conn, "raw_traffic", source, rejects)
    return load


def target_has(run: StageRun, stage: Stage, item: Item) -> bool:
    """The target repository has entries derived from the item, and their objects exist."""
    with run.db() as conn:
        found = catalog.derived(conn, stage.target, stage.data_source, item.day, item.base)
    return bool(found) and all(run.lake.exists(e.pointer) for e in found)


def write_item(run: StageRun, result: ItemResult, report: StageReport) -> None:
    """Objects first, then their catalog rows and observations in one transaction."""
    for number, (entry, data) in enumerate(result.objects):
        if number:
            faults.checkpoint("traffic.after_first_object")
        if run.options.local_copy:
            local = run.options.local_copy / entry.pointer
            if not local.resolve().is_relative_to(run.options.local_copy.resolve()):
                raise ItemError(f"{entry.pointer}: would be written outside {run.options.local_copy}")
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(data)
        if run.options.simulate:
            log.info("simulate: would write %s (%d bytes) and catalog it", entry.pointer, len(data))
            report.would_write.append(entry.pointer)
        else:
            run.lake.put_bytes(entry.pointer, data)
    if run.options.simulate:
        if result.obs or result.loads:
            log.info("simulate: would record %d sensor observations and %d warehouse loads",
                     len(result.obs), len(result.loads))
        return
    with run.tx() as conn:
        if result.objects:
            catalog.upsert(conn, [entry for entry, _ in result.objects])
        if result.obs:
            perfmet.record_obs(conn, result.obs)
        for load in result.loads:
            load(conn)
        faults.checkpoint("traffic.mid_commit")


def run_stage(stage: Stage, start: dt.date, end: dt.date, options: StageOptions,
              lake: Any = None, run_label: str = "traffic/local") -> StageReport:
    """Run one stage over the collection days [start, end); raise StageFailed if any item failed."""
    started = time.monotonic()
    with warehouse.connect(autocommit=True) as conn:
        run = StageRun(stage.data_source, stage.name, start, end, options, lake or open_lake(), conn,
                       run_label)
        return _run(stage, run, started)


def _run(stage: Stage, run: StageRun, started: float) -> StageReport:
    start, end, options = run.start, run.end, run.options
    report = StageReport(stage.name, stage.data_source)
    items = stage.list_items(run)
    log.info("%s.%s: %d source items for %s..%s", stage.data_source, stage.name, len(items),
             start, end - dt.timedelta(days=1))
    is_done = stage.is_done or (lambda r, i: target_has(r, stage, i))
    bad_input_only = True
    for item in items:
        if not options.force and is_done(run, item):
            report.skipped.append(item.label)
            continue
        try:
            result = stage.process(run, item)
            write_item(run, result, report)
        except Exception as exc:  # one bad item must not stop the others
            log.error("%s.%s: %s failed: %s", stage.data_source, stage.name, item.label, exc)
            report.failed[item.label] = f"{type(exc).__name__}: {quote_input(exc)}"
            bad_input_only = bad_input_only and isinstance(exc, BadInput)
            continue
        report.done.append(item.label)
        report.records += result.records
        faults.checkpoint("traffic.after_first_item")
    if not options.simulate:
        with run.tx() as conn:
            perfmet.record_job(conn, data_source=stage.data_source, stage=stage.name,
                               seconds=time.monotonic() - started, records=report.records,
                               start=start, end=end)
    log.info(report.summary())
    if report.failed:
        details = "\n".join(f"  {label}: {error}" for label, error in report.failed.items())
        failed = BadItems if bad_input_only else StageFailed
        raise failed(f"{report.summary()}; failed items:\n{details}")
    return report
