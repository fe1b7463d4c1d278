"""`make bench`: run every `bench/bench_*.py` and rewrite `bench/RESULTS.md`.

A benchmark module defines `run() -> Result`: figures measured side by side with an anchor (the
bare tool doing the same job in the same run, e.g. `psql \\copy`), so the ratio means something on
any machine. Speed and memory are reported here, never asserted in tests.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import platform
import re
import resource
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tributary import settings

BENCH_DIR = settings.REPO_ROOT / "bench"
RESULTS = BENCH_DIR / "RESULTS.md"


@dataclass
class Figure:
    metric: str
    ours: str
    anchor: str = ""
    ratio: str = ""


@dataclass
class Result:
    title: str
    command: str
    figures: list[Figure] = field(default_factory=list)
    notes: str = ""

    def markdown(self) -> str:
        lines = [f"## {self.title}", "", f"Command: `{self.command}`", "",
                 "| metric | ours | anchor | ratio |", "|---|---|---|---|"]
        lines += [f"| {f.metric} | {f.ours} | {f.anchor} | {f.ratio} |" for f in self.figures]
        if self.notes:
            lines += ["", self.notes]
        return "\n".join(lines) + "\n"


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory (MB) of this process, or of its finished children."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def machine() -> str:
    """What the figures were measured on: CPU model, cores, memory and the load when a run starts."""
    cpu = platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.M)
        cpu = models[0].strip() if models else cpu
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 0
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores, {pages / 2**30:.0f} GiB; load average {load} at the start"


_NUMBER = re.compile(r"^\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(×|x|%)?\s*$")


def _ratio(text: str) -> float | None:
    match = _NUMBER.match(text or "")
    return float(match.group(1).replace(",", "")) if match else None


def combine(results: list[Result]) -> Result:
    """Several runs of one benchmark as one table: the run with the median headline ratio gives
    the figures, and every numeric ratio shows its spread (min–max) over the runs."""
    if len(results) == 1:
        return results[0]
    shape = [len(r.figures) for r in results]
    if len(set(shape)) != 1:  # runs disagree on what they measured: show the last one as it is
        return results[-1]
    headline = next((i for i, f in enumerate(results[0].figures) if _ratio(f.ratio) is not None), None)
    order = sorted(range(len(results)), key=lambda k: _ratio(results[k].figures[headline].ratio)
                   if headline is not None else k)
    chosen = results[order[len(order) // 2]]
    figures = []
    for i, figure in enumerate(chosen.figures):
        values = [_ratio(r.figures[i].ratio) for r in results]
        ratio = figure.ratio
        if all(v is not None for v in values):
            ratio = (f"{figure.ratio} (median {statistics.median(values):g}; "
                     f"{min(values):g}–{max(values):g} over {len(values)} runs)")
        figures.append(Figure(figure.metric, figure.ours, figure.anchor, ratio))
    notes = (chosen.notes + "\n\n" if chosen.notes else "") + (
        f"Runs: {len(results)}. The figures are the run with the median headline ratio; each numeric "
        "ratio gives the median and spread over all runs.")
    return Result(chosen.title, chosen.command, figures, notes)


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(only: str = "", repeat: int = 1) -> int:
    files = sorted(p for p in BENCH_DIR.glob("bench_*.py") if only in p.name)
    sections: dict[str, str] = {}
    if RESULTS.exists():  # keep sections of benchmarks not run this time
        current = None
        for line in RESULTS.read_text().splitlines(keepends=True):
            if line.startswith("<!-- bench:"):
                current = line.split(":", 1)[1].strip(" ->\n")
                sections[current] = ""
            elif current:
                sections[current] += line
    for path in files:
        where = machine()
        runs = []
        for attempt in range(1, repeat + 1):
            print(f"== {path.name} (run {attempt} of {repeat})", flush=True)
            runs.append(_load(path).run())
            print(runs[-1].markdown(), flush=True)
        result = combine(runs)
        if len(runs) > 1 and result.command and "BENCH_REPEAT" not in result.command:
            result.command = f"BENCH_REPEAT={repeat} {result.command}"
        stamp = f"_Measured {dt.date.today()} on {where}; Python {sys.version.split()[0]}._\n\n"
        sections[path.stem] = result.markdown() + "\n" + stamp
    body = ["# Benchmark results", "",
            "Written by `make bench` (`python -m bench`); each section names the command "
            "that made it. Anchors run in the same process run, so ratios compare like with like.", ""]
    for name in sorted(sections):
        body.append(f"<!-- bench: {name} -->")
        body.append(sections[name].rstrip() + "\n")
    RESULTS.write_text("\n".join(body))
    print(f"wrote {RESULTS}")
    return 0
