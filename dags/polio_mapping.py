"""
### polio_mapping

Maps source strings (as written in documents) to master names. A mapping belongs to the string,
so it applies to every past and future document; `master: null` removes it. Check
`polio.missing_mapping` for what still needs mapping.

**Params** — either one mapping:
- `kind` — `region`, `campaign` or `indicator`
- `source_string` — the string as written (e.g. `AF001039003000000000`)
- `master` — the master name, or null to remove the mapping

or a file: `path` — a CSV with columns kind, source_string, master (blank master removes), as a
lake key (e.g. `landing/polio_mapping/2016.csv`) or an absolute path under the input roots
(`TRIBUTARY_INPUT_ROOTS`; by default `include/sample` and a local lake's folder).

Every change is recorded in `raw_polio.mapping_change` with the user who triggered the run, via
`csv` for a file and `ui` for one mapping (the trigger form). Emits `tributary://raw_polio`, which
schedules `polio_refresh`. For many strings at once, with suggestions, see `polio_mapping_review`.
"""

from datetime import datetime

from airflow.sdk import Param, dag, task
from tributary.assets import RAW_POLIO
from tributary.dag_defaults import DEFAULT_ARGS


@dag(
    dag_id="polio_mapping",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["polio", "mapping"],
    doc_md=__doc__,
    params={
        "kind": Param(None, type=["null", "string"], enum=[None, "region", "campaign", "indicator"],
                      title="Kind", description="What the source string names (one mapping)."),
        "source_string": Param(None, type=["null", "string"], title="Source string",
                               description="The string exactly as written in the documents."),
        "master": Param(None, type=["null", "string"], title="Master name",
                        description="The master region/campaign/indicator; empty removes the mapping."),
        "path": Param(None, type=["null", "string"], title="Mapping file",
                      description="Instead of one mapping: a CSV with kind, source_string, master; "
                                  "a lake key (e.g. landing/polio_mapping/2016.csv) or absolute "
                                  "path under the input roots."),
    },
)
def polio_mapping():
    @task(outlets=[RAW_POLIO])
    def apply(params: dict, dag_run=None) -> dict:
        from tributary.errors import BadInput
        from tributary.inputs import resolve_input
        from tributary.polio.mappings import Mapping, apply_mappings, read_mapping_file

        by = getattr(dag_run, "triggering_user_name", None) or "polio_mapping"
        if params.get("path"):
            mappings = read_mapping_file(resolve_input(params["path"], param="path"))
            return apply_mappings(mappings, by=by, via="csv")
        if params.get("kind") and params.get("source_string"):
            mapping = Mapping(params["kind"], params["source_string"], params.get("master") or None)
            return apply_mappings([mapping], by=by, via="ui")
        raise BadInput("give either path, or kind and source_string (and master)")

    apply()


polio_mapping()
