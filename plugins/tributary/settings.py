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
