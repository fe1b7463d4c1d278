"""Polio: ingest of a long CSV next to `psql \\copy` of the same file, ingest peak memory at two
sizes, and `polio_refresh` full build vs incremental refresh after 1 % new facts.

Size: ``POLIO_BENCH_FACTS`` (default 200,000; the issue's figure is 2,000,000). Runs in its own
databases (``bench_polio``, ``bench_polio_probe``) on the warehouse server, dropped first.
``POLIO_BENCH_INGEST_ONLY=1`` measures the ingest figures only (skips the slow refresh part);
``POLIO_BENCH_RUNS`` (default 3) is how many times ingest and psql alternate (medians reported).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tributary import environment
from tributary.benchmark import Figure, Result

FACTS = int(os.environ.get("POLIO_BENCH_FACTS", "200000"))
#: ingest vs psql runs (medians are reported: one run on a 2-core machine is noisy)
RUNS = int(os.environ.get("POLIO_BENCH_RUNS", "3"))
INGEST_ONLY = os.environ.get("POLIO_BENCH_INGEST_ONLY", "") not in ("", "0")

CHILD_INGEST = """
import sys, time
from pathlib import Path
from tributary.polio.ingest import ingest
t = time.monotonic()
r = ingest(Path(sys.argv[1]), url=sys.argv[2])
print(time.monotonic() - t, r.facts)
"""


def _ingest_in_child(path: Path, url: str) -> tuple[float, int, float]:
    """(seconds, facts, peak RSS MB) of one ingest in a fresh process."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD_INGEST, str(path), url],
                            stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"ingest child failed ({proc.returncode}): {out}")
    seconds, facts = out.split()[-2:]
    return float(seconds), int(facts), usage.ru_maxrss / 1024


def _fresh_db(server: str, name: str) -> str:
    environment.drop_database(server, name)
    environment.ensure_database(server, name)
    url = environment.with_database(server, name)
    from tributary import warehouse

    with warehouse.transaction(url) as conn:
        warehouse.create_raw_tables(conn)
    return url


def _psql_copy(url: str, path: Path) -> float:
    """Seconds of `psql \\copy` of the file into a bare table of four text columns."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create table bench_bare (campaign text, region text, indicator text, value text)")
    started = time.monotonic()
    subprocess.run(["psql", url, "-q", "-c",
                    f"\\copy bench_bare from '{path}' with (format csv, header true)"], check=True)
    return time.monotonic() - started


def _use(url: str) -> None:
    os.environ["WAREHOUSE_URL"] = url
    os.environ["AIRFLOW_CONN_WAREHOUSE"] = url
    os.environ.update(environment.dbt_env(url))


def _timed(fn, *args, **kwargs) -> float:
    started = time.monotonic()
    fn(*args, **kwargs)
    return time.monotonic() - started


def _refresh() -> None:
    from tributary.dag_runner import run_dag

    outcome = run_dag("polio_refresh")
    if not outcome.ok:
        raise RuntimeError(outcome.table())


def _dbt(*args: str) -> None:
    from tributary import settings

    subprocess.run([str(Path(sys.executable).with_name("dbt")), *args, "--project-dir",
                    str(settings.DBT_DIR), "--profiles-dir", str(settings.DBT_DIR), "--quiet"],
                   check=True, cwd=settings.DBT_DIR)


def run() -> Result:
    environment.prepare()
    from tributary.cli import build_manifest
    from tributary.polio import master, sample
    from tributary.polio.ingest import ingest

    build_manifest()
    server = environment.resolve_warehouse().url
    shape = sample.Shape()
    per_campaign = shape.districts * shape.indicators
    campaigns = shape.campaigns_for(FACTS)
    small = max(1, FACTS // 100)
    saved = {k: os.environ.get(k) for k in ("WAREHOUSE_URL", "AIRFLOW_CONN_WAREHOUSE",
                                            "TRIBUTARY_PG_DBNAME")}
    with tempfile.TemporaryDirectory(prefix="bench-polio-") as tmp:
        tmp = Path(tmp)
        sample.write_master(tmp / "master", shape, campaigns + 3)
        big, quarter = tmp / "big.csv", tmp / "quarter.csv"
        sample.write_long_document(big, shape, range(campaigns), facts=FACTS)
        sample.write_long_document(quarter, shape, range(campaigns), facts=FACTS // 4, seed=1)
        extra = [tmp / f"extra{n}.csv" for n in range(2)]
        for n, path in enumerate(extra):  # 1 % new facts: a new campaign's document
            sample.write_long_document(path, shape, range(campaigns + n, campaigns + n + 1),
                                       facts=min(small, per_campaign), seed=2 + n)

        try:
            probe = _fresh_db(server, "bench_polio_probe")
            _, q_facts, q_rss = _ingest_in_child(quarter, probe)
            environment.drop_database(server, "bench_polio_probe")

            # Ours and psql alternate, each in a fresh database, RUNS times: medians of both.
            ours, psql_runs, rss = [], [], 0.0
            for _ in range(RUNS):
                scratch = _fresh_db(server, "bench_polio_probe")
                seconds, facts, peak = _ingest_in_child(big, scratch)
                ours.append(seconds)
                rss = max(rss, peak)
                psql_runs.append(_psql_copy(scratch, big))
                environment.drop_database(server, "bench_polio_probe")
            ours_s, psql_s = statistics.median(ours), statistics.median(psql_runs)

            refresh = None
            if not INGEST_ONLY:
                url = _fresh_db(server, "bench_polio")
                _use(url)
                master.load_metadata(tmp / "master", url=url)
                master.apply_mappings(master.read_mapping_file(tmp / "master" / "mappings.csv"),
                                      url=url)
                ingest(big, url=url)
                refresh = _refresh_figures(url, tmp, extra)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            environment.drop_database(server, "bench_polio")

    rate, anchor_rate = facts / ours_s, facts / psql_s
    figures = [
        Figure(f"ingest rate, long CSV (facts/s, median of {RUNS})", f"{rate:,.0f} ({ours_s:.2f} s)",
               f"psql \\copy: {anchor_rate:,.0f} ({psql_s:.2f} s)", f"{rate / anchor_rate:.2f}×"),
        Figure("ingest peak RSS (MB)", f"{rss:.0f} at {facts:,} facts",
               f"{q_rss:.0f} at {q_facts:,} facts", f"{rss / q_rss:.2f}× for 4× facts"),
    ]
    notes = "Ingest only (POLIO_BENCH_INGEST_ONLY)."
    if refresh is not None:
        (full_dag, incr_dag, full_dbt, incr_dbt), (datapoints, computed) = refresh
        figures += [
            Figure("polio_refresh DAG (cosmos), full build (s)", f"{full_dag:.1f}"),
            Figure("polio_refresh DAG, after +1 % facts (s)", f"{incr_dag:.1f}", f"full {full_dag:.1f}",
                   f"{incr_dag / full_dag:.0%}"),
            Figure("dbt run models/polio, full (s)", f"{full_dbt:.1f}"),
            Figure("dbt run models/polio, after +1 % facts (s)", f"{incr_dbt:.1f}", f"full {full_dbt:.1f}",
                   f"{incr_dbt / full_dbt:.0%}"),
        ]
        notes = (f"{datapoints:,} datapoints and {computed:,} rows with aggregates and calculations "
                 f"after the run. The 1 % document is a new campaign ({shape.districts:,} districts × "
                 f"{shape.indicators} indicators at most), the usual shape of a new upload; the "
                 "incremental models rebuild aggregates per affected campaign. The DAG figures include "
                 "each model's dbt tests and cosmos' per-task start-up.")
    return Result(
        title=f"polio: ingest and refresh, {facts:,} facts",
        command=f"POLIO_BENCH_FACTS={FACTS} make bench ONLY=polio",
        figures=figures,
        notes=notes,
    )


def _refresh_figures(url: str, tmp: Path, extra: list[Path]):
    """Seconds of (full DAG, incremental DAG, full dbt run, incremental dbt run), and the counts of
    datapoints and computed rows afterwards."""
    import psycopg
    from tributary.polio import master
    from tributary.polio.ingest import ingest

    full_dag = _timed(_refresh)
    master.load_metadata(tmp / "master", url=url)  # unchanged: no master change logged
    ingest(extra[0], url=url)
    incr_dag = _timed(_refresh)
    full_dbt = _timed(_dbt, "run", "--select", "path:models/polio", "--full-refresh")
    ingest(extra[1], url=url)
    incr_dbt = _timed(_dbt, "run", "--select", "path:models/polio")
    with psycopg.connect(url) as conn:
        datapoints = conn.execute("select count(*) from polio.datapoint").fetchone()[0]
        computed = conn.execute("select count(*) from polio.datapoint_with_computed").fetchone()[0]
    return (full_dag, incr_dag, full_dbt, incr_dbt), (datapoints, computed)

if __name__ == "__main__":
    print(run().markdown())
