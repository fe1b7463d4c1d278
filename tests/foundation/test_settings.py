"""The environment is read in one place, `tributary.settings`, with the documented names and defaults."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from tributary import settings

PACKAGE = settings.PLUGINS_DIR / "tributary"
#: Methods of `os.environ` that change it rather than read it.
WRITES = {"update"}


def _is_environ(node: ast.AST) -> bool:
    """``os.environ`` or a bare ``environ`` (``from os import environ``)."""
    if isinstance(node, ast.Attribute):
        return node.attr in ("environ", "environb") and isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id in ("environ", "environb")


def _is_getenv(node: ast.AST) -> bool:
    """``os.getenv`` or a bare ``getenv``."""
    return (isinstance(node, ast.Attribute) and node.attr in ("getenv", "getenvb")
            or isinstance(node, ast.Name) and node.id in ("getenv", "getenvb"))


def environment_reads(path: Path) -> list[int]:
    """The lines at which ``path`` reads a variable from the environment."""
    tree = ast.parse(path.read_text(), filename=str(path))
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found = set()
    for node in ast.walk(tree):
        if _is_getenv(node):
            found.add(node.lineno)
        if not _is_environ(node):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr in WRITES:
            continue  # os.environ.update(...)
        if isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Store | ast.Del):
            continue  # os.environ[name] = value / del os.environ[name]
        if isinstance(parent, ast.Dict) and None in parent.keys:
            continue  # {**os.environ, ...}: the whole environment handed on to a child process
        found.add(node.lineno)
    return sorted(found)


def test_only_settings_reads_the_environment():
    reads = [f"{path.relative_to(PACKAGE.parent)}:{line}"
             for path in sorted(PACKAGE.rglob("*.py")) if path != PACKAGE / "settings.py"
             for line in environment_reads(path)]
    assert reads == [], "read the environment through tributary.settings (a named function there)"


def test_the_scan_sees_every_way_of_reading(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nfrom os import environ, getenv\n"
        "a = os.environ.get('A')\nb = os.getenv('B')\nc = os.environ['C']\nd = 'D' in os.environ\n"
        "e = [k for k in os.environ]\nf = environ.get('F')\ng = getenv('G')\n"
        "os.environ.update({'H': '1'})\nos.environ['I'] = '1'\nenv = {**os.environ, 'J': '1'}\n")
    assert environment_reads(sample) == list(range(3, 10))


@pytest.mark.parametrize(("read", "variable", "default"), [
    (settings.warehouse_url, "WAREHOUSE_URL", None),
    (settings.airflow_metadata_db, "TRIBUTARY_AIRFLOW_DB", "airflow"),
    (settings.lake_aws_conn_id, "LAKE_AWS_CONN_ID", "aws_default"),
    (settings.api_token, "TRIBUTARY_API_TOKEN", None),
    (settings.api_host, "API_HOST", "127.0.0.1"),
    (settings.api_port, "API_PORT", 8090),
    (settings.airflow_port, "AIRFLOW_PORT", 8080),
    (settings.docs_port, "DOCS_PORT", 8081),
    (settings.migration_refresh_cron, "TRIBUTARY_MIGRATION_REFRESH_CRON", "0 4 * * *"),
    (settings.worker_hostname, "TRIBUTARY_WORKER_HOSTNAME", None),
    (settings.kill_at, "TRIBUTARY_KILL_AT", None),
    (settings.embedded_port, "TRIBUTARY_PG_PORT", 54329),
    (settings.upload_max_bytes, "TRIBUTARY_UPLOAD_MAX_MB", 512 * 1024 * 1024),
])
def test_each_setting_names_its_variable_and_default(monkeypatch, read, variable, default):
    monkeypatch.delenv(variable, raising=False)
    assert read() == default
    assert variable in read.__doc__
    monkeypatch.setenv(variable, "9999")
    assert read() == (9999 * 1024 * 1024 if read is settings.upload_max_bytes else
                      9999 if isinstance(default, int) else "9999")


def test_airflow_variables_and_connections_from_the_environment(monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_STUDY_ALERTS", "a@example.org")
    monkeypatch.setenv("AIRFLOW_CONN_MINDTRAILS_BETA", "http://beta")
    monkeypatch.setenv("AIRFLOW_CONN_MINDTRAILS_ALPHA", "http://alpha")
    monkeypatch.setenv("AIRFLOW_CONN_OTHER", "http://other")
    assert settings.airflow_variable("study_alerts") == "a@example.org"
    assert settings.env_connection_ids("mindtrails_") == ["mindtrails_alpha", "mindtrails_beta"]
    assert settings.exported(["AIRFLOW_CONN_OTHER", "AIRFLOW__NOT__SET"]) == {"AIRFLOW_CONN_OTHER": "http://other"}
