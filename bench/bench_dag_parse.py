"""How long the scheduler's DAG processor takes to parse dags/ (target: under 2 s).

Each measurement runs in a fresh interpreter, after Airflow is imported, so it times the parse
itself. Anchor: the same DagBag over a folder holding one trivial DAG — Airflow's own floor.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tributary import settings

from bench.harness import Figure, Result

RUNS = 3

PROBE = """
import json, sys, time
import airflow
from airflow.dag_processing.dagbag import DagBag
started = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
elapsed = time.perf_counter() - started
slowest = max(bag.dagbag_stats, key=lambda s: s.duration, default=None)
print(json.dumps({"seconds": elapsed, "dags": len(bag.dags), "errors": len(bag.import_errors),
                  "slowest": [slowest.file, slowest.duration.total_seconds() if hasattr(slowest.duration, "total_seconds") else slowest.duration] if slowest else None}))
"""

TRIVIAL = '''
from datetime import datetime
from airflow.sdk import dag, task

@dag(dag_id="trivial", schedule=None, start_date=datetime(2024, 1, 1), tags=["x"])
def trivial():
    @task
    def hello():
        return 1
    hello()

trivial()
'''


def _parse(folder: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, str(folder)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> Result:
    ours = [_parse(settings.DAGS_DIR) for _ in range(RUNS)]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "trivial.py").write_text(TRIVIAL)
        anchor = [_parse(Path(tmp)) for _ in range(RUNS)]
    ours_s = statistics.median(r["seconds"] for r in ours)
    anchor_s = statistics.median(r["seconds"] for r in anchor)
    slowest = max((r["slowest"] for r in ours if r["slowest"]), key=lambda s: s[1])
    files = len(list(settings.DAGS_DIR.glob("*.py")))
    return Result(
        title="DAG parsing (dags/ folder)",
        command="make bench ONLY=dag_parse",
        figures=[
            Figure(f"parse {files} files, {ours[0]['dags']} DAGs (median of {RUNS})", f"{ours_s:.2f} s",
                   f"{anchor_s:.3f} s (1 trivial DAG)", f"{ours_s / anchor_s:.0f}×"),
            Figure("import errors", str(ours[0]["errors"])),
            Figure("slowest file", f"{Path(slowest[0]).name}: {slowest[1]:.2f} s"),
            Figure("target", "< 2 s", "", "met" if ours_s < 2 else "NOT met"),
        ],
        notes="Cosmos renders dbt models from the prebuilt manifest, so no file runs dbt while parsing.",
    )
