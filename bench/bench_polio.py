"""Polio: ingest of a long CSV next to `psql \\copy` of the same file, ingest peak memory, and
`polio_refresh` (dbt alone and the DAG) next to a hand-written SQL anchor with the same semantics
(bench/polio_refresh_anchor.sql, run through psql on the same facts), full and after +1 % facts.

The anchor is proven equal: after the full dbt build, and again after the incremental runs, its
tables are compared row for row with the marts (counts and EXCEPT ALL both ways); the bench fails
when they differ. Besides the generated facts, a small document exercises what the merge and the
aggregation must get right (a later value, blank and bad cells, percentages, thousands, yes/no, an
unmapped string, a stored province value and a stored total) and a data-entry value wins.

Sizes: ``POLIO_BENCH_FACTS`` (comma-separated, default 200,000; the issue's figures are
``200000,2000000``). Runs in its own databases (``bench_polio``, ``bench_polio_probe``) on the
warehouse server, dropped first. ``POLIO_BENCH_INGEST_ONLY=1`` measures the ingest figures only;
``POLIO_BENCH_RUNS`` (default 3) is how many times ingest and psql alternate (medians reported).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from tributary import environment

from bench.harness import Figure, Result

SIZES = [int(n) for n in os.environ.get("POLIO_BENCH_FACTS", "200000").split(",")]
#: ingest vs psql runs (medians are reported: one run on a 2-core machine is noisy)
RUNS = int(os.environ.get("POLIO_BENCH_RUNS", "3"))
INGEST_ONLY = os.environ.get("POLIO_BENCH_INGEST_ONLY", "") not in ("", "0")
ANCHOR_SQL = Path(__file__).with_name("polio_refresh_anchor.sql")
#: marts the anchor writes (schema polio_anchor), compared with polio.<name>
COMPARED = ("datapoint", "agg_datapoint", "datapoint_with_computed", "missing_mapping",
            "rejected_value", "source_string")
POLIO_SCHEMAS = ("polio", "polio_intermediate", "polio_staging")

CHILD_INGEST = """
import sys, time
from pathlib import Path
from tributary.polio.ingest import ingest
t = time.monotonic()
r = ingest(Path(sys.argv[1]), url=sys.argv[2])
print(time.monotonic() - t, r.facts)
"""


class AnchorMismatch(AssertionError):
    """The anchor's tables differ from the marts: the anchor (or a model) is wrong."""


class Refresh(NamedTuple):  # (a NamedTuple: make bench loads this file outside sys.modules)
    anchor: float
    anchor_again: float
    dbt_full: float
    dbt_incr: float
    dag_full: float
    dag_incr: float
    compared_rows: int
    datapoints: int
    computed: int


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


def _dbt(target: Path, *args: str) -> None:
    """dbt as a user runs it (its own process, start-up included), writing to ``target`` (the
    project's partial-parse file copied there first, so it parses no more than `make dbt`)."""
    from tributary import settings

    subprocess.run([str(Path(sys.executable).with_name("dbt")), *args, "--project-dir",
                    str(settings.DBT_DIR), "--profiles-dir", str(settings.DBT_DIR), "--target-path",
                    str(target), "--quiet"], check=True, cwd=settings.DBT_DIR)


def _anchor(url: str) -> None:
    subprocess.run(["psql", url, "-q", "-X", "-v", "ON_ERROR_STOP=1", "-f", str(ANCHOR_SQL)],
                   check=True)


def _compare(url: str) -> int:
    """Rows compared; raises AnchorMismatch unless every anchor table equals its mart."""
    import psycopg

    rows, problems = 0, []
    with psycopg.connect(url) as conn:
        conn.execute("set work_mem = '256MB'")  # hashed set operations, no sorts on disk
        for name in COMPARED:
            mart, anchor = f"polio.{name}", f"polio_anchor.{name}"
            counts = conn.execute(f"select (select count(*) from {mart}), (select count(*) from {anchor})").fetchone()
            only_mart = conn.execute(f"select count(*) from (select * from {mart} except all "
                                     f"select * from {anchor}) as d").fetchone()[0]
            only_anchor = conn.execute(f"select count(*) from (select * from {anchor} except all "
                                       f"select * from {mart}) as d").fetchone()[0]
            if counts[0] != counts[1] or only_mart or only_anchor:
                problems.append(f"{name}: {counts[0]:,} rows in the mart, {counts[1]:,} in the anchor, "
                                f"{only_mart:,} only in the mart, {only_anchor:,} only in the anchor")
            rows += counts[0]
    if problems:
        raise AnchorMismatch("the anchor differs from the marts:\n  " + "\n  ".join(problems))
    return rows


def _drop_polio_models(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for schema in POLIO_SCHEMAS:
            conn.execute(f"drop schema if exists {schema} cascade")


def _warm(url: str) -> None:
    """Read every fact once (sets hint bits after the load), so no timed run pays for that."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("vacuum analyze raw_polio.source_datapoint_0, raw_polio.source_datapoint_1, "
                     "raw_polio.source_datapoint_2, raw_polio.source_datapoint_3")


def _variety(tmp: Path, url: str) -> None:
    """What the generated facts lack, so the anchor's equality covers the rules (see the top)."""
    from tributary.polio import data_entry, mappings
    from tributary.polio.ingest import ingest

    from bench.polio_sample import district

    mappings.apply_mappings([mappings.Mapping("region", "P000", "Province 000"),
                             mappings.Mapping("indicator", "total", "Total")], url=url)
    rows = [["campaign", "region", "indicator", "value"],
            ["camp-0", "D00000", "ind_0", "1,234"], ["camp-0", "D00000", "ind_0", "7"],
            ["camp-0", "D00040", "ind_1", ""], ["camp-0", "D00080", "ind_2", "n/a"],
            ["camp-0", "D00120", "ind_3", "12.5%"], ["camp-0", "D00160", "ind_4", "yes"],
            ["camp-0", " Nowhere ", "ind_0", "3"], ["camp-0", "P000", "ind_5", "100000"],
            ["camp-0", "D00200", "total", "5"], ["camp-0", "D00240", "ind_6", "no"]]
    path = tmp / "variety.csv"
    path.write_text("\n".join(",".join(f'"{c}"' for c in row) for row in rows) + "\n")
    ingest(path, url=url)
    data_entry.enter_values([data_entry.Entry(district(1), "Campaign 0000", "Indicator 001", 42.0)], url=url)


def run() -> Result:
    environment.prepare()
    from tributary.cli import build_manifest

    build_manifest()
    figures: list[Figure] = []
    notes: list[str] = []
    for facts in SIZES:
        size_figures, size_note = _one_size(facts)
        figures += size_figures
        notes.append(size_note)
    sizes = " and ".join(f"{n:,}" for n in SIZES)
    return Result(
        title=f"polio: ingest and refresh, {sizes} facts",
        command=f"POLIO_BENCH_FACTS={','.join(map(str, SIZES))} make bench ONLY=polio",
        figures=figures,
        notes="\n\n".join(notes),
    )


def _one_size(requested: int) -> tuple[list[Figure], str]:
    from tributary.polio import mappings, master_data
    from tributary.polio.ingest import ingest

    from bench import polio_sample as sample

    server = environment.resolve_warehouse().url
    shape = sample.Shape()
    per_campaign = shape.districts * shape.indicators
    campaigns = shape.campaigns_for(requested)
    small = max(1, requested // 100)
    saved = {k: os.environ.get(k) for k in ("WAREHOUSE_URL", "AIRFLOW_CONN_WAREHOUSE",
                                            "TRIBUTARY_PG_DBNAME")}
    with tempfile.TemporaryDirectory(prefix="bench-polio-") as tmp:
        tmp = Path(tmp)
        sample.write_master(tmp / "master", shape, campaigns + 3)
        big, quarter = tmp / "big.csv", tmp / "quarter.csv"
        sample.write_long_document(big, shape, range(campaigns), facts=requested)
        sample.write_long_document(quarter, shape, range(campaigns), facts=requested // 4, seed=1)
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
                master_data.load_metadata(tmp / "master", url=url)
                mappings.apply_mappings(mappings.read_mapping_file(tmp / "master" / "mappings.csv"),
                                        url=url)
                ingest(big, url=url)
                _variety(tmp, url)
                refresh = _refresh_figures(url, tmp, extra)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            environment.drop_database(server, "bench_polio")

    at = f"{facts:,} facts"
    rate, anchor_rate = facts / ours_s, facts / psql_s
    figures = [
        Figure(f"{at}: ingest rate, long CSV (facts/s, median of {RUNS})", f"{rate:,.0f} ({ours_s:.2f} s)",
               f"psql \\copy: {anchor_rate:,.0f} ({psql_s:.2f} s)", f"{rate / anchor_rate:.2f}×"),
        Figure(f"{at}: ingest peak RSS (MB)", f"{rss:.0f}",
               f"{q_rss:.0f} at {q_facts:,} facts", f"{rss / q_rss:.2f}× for 4× facts"),
    ]
    if refresh is None:
        return figures, f"{at}: ingest only (POLIO_BENCH_INGEST_ONLY)."
    r = refresh
    anchor = f"anchor {r.anchor:.1f}"
    figures += [
        Figure(f"{at}: anchor, hand-written SQL through psql, full (s)", f"{r.anchor:.1f}",
               f"again after +2 %: {r.anchor_again:.1f}"),
        Figure(f"{at}: dbt run models/polio, full (s; target ≤ 2× anchor)", f"{r.dbt_full:.1f}",
               anchor, f"{r.dbt_full / r.anchor:.2f}×"),
        Figure(f"{at}: polio_refresh DAG, full build with tests (s; target ≤ 3× anchor)",
               f"{r.dag_full:.1f}", anchor, f"{r.dag_full / r.anchor:.2f}×"),
        Figure(f"{at}: polio_refresh DAG after +1 % facts (s; target ≤ 15 % of full)",
               f"{r.dag_incr:.1f}", f"full {r.dag_full:.1f}", f"{r.dag_incr / r.dag_full:.0%}"),
        Figure(f"{at}: dbt run models/polio after +1 % facts (s)", f"{r.dbt_incr:.1f}",
               f"full {r.dbt_full:.1f}", f"{r.dbt_incr / r.dbt_full:.0%}"),
    ]
    note = (f"{at}: the anchor equals the marts ({r.compared_rows:,} rows of {len(COMPARED)} marts "
            f"compared, after the full dbt build and again after the incremental runs); "
            f"{r.datapoints:,} datapoints and {r.computed:,} rows with aggregates and calculations "
            f"at the end. The 1 % document is a new campaign ({shape.districts:,} districts × "
            f"{shape.indicators} indicators at most), the usual shape of a new upload.")
    return figures, note


def _refresh_figures(url: str, tmp: Path, extra: list[Path]) -> Refresh:
    """Anchor, dbt full, DAG full, DAG after +1 %, dbt after +1 %, anchor again (each compared)."""
    import psycopg
    from tributary import settings
    from tributary.polio.ingest import ingest

    target = tmp / "dbt-target"
    target.mkdir()
    parsed = settings.DBT_DIR / "target" / "partial_parse.msgpack"
    if parsed.exists():
        shutil.copy(parsed, target / parsed.name)
    _warm(url)
    anchor = _timed(_anchor, url)
    dbt_full = _timed(_dbt, target, "run", "--select", "path:models/polio", "--full-refresh")
    _compare(url)
    _drop_polio_models(url)
    dag_full = _timed(_refresh)
    ingest(extra[0], url=url)
    dag_incr = _timed(_refresh)
    ingest(extra[1], url=url)
    dbt_incr = _timed(_dbt, target, "run", "--select", "path:models/polio")
    anchor_again = _timed(_anchor, url)
    compared = _compare(url)
    with psycopg.connect(url) as conn:
        datapoints = conn.execute("select count(*) from polio.datapoint").fetchone()[0]
        computed = conn.execute("select count(*) from polio.datapoint_with_computed").fetchone()[0]
    return Refresh(anchor, anchor_again, dbt_full, dbt_incr, dag_full, dag_incr, compared,
                   datapoints, computed)


if __name__ == "__main__":
    print(run().markdown())
