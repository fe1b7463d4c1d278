"""Every DAG file imports cleanly, without touching a database or the network, and follows the
platform's conventions (owner, tags, retries, documentation, described params, id prefix)."""

from __future__ import annotations

import socket

import psycopg
import pytest
from tributary import settings

DOMAIN_PREFIXES = ("platform_", "socrata_", "polio_", "migration_", "mindtrails_", "traffic_", "app_")


class NetworkAtImport(RuntimeError):
    pass


@pytest.fixture(scope="module")
def dag_bag():
    """Parse the whole dags/ folder with sockets and database connections forbidden."""
    from airflow.dag_processing.dagbag import DagBag

    def refuse(*args, **kwargs):
        raise NetworkAtImport("a DAG file opened a connection while being parsed")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(psycopg, "connect", refuse)
        mp.setattr(psycopg.Connection, "connect", classmethod(lambda cls, *a, **k: refuse()))
        return DagBag(dag_folder=str(settings.DAGS_DIR))


def test_every_dag_file_imports_without_errors(dag_bag):
    assert dag_bag.import_errors == {}
    files = sorted(p.name for p in settings.DAGS_DIR.glob("*.py"))
    parsed = sorted({dag.fileloc.rsplit("/", 1)[-1] for dag in dag_bag.dags.values()})
    assert parsed == files, "every file in dags/ defines at least one DAG"


def test_dags_follow_conventions(dag_bag):
    problems = []
    for dag_id, dag in sorted(dag_bag.dags.items()):
        if not dag_id.startswith(DOMAIN_PREFIXES):
            problems.append(f"{dag_id}: id is not <domain>_<verb>")
        if not dag.tags:
            problems.append(f"{dag_id}: no tags")
        if not (dag.doc_md or "").strip():
            problems.append(f"{dag_id}: no doc_md")
        owners = {task.owner for task in dag.tasks}
        if owners & {"airflow", "", None}:
            problems.append(f"{dag_id}: tasks without an owner: {owners}")
        no_retry = [t.task_id for t in dag.tasks if not t.retries]
        if no_retry:
            problems.append(f"{dag_id}: tasks without retries: {no_retry[:5]}")
        for name, param in dag.params.items():
            schema = param.schema if hasattr(param, "schema") else {}
            if not schema.get("description") and not getattr(param, "description", None):
                problems.append(f"{dag_id}: param {name!r} has no description for the trigger form")
    assert problems == []
