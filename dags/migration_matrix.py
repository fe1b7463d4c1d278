"""
### migration_matrix

Loads World Bank bilateral matrices (the migration matrix — rows = origin, columns =
destination — and the remittance matrix — rows = sending, columns = receiving country) into
`raw_migration`, archives each loaded file in the lake, then asks `migration_refresh` to
rebuild the marts and reports.

1. **check**: the run names at least one file and each is allowed (a lake key, or an absolute
   path under `TRIBUTARY_INPUT_ROOTS`); the columns the loader sends against each raw table's
   columns (information_schema). A refused path or a mismatch fails here and nothing is loaded.
2. **load_migrant_stock**, **load_remittance**: each resolves its param once and loads the file
   in one transaction (a task whose param is empty loads nothing). Country names from the
   headers get stable ids in `raw_migration.country`; cells are streamed in chunks with COPY,
   upserted on the primary key (a re-run of the same file changes nothing and says so; a newer
   file replaces the values it carries); footnote rows are skipped and counted; documented
   unreadable cells go to `raw_migration.cell_reject`. A file that is not a whole matrix (a row
   cut short, no World row, a header alone, text where numbers belong) fails without retries.
   Every attempt is a row in `raw_migration.matrix_load` (loaded with counts, or failed with
   its error). After the commit the file is archived in the lake with its checksum,
   `migration/archive/<matrix>/<sha256[:16]>/<file name>`, next to the relational CSV its cells
   became, `<file stem>.cells.csv` (an archived checksum is not written again).
3. **models_requested** → **request_refresh**: emits `Asset("tributary://raw_migration")`, on
   which `migration_refresh` (marts, their tests, the report files) is scheduled.

Params (give one file or both; no default, so a bare trigger fails naming them):
- `migration_path`: the migration matrix CSV, a lake key
  (`landing/migration_matrix/<sha>/file.csv`, as an upload stores it) or an absolute path under
  the input roots (e.g. the bundled `include/sample/migration/…`).
- `remittance_path`: the remittance matrix CSV, the same way.
- `build_models`: request the marts' rebuild after loading (default true: the Asset event);
  false loads only, and the marts catch up at `migration_refresh`'s next scheduled run.

Not scheduled: the matrices are published once a year; trigger with new files (or upload one
through `POST /api/v1/uploads/migration_matrix`).
"""

from datetime import datetime

from airflow.sdk import Param, dag, task
from tributary.assets import RAW_MIGRATION
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.migration import load


@dag(
    dag_id="migration_matrix",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["migration", "extract"],
    doc_md=__doc__,
    params={
        "migration_path": Param(
            None, type=["null", "string"], title="Migration matrix",
            description="CSV of the bilateral migration matrix (rows = origin, columns = "
                        "destination): lake key or absolute path under the input roots.",
        ),
        "remittance_path": Param(
            None, type=["null", "string"], title="Remittance matrix",
            description="CSV of the bilateral remittance matrix (rows = sending, columns = "
                        "receiving country): lake key or absolute path under the input roots.",
        ),
        "build_models": Param(
            True, type="boolean", title="Build the dbt models",
            description="Ask migration_refresh to rebuild the marts and reports after "
                        "loading (the raw_migration Asset); false: load only.",
        ),
    },
)
def migration_matrix():
    @task
    def check(params: dict) -> None:
        load.check_inputs(params)
        load.check_all()

    @task
    def load_migrant_stock(params: dict) -> dict:
        return load.load_param(params, "migration")

    @task
    def load_remittance(params: dict) -> dict:
        return load.load_param(params, "remittance")

    @task.short_circuit(ignore_downstream_trigger_rules=True)
    def models_requested(params: dict) -> bool:
        return bool(params["build_models"])

    @task(outlets=[RAW_MIGRATION])
    def request_refresh() -> str:
        """The raw tables changed: migration_refresh, scheduled on this Asset, rebuilds."""
        return RAW_MIGRATION.name

    # Sequential loads: both files add to the shared country table.
    (check() >> load_migrant_stock() >> load_remittance() >> models_requested()
     >> request_refresh())


migration_matrix()
