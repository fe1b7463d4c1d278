"""`make demo`: every pipeline end to end on the bundled sample data, told in a few lines.

Each domain contributes `include/demo/<domain>.py` with `run(ctx: DemoContext) -> None` and
`steps() -> int` (how many `ctx.run` / `ctx.step` calls it makes: the progress counter's total);
they run in the order below, then the platform's own marts are built. The terminal gets one line
per step and, per domain, what happened (`summary_lines`: rows loaded, dbt models built and tests
run, rows published, report files); Airflow's, dbt's and the stand-ins' logs go to
``.local/logs/demo-<time>.log`` (`tributary.console.Capture`). Re-running is safe: every step is
idempotent, so a second demo loads nothing new.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.util
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tributary import cli, console, environment, settings
from tributary.dag_runner import RunOutcome
from tributary.lake import open_lake

#: Demo order: the domains, then publishing (it publishes the marts the domains built).
DOMAINS = ["polio", "migration", "mindtrails", "traffic", "app_events", "socrata"]
#: Rows each section of a domain's summary shows before "… n more".
SECTION_ROWS = 3


class DemoFailed(RuntimeError):
    """A step failed; ``lines`` say which DAG and task, and the error."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass
class Step:
    """A running step: how its progress line ends (``mark``: ✓ done, – skipped; ``note``)."""

    mark: str = "✓"
    note: str = ""


@dataclass
class DemoContext:
    capture: console.Capture
    progress: console.Progress
    reports_dir: Path = field(default_factory=lambda: settings.REPORTS_DIR)
    outcomes: list[RunOutcome] = field(default_factory=list)
    dbt: console.DbtCounts = field(default_factory=console.DbtCounts)  # the current domain's
    local_reports: list[Path] = field(default_factory=list)

    @property
    def lake(self):
        return open_lake()

    def say(self, message: str = "") -> None:
        """A line under the domain's steps (keep them few: the whole demo fits 200 lines)."""
        self.capture.say(f"         {message}")

    def detail(self, message: str) -> None:
        """A line for the log only (what a curious reader may look up)."""
        self.capture.log(f"[demo] {message}")

    @contextmanager
    def step(self, name: str, detail: str = "") -> Iterator[Step]:
        """One progress line around work that is not a DAG run (a library call)."""
        self.progress.begin(name, detail)
        step = Step()
        try:
            yield step
        except BaseException:
            self.progress.end("✗")
            raise
        self.progress.end(step.mark, step.note)

    def run(self, dag_id: str, conf: dict[str, Any] | None = None, *, detail: str | None = None,
            **kwargs: Any) -> RunOutcome:
        """Run a DAG as one step; a failed run stops the demo with its failing task and error."""
        from tributary.dag_runner import run_dag  # noqa: PLC0415  (imports Airflow: after prepare)

        since = self.capture.offset()
        shown = detail if detail is not None else step_detail(conf, kwargs.get("day"))
        with self.step(dag_id, shown) as step:
            outcome = run_dag(dag_id, conf, **kwargs)
            self.outcomes.append(outcome)
            log_text = self.capture.read(since)
            if not outcome.ok:
                raise DemoFailed(console.failure(outcome, log_text))
            counts = console.dbt_counts(log_text)
            self.dbt += counts
            if counts.models or counts.tests:
                step.note = f"{counts.models} models, {counts.tests} tests"
        return outcome

    def report(self, relative: str) -> Path:
        """A local file for a demo's own check output (not a report: those are in the lake)."""
        path = self.reports_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        self.local_reports.append(path)
        return path


def step_detail(conf: dict[str, Any] | None, day: dt.date | None = None) -> str:
    """What a step's line names besides the DAG: the file, publication, server, day or window."""
    conf = conf or {}
    parts = [day.isoformat()] if day else []
    if "start_date" in conf:
        parts.append(f"{conf['start_date']}..{conf.get('end_date', '')}")
    for key, value in conf.items():
        if key.endswith("path"):
            parts.append(Path(str(value)).name)
        elif key in ("publication", "server", "region"):
            parts.append(str(value))
    return ", ".join(parts)


# --- what a domain did ------------------------------------------------------------------------


@dataclass
class Load:
    target: str
    rows_in: int
    inserted: int
    updated: int
    deleted: int


@dataclass
class Published:
    publication: str
    dataset_id: str
    rows_sent: int
    status: str


@dataclass
class Mark:
    """Where things stood when a domain's demo began (what it did is what came after)."""

    started: dt.datetime
    publish_run: int


def _mark() -> Mark:
    from tributary import warehouse  # noqa: PLC0415

    # publish.run exists: `cli.prepare()` created the raw and publish tables before any step
    with warehouse.connect() as conn:
        publish_run = conn.execute("select coalesce(max(run_id), 0) from publish.run").fetchone()[0]
    return Mark(dt.datetime.now(dt.UTC), publish_run)


def loads_since(mark: Mark) -> list[Load]:
    """Rows each raw table received since ``mark`` (`raw_platform.load`, biggest first)."""
    from tributary import warehouse  # noqa: PLC0415

    with warehouse.connect() as conn:
        rows = conn.execute(
            "select target, sum(rows_in), sum(inserted), sum(updated), sum(deleted) "
            "from raw_platform.load where started_at >= %s group by target "
            "order by sum(rows_in) desc, target", (mark.started,)).fetchall()
    return [Load(*row) for row in rows]


def published_since(mark: Mark) -> list[Published]:
    """Publication runs since ``mark`` (`publish.run`), one row per publication and dataset."""
    from tributary import warehouse  # noqa: PLC0415

    with warehouse.connect() as conn:
        rows = conn.execute(
            "select publication, coalesce(dataset_id, '-'), sum(rows_sent), "
            "string_agg(distinct status, ',') from publish.run where run_id > %s "
            "group by 1, 2 order by 1, 2", (mark.publish_run,)).fetchall()
    return [Published(*row) for row in rows]


def _more(rows: list, noun: str, totals: str = "") -> str:
    """``… and 3 more tables: 302 rows in`` (the rows past `SECTION_ROWS`)."""
    more = len(rows) - SECTION_ROWS
    return f"{'':12s}… and {more} more {noun}{'s' if more > 1 else ''}" + (f": {totals}" if totals else "")


def summary_lines(loads: list[Load], dbt: console.DbtCounts, published: list[Published],
                  reports: list[str]) -> list[str]:
    """A domain's table: at most `SECTION_ROWS` rows per section (+ one "… n more" line)."""
    lines: list[str] = []
    label = "loaded"
    for load in loads[:SECTION_ROWS]:
        lines.append(f"  {label:10s}{load.target:38s} {load.rows_in:>10,} rows in {load.inserted:>10,} new"
                     f" {load.updated:>8,} updated" + (f" {load.deleted:,} deleted" if load.deleted else ""))
        label = ""
    if len(loads) > SECTION_ROWS:
        rest = loads[SECTION_ROWS:]
        lines.append(_more(loads, "table", f"{sum(x.rows_in for x in rest):,} rows in, "
                                           f"{sum(x.inserted for x in rest):,} new"))
    if not loads:
        lines.append(f"  {'loaded':10s}nothing")
    lines.append(f"  {'dbt':10s}{dbt}")
    label = "published"
    for pub in published[:SECTION_ROWS]:
        lines.append(f"  {label:10s}{pub.publication} → {pub.dataset_id}: {pub.rows_sent:,} rows sent "
                     f"({pub.status})")
        label = ""
    if len(published) > SECTION_ROWS:
        rest = published[SECTION_ROWS:]
        lines.append(_more(published, "publication", f"{sum(x.rows_sent for x in rest):,} rows sent"))
    label = "reports"
    for report in reports[:SECTION_ROWS]:
        lines.append(f"  {label:10s}{report}")
        label = ""
    if len(reports) > SECTION_ROWS:
        lines.append(_more(reports, "report file"))
    return lines


def _reports(domain: str, ctx: DemoContext) -> list[str]:
    """The domain's report files of the newest day in the lake (plus a demo's own check files)."""
    from tributary.reports import list_reports  # noqa: PLC0415

    found = list_reports(domain)  # newest day first
    newest = [r for r in found if r.day == found[0].day] if found else []
    shown = [f"{r.key} ({r.size:,} bytes)" for r in newest]
    shown += [str(path.relative_to(settings.REPO_ROOT) if path.is_relative_to(settings.REPO_ROOT)
                  else path) for path in ctx.local_reports]
    ctx.local_reports.clear()
    return shown


def _domain_demo(domain: str):
    name = f"include.demo.{domain}"
    if importlib.util.find_spec(f"tributary.{domain}") is None or importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


# --- the demo ---------------------------------------------------------------------------------


@dataclass
class Totals:
    loaded: list[Load] = field(default_factory=list)
    dbt: console.DbtCounts = field(default_factory=console.DbtCounts)
    published: list[Published] = field(default_factory=list)
    reports: int = 0


def _run_domain(ctx: DemoContext, domain: str, work, totals: Totals) -> None:
    ctx.capture.say()
    ctx.capture.say(domain)
    mark = _mark()
    ctx.dbt = console.DbtCounts()
    work(ctx)
    loads, published, reports = loads_since(mark), published_since(mark), _reports(domain, ctx)
    for line in summary_lines(loads, ctx.dbt, published, reports):
        ctx.capture.say(line)
    totals.loaded += loads
    totals.dbt += ctx.dbt
    totals.published += published
    totals.reports += len(reports)


def _prepare(capture: console.Capture, verbose: str) -> None:
    """The environment, manifest and raw tables (`cli.prepare`); its output goes to the log."""
    label = "preparing the warehouse, Airflow's database and the dbt manifest "
    started = time.monotonic()
    capture.begin_line(label)
    try:
        cli.prepare()
        cli.stream_if_verbose(capture, verbose)
    except BaseException:
        capture.end_line(label, "✗")
        raise
    capture.end_line(label, f"✓ {console.seconds(time.monotonic() - started)}")


def _demo(capture: console.Capture, verbose: str) -> None:
    _prepare(capture, verbose)
    modules = {domain: module for domain in DOMAINS if (module := _domain_demo(domain))}
    progress = console.Progress(capture, sum(m.steps() for m in modules.values()) + 1)
    ctx = DemoContext(capture, progress)
    totals = Totals()
    started = time.monotonic()
    for domain, module in modules.items():
        _run_domain(ctx, domain, module.run, totals)
    _run_domain(ctx, "platform", lambda c: c.run("platform_refresh"), totals)
    capture.say()
    capture.say(f"demo finished in {console.seconds(time.monotonic() - started)}: "
                f"{len(ctx.outcomes)} DAG runs, {progress.done} steps")
    tables = {load.target for load in totals.loaded}
    capture.say(f"  {'loaded':10s}{sum(x.rows_in for x in totals.loaded):,} rows in, "
                f"{sum(x.inserted for x in totals.loaded):,} new, "
                f"{sum(x.updated for x in totals.loaded):,} updated, into {len(tables)} raw tables")
    capture.say(f"  {'dbt':10s}{totals.dbt}")
    capture.say(f"  {'published':10s}{sum(x.rows_sent for x in totals.published):,} rows sent in "
                f"{len(totals.published)} publications")
    capture.say(f"  {'reports':10s}{totals.reports} files; in the lake ({ctx.lake.url}) under "
                "reports/<domain>/<day>/, listed by GET /api/v1/reports (make api)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m include.demo", description=__doc__)
    parser.add_argument("--verbose", default="", help="yes: stream the logs to the terminal too")
    ns = parser.parse_args(argv)
    path = console.log_path("demo")
    print(f"Tributary demo: every pipeline on the sample data; logs in {path}", flush=True)
    with console.Capture(path) as capture:
        try:
            _demo(capture, ns.verbose)
        except environment.SetupError as exc:
            capture.say(f"error: {exc}")
            capture.say(f"log: {path}")
            return 2
        except DemoFailed as exc:
            capture.say()
            capture.say(f"demo failed: {exc.lines[0]}")
            for line in exc.lines[1:]:
                capture.say(line)
            capture.say(f"log: {path}")
            return 1
        except Exception as exc:  # a demo's own code: the traceback goes to the log
            traceback.print_exc()
            capture.say()
            capture.say(f"demo failed: {type(exc).__name__}: {str(exc)[:300]}")
            capture.say(f"log: {path} (the traceback is at its end)")
            return 1
        capture.say(f"log: {path}")
    return 0
