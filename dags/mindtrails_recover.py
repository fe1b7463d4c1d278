"""
### mindtrails_recover

Rebuilds `raw_mindtrails` (entries and benchmarks) from the raw responses the export wrote to the
lake, then decrypts them again. Idempotent: entries already present are kept, the benchmark only
moves up, so a second run changes nothing and a run on an empty warehouse gives the same rows the
original exports loaded. Emits the `raw_mindtrails` Asset.

Params
- `server`: `.` = every server found in the lake (default), or one server name.
"""

from datetime import datetime

from airflow.sdk import Param, dag, task
from tributary.assets import RAW_MINDTRAILS
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.mindtrails import pipeline


@dag(
    dag_id="mindtrails_recover",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["mindtrails", "recovery"],
    doc_md=__doc__,
    params={
        "server": Param(".", type="string", title="Server",
                        description="'.' recovers every server found in the lake; or one server name."),
    },
)
def mindtrails_recover():
    @task
    def recover(params=None) -> list[str]:
        return pipeline.recover_backups(params["server"])

    @task(outlets=[RAW_MINDTRAILS])
    def decrypt(servers: list[str]) -> dict:
        return pipeline.decrypt(servers)

    decrypt(recover())


mindtrails_recover()
