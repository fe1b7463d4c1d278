"""`make demo` for the migration domain: load the bundled World Bank matrices twice (the second
run inserts nothing), rebuild the marts with `migration_refresh` (which writes the report files),
then say what the second run found (the archived files are listed in the log)."""

from __future__ import annotations

from tributary import settings, warehouse

#: The bundled World Bank files, passed explicitly (the DAG's params have no default).
SAMPLE_CONF = {
    "migration_path": str(settings.SAMPLE_DIR / "migration" / "bilateralmigrationmatrix20130.csv"),
    "remittance_path": str(settings.SAMPLE_DIR / "migration"
                           / "bilateralremittancematrix2016_Nov2017.csv"),
}


def steps() -> int:
    return 3


def run(ctx) -> None:
    ctx.run("migration_matrix", SAMPLE_CONF, detail="both matrices")
    ctx.run("migration_matrix", {**SAMPLE_CONF, "build_models": False},
            detail="same files again, load only")
    with warehouse.connect() as conn:
        rerun = conn.execute("select matrix, cells_in, inserted, updated from raw_migration.matrix_load "
                             "order by load_id desc limit 2").fetchall()
    ctx.say("second run: " + "; ".join(f"{matrix} {cells:,} cells, {inserted:,} new, {updated:,} updated"
                                       for matrix, cells, inserted, updated in reversed(rerun)))
    ctx.run("migration_refresh")
    for obj in ctx.lake.list("migration/archive"):
        ctx.detail(f"archived in {ctx.lake.url}: {obj.path}")
