"""The study website's export API over HTTP (basic auth). Every error names the server."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from tributary.mindtrails.servers import Server

TIMEOUT = (5, 60)  # connect, read (seconds)


class SiteError(RuntimeError):
    """The website could not be reached or answered with an error."""


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
            raise SiteError(f"server {self.server.name!r}: {method} {path} failed: "
                            f"{type(exc).__name__}: {exc}") from None
        if response.status_code == 401:
            raise SiteError(f"server {self.server.name!r} rejected the credentials of user "
                            f"{self.server.login!r} (HTTP 401): check the password of connection "
                            f"mindtrails_{self.server.name}")
        if response.status_code >= 400:
            raise SiteError(f"server {self.server.name!r}: {method} {path} answered HTTP "
                            f"{response.status_code}: {response.text[:200]}")
        return response

    def _json(self, path: str) -> object:
        response = self._request("GET", path)
        try:
            return response.json()
        except ValueError:
            raise SiteError(f"server {self.server.name!r}: GET {path} returned malformed JSON") from None

    def scales(self) -> list[ScaleInfo]:
        listing = self._json("export/")
        if not isinstance(listing, list):
            raise SiteError(f"server {self.server.name!r}: the export listing is not a list")
        try:
            return [ScaleInfo(str(s["name"]), int(s.get("size", 0)), bool(s["deleteable"])) for s in listing]
        except (KeyError, TypeError, ValueError) as exc:
            raise SiteError(f"server {self.server.name!r}: bad export listing entry ({exc})") from None

    def study(self) -> dict:
        return self._json("study")  # type: ignore[return-value]

    def fetch(self, scale: str, greater_than: int | None = None) -> bytes:
        """The raw response body: the entries of ``scale`` (above ``greater_than`` if given)."""
        params = {"greaterThan": greater_than} if greater_than is not None else None
        return self._request("GET", f"export/{scale}", params=params).content

    def delete(self, scale: str, entry_id: int) -> None:
        self._request("DELETE", f"export/{scale}/{entry_id}")
