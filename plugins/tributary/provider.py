"""Provider metadata: lets Airflow list Tributary's connection types (with their UI forms)."""

from __future__ import annotations

from typing import Any

from tributary.socrata import connection_form as socrata_form

#: Connection types (type, hook class, and the web-UI form metadata) of the domains that define hooks.
CONNECTION_TYPES: list[dict[str, Any]] = [
    {"connection-type": "socrata", "hook-class-name": "tributary.socrata.hook.SocrataHook",
     **socrata_form.ui_metadata()},
]


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "tributary",
        "name": "Tributary",
        "description": "Hooks and operators of the Tributary data platform.",
        "connection-types": CONNECTION_TYPES,
        "versions": ["0.1.0"],
    }
