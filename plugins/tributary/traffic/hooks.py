"""The traffic sources reached over HTTP, as hooks on the shared base (`tributary.http_source`):
the city's device inventory and the GRIDSMART cameras. Both use connections of type ``http`` (the base's)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tributary.errors import quote_input
from tributary.http_source import HttpSourceHook, RetryPolicy


class InventoryHook(HttpSourceHook):
    """The asset inventory's API (``GET /api/v1/devices``); the connection's password is the
    bearer token, its host the API's address (``http`` unless the schema says ``https``).

    :param inventory_conn_id: the Airflow connection, ``traffic_inventory`` by default.
    """

    conn_name_attr = "inventory_conn_id"
    default_conn_name = "traffic_inventory"
    hook_name = "Traffic device inventory"

    auth_type = "bearer"
    default_scheme = "http"
    timeouts = (60.0, 60.0)
    default_retry = RetryPolicy(max_attempts=3)
    test_path = "/api/v1/devices"

    def devices(self, device_type: str) -> list[dict[str, Any]]:
        """The inventory's devices of one type, as the API lists them (``records``)."""
        answer = self.get_json("/api/v1/devices", params={"device_type": device_type})
        devices = answer.get("records") if isinstance(answer, dict) else None
        if not isinstance(devices, list) or not all(isinstance(d, dict) for d in devices):
            raise self.refused_error(f"{self.label}: the answer is not JSON with a list of device "
                                     f"records: {quote_input(answer)}")
        return devices

    def status_error(self, method, target, response, attempts):
        if response.status_code in (401, 403):
            return self.refused_error(
                f"{self.label} refused the request (HTTP {response.status_code}; check the token "
                f"in the connection's password): {self.detail(response.text)}")
        return super().status_error(method, target, response, attempts)


class CameraHook(HttpSourceHook):
    """The GRIDSMART cameras' APIs. Each device answers at ``url_template`` with its address for
    ``{ip}``: ``http://{ip}:8902`` unless the connection ``gridsmart`` (optional) gives another
    in its extra (a stand-in, a proxy). No auth (the connection has no login); short timeouts.

    :param gridsmart_conn_id: the Airflow connection, ``gridsmart`` by default.
    """

    conn_name_attr = "gridsmart_conn_id"
    default_conn_name = "gridsmart"
    hook_name = "GRIDSMART cameras"

    DEFAULT_TEMPLATE = "http://{ip}:8902"
    timeouts = (3.0, 30.0)
    default_retry = RetryPolicy(max_attempts=2)  # a camera still not answering waits for the next run

    @cached_property
    def connection(self):
        """The connection, or a blank one when there is none (the cameras are called directly)."""
        from airflow.sdk import Connection  # noqa: PLC0415
        from airflow.sdk.exceptions import AirflowNotFoundException  # noqa: PLC0415

        try:
            return super().connection
        except AirflowNotFoundException:
            return Connection(conn_id=self.conn_id, conn_type=self.conn_type)

    @property
    def url_template(self) -> str:
        return str(self.extra.get("url_template") or self.DEFAULT_TEMPLATE)

    def device_url(self, address: str) -> str:
        """The base URL of the camera at ``address`` (``host`` or ``host:port``)."""
        return self.url_template.format(ip=address)
