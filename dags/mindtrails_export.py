"""
### mindtrails_export

Exports questionnaire entries from MindTrails-style study websites every 5 minutes (one run at a
time). Each website is an Airflow connection `mindtrails_<name>` (http; extra `ready`,
`delete_mode`, `private_key`); the server names come from the Variable `mindtrails_servers`
and/or `AIRFLOW_CONN_MINDTRAILS_*` environment variables.

For every server × scale (dynamic task mapping) the entries above the benchmark are fetched, the
raw response is written to the lake (`raw/mindtrails/<server>/<scale>/<timestamp>.json`), loaded
into `raw_mindtrails.entry` and the benchmark advanced in one transaction; in `delete_mode` the
committed entries of deleteable scales are then deleted from the website. Failed deletes and
sensitive data still on a website alert by email (`smtp_default`, `ALERT_EMAILS`). The last task
decrypts the `*RSA` fields into `raw_mindtrails.decoded` and emits the `raw_mindtrails` Asset.

Params
- `server`: `.` = every ready server (default), or one server name.
- `scales`: `.` = deleteable scales (default), `all`, `static` (non-deleteable only), or one scale name.
"""

from datetime import datetime

from airflow.sdk import Asset, Param, dag, task
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.mindtrails import pipeline


@dag(
    dag_id="mindtrails_export",
    schedule="*/5 * * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["mindtrails", "extract"],
    doc_md=__doc__,
    params={
        "server": Param(".", type="string", title="Server",
                        description="'.' exports every ready server; or one server name "
                                    "(the connection mindtrails_<name>)."),
        "scales": Param(".", type="string", title="Scales",
                        description="'.' deleteable scales, 'all', 'static' (non-deleteable) "
                                    "or one scale name, e.g. OA.",
                        examples=[".", "all", "static", "OA"]),
    },
)
def mindtrails_export():
    @task
    def plan(params=None) -> list[dict]:
        return pipeline.plan_exports(params["server"], params["scales"])

    @task(max_active_tis_per_dag=4)
    def export_scale(item: dict) -> dict:
        return pipeline.export_item(item)

    @task(outlets=[Asset(pipeline.RAW_ASSET_URI)])
    def decrypt(results: list[dict]) -> dict:
        # a slice reads the mapped results in one request; iterating asks item by item until
        # a 404, which Airflow logs as an error ("XCom not found") although nothing is wrong
        return pipeline.decrypt([r["server"] for r in results[:]])

    decrypt(export_scale.expand(item=plan()))


mindtrails_export()
