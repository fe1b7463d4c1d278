"""
### polio_refresh

Builds the polio dbt models (`models/polio`), each model's tests right after it:

- `polio.datapoint` — one value per (region, campaign, indicator); data entry wins, then the
  latest document, then the last row
- `polio.missing_mapping` — source strings still to map, per document
- `polio.rejected_value` — values that are neither numbers, percentages nor yes/no
- `polio.agg_datapoint` — values aggregated up the region tree
- `polio.datapoint_with_computed` — plus calculated indicators

Incremental: only what changed since the last refresh (by `raw_polio.change_log`) is rebuilt.
Scheduled whenever the other polio DAGs change raw data (`tributary://raw_polio`); trigger by
hand to refresh now. No params.
"""

from datetime import datetime

from airflow.sdk import dag
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.dbt_dags import dbt_models
from tributary.marts import marts_built
from tributary.polio.assets import RAW_POLIO


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
    dbt_models("polio_models", select=["path:models/polio"]) >> marts_built("polio")


polio_refresh()
