"""
### polio_mapping_review

Map unmapped source strings in the web UI. Runs after each `polio_refresh` that leaves new
strings unmapped (`tributary://polio/unmapped`) and by hand.

1. `prepare` — suggests masters for every unmapped string (`polio.mapping_suggestion`), applies
   auto-apply (below) and takes the batch: the `batch_size` strings with the most facts.
2. `review` — a human-in-the-loop task: **Browse → Required Actions** (or the task's page) shows
   a form with one dropdown per string (its suggested masters, or *skip*). **Map the chosen
   masters** applies the picks; **Skip this batch** maps nothing. Unanswered after
   `response_timeout` seconds, it times out and maps nothing.
3. `apply` — sets the picked mappings (recorded in `raw_polio.mapping_change`, via `ui`, by the
   user who answered) and emits `tributary://raw_polio`, so `polio_refresh` follows. Its return
   value is the run's summary (auto-applied and reviewed mappings); skipped when nothing was mapped.

**Auto-apply** is off by default: with the param `auto_map_threshold` (or, when the param is
empty, the Airflow Variable `auto_map_threshold`), every string whose best suggestion scores at
least that much is mapped without asking (via `auto`). 1.0 trusts exact geocodes only; the
accuracy benchmark (bench/RESULTS.md) finds 0.98 maps nothing wrong on the sample and rhizome data.
"""

from datetime import datetime

from airflow.sdk import Param, dag, task
from tributary.assets import POLIO_UNMAPPED, RAW_POLIO
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.polio.review_form import MappingReviewOperator


@dag(
    dag_id="polio_mapping_review",
    schedule=[POLIO_UNMAPPED],
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,  # one open review at a time: a second would offer the same strings
    default_args=DEFAULT_ARGS,
    tags=["polio", "mapping"],
    doc_md=__doc__,
    params={
        "batch_size": Param(20, type="integer", minimum=1, maximum=100, title="Batch size",
                            description="Strings in the review form (most facts first)."),
        "response_timeout": Param(86_400, type="integer", minimum=1, title="Response timeout (s)",
                                  description="Unanswered this long, the review maps nothing."),
        "auto_map_threshold": Param(None, type=["null", "number"], minimum=0, maximum=1,
                                    title="Auto-apply threshold",
                                    description="Map suggestions scoring at least this without "
                                                "asking (empty: the Variable auto_map_threshold; "
                                                "neither: off)."),
    },
)
def polio_mapping_review():
    @task
    def prepare(params: dict) -> dict:
        from airflow.sdk import Variable
        from tributary.polio.mapping_review import (
            auto_apply,
            batch,
            refresh_suggestions,
            threshold_of,
        )

        threshold = threshold_of(params.get("auto_map_threshold"),
                                 Variable.get("auto_map_threshold", default=None))
        candidates, _new = refresh_suggestions()
        auto_applied = auto_apply(candidates, threshold)
        return {"threshold": threshold, "auto_applied": auto_applied,
                "batch": batch(candidates, params["batch_size"], exclude=auto_applied)}

    review = MappingReviewOperator(task_id="review", prepared_by="prepare")

    @task(outlets=[RAW_POLIO], trigger_rule="none_failed")
    def apply(ti=None) -> dict:
        from tributary.polio.mapping_review import apply_review

        return apply_review(ti.xcom_pull(task_ids="prepare"), ti.xcom_pull(task_ids="review"))

    prepare() >> review >> apply()


polio_mapping_review()
