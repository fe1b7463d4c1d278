"""The Airflow Asset of the polio raw tables: every polio DAG that writes `raw_polio` emits it, and
`polio_refresh` is scheduled on it. One definition, imported by the DAG files."""

from airflow.sdk import Asset

#: Emitted by polio_metadata, polio_ingest, polio_mapping and polio_data_entry.
RAW_POLIO = Asset("tributary://raw_polio")
