"""
### mindtrails_export

Exports questionnaire entries from MindTrails-style study websites every 5 minutes (one run at a
time). Each website is an Airflow connection `mindtrails_<name>` (http; extra `ready`,
`delete_mode`, `private_key`); the server names come from the Variable `mindtrails_servers`
and/or `AIRFLOW_CONN_MINDTRAILS_*` environment variables.

For every server × scale (dynamic task mapping) the entries above the benchmark are fetched, the
raw response is written to the lake (`raw/mindtrails/<server>/<scale>/<timestamp>.json`), loaded
into `raw_mindtrails.entry` and the benchmark advanced in one transaction; in `delete_mode` the
committed entries of deleteable scales are then deleted from the website. Then the `*RSA`
fields are decrypted into `raw_mindtrails.decoded` (emits the `raw_mindtrails` Asset) and each
day's active-data CSV (`active/mindtrails/<server>/<scale>/<YYYY-MM-DD>.csv`) gets the new entries.

Alerts (SMTP notifier, connection `smtp_default`, recipients in the Variable
`mindtrails_alert_emails`): request failure, write failure (ERROR), delete failure and old
entries still on a website (CRITICAL), a scale's first benchmark (INFO), each naming server,
scale and entry ids.

Params
- `server`: `.` = every ready server (default), or one server name.
- `scales`: `.` = deleteable scales (default), `all`, `static` (non-deleteable only), or one scale name.
"""

from datetime import datetime

from airflow.sdk import dag, task
from tributary.assets import RAW_MINDTRAILS
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.mindtrails import pipeline
from tributary.mindtrails.alerts import AlertSettings
from tributary.mindtrails.dag_params import selector_params

#: Where this DAG's alerts go (configured here, once; no address in the code).
ALERTS = AlertSettings(recipients_variable="mindtrails_alert_emails", smtp_conn_id="smtp_default")


@dag(
    dag_id="mindtrails_export",
    schedule="*/5 * * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["mindtrails", "extract"],
    doc_md=__doc__,
    params=selector_params("exports"),
)
def mindtrails_export():
    @task
    def plan(params=None) -> list[dict]:
        return pipeline.plan_exports(params["server"], params["scales"], alerts=ALERTS)

    @task(max_active_tis_per_dag=4)
    def export_scale(item: dict) -> dict:
        return pipeline.export_item(item, alerts=ALERTS)

    @task(outlets=[RAW_MINDTRAILS])
    def decrypt(results: list[dict]) -> list[str]:
        # a slice reads the mapped results in one request; iterating asks item by item until
        # a 404, which Airflow logs as an error ("XCom not found") although nothing is wrong
        servers = sorted({r["server"] for r in results[:]})
        pipeline.decrypt(servers)
        return servers

    @task
    def active_data(servers: list[str]) -> list[str]:
        return pipeline.write_active_data(servers, alerts=ALERTS)

    active_data(decrypt(export_scale.expand(item=plan())))


mindtrails_export()
