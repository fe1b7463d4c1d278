"""Deployment self-check: can this worker reach what every pipeline needs?

Each check runs `samples` rounds (one second apart) and reports the median round-trip, so a slow
link shows up as a number rather than as timeouts later. A check raises `SelfCheckFailed` when
the thing it checks is unusable; the DAG `platform_selfcheck` runs the checks as parallel tasks,
so on a Celery deployment each may run on a different worker.
"""

from __future__ import annotations

import re
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass

from tributary import settings, warehouse
from tributary.lake import open_lake

SAMPLE_INTERVAL_SECONDS = 1.0
PROBE_PREFIX = "_selfcheck"


class SelfCheckFailed(RuntimeError):
    """A dependency of the platform is unreachable or unusable."""


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome: what it reached (``detail``, from the last round) and the median and
    slowest round trip of its ``samples`` rounds, in milliseconds."""

    check: str
    detail: str
    samples: int
    median_ms: float
    max_ms: float

    def as_dict(self) -> dict:
        return asdict(self)


def _sampled(check: str, samples: int, round_trip: Callable[[], str],
             interval: float = SAMPLE_INTERVAL_SECONDS) -> CheckResult:
    if samples < 1:
        raise ValueError("samples must be at least 1")
    timings: list[float] = []
    detail = ""
    for n in range(samples):
        if n:
            time.sleep(interval)
        started = time.perf_counter()
        detail = round_trip()
        timings.append((time.perf_counter() - started) * 1000)
    return CheckResult(check, detail, samples, round(statistics.median(timings), 2), round(max(timings), 2))


# Statements at the start of a line only: not the text of a function body (platform.sql).
CREATE_SCHEMA = re.compile(r"^create\s+schema\s+(?:if\s+not\s+exists\s+)?([a-z_][a-z0-9_]*)",
                           re.IGNORECASE | re.MULTILINE)


def expected_raw_schemas() -> list[str]:
    """Every schema the domains' DDL in include/sql creates (what `create_raw_tables` runs)."""
    schemas = set()
    for path in (settings.INCLUDE_DIR / "sql").glob("*.sql"):
        schemas.update(m.lower() for m in CREATE_SCHEMA.findall(path.read_text()))
    return sorted(schemas)


def check_warehouse_read(samples: int = 1, url: str | None = None) -> CheckResult:
    """A round trip to the warehouse (`select version()`)."""
    with warehouse.connect(url, autocommit=True) as conn:
        def round_trip() -> str:
            version = conn.execute("select current_setting('server_version')").fetchone()[0]
            return f"PostgreSQL {version}"
        return _sampled("warehouse_read", samples, round_trip)


def check_warehouse_write(samples: int = 1, url: str | None = None) -> CheckResult:
    """The warehouse accepts writes: a temporary table, a row in and out, rolled back."""
    with warehouse.connect(url) as conn:
        def round_trip() -> str:
            try:
                conn.execute("create temporary table selfcheck_probe (n int) on commit drop")
                conn.execute("insert into selfcheck_probe values (1)")
                (n,) = conn.execute("select count(*) from selfcheck_probe").fetchone()
            finally:
                conn.rollback()
            if n != 1:
                raise SelfCheckFailed(f"wrote 1 row to a temporary table and read back {n}")
            return "temporary table written and read back"
        return _sampled("warehouse_write", samples, round_trip)


def check_raw_schemas(samples: int = 1, url: str | None = None) -> CheckResult:
    """Every domain's raw schema exists (`include/sql` ran against this warehouse)."""
    expected = expected_raw_schemas()
    with warehouse.connect(url, autocommit=True) as conn:
        def round_trip() -> str:
            rows = conn.execute("select schema_name from information_schema.schemata "
                                "where schema_name = any(%s)", (expected,)).fetchall()
            missing = sorted(set(expected) - {r[0] for r in rows})
            if missing:
                raise SelfCheckFailed(f"raw schemas missing: {missing}; run `python -m tributary.cli init`")
            return f"{len(expected)} raw schemas present"
        return _sampled("raw_schemas", samples, round_trip)


def check_lake(samples: int = 1, url: str | None = None) -> CheckResult:
    """The lake takes a write, returns the same bytes, and deletes them."""
    lake = open_lake(url)

    def round_trip() -> str:
        path = f"{PROBE_PREFIX}/{uuid.uuid4().hex}.txt"
        payload = uuid.uuid4().bytes
        lake.put_bytes(path, payload)
        try:
            if lake.get_bytes(path) != payload:
                raise SelfCheckFailed(f"lake returned different bytes for {path}")
        finally:
            lake.delete(path)
        return f"{type(lake).__name__}: write, read and delete"
    return _sampled("lake", samples, round_trip)


CHECKS: dict[str, Callable[..., CheckResult]] = {
    "warehouse_read": check_warehouse_read,
    "warehouse_write": check_warehouse_write,
    "raw_schemas": check_raw_schemas,
    "lake": check_lake,
}


def summary(results: list[dict]) -> str:
    """A fixed-width table of check results (for the task log)."""
    lines = [f"{'check':<16} {'median ms':>10} {'max ms':>10}  detail"]
    for r in sorted(results, key=lambda r: r["check"]):
        lines.append(f"{r['check']:<16} {r['median_ms']:>10.2f} {r['max_ms']:>10.2f}  {r['detail']}")
    return "\n".join(lines)
