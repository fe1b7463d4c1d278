"""Study websites are Airflow connections named ``mindtrails_<name>`` (conn type http).

host, port, schema (http/https), login, password; extra: ``ready`` (exported by default),
``delete_mode`` (default false: never delete from the site) and ``private_key`` (the study's RSA
private key in PEM; masked in logs).

Which servers exist: tasks cannot list the metadata DB's connections (Task SDK), so the names come
from the Airflow Variable ``mindtrails_servers`` (comma-separated, e.g. ``mindtrails,templeton``)
plus every ``AIRFLOW_CONN_MINDTRAILS_<NAME>`` environment variable. Either alone works.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from tributary.errors import BadInput

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


def _flag(value: object, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def server_names() -> list[str]:
    """Names from the Variable ``mindtrails_servers`` and the ``AIRFLOW_CONN_MINDTRAILS_*`` env."""
    listed = os.environ.get("AIRFLOW_VAR_MINDTRAILS_SERVERS")
    if listed is None:
        try:
            from airflow.sdk import Variable  # noqa: PLC0415

            listed = Variable.get(VARIABLE, default=None)
        except Exception:  # outside a task, or no Variable backend: the env alone decides
            listed = None
    names = {n.strip().lower() for n in (listed or "").split(",") if n.strip()}
    env_prefix = "AIRFLOW_CONN_" + PREFIX.upper()
    names |= {k[len(env_prefix):].lower() for k in os.environ if k.startswith(env_prefix)}
    return sorted(names)


def load_server(name: str) -> Server:
    """The connection ``mindtrails_<name>`` as a `Server`; its secrets are registered for masking."""
    from airflow.sdk import BaseHook  # noqa: PLC0415
    from airflow.sdk.log import mask_secret  # noqa: PLC0415

    try:
        conn = BaseHook.get_connection(PREFIX + name)
    except Exception as exc:
        raise ServerConfigError(f"no Airflow connection {PREFIX + name!r} for server {name!r}") from exc
    extra = conn.extra_dejson or {}
    key = extra.get("private_key") or None
    if key:
        mask_secret(key, "private_key")
    if conn.password:
        mask_secret(conn.password, "password")
    if not conn.host:
        raise ServerConfigError(f"connection {PREFIX + name!r} has no host")
    scheme = conn.schema or "https"
    if scheme not in ("http", "https"):
        raise ServerConfigError(f"connection {PREFIX + name!r}: schema must be http or https, got {scheme!r}")
    port = f":{conn.port}" if conn.port else ""
    return Server(
        name=name, base_url=f"{scheme}://{conn.host}{port}", login=conn.login or "",
        password=conn.password or "", ready=_flag(extra.get("ready"), True),
        delete_mode=_flag(extra.get("delete_mode"), False), private_key=key,
    )


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
