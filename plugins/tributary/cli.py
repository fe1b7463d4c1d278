"""`python -m tributary.cli <command>`: what the Makefile targets run.

Every command first prepares the environment (warehouse, Airflow settings, dbt profile; see
`tributary.environment`), so all of them honour `WAREHOUSE_URL` and `LAKE_URL` the same way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tributary import console, environment, settings


def _dbt(args: list[str], *, check: bool = True) -> int:
    exe = Path(sys.executable).with_name("dbt")
    cmd = [str(exe), *args, "--project-dir", str(settings.DBT_DIR), "--profiles-dir", str(settings.DBT_DIR)]
    code = subprocess.call(cmd, cwd=settings.DBT_DIR)
    if check and code:
        raise SystemExit(f"dbt {' '.join(args)} failed (exit {code})")
    return code


def build_manifest(force: bool = False) -> Path:
    """`dbt parse` when any project file is newer than the manifest cosmos renders from."""
    manifest = settings.DBT_MANIFEST
    if manifest.exists() and not force:
        built = manifest.stat().st_mtime
        sources = [p for p in settings.DBT_DIR.rglob("*") if p.is_file()
                   and "target" not in p.parts and "logs" not in p.parts]
        if all(p.stat().st_mtime <= built for p in sources):
            return manifest
    _dbt(["parse", "--quiet"])
    return manifest


def create_raw_tables() -> None:
    from tributary import warehouse  # noqa: PLC0415

    with warehouse.transaction() as conn:
        warehouse.create_raw_tables(conn)


def prepare() -> dict[str, str]:
    """Everything a DAG run needs: the environment, a current manifest and the raw tables.

    `make run`, `make airflow`, the demo (`include/demo`) and the benchmarks (`bench/`) start here.
    """
    env = environment.prepare()
    build_manifest()
    create_raw_tables()
    return env


def cmd_env(_: argparse.Namespace) -> int:
    env = environment.prepare(migrate=False)
    for key in ("WAREHOUSE_URL", "LAKE_URL", "AIRFLOW_HOME", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        print(f"{key}={environment.redact(env[key])}")
    return 0


def cmd_init(_: argparse.Namespace) -> int:
    """Migrate the Airflow metadata DB and create the raw tables (a deployment's first step)."""
    environment.prepare()
    create_raw_tables()
    print("Airflow metadata database migrated; raw tables created")
    return 0


def cmd_manifest(_: argparse.Namespace) -> int:
    environment.prepare(migrate=False)
    print(build_manifest(force=True))
    return 0


def cmd_dbt(ns: argparse.Namespace) -> int:
    environment.prepare(migrate=False)
    create_raw_tables()
    return _dbt(ns.args, check=False)


def parse_run_args(conf: str, date: str) -> tuple[dict, dt.date | None]:
    """CONF (a JSON object) and DATE (YYYY-MM-DD) of `make run`; ValueError with one line."""
    try:
        parsed = json.loads(conf) if conf.strip() else {}
    except json.JSONDecodeError as exc:
        raise ValueError(f"CONF is not valid JSON ({exc.msg} at character {exc.pos}): "
                         "give an object, e.g. CONF='{\"path\": \"landing/x.csv\"}'") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"CONF must be a JSON object of params, got {type(parsed).__name__}")
    try:
        day = dt.date.fromisoformat(date) if date.strip() else None
    except ValueError:
        raise ValueError(f"DATE must be YYYY-MM-DD, got {date[:40]!r}") from None
    return parsed, day


def cmd_run(ns: argparse.Namespace) -> int:
    """One DAG run; its logs go to ``.local/logs/run-<dag>-<time>.log`` (and to the terminal too
    with ``--verbose yes``), the terminal gets the task table and, on failure, the error."""
    try:
        conf, day = parse_run_args(ns.conf, ns.date)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    path = console.log_path(f"run-{ns.dag}")
    print(f"{ns.dag}: running; logs in {path}", flush=True)
    started = time.monotonic()
    with console.Capture(path) as capture:
        prepare()
        stream_if_verbose(capture, ns.verbose)
        from tributary.dag_runner import run_dag  # noqa: PLC0415  (imports Airflow)

        try:
            outcome = run_dag(ns.dag, conf, day=day)
        except KeyError as exc:
            unknown = exc.args[0]
        else:
            unknown = None
        log_text = capture.read()
    if unknown is not None:
        print(f"error: {unknown}", file=sys.stderr)
        return 2
    print(outcome.table())
    dbt = console.dbt_counts(log_text)
    if dbt.models or dbt.tests:
        print(f"dbt: {dbt}")
    if not outcome.ok:
        print("\n".join(console.failure(outcome, log_text)))
    print(f"{ns.dag} {outcome.state} in {console.seconds(time.monotonic() - started)}; log: {path}")
    return 0 if outcome.ok else 1


def stream_if_verbose(capture: console.Capture, verbose: str) -> None:
    """``VERBOSE``: copy the log to the terminal too. Read after `prepare()`: the flag parser
    imports Airflow, which must see the environment's settings first."""
    from tributary.flags import flag  # noqa: PLC0415

    try:
        wanted = flag(verbose, what="VERBOSE")
    except ValueError as exc:
        raise environment.SetupError(str(exc)) from None
    if wanted:
        capture.stream()


def cmd_airflow(ns: argparse.Namespace) -> int:
    env = prepare()
    home = Path(env["AIRFLOW_HOME"])
    password_file = home / "simple_auth_manager_passwords.json.generated"
    os.environ.update({
        # standalone starts its components as `airflow …` through PATH: use this venv's.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{settings.search_path()}",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(password_file),
        "AIRFLOW__API__PORT": str(ns.port),
        "AIRFLOW__API__BASE_URL": f"http://localhost:{ns.port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{ns.port}/execution/",
        "AIRFLOW__COSMOS__DBT_DOCS_PROJECTS": json.dumps(
            {"tributary": {"dir": str(settings.DBT_DIR / "target"), "name": "Tributary dbt docs"}}
        ),
    })
    print(f"Airflow UI on http://localhost:{ns.port}  (user admin; password in {password_file})")
    os.execv(sys.executable, [sys.executable, "-m", "airflow", "standalone"])


def cmd_api(ns: argparse.Namespace) -> int:
    """The HTTP API alone (no Airflow around it): `TRIBUTARY_API_TOKEN` is its only credential."""
    if not (settings.api_token() or "").strip():
        print("error: TRIBUTARY_API_TOKEN is not set: the API run alone accepts only that bearer "
              "token (e.g. export TRIBUTARY_API_TOKEN=$(openssl rand -hex 24))", file=sys.stderr)
        return 2
    environment.prepare(migrate=False)
    create_raw_tables()
    import uvicorn  # noqa: PLC0415

    print(f"Tributary API on http://{ns.host}:{ns.port}/api/v1  (docs: /docs; "
          "send Authorization: Bearer $TRIBUTARY_API_TOKEN)")
    uvicorn.run("tributary.api.app:create_app", factory=True, host=ns.host, port=ns.port,
                log_level="info")
    return 0


def cmd_docs(ns: argparse.Namespace) -> int:
    environment.prepare(migrate=False)
    create_raw_tables()
    _dbt(["docs", "generate"])
    _dbt(["docs", "generate", "--static"])
    print(f"dbt docs written to {settings.DBT_DIR / 'target' / 'static_index.html'}")
    if ns.no_serve:
        return 0
    return _dbt(["docs", "serve", "--port", str(ns.port), "--no-browser"], check=False)


def cmd_test(ns: argparse.Namespace) -> int:
    environment.prepare(migrate=False)
    build_manifest()
    return subprocess.call([sys.executable, "-m", "pytest", *ns.args], cwd=settings.REPO_ROOT)


def cmd_stop(_: argparse.Namespace) -> int:
    from tributary import local_postgres  # noqa: PLC0415

    stopped = local_postgres.stop(settings.LOCAL_DIR / "pg")
    print("embedded Postgres stopped" if stopped else "embedded Postgres was not running")
    return 0


PASS_THROUGH = {"test": cmd_test, "dbt": cmd_dbt}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tributary", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("env", help="prepare the environment and print where things are").set_defaults(fn=cmd_env)
    sub.add_parser("init", help="migrate the Airflow DB and create raw tables").set_defaults(fn=cmd_init)
    sub.add_parser("manifest", help="dbt parse: the manifest cosmos renders").set_defaults(fn=cmd_manifest)
    p = sub.add_parser("dbt", help="dbt with the project's profile")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(fn=cmd_dbt)
    p = sub.add_parser("run", help="run one DAG run in-process and print task states")
    p.add_argument("--dag", required=True)
    p.add_argument("--conf", default="")
    p.add_argument("--date", default="", help="YYYY-MM-DD: the day a daily DAG processes")
    p.add_argument("--verbose", default="", help="yes: stream the logs to the terminal as well")
    p.set_defaults(fn=cmd_run)
    p = sub.add_parser("airflow", help="Airflow standalone with the web UI")
    p.add_argument("--port", type=int, default=settings.airflow_port())
    p.set_defaults(fn=cmd_airflow)
    p = sub.add_parser("api", help="the HTTP API alone (needs TRIBUTARY_API_TOKEN)")
    p.add_argument("--host", default=settings.api_host())
    p.add_argument("--port", type=int, default=settings.api_port())
    p.set_defaults(fn=cmd_api)
    p = sub.add_parser("docs", help="generate and serve the dbt docs site")
    p.add_argument("--port", type=int, default=settings.docs_port())
    p.add_argument("--no-serve", action="store_true")
    p.set_defaults(fn=cmd_docs)
    p = sub.add_parser("test", help="the whole test suite (pytest)")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(fn=cmd_test)
    sub.add_parser("stop", help="stop the embedded Postgres").set_defaults(fn=cmd_stop)
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in PASS_THROUGH:  # their arguments belong to pytest / dbt, flags included
        ns = argparse.Namespace(fn=PASS_THROUGH[argv[0]], args=argv[1:])
    else:
        ns = parser.parse_args(argv)
    try:
        return ns.fn(ns)
    except environment.SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
