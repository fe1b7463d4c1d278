"""Bad setup gets a clear error: unreachable warehouse, a port in use, the wrong Python."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from tributary import environment
from tributary.standin import free_port


def cli(*args: str, env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("WAREHOUSE_URL", "TRIBUTARY_"))}
    return subprocess.run([sys.executable, "-m", "tributary.cli", *args],
                          env={**base, "TRIBUTARY_HOME": str(tmp_path), **env},
                          capture_output=True, text=True, timeout=120)


def test_unreachable_warehouse_is_named_with_a_fix(tmp_path):
    port = free_port()
    result = cli("env", env={"WAREHOUSE_URL": f"postgresql://someone:s3cret@127.0.0.1:{port}/wh"},
                 tmp_path=tmp_path)
    assert result.returncode == 2
    assert f"cannot connect to the warehouse at postgresql://someone:***@127.0.0.1:{port}/wh" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_warehouse_url_must_be_postgres(tmp_path):
    result = cli("env", env={"WAREHOUSE_URL": "mysql://x@localhost/db"}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "WAREHOUSE_URL must be a postgresql:// URL" in result.stderr


def test_embedded_port_in_use_is_reported(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli("env", env={"TRIBUTARY_PG_PORT": str(port)}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr
    assert "TRIBUTARY_PG_PORT" in result.stderr


def test_other_python_versions_are_refused(monkeypatch):
    monkeypatch.setattr(sys, "version_info", (3, 12, 1, "final", 0))
    with pytest.raises(environment.SetupError, match="needs Python 3.11"):
        environment.check_python()


def test_urls_derive_dbt_and_airflow_settings():
    url = "postgresql://ana:p%40ss@db.example:6543/wh"
    dbt = environment.dbt_env(url)
    assert (dbt["TRIBUTARY_PG_HOST"], dbt["TRIBUTARY_PG_PORT"], dbt["TRIBUTARY_PG_USER"],
            dbt["TRIBUTARY_PG_PASSWORD"], dbt["TRIBUTARY_PG_DBNAME"]) == ("db.example", "6543", "ana", "p@ss", "wh")
    airflow = environment.airflow_env(url, environment.with_database(url, "airflow"))
    assert airflow["AIRFLOW_CONN_WAREHOUSE"] == url
    assert airflow["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "postgresql+psycopg2://ana:p%40ss@db.example:6543/airflow"
    assert environment.redact(url) == "postgresql://ana:***@db.example:6543/wh"


def test_dbt_arguments_pass_through_the_cli():
    """`make dbt ARGS='ls --select … --output name'`: flags reach dbt untouched."""
    result = subprocess.run(
        [sys.executable, "-m", "tributary.cli", "dbt", "ls", "--select", "path:models/platform",
         "--resource-type", "model", "--output", "name", "--quiet"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert sorted(result.stdout.split()) == ["int_platform__load_daily", "load_history", "stg_platform__load"]
