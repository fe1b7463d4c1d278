"""
### migration_matrix

Loads World Bank bilateral matrices (the migration matrix — rows = origin, columns =
destination — and the remittance matrix — rows = sending, columns = receiving country) into
`raw_migration`, then builds the `migration` dbt marts and reports.

1. **check_schemas**: the columns the loader sends against each raw table's columns
   (information_schema); a mismatch fails here, naming both schemas, and nothing is loaded.
2. **load_migrant_stock**, **load_remittance**: one transaction per file. Country names from the
   headers get stable ids in `raw_migration.country`; cells are streamed in chunks with COPY,
   insert-new on the primary key (a re-run of the same file inserts 0 rows and says so);
   footnote rows are skipped and counted; unreadable cells go to `raw_migration.cell_reject`.
   Emits `Asset("tributary://raw_migration")`.
3. **migration_models** (cosmos): `migration.country`, `migration.migrant_stock`,
   `migration.remittance` and the six `top_*` reports, each model's dbt tests right after it.

Params:
- `migration_path`: the migration matrix CSV (absolute, or relative to the repository);
  defaults to the bundled World Bank 2013 file.
- `remittance_path`: the remittance matrix CSV; defaults to the bundled 2016 file.
- `build_models`: build the dbt models after loading (default true); false loads only.

Not scheduled: the matrices are published once a year; trigger with new files.
"""

from datetime import datetime

from airflow.sdk import Asset, Param, dag, task
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.dbt_dags import dbt_models
from tributary.migration import load

RAW_MIGRATION = Asset("tributary://raw_migration")


@dag(
    dag_id="migration_matrix",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["migration", "extract", "dbt"],
    doc_md=__doc__,
    params={
        "migration_path": Param(
            load.SAMPLE_FILES["migration"], type="string", title="Migration matrix",
            description="CSV of the bilateral migration matrix (rows = origin, columns = "
                        "destination); absolute or relative to the repository.",
        ),
        "remittance_path": Param(
            load.SAMPLE_FILES["remittance"], type="string", title="Remittance matrix",
            description="CSV of the bilateral remittance matrix (rows = sending, columns = "
                        "receiving country); absolute or relative to the repository.",
        ),
        "build_models": Param(
            True, type="boolean", title="Build the dbt models",
            description="Rebuild the migration marts and reports after loading.",
        ),
    },
)
def migration_matrix():
    @task
    def check_schemas() -> None:
        load.check_all()

    @task
    def load_migrant_stock(params: dict) -> dict:
        return load.load_file(params["migration_path"], "migration").as_dict()

    @task(outlets=[RAW_MIGRATION])
    def load_remittance(params: dict) -> dict:
        return load.load_file(params["remittance_path"], "remittance").as_dict()

    @task.short_circuit(ignore_downstream_trigger_rules=True)
    def models_requested(params: dict) -> bool:
        return bool(params["build_models"])

    # Sequential loads: both files add to the shared country table.
    (check_schemas() >> load_migrant_stock() >> load_remittance() >> models_requested()
     >> dbt_models("migration_models", select=["path:models/migration"]))


migration_matrix()
