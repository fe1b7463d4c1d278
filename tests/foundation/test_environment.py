"""Bad setup gets a clear error: unreachable warehouse, a port in use, the wrong Python."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from tributary import environment

from include.standins.launch import free_port


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
    assert sorted(result.stdout.split()) == ["int_platform__load_daily", "load_history", "publication_status",
                                            "stg_platform__load", "stg_platform__publish_run"]


def test_switching_to_an_empty_metadata_database_migrates_it(tmp_path, monkeypatch):
    """After `make demo` on one server, WAREHOUSE_URL pointing at another server whose `airflow`
    database is new and empty must be migrated, although a marker for a database of that name
    exists: the marker names server and database, and the database itself is asked."""
    from tributary import settings

    monkeypatch.setattr(settings, "LOCAL_DIR", tmp_path)
    server = environment.with_database(os.environ["WAREHOUSE_URL"], "postgres")
    name = f"{environment.database_of(os.environ['WAREHOUSE_URL'])}_switch"
    environment.ensure_database(server, name)
    try:
        url = environment.with_database(server, name)
        env = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": url.replace("postgresql://", "postgresql+psycopg2://", 1)}
        # What the old marker (database name only) looked like, left by another server's run.
        import airflow

        (tmp_path / "airflow").mkdir()
        (tmp_path / "airflow" / f".migrated-{airflow.__version__}-{name}").touch()
        assert not environment.airflow_schema_present(url)
        environment.migrate_airflow_db(env)
        assert environment.airflow_schema_present(url)
        markers = sorted(p.name for p in (tmp_path / "airflow").glob(".migrated-*"))
        assert len(markers) == 2  # the stale one and one keyed by server and database
        # A database recreated empty under the same name is migrated again.
        environment.drop_database(server, name)
        environment.ensure_database(server, name)
        environment.migrate_airflow_db(env)
        assert environment.airflow_schema_present(url)
    finally:
        environment.drop_database(server, name)


@pytest.mark.parametrize(("conf", "date", "says"), [
    ("{not json", "", "CONF is not valid JSON"),
    ("[1, 2]", "", "CONF must be a JSON object"),
    ("{}", "2024-13-01", "DATE must be YYYY-MM-DD"),
])
def test_make_run_refuses_malformed_conf_in_one_line(tmp_path, conf, date, says):
    result = cli("run", "--dag", "polio_ingest", "--conf", conf, "--date", date,
                 env={}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and says in result.stderr
    assert "Traceback" not in result.stderr
