"""
### mindtrails_refresh

Builds the MindTrails dbt models (`models/mindtrails`) whenever `raw_mindtrails` changes (an
export or a recovery emitted the Asset): typed staging per scale, OA and DASS21 scores, the wide
participant × session table, and the reports `mindtrails.scale_report`,
`mindtrails.participant_report`, `mindtrails.column_missing`, `mindtrails.attrition`. Each model's
tests run right after it. No params.
"""

from datetime import datetime

from airflow.sdk import Asset, dag
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.dbt_dags import dbt_models
from tributary.marts import marts_built
from tributary.mindtrails.pipeline import RAW_ASSET_URI


@dag(
    dag_id="mindtrails_refresh",
    schedule=[Asset(RAW_ASSET_URI)],
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["mindtrails", "dbt"],
    doc_md=__doc__,
)
def mindtrails_refresh():
    dbt_models("mindtrails_models", select=["path:models/mindtrails"]) >> marts_built("mindtrails")


mindtrails_refresh()
