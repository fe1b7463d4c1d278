"""
### mindtrails_refresh

Builds the MindTrails dbt models (`models/mindtrails`) whenever `raw_mindtrails` changes (an
export or a recovery emitted the Asset): typed staging per scale, OA and DASS21 scores, the wide
participant × session table, and the reports `mindtrails.scale_report`,
`mindtrails.participant_report`, `mindtrails.column_missing`, `mindtrails.attrition`, and the
long answers of every questionnaire (`mindtrails.answer`), in one `dbt build` of the folder (each
model's tests right after it; a failing test skips what depends on it and fails the task).
The last task writes the report files to the lake under `reports/mindtrails/<YYYY-MM-DD>/` (the
run's day): `scale_report.csv`, `column_missing.csv`, `participant_report.csv`,
`participant_session.csv`, `attrition.csv` and `attrition.png`. No params.
"""

from datetime import datetime

from airflow.sdk import dag, task
from tributary.assets import RAW_MINDTRAILS
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.dbt_dags import dbt_build_groups
from tributary.marts import marts_built
from tributary.mindtrails import reports
from tributary.reports import run_day


@dag(
    dag_id="mindtrails_refresh",
    schedule=[RAW_MINDTRAILS],
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["mindtrails", "dbt"],
    doc_md=__doc__,
)
def mindtrails_refresh():
    @task
    def write_reports(**context) -> dict:
        return reports.write_reports(run_day(context))

    # One dbt build for the whole folder: a dozen small models spent more time starting dbt, one
    # task each, than building (as for polio_refresh)
    (dbt_build_groups("mindtrails_models", {"build": "path:models/mindtrails"})
     >> marts_built("mindtrails") >> write_reports())


mindtrails_refresh()
