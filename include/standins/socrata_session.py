"""A running local SODA server (`include/standins/socrata_server.py`) with a connection to it.

`standin_session()` starts the stand-in with freshly generated credentials and points the Airflow
connection ``socrata_default`` at it (``AIRFLOW_CONN_SOCRATA_DEFAULT``), so the demo, tests and
other domains' publish steps run against a real HTTP server without any setup.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests

from include.standins import launch

CONN_ENV = "AIRFLOW_CONN_SOCRATA_DEFAULT"


@dataclass
class SodaStandIn:
    """A started stand-in, its credentials, and calls to its control endpoints."""

    handle: launch.StandIn
    username: str
    password: str
    app_token: str

    @property
    def url(self) -> str:
        return self.handle.url

    def connection(self, **changes: Any) -> dict[str, Any]:
        """The Airflow connection (JSON form) pointing at this server; ``changes`` override."""
        conn = {"conn_type": "socrata", "host": self.handle.host, "port": self.handle.port,
                "schema": "http", "login": self.username, "password": self.password,
                "extra": {"app_token": self.app_token}}
        return {**conn, **changes}

    def connection_json(self, **changes: Any) -> str:
        return json.dumps(self.connection(**changes))

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(method, self.url + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def create_dataset(self, dataset_id: str, row_identifier: str | None = "id",
                       columns: dict[str, str] | None = None) -> None:
        """Create (or empty) a dataset; ``columns`` (field name -> SODA type) give it a schema
        that ``/api/views/<id>.json`` serves and upserts are checked against."""
        self._call("POST", "/__datasets", {"id": dataset_id, "row_identifier": row_identifier,
                                           "columns": columns})

    def view(self, dataset_id: str) -> dict[str, Any]:
        """The dataset's metadata as ``/api/views/<id>.json`` serves it."""
        return self._call("GET", f"/api/views/{dataset_id}.json")

    def datasets(self) -> list[dict[str, Any]]:
        return self._call("GET", "/__datasets")

    def rows(self, dataset_id: str, **params: Any) -> list[dict[str, Any]]:
        """Rows of a dataset (public read, as on a portal); e.g. ``rows(d, **{"$limit": 10})``."""
        response = requests.get(f"{self.url}/resource/{dataset_id}.json", params=params, timeout=30,
                                headers={"X-App-Token": self.app_token})
        response.raise_for_status()
        return response.json()

    def all_rows(self, dataset_id: str, page: int = 50_000) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while batch := self.rows(dataset_id, **{"$limit": page, "$offset": len(found)}):
            found += batch
        return found

    def requests(self) -> list[dict[str, Any]]:
        """The upsert requests the server received (number, status, rows, first/last id)."""
        return self._call("GET", "/__requests")

    def calls(self) -> list[dict[str, Any]]:
        """Every API request the server answered (method, path, status), upserts included."""
        return self._call("GET", "/__calls")

    def clear_requests(self) -> None:
        """Forget the upsert log and the call log."""
        self._call("DELETE", "/__requests")

    def add_fault(self, status: int | None = None, *, on_request: int = 1, times: int = 1,
                  retry_after: float | None = None, delay: float | None = None,
                  body: str | None = None, route: str = "upsert",
                  drop_rows: int | None = None) -> None:
        """Make the ``on_request``-th request of ``route`` from now (and ``times - 1`` after it)
        misbehave; ``drop_rows``: an upsert silently drops its last rows yet reports them created.
        Routes: upsert, revision, source, chunk, commit, transform, apply, job (a failing job)."""
        fault: dict[str, Any] = {"on_request": on_request, "times": times, "route": route}
        for name, value in (("status", status), ("retry_after", retry_after), ("delay", delay),
                            ("body", body), ("drop_rows", drop_rows)):
            if value is not None:
                fault[name] = value
        self._call("POST", "/__faults", fault)

    def clear_faults(self) -> None:
        self._call("DELETE", "/__faults")

    def set_response_shape(self, shape: str) -> None:
        self._call("POST", "/__config", {"response_shape": shape})


@contextmanager
def standin_session(datasets: dict[str, str | dict[str, Any]] | None = None, *,
            response_shape: str = "legacy", set_env: bool = True) -> Iterator[SodaStandIn]:
    """Start the stand-in and, with ``set_env``, point ``socrata_default`` at it for the
    duration; credentials are generated per session. ``datasets``: ``{id: row_identifier}``, or
    ``{id: {"row_identifier": ..., "columns": {name: soda_type}}}`` for a declared schema."""
    username = "publisher@tributary.test"
    password, app_token = secrets.token_urlsafe(18), secrets.token_hex(12)
    args = [f"--response-shape={response_shape}"]
    args += [f"--dataset={d}:{spec if isinstance(spec, str) else json.dumps(spec)}"
             for d, spec in (datasets or {}).items()]
    handle = launch.start("socrata_server", *args, env={
        "SOCRATA_STANDIN_USERNAME": username, "SOCRATA_STANDIN_PASSWORD": password,
        "SOCRATA_STANDIN_APP_TOKEN": app_token})
    server = SodaStandIn(handle, username, password, app_token)
    previous = os.environ.get(CONN_ENV)
    if set_env:
        os.environ[CONN_ENV] = server.connection_json()
    try:
        yield server
    finally:
        if set_env:
            if previous is None:
                os.environ.pop(CONN_ENV, None)
            else:
                os.environ[CONN_ENV] = previous
        handle.stop()
