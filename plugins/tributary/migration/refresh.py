"""When the migration marts rebuild: on the raw tables' Asset (a load that changed them) and on a
schedule, whichever comes first.

The schedule is one cron expression (UTC) in ``TRIBUTARY_MIGRATION_REFRESH_CRON`` (default
``0 4 * * *``: daily at 04:00), read when the DAG file is parsed; ``none`` leaves only the
Asset. A scheduled run rebuilds the batch layer (marts and report files) from the raw tables
even when no load asked for it (a load run with ``build_models=false``).
"""

from __future__ import annotations

from typing import Any

from tributary import settings


def refresh_cron() -> str | None:
    """The configured cron expression, or None when the refresh runs on the Asset only."""
    value = settings.migration_refresh_cron()
    return None if value.lower() in ("", "none") else value


def refresh_schedule() -> Any:
    """The raw tables' Asset, or the Asset or the cron, whichever comes first."""
    from tributary.assets import RAW_MIGRATION  # noqa: PLC0415  (Airflow's SDK: only for DAG files)

    cron = refresh_cron()
    if cron is None:
        return [RAW_MIGRATION]
    from airflow.sdk import AssetOrTimeSchedule  # noqa: PLC0415
    from airflow.timetables.trigger import CronTriggerTimetable  # noqa: PLC0415

    return AssetOrTimeSchedule(timetable=CronTriggerTimetable(cron, timezone="UTC"),
                               assets=[RAW_MIGRATION])
