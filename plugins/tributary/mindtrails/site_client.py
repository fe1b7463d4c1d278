"""The study website's export API over HTTP (basic auth), through `StudySiteHook`: the connection
``mindtrails_<name>`` (conn type http) read the way every HTTP source is (`tributary.http_source`).
Every error names the server.

A website that does not answer (connection refused or cut, timeout, HTTP 408/429/5xx) is asked
again a few times, then raises `SiteUnavailable`, which Airflow retries; an answer that retrying
cannot change (wrong password, unknown scale, a listing or schedule of the wrong shape) raises
`SiteRefused`: the task fails at once. Both are `SiteError`s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from tributary.errors import BadInput, SourceUnavailable, TributaryError, quote_input
from tributary.http_source import HttpSourceHook, RetryPolicy
from tributary.mindtrails.servers import PREFIX, Server


class SiteError(TributaryError):
    """The website could not be reached or answered with an error; the message names the server."""


class SiteUnavailable(SiteError, SourceUnavailable):
    """The website did not answer (or answered 408/429/5xx); the task is retried."""


class SiteRefused(SiteError, BadInput):
    """The website's answer is wrong in a way a retry cannot fix; the task fails at once."""


class StudySiteHook(HttpSourceHook):
    """A MindTrails study website's export API, behind the connection ``mindtrails_<name>``.

    :param mindtrails_conn_id: the connection, ``mindtrails_<server name>``.
    """

    conn_name_attr = "mindtrails_conn_id"
    default_conn_name = PREFIX + "mindtrails"
    conn_type = "http"
    hook_name = "MindTrails study website"

    timeouts = (5.0, 60.0)
    #: A few quick attempts: a longer outage is the task's retries' business.
    default_retry = RetryPolicy(max_attempts=3)
    unavailable_error = SiteUnavailable
    refused_error = SiteRefused
    test_path = "/api/export/"

    @classmethod
    def for_server(cls, name: str, **kwargs: Any) -> StudySiteHook:
        return cls(PREFIX + name, **kwargs)

    @property
    def server(self) -> str:
        return self.conn_id.removeprefix(PREFIX)

    @property
    def label(self) -> str:
        return f"server {self.server!r} (connection {self.conn_id})"

    def status_error(self, method: str, target: str, response: requests.Response,
                     attempts: int) -> Exception:
        if response.status_code == 401:
            return SiteRefused(f"server {self.server!r} rejected the credentials of user "
                               f"{self.connection.login or ''!r} (HTTP 401): check the password "
                               f"of connection {self.conn_id}")
        return super().status_error(method, target, response, attempts)


@dataclass(frozen=True)
class ScaleInfo:
    name: str
    size: int
    deleteable: bool


class StudySite:
    """The export API calls of one server's website."""

    def __init__(self, server: Server, hook: StudySiteHook | None = None):
        self.server = server
        self.hook = hook or StudySiteHook.for_server(server.name)

    def _json(self, path: str) -> object:
        return self.hook.get_json(f"api/{path}")

    def scales(self) -> list[ScaleInfo]:
        listing = self._json("export/")
        if not isinstance(listing, list):
            raise SiteRefused(f"server {self.server.name!r}: the export listing is not a list")
        try:
            return [ScaleInfo(str(s["name"]), int(s.get("size", 0)), bool(s["deleteable"])) for s in listing]
        except (KeyError, TypeError, ValueError) as exc:
            raise SiteRefused(f"server {self.server.name!r}: bad export listing entry "
                              f"({quote_input(exc)})") from None

    def study(self) -> dict:
        """The session schedule ``{"sessions": [{"name", "index", "tasks": [...]}, ...]}``,
        checked here so the dbt models never meet a schedule of another shape."""
        schedule = self._json("study")
        problem = schedule_problem(schedule)
        if problem:
            raise SiteRefused(f"server {self.server.name!r}: GET study: {problem}: "
                              f"{quote_input(schedule)}")
        return schedule  # type: ignore[return-value]

    def fetch(self, scale: str, greater_than: int | None = None) -> bytes:
        """The raw response body: the entries of ``scale`` (above ``greater_than`` if given)."""
        params = {"greaterThan": greater_than} if greater_than is not None else None
        return self.hook.request("GET", f"api/export/{scale}", params=params).content

    def delete(self, scale: str, entry_id: int) -> None:
        # Not resent when the answer is lost: a second DELETE of a deleted entry would say 404.
        self.hook.request("DELETE", f"api/export/{scale}/{entry_id}", resend=False)


def schedule_problem(schedule: object) -> str | None:
    """Why ``schedule`` is not a session schedule, or None when it is one."""
    sessions = schedule.get("sessions") if isinstance(schedule, dict) else None
    if not isinstance(sessions, list):
        return "the schedule has no list of sessions"
    for position, session in enumerate(sessions, start=1):
        if not (isinstance(session, dict) and isinstance(session.get("name"), str)
                and type(session.get("index")) is int
                and isinstance(session.get("tasks"), list)
                and all(isinstance(t, str) for t in session["tasks"])):
            return f"session #{position} is not {{name: text, index: integer, tasks: [text]}}"
    return None
