"""`SocrataHook`: talks SODA to a Socrata portal through an Airflow connection of type ``socrata``.

Connection fields: ``host`` (the portal domain, e.g. ``data.example.gov``), ``port`` (optional),
``schema`` (``https`` by default, ``http`` only for a local server), ``login`` / ``password``
(a publisher's username and password, or an API key id and secret), and in ``extra``:
``app_token`` (sent as ``X-App-Token``), ``simulate`` (write CSV files, send nothing) and
``timeout`` (read timeout in seconds). As a URI::

    socrata://<user>:<password>@data.example.gov?app_token=<token>
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from functools import cached_property
from typing import Any

import requests
from airflow.sdk import BaseHook

from tributary.socrata import connection_form
from tributary.socrata.backoff import RetryPolicy
from tributary.socrata.responses import (
    SocrataError,
    UpsertResult,
    check,
    error_message,
    parse_upsert,
)

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 300.0


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


class SocrataHook(BaseHook):
    """Interact with a Socrata portal's SODA API (upsert rows, read rows).

    :param socrata_conn_id: the Airflow connection of type ``socrata`` to use.
    :param retry_policy: how often and how long to wait on 429 / 5xx / network errors.
    :param sleep: the wait function (tests pass a recording one).
    """

    conn_name_attr = "socrata_conn_id"
    default_conn_name = "socrata_default"
    conn_type = connection_form.CONN_TYPE
    hook_name = "Socrata"

    def __init__(self, socrata_conn_id: str = default_conn_name, *,
                 retry_policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__()
        self.socrata_conn_id = socrata_conn_id
        self.retry_policy = retry_policy or RetryPolicy()
        self._sleep = sleep

    # --- the web UI form (Airflow 3.2+ reads the same from provider info) ----------------------

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Relabelled and hidden standard fields of the connection form."""
        return connection_form.UI_FIELD_BEHAVIOUR

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Extra fields of the connection form (wtforms; only for UIs that still use them)."""
        from flask_appbuilder.fieldwidgets import (  # noqa: PLC0415
            BS3PasswordFieldWidget,
            BS3TextFieldWidget,
        )
        from wtforms import BooleanField, IntegerField, PasswordField  # noqa: PLC0415

        fields = connection_form.CONN_FIELDS
        return {
            "app_token": PasswordField(fields["app_token"]["label"], widget=BS3PasswordFieldWidget()),
            "simulate": BooleanField(fields["simulate"]["label"], default=False),
            "timeout": IntegerField(fields["timeout"]["label"], widget=BS3TextFieldWidget(),
                                    default=int(DEFAULT_READ_TIMEOUT)),
        }

    # --- connection settings ---------------------------------------------------------------------

    @cached_property
    def connection(self):
        return self.get_connection(self.socrata_conn_id)

    @cached_property
    def extra(self) -> dict[str, Any]:
        extra = self.connection.extra_dejson or {}
        # Older forms stored fields as extra__socrata__<name>; read both spellings.
        prefix = f"extra__{self.conn_type}__"
        return {**{k[len(prefix):]: v for k, v in extra.items() if k.startswith(prefix)},
                **{k: v for k, v in extra.items() if not k.startswith(prefix)}}

    @property
    def base_url(self) -> str:
        conn = self.connection
        host = (conn.host or "").strip().rstrip("/")
        if not host:
            raise SocrataError(f"connection {self.socrata_conn_id!r} has no host (the portal domain)")
        if "://" in host:  # a full URL typed into the host field
            scheme, host = host.split("://", 1)
        else:
            scheme = (conn.schema or "https").strip().lower()
        if scheme not in ("https", "http"):
            raise SocrataError(f"connection {self.socrata_conn_id!r}: scheme must be https or http, "
                               f"not {scheme!r}")
        return f"{scheme}://{host}" + (f":{conn.port}" if conn.port else "")

    @property
    def simulate(self) -> bool:
        """Whether the connection asks for dry runs (CSV files instead of requests)."""
        return _truthy(self.extra.get("simulate", False))

    @property
    def timeout(self) -> tuple[float, float]:
        return CONNECT_TIMEOUT, float(self.extra.get("timeout") or DEFAULT_READ_TIMEOUT)

    def get_conn(self) -> requests.Session:
        """A session with basic auth, the app token and JSON headers."""
        conn = self.connection
        session = requests.Session()
        if conn.login:
            session.auth = (conn.login, conn.password or "")
        session.headers.update({"Accept": "application/json",
                                "User-Agent": "tributary-socrata/0.1"})
        token = self.extra.get("app_token")
        if token:
            session.headers["X-App-Token"] = str(token)
        return session

    @cached_property
    def session(self) -> requests.Session:
        return self.get_conn()

    def resource_url(self, dataset_id: str) -> str:
        return f"{self.base_url}/resource/{dataset_id}.json"

    # --- SODA calls --------------------------------------------------------------------------------

    def request(self, method: str, path_or_url: str, *, json_body: Any = None,
                data: bytes | None = None, content_type: str | None = None,
                params: dict[str, Any] | None = None, resend: bool = True) -> requests.Response:
        """One call to the portal (a path is joined to the base URL), 2xx or `SocrataError`.

        429 / 5xx answers are retried per the retry policy (honouring ``Retry-After``), and so are
        network errors when ``resend`` says sending twice is harmless; any other non-2xx answer
        raises with the portal's message.
        """
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        headers = {"Content-Type": content_type} if content_type else {}
        if json_body is not None:
            data, headers = json.dumps(json_body).encode(), {"Content-Type": "application/json"}
        policy = self.retry_policy
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.session.request(method, url, data=data, params=params,
                                                timeout=self.timeout, headers=headers)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if not resend or not policy.should_retry(attempt, None):
                    raise SocrataError(f"{method} {url} failed after {attempt} attempts: {exc}") from exc
                wait = policy.delay(attempt)
                log.warning("%s %s: %s; retrying in %.1f s (attempt %d of %d)",
                            method, url, exc, wait, attempt + 1, policy.max_attempts)
                self._sleep(wait)
                continue
            status = response.status_code
            if status < 300:
                return response
            if policy.should_retry(attempt, status):
                wait = policy.delay(attempt, response.headers.get("Retry-After"))
                log.warning("%s %s answered %d; retrying in %.1f s (attempt %d of %d)",
                            method, url, status, wait, attempt + 1, policy.max_attempts)
                self._sleep(wait)
                continue
            raise SocrataError(self._refusal(method, url, status, response.text, attempt),
                               status=status, body=response.text)

    def upsert(self, dataset_id: str, body: bytes) -> UpsertResult:
        """POST one upsert payload (a JSON array) and return the portal's counts.

        Upserts are idempotent, so a lost answer is resent; a response reporting row errors
        raises `SocrataError` with the portal's messages (see `request` for the rest).
        """
        response = self.request("POST", self.resource_url(dataset_id), data=body,
                                content_type="application/json")
        return check(parse_upsert(response.text))

    def _refusal(self, method: str, url: str, status: int, text: str, attempts: int) -> str:
        message = error_message(text)
        if status in (401, 403):
            return (f"the portal refused the credentials of connection {self.socrata_conn_id!r} "
                    f"({status}): {message}")
        if status == 429 or status >= 500:
            return f"{method} {url} still answered {status} after {attempts} attempts: {message}"
        return f"{method} {url} answered {status}: {message}"

    def view(self, dataset_id: str) -> dict[str, Any]:
        """The dataset's metadata (``/api/views/<id>.json``): its ``columns``, row identifier."""
        return self.request("GET", f"/api/views/{dataset_id}.json").json()

    def count_rows(self, dataset_id: str) -> int:
        """How many rows the dataset holds (``$select=count(*)``; SODA answers a string)."""
        answer = self.request("GET", self.resource_url(dataset_id),
                              params={"$select": "count(*)"}).json()
        try:
            return int(answer[0]["count"])
        except (IndexError, KeyError, TypeError, ValueError):
            raise SocrataError(f"unexpected answer to count(*) on {dataset_id}: "
                               f"{str(answer)[:300]}") from None

    def get_rows(self, dataset_id: str, **params: Any) -> list[dict[str, Any]]:
        """GET rows of a dataset; ``params`` are SoQL parameters such as ``$limit``, ``$where``."""
        response = self.session.get(self.resource_url(dataset_id), params=params, timeout=self.timeout)
        if response.status_code >= 300:
            raise SocrataError(f"GET {dataset_id} answered {response.status_code}: "
                               f"{error_message(response.text)}", status=response.status_code,
                               body=response.text)
        return response.json()

    def test_connection(self) -> tuple[bool, str]:
        """Used by the UI's Test button: can we reach the portal with these settings?"""
        try:
            response = self.session.get(f"{self.base_url}/api/views.json", params={"limit": 1},
                                        timeout=self.timeout)
        except requests.RequestException as exc:
            return False, f"cannot reach {self.base_url}: {exc}"
        if response.status_code in (401, 403):
            return False, f"credentials refused ({response.status_code}): {error_message(response.text)}"
        return response.status_code < 500, f"{self.base_url} answered {response.status_code}"
