"""
### platform_selfcheck

Checks that the workers of this deployment can reach everything the pipelines need, as four
parallel tasks (on a Celery deployment they spread over the workers):

- `warehouse_read`: a round trip to the warehouse (connection `warehouse` / `WAREHOUSE_URL`);
- `warehouse_write`: a temporary table written and read back (rolled back);
- `raw_schemas`: every domain's `raw_<domain>` schema exists;
- `lake`: an object written to the lake (`LAKE_URL`), read back and deleted.

`summarize` logs a table of median and worst round-trip times. Trigger it after a deployment,
after adding a worker, or when runs fail with connection errors. A failed check retries after
10 seconds (a worker lost mid-check is retried on another).

**Params**
- `samples` (integer, 1–600, default 3): round trips per check, one second apart; more samples
  give a steadier latency figure and keep the checks running longer.
"""

from datetime import datetime, timedelta

from airflow.sdk import Param, dag, task
from tributary.dag_defaults import DEFAULT_ARGS

# Checks are cheap and idempotent: retry soon rather than after the platform's default delay.
QUICK_RETRY = {"retry_delay": timedelta(seconds=10), "retry_exponential_backoff": False}


@dag(
    dag_id="platform_selfcheck",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["platform", "operations"],
    doc_md=__doc__,
    params={
        "samples": Param(
            3, type="integer", minimum=1, maximum=600, title="Samples per check",
            description="Round trips each check makes, one second apart; the log reports their "
                        "median and maximum time.",
        ),
    },
)
def platform_selfcheck():
    @task(**QUICK_RETRY)
    def warehouse_read(params=None) -> dict:
        from tributary.operations.selfcheck import check_warehouse_read

        return check_warehouse_read(params["samples"]).as_dict()

    @task(**QUICK_RETRY)
    def warehouse_write(params=None) -> dict:
        from tributary.operations.selfcheck import check_warehouse_write

        return check_warehouse_write(params["samples"]).as_dict()

    @task(**QUICK_RETRY)
    def raw_schemas(params=None) -> dict:
        from tributary.operations.selfcheck import check_raw_schemas

        return check_raw_schemas(params["samples"]).as_dict()

    @task(**QUICK_RETRY)
    def lake(params=None) -> dict:
        from tributary.operations.selfcheck import check_lake

        return check_lake(params["samples"]).as_dict()

    @task
    def summarize(results: list[dict]) -> str:
        from tributary.operations.selfcheck import summary

        table = summary(results)
        print(table)
        return table

    summarize([warehouse_read(), warehouse_write(), raw_schemas(), lake()])


platform_selfcheck()
