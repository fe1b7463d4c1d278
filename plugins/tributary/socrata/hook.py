"""`SocrataHook`: talks SODA to a Socrata portal through an Airflow connection of type ``socrata``.

Connection fields: ``host`` (the portal domain, e.g. ``data.example.gov``), ``port`` (optional),
``schema`` (``https`` by default, ``http`` only for a local server), ``login`` / ``password``
(a publisher's username and password, or an API key id and secret), and in ``extra``:
``app_token`` (sent as ``X-App-Token``), ``simulate`` (write CSV files, send nothing),
``timeout`` (read timeout in seconds) and the other settings every HTTP source reads
(`tributary.http_source`). As a URI::

    socrata://<user>:<password>@data.example.gov?app_token=<token>
"""

from __future__ import annotations

from typing import Any, ClassVar

import requests

from tributary.flags import flag
from tributary.http_source import HttpSourceHook, RetryPolicy
from tributary.socrata import connection_form
from tributary.socrata.responses import (
    SocrataRefused,
    SocrataUnavailable,
    UpsertResult,
    check,
    error_message,
    parse_upsert,
)

CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 300.0


class SocrataHook(HttpSourceHook):
    """Interact with a Socrata portal's SODA API (upsert rows, read rows).

    :param socrata_conn_id: the Airflow connection of type ``socrata`` to use.
    :param retry_policy: how often and how long to wait on 429 / 5xx / network errors.
    :param sleep: the wait function (tests pass a recording one).
    """

    conn_name_attr = "socrata_conn_id"
    default_conn_name = "socrata_default"
    conn_type = connection_form.CONN_TYPE
    hook_name = "Socrata"

    timeouts = (CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT)
    default_retry = RetryPolicy()
    unavailable_error = SocrataUnavailable
    refused_error = SocrataRefused
    user_agent = "tributary-socrata/0.1"
    test_path: ClassVar[str] = "/api/views.json?limit=1"

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

    @property
    def simulate(self) -> bool:
        """Whether the connection asks for dry runs (CSV files instead of requests)."""
        return flag(self.extra.get("simulate"), False, what=f"{self.label}: extra 'simulate'",
                    error=SocrataRefused)

    def get_conn(self) -> requests.Session:
        """A session with basic auth, the app token and JSON headers."""
        session = super().get_conn()
        token = self.extra.get("app_token")
        if token:
            session.headers["X-App-Token"] = str(token)
        return session

    def resource_url(self, dataset_id: str) -> str:
        return f"{self.base_url}/resource/{dataset_id}.json"

    def detail(self, text: str) -> str:
        return error_message(text)

    # --- SODA calls --------------------------------------------------------------------------------

    def request(self, method: str, path_or_url: str, *, json_body: Any = None,
                data: bytes | None = None, content_type: str | None = None,
                params: dict[str, Any] | None = None, resend: bool = True) -> requests.Response:
        """One call to the portal (a path is joined to the base URL), 2xx or `SocrataError`
        (`SocrataUnavailable` after the retries, `SocrataRefused` for another answer ≥ 400)."""
        headers = {"Content-Type": content_type} if content_type else None
        return super().request(method, path_or_url, params=params, data=data,
                               json_body=json_body, headers=headers, resend=resend)

    def upsert(self, dataset_id: str, body: bytes) -> UpsertResult:
        """POST one upsert payload (a JSON array) and return the portal's counts.

        Upserts are idempotent, so a lost answer is resent; a response reporting row errors
        raises `SocrataError` with the portal's messages (see `request` for the rest).
        """
        response = self.request("POST", self.resource_url(dataset_id), data=body,
                                content_type="application/json")
        return check(parse_upsert(response.text))

    def view(self, dataset_id: str) -> dict[str, Any]:
        """The dataset's metadata (``/api/views/<id>.json``): its ``columns``, row identifier."""
        return self.get_json(f"/api/views/{dataset_id}.json")

    def count_rows(self, dataset_id: str) -> int:
        """How many rows the dataset holds (``$select=count(*)``; SODA answers a string)."""
        answer = self.get_json(self.resource_url(dataset_id), params={"$select": "count(*)"})
        try:
            return int(answer[0]["count"])
        except (IndexError, KeyError, TypeError, ValueError):
            raise SocrataRefused(f"{self.label}: unexpected answer to count(*) on {dataset_id}: "
                               f"{str(answer)[:300]}") from None

    def get_rows(self, dataset_id: str, **params: Any) -> list[dict[str, Any]]:
        """GET rows of a dataset; ``params`` are SoQL parameters such as ``$limit``, ``$where``."""
        return self.get_json(self.resource_url(dataset_id), params=params)
