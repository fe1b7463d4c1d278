"""
### migration_refresh

The batch layer of the migration domain: builds the `migration` dbt marts (`models/migration`:
`migration.country`, `migration.migrant_stock`, `migration.remittance` and the six `top_*`
reports) in one `dbt build` task, each model's dbt tests right after it, emits `tributary://marts/migration`, then
**write_reports** writes the report files to the lake under `reports/migration/<YYYY-MM-DD>/`
(the run's logical date; a re-run of the day rewrites them): `<report>.csv` and `<report>.png`
for each of the six top-10 reports, with the countries as the source wrote them, and
`README.md` (latest load of each matrix, rejected cells, every report as a table and a chart).

Scheduled on the raw tables' Asset `tributary://raw_migration` (emitted by `migration_matrix`)
**or** on the cron in `TRIBUTARY_MIGRATION_REFRESH_CRON` (UTC, default `0 4 * * *`; `none`:
the Asset only), whichever comes first. Trigger it by hand to rebuild now. No params.
"""

from datetime import datetime

from airflow.sdk import dag, task
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.dbt_dags import dbt_build_groups
from tributary.marts import marts_built
from tributary.migration.refresh import refresh_schedule


@dag(
    dag_id="migration_refresh",
    schedule=refresh_schedule(),
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["migration", "dbt"],
    doc_md=__doc__,
)
def migration_refresh():
    @task
    def write_reports(**context) -> dict:
        """The migration report files of the run's day, into the lake."""
        from tributary.migration import reports
        from tributary.reports import run_day

        return reports.write_reports(run_day(context))

    # One dbt build for the folder (six small reports on three tables): one task per model spent
    # more time starting dbt than building
    (dbt_build_groups("migration_models", {"build": "path:models/migration"})
     >> marts_built("migration") >> write_reports())


migration_refresh()
