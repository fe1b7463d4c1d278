"""Where things are, and the settings every command reads from the environment."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_DIR = REPO_ROOT / "dags"
PLUGINS_DIR = REPO_ROOT / "plugins"
DBT_DIR = REPO_ROOT / "dbt"
INCLUDE_DIR = REPO_ROOT / "include"
SAMPLE_DIR = INCLUDE_DIR / "sample"
DBT_MANIFEST = DBT_DIR / "target" / "manifest.json"

#: Everything a local run writes (embedded Postgres data, Airflow home, the file lake, reports).
LOCAL_DIR = Path(os.environ.get("TRIBUTARY_HOME", REPO_ROOT / ".local")).resolve()
REPORTS_DIR = LOCAL_DIR / "reports"

#: Airflow connection ids the platform reads.
WAREHOUSE_CONN_ID = "warehouse"

DEFAULT_EMBEDDED_PORT = 54329


def lake_url() -> str:
    """The object store every pipeline keeps its files in (`file://…` or `s3://bucket/prefix`)."""
    return os.environ.get("LAKE_URL") or (LOCAL_DIR / "lake").as_uri()


def embedded_port() -> int:
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
