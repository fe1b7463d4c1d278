"""Every Airflow Asset Tributary emits or schedules on, named once.

The URIs are what schedules match on (and what Airflow's REST API is asked to emit), so they
never change; code imports the names below instead of spelling a URI.

- `RAW_POLIO`: every polio DAG (and the mapping API, through Airflow's REST API) that writes
  `raw_polio` emits it; `polio_refresh` is scheduled on it.
- `POLIO_UNMAPPED`: `polio_refresh` emits it when a refresh leaves new strings unmapped;
  `polio_mapping_review` is scheduled on it.
- `RAW_MIGRATION`: `migration_matrix` emits it once its loads are in; `migration_refresh` runs on it.
- `RAW_MINDTRAILS`: the MindTrails export, decode and recover DAGs emit it; `mindtrails_refresh`
  runs on it.
- `RAW_APP`: `app_events` and `app_dimensions` emit it; `app_refresh` runs on it.
- `TRAFFIC_PERFMET`: the traffic source DAGs emit it when their day is published;
  `traffic_refresh` runs on it.
- `RAW_TRAFFIC_DEVICE`: `traffic_unit_data` emits it when the device inventory is loaded.
- `marts(domain)`: a refresh DAG's `marts_built` task emits it; the domain's publications wait on it.
"""

from __future__ import annotations

from airflow.sdk import Asset

RAW_POLIO = Asset("tributary://raw_polio")
POLIO_UNMAPPED = Asset("tributary://polio/unmapped")
RAW_MIGRATION = Asset("tributary://raw_migration")
RAW_MINDTRAILS = Asset("tributary://raw_mindtrails")
RAW_APP = Asset("tributary://raw_app")
TRAFFIC_PERFMET = Asset("tributary://traffic/perfmet")
RAW_TRAFFIC_DEVICE = Asset("tributary://raw_traffic/device")


def marts_uri(domain: str) -> str:
    """``tributary://marts/<domain>``; ``domain`` is the dbt folder (polio, app_events…)."""
    return f"tributary://marts/{domain}"


def marts(domain: str) -> Asset:
    """The Asset a domain's marts update (see `marts_uri`)."""
    return Asset(marts_uri(domain))
