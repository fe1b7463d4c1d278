"""Prepare the environment every command runs in: warehouse, Airflow settings, dbt profile.

`make` targets call `python -m tributary.cli <command>`, which calls `prepare()` first, so the
demo, tests, `make run`, `make airflow` and `make dbt` all see the same warehouse, lake and
Airflow metadata database. Everything derives from `WAREHOUSE_URL` (and `LAKE_URL`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from tributary import local_postgres, settings


class SetupError(RuntimeError):
    """A setup problem the user can fix; the message says how."""


@dataclass(frozen=True)
class Warehouse:
    url: str  # postgresql://user[:password]@host:port/dbname
    embedded: bool


def check_python() -> None:
    if sys.version_info[:2] != (3, 11):
        raise SetupError(
            f"Tributary needs Python 3.11 (Airflow 3.3 and dbt 1.11 are pinned for it); this is "
            f"{sys.version.split()[0]} at {sys.executable}. Install python3.11 and run `make clean demo`."
        )


def with_database(url: str, dbname: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(dbname), parts.query, ""))


def database_of(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/")) or "postgres"


def redact(url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def check_reachable(url: str) -> None:
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        raise SetupError(
            f"cannot connect to the warehouse at {redact(url)}: {first}\n"
            "Check WAREHOUSE_URL (a postgresql:// URL), or unset it to use the embedded Postgres."
        ) from None


def ensure_database(server_url: str, dbname: str) -> None:
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (dbname,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))


def drop_database(server_url: str, dbname: str) -> None:
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(dbname)))


def resolve_warehouse() -> Warehouse:
    """WAREHOUSE_URL when set (checked), else the embedded Postgres (started when needed)."""
    url = settings.warehouse_url()
    if url:
        if not url.startswith(("postgresql://", "postgres://")):
            raise SetupError(f"WAREHOUSE_URL must be a postgresql:// URL, got {redact(url)!r}")
        check_reachable(url)
        return Warehouse(url=url, embedded=False)
    try:
        server = local_postgres.ensure_running(settings.LOCAL_DIR / "pg", settings.embedded_port())
    except local_postgres.LocalPostgresError as exc:
        raise SetupError(str(exc)) from None
    ensure_database(server, "tributary")
    return Warehouse(url=with_database(server, "tributary"), embedded=True)


def airflow_env(warehouse_url: str, metadata_url: str) -> dict[str, str]:
    """Airflow settings for a local run: this repo's DAGs and plugins, metadata DB in Postgres."""
    parts = urlsplit(metadata_url)
    sqlalchemy_url = urlunsplit(parts._replace(scheme="postgresql+psycopg2"))
    home = settings.LOCAL_DIR / "airflow"
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.DAGS_DIR),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(settings.PLUGINS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url,
        "AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS": "False",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
        "AIRFLOW_CONN_WAREHOUSE": warehouse_url,
    }


def dbt_env(warehouse_url: str) -> dict[str, str]:
    """Variables `dbt/profiles.yml` reads, derived from the warehouse URL."""
    parts = urlsplit(warehouse_url)
    return {
        "DBT_PROFILES_DIR": str(settings.DBT_DIR),
        "TRIBUTARY_PG_HOST": parts.hostname or "127.0.0.1",
        "TRIBUTARY_PG_PORT": str(parts.port or 5432),
        "TRIBUTARY_PG_USER": unquote(parts.username or "postgres"),
        "TRIBUTARY_PG_PASSWORD": unquote(parts.password or ""),
        "TRIBUTARY_PG_DBNAME": database_of(warehouse_url),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }


def airflow_schema_present(metadata_url: str) -> bool:
    """Whether the metadata database holds an Airflow schema (its alembic version table)."""
    with psycopg.connect(metadata_url, connect_timeout=5) as conn:
        return conn.execute("select to_regclass('public.alembic_version')").fetchone()[0] is not None


def migrate_airflow_db(env: dict[str, str]) -> None:
    """Create or upgrade the Airflow metadata schema, once per server, database and Airflow version.

    The marker is keyed by server and database, and the database is asked too: a marker left by
    another server's `airflow` database (after switching WAREHOUSE_URL), or a database recreated
    empty, must not skip the migration."""
    import airflow  # noqa: PLC0415  (heavy; only when needed)

    home = settings.LOCAL_DIR / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    parts = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])  # postgresql+psycopg2://…
    metadata_url = urlunsplit(parts._replace(scheme="postgresql"))
    where = f"{parts.hostname}:{parts.port or 5432}/{database_of(metadata_url)}"
    marker = home / f".migrated-{airflow.__version__}-{hashlib.sha256(where.encode()).hexdigest()[:16]}"
    if marker.exists() and airflow_schema_present(metadata_url):
        return
    result = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env={**os.environ, **env},
                            capture_output=True, text=True)
    if result.returncode:
        raise SetupError(f"airflow db migrate failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    marker.write_text(where + "\n")


def prepare(*, migrate: bool = True) -> dict[str, str]:
    """Bring up what a command needs and export its settings into `os.environ`; return them."""
    check_python()
    warehouse = resolve_warehouse()
    metadata_db = settings.airflow_metadata_db()
    ensure_database(warehouse.url, metadata_db)
    env = {
        "WAREHOUSE_URL": warehouse.url,
        "LAKE_URL": settings.lake_url(),
        **dbt_env(warehouse.url),
    }
    env.update(airflow_env(warehouse.url, with_database(warehouse.url, metadata_db)))
    # Airflow settings the user exported (a deployment's) win over our local defaults.
    env.update(settings.exported(k for k in env if k.startswith(("AIRFLOW__", "AIRFLOW_HOME", "AIRFLOW_CONN_"))))
    os.environ.update(env)
    if migrate:
        migrate_airflow_db(env)
    return env
