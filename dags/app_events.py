"""
### app_events

Loads one day of mobile-app analytics events (the Amplitude export) into `raw_app`.

1. **wait_for_export** – deferrable sensor: waits (in the triggerer, no worker slot) for
   `landing/app_events/amplitude_<YYYY-MM-DD>.txt.gz` in the lake (`LAKE_URL`, file or S3), at
   most `wait_timeout_minutes`.
2. **archive_export** – copies it to `archive/app_events/…` and verifies the copy's SHA-256.
3. **clean_export** – parses the 40 pipe-delimited columns (times → UTC, ids as text), splits
   `event_properties` into (event, property, value) rows with nested keys dotted, and writes
   Parquet partitioned by `event_date` to `parquet/app_events/{events,properties,by_mdn}/`.
   A corrupt gzip or a header that is not the 40 columns fails the day; single bad lines are
   rejected with their line number (`raw_app.reject`), unless more than `max_reject_ratio` of
   the lines are bad, which fails the day too.
4. **load_export** – replaces the day in `raw_app.event`, `event_property`, `by_mdn`,
   `export_file` and its rejects, in one transaction; emits the Asset `tributary://raw_app`
   (which schedules `app_refresh`).
5. **release_landing** – removes the landing copy, only once that very file is recorded as loaded.

Daily, backfillable: the run for day D processes D's export. Params:
- `day` – process this day instead of the run's (YYYY-MM-DD; empty = the run's day).
- `wait_timeout_minutes` – how long to wait for the file before failing (default 720).
- `poke_interval_seconds` – how often the trigger looks (default 60).
- `max_reject_ratio` – share of bad lines above which the whole day fails (default 0.1).
"""

from datetime import datetime

from airflow.sdk import Param, dag, task
from tributary.app_events import steps
from tributary.app_events.sensor import ExportSensor
from tributary.assets import RAW_APP
from tributary.dag_defaults import DEFAULT_ARGS, daily_schedule


@dag(
    dag_id="app_events",
    schedule=daily_schedule(),
    start_date=datetime(2024, 5, 1),
    catchup=False,
    max_active_runs=4,
    default_args=DEFAULT_ARGS,
    tags=["app_events", "extract"],
    doc_md=__doc__,
    params={
        "day": Param(None, type=["null", "string"], format="date", title="Day",
                     description="Process this day's export instead of the run's day (YYYY-MM-DD)."),
        "wait_timeout_minutes": Param(720, type="integer", minimum=0, title="Wait timeout (minutes)",
                                      description="Fail when the export has not arrived after this long."),
        "poke_interval_seconds": Param(60, type="integer", minimum=1, title="Poke interval (seconds)",
                                       description="How often the trigger checks the landing area."),
        "max_reject_ratio": Param(0.1, type="number", minimum=0, maximum=1, title="Max reject ratio",
                                  description="Fail the day when more than this share of lines is rejected."),
    },
)
def app_events():
    wait = ExportSensor(
        task_id="wait_for_export",
        wait_seconds="{{ params.wait_timeout_minutes * 60 }}",
        poke_seconds="{{ params.poke_interval_seconds }}",
    )

    @task
    def archive_export(**context):
        return steps.archive_export(context)

    @task
    def clean_export(archived, **context):
        return steps.clean_export(context, archived)

    @task(outlets=[RAW_APP])
    def load_export(archived, summary, **context):
        return steps.load_export(context, archived, summary)

    @task
    def release_landing(archived, loaded, **context):
        return steps.release_landing(context, archived)

    archived = archive_export()
    wait >> archived
    summary = clean_export(archived)
    release_landing(archived, load_export(archived, summary))


app_events()
