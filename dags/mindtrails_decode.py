"""
### mindtrails_decode

Decodes again what was exported, like the original exporter's `decode` command: for every
selected server × scale, the `*RSA` fields of every entry are decrypted anew with the key now in
the server's connection (`raw_mindtrails.decoded`; e.g. after fixing a wrong key), and every
day's active-data CSV of the scale (`active/mindtrails/<server>/<scale>/<YYYY-MM-DD>.csv`) is
rewritten. Emits the `raw_mindtrails` Asset, so `mindtrails_refresh` follows. Idempotent.

A file that cannot be written alerts (write failure, SMTP connection `smtp_default`,
recipients in the Variable `mindtrails_alert_emails`).

Params
- `server`: `.` = every ready server (default), or one server name (ready or not).
- `scales`: among the scales the server has exported: `.` = deleteable scales (default), `all`,
  `static` (non-deleteable only), or one scale name.
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
    dag_id="mindtrails_decode",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["mindtrails", "transform"],
    doc_md=__doc__,
    params=selector_params("decodes"),
)
def mindtrails_decode():
    @task
    def plan(params=None) -> list[dict]:
        return pipeline.plan_decode(params["server"], params["scales"])

    @task(max_active_tis_per_dag=4)
    def decode_scale(item: dict) -> dict:
        return pipeline.decode_item(item, alerts=ALERTS)

    @task(outlets=[RAW_MINDTRAILS])
    def decoded(results: list[dict]) -> dict:
        """Every selected scale is decoded: the marts may be rebuilt."""
        done = results[:]
        return {"scales": len(done), "entries": sum(r["decoded"] for r in done),
                "decrypt_failed": sum(r["decrypt_failed"] for r in done),
                "files": sum(len(r["files"]) for r in done)}

    decoded(decode_scale.expand(item=plan()))


mindtrails_decode()
