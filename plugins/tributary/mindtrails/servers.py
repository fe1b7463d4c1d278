"""Study websites are Airflow connections named ``mindtrails_<name>`` (conn type http).

host, port, schema (http/https), login, password; extra: ``ready`` (exported by default),
``delete_mode`` (default false: never delete from the site) and ``private_key`` (the study's RSA
private key in PEM; masked in logs), besides the timeouts and retries every HTTP source reads
(`tributary.http_source`; the website is called through `site_client.StudySiteHook`).

Which servers exist: tasks cannot list the metadata DB's connections (Task SDK), so the names come
from the Airflow Variable ``mindtrails_servers`` (comma-separated, e.g. ``mindtrails,templeton``)
plus every ``AIRFLOW_CONN_MINDTRAILS_<NAME>`` environment variable. Either alone works.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tributary import settings
from tributary.errors import BadInput
from tributary.flags import flag

PREFIX = "mindtrails_"
VARIABLE = "mindtrails_servers"


class ServerConfigError(BadInput):
    """A server is missing or misconfigured; the message names it. Fails without retries."""


@dataclass(frozen=True)
class Server:
    name: str
    base_url: str
    login: str
    password: str = field(repr=False)
    ready: bool = True
    delete_mode: bool = False
    private_key: str | None = field(default=None, repr=False)


def server_names() -> list[str]:
    """Names from the Variable ``mindtrails_servers`` and the ``AIRFLOW_CONN_MINDTRAILS_*`` env."""
    listed = settings.airflow_variable(VARIABLE)
    names = {n.strip().lower() for n in (listed or "").split(",") if n.strip()}
    names |= {conn_id.removeprefix(PREFIX) for conn_id in settings.env_connection_ids(PREFIX)}
    return sorted(names)


def load_server(name: str) -> Server:
    """The connection ``mindtrails_<name>`` as a `Server`; its secrets are registered for masking."""
    from tributary.mindtrails.site_client import StudySiteHook  # noqa: PLC0415 (it imports Server)

    hook = StudySiteHook.for_server(name)
    try:
        conn = hook.connection
    except Exception as exc:
        raise ServerConfigError(f"no Airflow connection {PREFIX + name!r} for server {name!r}") from exc
    extra = hook.extra
    where = f"connection {PREFIX + name!r}"
    try:
        base_url = hook.base_url
        ready = flag(extra.get("ready"), True, what=f"{where}: extra 'ready'")
        delete_mode = flag(extra.get("delete_mode"), False, what=f"{where}: extra 'delete_mode'")
    except BadInput as exc:
        raise ServerConfigError(str(exc)) from None
    return Server(name=name, base_url=base_url, login=conn.login or "", password=conn.password or "",
                  ready=ready, delete_mode=delete_mode, private_key=extra.get("private_key") or None)


def servers_to_export(selector: str) -> list[Server]:
    """``.`` (or empty): every ready server; otherwise the named one (ready or not)."""
    if selector and selector != ".":
        return [load_server(selector.removeprefix(PREFIX))]
    names = server_names()
    if not names:
        raise ServerConfigError(
            f"no MindTrails servers configured: set the Variable {VARIABLE!r} or define "
            f"AIRFLOW_CONN_MINDTRAILS_<NAME> connections")
    return [s for s in map(load_server, names) if s.ready]
