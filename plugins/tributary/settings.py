"""Where things are, and the settings every command reads from the environment."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_DIR = REPO_ROOT / "dags"
PLUGINS_DIR = REPO_ROOT / "plugins"
DBT_DIR = REPO_ROOT / "dbt"
INCLUDE_DIR = REPO_ROOT / "include"
SAMPLE_DIR = INCLUDE_DIR / "sample"
DBT_MANIFEST = DBT_DIR / "target" / "manifest.json"

#: ``TRIBUTARY_HOME``: everything a local run writes (embedded Postgres data, Airflow home, the
#: file lake, reports); default ``.local`` in the repository.
LOCAL_DIR = Path(os.environ.get("TRIBUTARY_HOME", REPO_ROOT / ".local")).resolve()
REPORTS_DIR = LOCAL_DIR / "reports"

#: Airflow connection ids the platform reads.
WAREHOUSE_CONN_ID = "warehouse"

DEFAULT_EMBEDDED_PORT = 54329


def lake_url() -> str:
    """``LAKE_URL``: the object store every pipeline keeps its files in (`file://…` or
    `s3://bucket/prefix`; default the folder ``lake`` under `LOCAL_DIR`)."""
    return os.environ.get("LAKE_URL") or (LOCAL_DIR / "lake").as_uri()


def embedded_port() -> int:
    """``TRIBUTARY_PG_PORT``: the embedded Postgres's port (default 54329)."""
    return int(os.environ.get("TRIBUTARY_PG_PORT", DEFAULT_EMBEDDED_PORT))


def _folders(variable: str) -> list[Path] | None:
    value = os.environ.get(variable)
    if value is None or not value.strip():
        return None
    return [Path(part).expanduser() for part in value.split(":") if part.strip()]


def input_roots() -> list[Path] | None:
    """``TRIBUTARY_INPUT_ROOTS`` (``:``-separated folders) or None for the default (the bundled
    samples and a local lake's folder; see `tributary.inputs`)."""
    return _folders("TRIBUTARY_INPUT_ROOTS")


def output_roots() -> list[Path]:
    """``TRIBUTARY_OUTPUT_ROOTS``: folders a param may ask files to be written to (default
    ``.local/exports``); the first is where a relative folder goes."""
    return _folders("TRIBUTARY_OUTPUT_ROOTS") or [LOCAL_DIR / "exports"]


DEFAULT_UPLOAD_MAX_MB = 512


def upload_max_bytes() -> int:
    """The largest file ``POST /api/v1/uploads/{kind}`` accepts: ``TRIBUTARY_UPLOAD_MAX_MB``
    (megabytes, default 512)."""
    value = os.environ.get("TRIBUTARY_UPLOAD_MAX_MB", "").strip()
    return int(float(value or DEFAULT_UPLOAD_MAX_MB) * 1024 * 1024)


def warehouse_url() -> str | None:
    """``WAREHOUSE_URL`` (a ``postgresql://`` URL), or None when unset or empty: then the embedded
    Postgres serves locally and, inside Airflow, the connection ``warehouse``."""
    return os.environ.get("WAREHOUSE_URL") or None


def airflow_metadata_db() -> str:
    """``TRIBUTARY_AIRFLOW_DB``: the Airflow metadata database on the warehouse's server
    (default ``airflow``)."""
    return os.environ.get("TRIBUTARY_AIRFLOW_DB", "airflow")


def lake_aws_conn_id() -> str:
    """``LAKE_AWS_CONN_ID``: the Airflow connection an ``s3://`` lake is reached through
    (default ``aws_default``)."""
    return os.environ.get("LAKE_AWS_CONN_ID", "aws_default")


def api_token() -> str | None:
    """``TRIBUTARY_API_TOKEN``: the bearer token the HTTP API accepts besides Airflow's own
    (no default: unset, only Airflow's credentials are accepted; the API alone refuses to start)."""
    return os.environ.get("TRIBUTARY_API_TOKEN")


def api_host() -> str:
    """``API_HOST``: the address `make api` listens on (default ``127.0.0.1``)."""
    return os.environ.get("API_HOST", "127.0.0.1")


def api_port() -> int:
    """``API_PORT``: the port of `make api` (default 8090)."""
    return int(os.environ.get("API_PORT", 8090))


def airflow_port() -> int:
    """``AIRFLOW_PORT``: the port of `make airflow` (default 8080)."""
    return int(os.environ.get("AIRFLOW_PORT", 8080))


def docs_port() -> int:
    """``DOCS_PORT``: the port of `make docs` (default 8081)."""
    return int(os.environ.get("DOCS_PORT", 8081))


def search_path() -> str:
    """``PATH``: where commands started by name are looked up (default empty)."""
    return os.environ.get("PATH", "")


def exported(names: Iterable[str]) -> dict[str, str]:
    """Those of ``names`` the user exported, with their values (a deployment's own settings)."""
    return {name: os.environ[name] for name in names if name in os.environ}


#: ``TRIBUTARY_MIGRATION_REFRESH_CRON``: when migration_refresh runs besides its Asset.
MIGRATION_REFRESH_CRON = "TRIBUTARY_MIGRATION_REFRESH_CRON"
DEFAULT_MIGRATION_REFRESH_CRON = "0 4 * * *"


def migration_refresh_cron() -> str:
    """``TRIBUTARY_MIGRATION_REFRESH_CRON`` as written, stripped (default ``0 4 * * *``, daily at
    04:00 UTC); ``none`` or empty means "on the Asset only" (`tributary.migration.refresh`)."""
    return os.environ.get(MIGRATION_REFRESH_CRON, DEFAULT_MIGRATION_REFRESH_CRON).strip()


#: ``TRIBUTARY_WORKER_HOSTNAME``: the name a worker reports to Airflow (`operations.hostname`).
WORKER_HOSTNAME = "TRIBUTARY_WORKER_HOSTNAME"


def worker_hostname() -> str | None:
    """``TRIBUTARY_WORKER_HOSTNAME``, or None when unset or empty (then the machine's FQDN)."""
    return os.environ.get(WORKER_HOSTNAME) or None


#: ``TRIBUTARY_KILL_AT``: the `tributary.faults` checkpoint at which a test's process kills itself.
KILL_AT = "TRIBUTARY_KILL_AT"


def kill_at() -> str | None:
    """``TRIBUTARY_KILL_AT``: the checkpoint to SIGKILL at (no default: only tests set it)."""
    return os.environ.get(KILL_AT)


def airflow_variable(name: str) -> str | None:
    """The Airflow Variable ``name``: ``AIRFLOW_VAR_<NAME>`` from the environment first, else the
    Variable backend (a task's); None when neither has it (no default)."""
    value = os.environ.get(f"AIRFLOW_VAR_{name.upper()}")
    if value is not None:
        return value
    try:
        from airflow.sdk import Variable  # noqa: PLC0415  (only inside Airflow)

        return Variable.get(name, default=None)
    except Exception:  # outside a task there is no Variable backend: the environment decides
        return None


def env_connection_ids(prefix: str) -> list[str]:
    """Airflow connection ids defined as ``AIRFLOW_CONN_<ID>`` environment variables whose id
    starts with ``prefix`` (lowercase, sorted; none by default)."""
    env_prefix = "AIRFLOW_CONN_" + prefix.upper()
    return sorted(key[len("AIRFLOW_CONN_"):].lower() for key in os.environ if key.startswith(env_prefix))
