"""`make demo`: every pipeline end to end on the bundled sample data.

Each domain contributes `include/demo/<domain>.py` with `run(ctx: DemoContext) -> None`; they
run in the order below, then the platform's own marts are built. Re-running is safe: every step
is idempotent, so a second demo loads nothing new. Report files are the refresh DAGs' work (in the
lake under ``reports/<domain>/<day>/``); a domain's demo only points at them (`DemoContext.show_reports`).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tributary import settings
from tributary.dag_runner import RunOutcome, run_dag
from tributary.lake import open_lake
from tributary.reports import list_reports

#: Demo order: the domains, then publishing (it publishes the marts the domains built).
DOMAINS = ["polio", "migration", "mindtrails", "traffic", "app_events", "socrata"]


class DemoFailed(RuntimeError):
    pass


@dataclass
class DemoContext:
    reports_dir: Path = field(default_factory=lambda: settings.REPORTS_DIR)
    outcomes: list[RunOutcome] = field(default_factory=list)

    @property
    def lake(self):
        return open_lake()

    def say(self, message: str = "") -> None:
        print(message, flush=True)

    def run(self, dag_id: str, conf: dict[str, Any] | None = None, **kwargs: Any) -> RunOutcome:
        """Run a DAG; a failed run stops the demo with its task states."""
        started = time.monotonic()
        outcome = run_dag(dag_id, conf, **kwargs)
        self.outcomes.append(outcome)
        if not outcome.ok:
            raise DemoFailed(outcome.table())
        self.say(f"  ✓ {dag_id} ({time.monotonic() - started:.1f} s, {len(outcome.task_states)} tasks)")
        return outcome

    def show_reports(self, domain: str) -> None:
        """Say where the domain's refresh left its report files (the latest day's) and the route."""
        found = list_reports(domain)  # newest day first
        if not found:
            self.say(f"  no {domain} reports in the lake yet")
            return
        found = [report for report in found if report.day == found[0].day]
        self.say(f"  reports in {self.lake.url} (GET /api/v1/reports?domain={domain}):")
        for report in found:
            self.say(f"    {report.key}  ({report.size:,} bytes)")

    def report(self, relative: str) -> Path:
        """A local file for a demo's own check output (not a report: those are in the lake)."""
        path = self.reports_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


def _domain_demo(domain: str):
    name = f"include.demo.{domain}"
    if importlib.util.find_spec(f"tributary.{domain}") is None or importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def main() -> int:
    ctx = DemoContext()
    started = time.monotonic()
    try:
        for domain in DOMAINS:
            module = _domain_demo(domain)
            if module is None:
                continue
            ctx.say(f"\n== {domain} ==")
            module.run(ctx)
        ctx.say("\n== platform ==")
        ctx.run("platform_refresh")
        _print_load_history(ctx)
    except DemoFailed as exc:
        print(f"\ndemo failed:\n{exc}", file=sys.stderr)
        return 1
    ctx.say(f"\ndemo finished in {time.monotonic() - started:.0f} s; reports in {ctx.lake.url} under "
            f"reports/<domain>/<day>/, listed by GET /api/v1/reports (make api) and served by "
            f"GET /api/v1/reports/<domain>/<day>/<name>")
    if any(ctx.reports_dir.rglob("*")):
        ctx.say(f"demo checks under {ctx.reports_dir}")
    return 0


def _print_load_history(ctx: DemoContext) -> None:
    from tributary import warehouse  # noqa: PLC0415

    with warehouse.connect() as conn:
        rows = conn.execute(
            "select target, sum(rows_in), sum(inserted), sum(updated) from platform.load_history "
            "group by target order by target"
        ).fetchall()
    ctx.say("  platform.load_history (all loads so far):")
    for target, rows_in, inserted, updated in rows:
        ctx.say(f"    {target:40s} {rows_in:>10,} in  {inserted:>10,} inserted  {updated:>8,} updated")
