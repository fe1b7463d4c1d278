"""Task bodies of the app_events DAGs: each reads its day/params from the Airflow context and
calls the step in `ingest` / `dimensions` (where the logic and its tests live)."""

from __future__ import annotations

from typing import Any

from airflow.sdk.exceptions import AirflowSkipException

from tributary import warehouse
from tributary.app_events import dimensions, ingest
from tributary.app_events.sensor import event_day
from tributary.lake import open_lake


def archive_export(context: Any) -> dict[str, Any]:
    return ingest.archive(open_lake(), event_day(context))


def clean_export(context: Any, archived: dict[str, Any]) -> dict[str, Any]:
    params = context["params"]
    summary = ingest.clean(open_lake(), event_day(context), archived,
                           max_reject_ratio=float(params.get("max_reject_ratio", 0.1)))
    print(f"cleaned {summary}")
    return summary


def load_export(context: Any, archived: dict[str, Any], summary: dict[str, Any]) -> dict[str, int]:
    with warehouse.transaction() as conn:
        warehouse.create_raw_tables(conn, "app_events")
        counts = ingest.load_day(conn, open_lake(), event_day(context), archived, summary)
    print(f"loaded {counts}")
    return counts


def release_landing(context: Any, archived: dict[str, Any]) -> bool:
    with warehouse.connect() as conn:
        return ingest.release_landing(conn, open_lake(), event_day(context), archived)


def load_dimension_files(context: Any) -> list[dict]:
    lake = open_lake()
    if not dimensions.pending_files(lake):
        raise AirflowSkipException("no dimension files under landing/app_dimensions/")
    with warehouse.transaction() as conn:
        warehouse.create_raw_tables(conn, "app_events")
        loaded = dimensions.load_dimensions(conn, lake)
    for item in loaded:
        print(f"{item['path']} → {item['table']}: {item['rows']} rows, {item['inserted']} new, "
              f"{item['updated']} changed, {item['rejects']} rejected")
    return loaded


def archive_dimension_files(context: Any, loaded: list[dict]) -> None:
    dimensions.archive_loaded(open_lake(), loaded)
