"""Benchmark: one day of app events through clean → Parquet → load, next to a bare COPY.

Each measurement runs in a fresh child process (its peak RSS is its own): the pipeline at two
sizes (a quarter and the full size) to show memory does not grow with the file, and a bare
``COPY … FROM STDIN`` of the same decompressed lines into a 40-text-column table as the anchor.
Size: ``APP_BENCH_EVENTS`` (default 200,000, so both sizes exceed the 20k-row batches; the issue's figure is 1,000,000).
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

DAY = dt.date(2024, 5, 20)


def _make_export(path: Path, events: int) -> None:
    """A pool of distinct generated lines repeated to ``events`` lines (generation is not measured)."""
    from tributary import settings
    from tributary.app_events import layout, sample

    groupings = sample.lines_of(settings.SAMPLE_DIR / "app_events")
    pool = list(sample.event_lines(DAY, min(events, 5_000), list(groupings), groupings))
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as fh:
        fh.write(layout.DELIMITER.join(layout.COLUMNS) + "\n")
        for line in itertools.islice(itertools.cycle(pool), events):
            fh.write(line + "\n")


def _child_pipeline(export: Path, db_url: str) -> dict:
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
            "clean_s": cleaned - started, "load_s": done - cleaned, "total_s": done - started}


def _child_copy(export: Path, db_url: str) -> dict:
    from tributary import warehouse

    with warehouse.transaction(db_url) as conn:
        conn.execute("create temp table bare_event (line text) on commit drop")
        started = time.perf_counter()
        # One text column per line (delimiter and quote bytes that never occur): the lines go in
        # exactly as they are in the file, header included, with no parsing at all.
        with conn.cursor() as cur, cur.copy("copy bare_event from stdin (format csv, "
                                            "delimiter e'\\x02', quote e'\\x01')") as copy, \
                gzip.open(export, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                copy.write(block)
        rows = conn.execute("select count(*) - 1 from bare_event").fetchone()[0]
        return {"events": rows, "total_s": time.perf_counter() - started}


def _child(kind: str, export: str, db_url: str) -> None:
    work = _child_pipeline if kind == "pipeline" else _child_copy
    result = work(Path(export), db_url)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _run_child(kind: str, export: Path, db_url: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, str(export), db_url],
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"{kind} child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run():
    from tributary import environment
    from tributary.benchmark import Figure, Result

    events = int(os.environ.get("APP_BENCH_EVENTS", "200000"))
    small = max(events // 4, 1)
    server = environment.resolve_warehouse().url
    db = f"bench_app_{uuid.uuid4().hex[:6]}"
    environment.ensure_database(server, db)
    url = environment.with_database(server, db)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
            exports = {n: Path(tmp) / f"amplitude_{n}.txt.gz" for n in (small, events)}
            for n, path in exports.items():
                _make_export(path, n)
            little = _run_child("pipeline", exports[small], url)
            big = _run_child("pipeline", exports[events], url)
            bare = _run_child("copy", exports[events], url)
            size_mb = exports[events].stat().st_size / 1e6
    finally:
        environment.drop_database(server, db)
    ours_rate = big["events"] / big["total_s"]
    bare_rate = bare["events"] / bare["total_s"]
    figures = [
        Figure(f"events/s, {events:,} events (clean+parquet+load)", f"{ours_rate:,.0f}",
               f"{bare_rate:,.0f} (bare COPY)", f"{ours_rate / bare_rate:.2f}"),
        Figure("seconds: clean+parquet / load", f"{big['clean_s']:.1f} / {big['load_s']:.1f}",
               f"{bare['total_s']:.1f} (bare COPY)", ""),
        Figure(f"peak RSS MB at {small:,} vs {events:,} events", f"{little['peak_rss_mb']:.0f} → {big['peak_rss_mb']:.0f}",
               f"{bare['peak_rss_mb']:.0f} (bare COPY child)",
               f"{big['peak_rss_mb'] / little['peak_rss_mb']:.2f}× for {events / small:.0f}× the events"),
    ]
    notes = (f"The full export is {size_mb:.0f} MB gzip; {big['properties']:,} property rows. The pipeline "
             "parses every line in Python (times, JSON properties), writes three Parquet datasets "
             "and loads events, properties and by-mdn rows; the anchor only COPYs the raw lines as "
             "text. Set APP_BENCH_EVENTS=1000000 for the issue's 1M-event day.")
    return Result("app_events: a day of events, clean + Parquet + load",
                  f"APP_BENCH_EVENTS={events} make bench ONLY=app_events",
                  figures, notes)


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "--child":
    _child(sys.argv[2], sys.argv[3], sys.argv[4])
