"""The Airflow plugin: mounts the Tributary API into the Airflow API server at /tributary."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from tributary.api.app import create_app

URL_PREFIX = "/tributary"


class TributaryPlugin(AirflowPlugin):
    name = "tributary"
    fastapi_apps = [
        {"app": create_app(airflow_auth=True), "url_prefix": URL_PREFIX, "name": "Tributary API"},
    ]
