"""`make bench`: run every `bench/bench_*.py` and rewrite `bench/RESULTS.md`.

A benchmark module defines `run() -> Result`: figures measured side by side with an anchor (the
bare tool doing the same job in the same run, e.g. `psql \\copy`), so the ratio means something on
any machine. Speed and memory are reported here, never asserted in tests.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import platform
import resource
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


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(only: str = "") -> int:
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
        print(f"== {path.name}", flush=True)
        result = _load(path).run()
        print(result.markdown(), flush=True)
        stamp = f"_Measured {dt.date.today()} on {platform.machine()}, Python {sys.version.split()[0]}._\n\n"
        sections[path.stem] = result.markdown() + "\n" + stamp
    body = ["# Benchmark results", "",
            "Written by `make bench` (`python -m tributary.cli bench`); each section names the command "
            "that made it. Anchors run in the same process run, so ratios compare like with like.", ""]
    for name in sorted(sections):
        body.append(f"<!-- bench: {name} -->")
        body.append(sections[name].rstrip() + "\n")
    RESULTS.write_text("\n".join(body))
    print(f"wrote {RESULTS}")
    return 0
