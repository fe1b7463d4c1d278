"""
### socrata_publish

Publishes one **declared publication** by hand, through the connection **`socrata_default`**
(type `socrata`: portal domain, username/password or API key, `app_token` in extra;
`"simulate": true` in extra makes every publication a dry run; `"datasets": {name: id}` names
this deployment's datasets).

A publication is a dbt exposure with `meta.socrata` next to the mart it reads (see the README,
"Publishing"): which dataset, row identifier, columns and SODA types. Nothing else is ever sent:
a name that is not declared is refused with the list of declared ones, before anything is read.
Each publication also has its own DAG, `socrata_publish_<name>`, run when its mart is rebuilt.

Params (trigger form):
- **publication**: the declared publication's name (e.g. `polio_datapoint`).
- **simulate**: write the rows as CSV files to the lake (`socrata/simulate/…`) instead of
  sending them.
- **full**: resend every row, not only new and changed ones.
"""

from datetime import datetime

from airflow.sdk import Param, dag, task
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.socrata.publication_dags import run_params
from tributary.socrata.registry import load


@dag(
    dag_id="socrata_publish",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["socrata", "publish"],
    doc_md=__doc__,
    params={
        "publication": Param("", type="string", title="Publication", examples=load().names(),
                             description="A declared publication (dbt exposure with meta.socrata)."),
        **run_params(),
    },
)
def socrata_publish():
    @task
    def publish(params: dict, **context) -> dict:
        from tributary.socrata.publications import run_in_task

        return run_in_task(params["publication"], simulate=bool(params["simulate"]),
                           full=bool(params["full"]), context=context)

    publish()


socrata_publish()
