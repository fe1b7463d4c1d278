"""`make demo` for the migration domain: load the bundled World Bank matrices twice (the second
run inserts nothing), rebuild the marts with `migration_refresh` (which writes the report files),
then say where the archived files and the reports are in the lake."""

from __future__ import annotations

from tributary import settings, warehouse

#: The bundled World Bank files, passed explicitly (the DAG's params have no default).
SAMPLE_CONF = {
    "migration_path": str(settings.SAMPLE_DIR / "migration" / "bilateralmigrationmatrix20130.csv"),
    "remittance_path": str(settings.SAMPLE_DIR / "migration"
                           / "bilateralremittancematrix2016_Nov2017.csv"),
}


def run(ctx) -> None:
    ctx.run("migration_matrix", SAMPLE_CONF)
    ctx.say("  second run on the same files (load only):")
    ctx.run("migration_matrix", {**SAMPLE_CONF, "build_models": False})
    with warehouse.connect() as conn:
        rerun = conn.execute("select matrix, cells_in, inserted, updated from raw_migration.matrix_load "
                             "order by load_id desc limit 2").fetchall()
    for matrix, cells, inserted, updated in reversed(rerun):
        ctx.say(f"  re-run: {matrix}: {cells:,} cells, {inserted:,} new rows, {updated:,} updated")
    ctx.run("migration_refresh")
    archived = [obj.path for obj in ctx.lake.list("migration/archive")]
    ctx.say(f"  archived in {ctx.lake.url}:")
    for key in archived:
        ctx.say(f"    {key}")
    ctx.show_reports("migration")
