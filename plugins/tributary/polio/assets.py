"""The Airflow Assets of the polio domain, one definition each, imported by the DAG files.

- `RAW_POLIO`: every polio DAG (and API route) that writes `raw_polio` emits it; `polio_refresh`
  is scheduled on it.
- `POLIO_UNMAPPED`: `polio_refresh` emits it when a refresh leaves new strings unmapped;
  `polio_mapping_review` is scheduled on it.
"""

from airflow.sdk import Asset

#: Emitted by polio_metadata, polio_ingest, polio_mapping, polio_data_entry, polio_mapping_review
#: and the mapping API (through Airflow's REST API).
RAW_POLIO = Asset("tributary://raw_polio")
#: Emitted by polio_refresh's suggest_mappings when new strings are unmapped.
POLIO_UNMAPPED = Asset("tributary://polio/unmapped")
