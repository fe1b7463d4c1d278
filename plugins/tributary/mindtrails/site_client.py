"""The study website's export API over HTTP (basic auth). Every error names the server.

A website that does not answer (connection refused or cut, timeout, HTTP 408/429/5xx) raises
`SiteUnavailable`, which Airflow retries; an answer that retrying cannot change (wrong password,
unknown scale, a listing or schedule of the wrong shape) raises `SiteRefused`: the task fails at
once. Both are `SiteError`s.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from tributary.errors import BadInput, SourceUnavailable, TributaryError, quote_input
from tributary.mindtrails.servers import Server

TIMEOUT = (5, 60)  # connect, read (seconds)
#: Answers that may well be different a minute later.
PASSING_STATUS = {408, 429}


class SiteError(TributaryError):
    """The website could not be reached or answered with an error; the message names the server."""


class SiteUnavailable(SiteError, SourceUnavailable):
    """The website did not answer (or answered 408/429/5xx); the task is retried."""


class SiteRefused(SiteError, BadInput):
    """The website's answer is wrong in a way a retry cannot fix; the task fails at once."""


@dataclass(frozen=True)
class ScaleInfo:
    name: str
    size: int
    deleteable: bool


class StudySite:
    def __init__(self, server: Server):
        self.server = server
        self.session = requests.Session()
        self.session.auth = (server.login, server.password)

    def _request(self, method: str, path: str, **kwargs) -> requests.Response:
        url = f"{self.server.base_url}/api/{path}"
        try:
            response = self.session.request(method, url, timeout=TIMEOUT, **kwargs)
            # Reading the body here surfaces a connection cut mid-transfer as an error, so a
            # partial response is never mistaken for a complete one.
            response.content  # noqa: B018
        except requests.RequestException as exc:
            raise SiteUnavailable(f"server {self.server.name!r}: {method} {path} failed: "
                                  f"{type(exc).__name__}: {quote_input(exc)}") from None
        status = response.status_code
        if status == 401:
            raise SiteRefused(f"server {self.server.name!r} rejected the credentials of user "
                              f"{self.server.login!r} (HTTP 401): check the password of connection "
                              f"mindtrails_{self.server.name}")
        if status >= 400:
            error = SiteUnavailable if status >= 500 or status in PASSING_STATUS else SiteRefused
            raise error(f"server {self.server.name!r}: {method} {path} answered HTTP {status}: "
                        f"{quote_input(response.text)}")
        return response

    def _json(self, path: str) -> object:
        response = self._request("GET", path)
        try:
            return response.json()
        except ValueError:
            raise SiteRefused(f"server {self.server.name!r}: GET {path} returned malformed JSON: "
                              f"{quote_input(response.text)!r}") from None

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
        return self._request("GET", f"export/{scale}", params=params).content

    def delete(self, scale: str, entry_id: int) -> None:
        self._request("DELETE", f"export/{scale}/{entry_id}")


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
