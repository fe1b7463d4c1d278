"""
### polio_refresh

Builds the polio dbt models (`models/polio`) in one task, `polio_models.build` (one `dbt build`
of the folder: each model's tests right after it, a failing test skips what depends on it):

- `polio.datapoint` — one value per (region, campaign, indicator); data entry wins, then the
  latest document, then the last row
- `polio.missing_mapping` — source strings still to map, per document
- `polio.rejected_value` — values that are neither numbers, percentages nor yes/no
- `polio.agg_datapoint` — values aggregated up the region tree
- `polio.datapoint_with_computed` — plus calculated indicators
- `polio.mapping_suggestion` — suggested masters for what is unmapped (task `suggest_mappings`,
  after the models; it emits `tributary://polio/unmapped` when the refresh left new strings
  unmapped, which opens a `polio_mapping_review`, and is skipped otherwise)
- report file `reports/polio/<YYYY-MM-DD>/missing_mapping.csv` in the lake (task `write_reports`,
  last; the day is the run's logical date, a re-run rewrites it)

Incremental: only what changed since the last refresh (by `raw_polio.change_log`) is rebuilt.
Scheduled whenever the other polio DAGs change raw data (`tributary://raw_polio`); trigger by
hand to refresh now. No params.
"""

from datetime import datetime

from airflow.sdk import dag, task
from tributary.assets import POLIO_UNMAPPED, RAW_POLIO
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.dbt_dags import dbt_build_groups
from tributary.marts import marts_built


@dag(
    dag_id="polio_refresh",
    schedule=[RAW_POLIO],
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,  # incremental models: one refresh at a time
    default_args=DEFAULT_ARGS,
    tags=["polio", "dbt"],
    doc_md=__doc__,
)
def polio_refresh():
    @task(outlets=[POLIO_UNMAPPED])
    def suggest_mappings() -> dict:
        """Suggest masters for every unmapped string; skipped (no review) when none is new."""
        from airflow.sdk.exceptions import AirflowSkipException
        from tributary.polio.mapping_review import refresh_suggestions

        candidates, new = refresh_suggestions()
        if not new:
            raise AirflowSkipException(f"{len(candidates)} strings unmapped, none new: no review opened")
        return {"unmapped": len(candidates), "new": new}

    @task(trigger_rule="none_failed")  # also after a skipped suggest_mappings (nothing new)
    def write_reports(**context) -> dict:
        """The polio report files of the run's day, into the lake."""
        from tributary.polio import reports
        from tributary.reports import run_day

        return reports.write_reports(run_day(context))

    # One dbt build for the whole folder: a dozen small models spent more time starting dbt, one
    # task each, than building (bench/RESULTS.md, polio)
    (dbt_build_groups("polio_models", {"build": "path:models/polio"})
     >> marts_built("polio") >> suggest_mappings() >> write_reports())


polio_refresh()
