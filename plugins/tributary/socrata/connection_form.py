"""The ``socrata`` connection type's form in the Airflow web UI, declared as provider metadata.

Airflow 3.2+ reads connection forms from provider info (``conn-fields`` / ``ui-field-behaviour``)
without importing the hook, so this module stays import-light: `tributary.provider` includes it.
"""

from __future__ import annotations

from typing import Any

CONN_TYPE = "socrata"
HOOK_CLASS = "tributary.socrata.hook.SocrataHook"

#: Extra fields, stored in the connection's ``extra`` JSON under these names.
CONN_FIELDS: dict[str, dict[str, Any]] = {
    "app_token": {
        "label": "App token",
        "description": "Socrata application token, sent as X-App-Token (raises throttling limits).",
        "schema": {"type": ["string", "null"], "format": "password"},
    },
    "simulate": {
        "label": "Simulate",
        "description": "Write chunks as CSV files instead of sending them (dry runs).",
        "schema": {"type": ["boolean", "null"], "default": False},
    },
    "timeout": {
        "label": "Read timeout (s)",
        "description": "Seconds to wait for the portal to answer one upsert request.",
        "schema": {"type": ["integer", "null"], "default": 300},
    },
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": ["extra"],
    "relabeling": {
        "host": "Portal domain",
        "schema": "Scheme",
        "login": "Username or API key id",
        "password": "Password or API key secret",
    },
    "placeholders": {
        "host": "data.example.gov",
        "schema": "https (http only for a local server)",
        "port": "443",
        "login": "publisher@example.gov",
    },
}


def ui_metadata() -> dict[str, Any]:
    """The form part of this connection type's entry in the provider's ``connection-types``."""
    return {
        "hook-name": "Socrata",
        "conn-fields": CONN_FIELDS,
        "ui-field-behaviour": {
            "hidden-fields": UI_FIELD_BEHAVIOUR["hidden_fields"],
            "relabeling": UI_FIELD_BEHAVIOUR["relabeling"],
            "placeholders": UI_FIELD_BEHAVIOUR["placeholders"],
        },
    }
