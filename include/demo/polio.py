"""`make demo` for polio: master data, a long and a wide document, a mapping file, one data-entry
value, a refresh; then one computed value and how much still needs mapping (the list is in the
log; the refresh left it as `reports/polio/<day>/missing_mapping.csv` in the lake). Idempotent: a second run loads
nothing new (same documents by checksum and reading params, same mappings and entry). The DAGs
have no sample defaults, so every input is named here (absolute paths under include/sample,
an input root by default)."""

from __future__ import annotations

from tributary import settings, warehouse

SAMPLE = settings.SAMPLE_DIR / "polio"
WIDE_IGNORE = ["Province", "PCODE", "level", "DCODE", "District.Name", "Alternative.Spell"]


def steps() -> int:
    return 6


def run(ctx) -> None:
    ctx.run("polio_metadata", {"path": str(SAMPLE / "master")})
    ctx.run("polio_ingest", {"path": str(SAMPLE / "documents" / "nigeria_2016_01_long.csv"),
                             "region_column": "region", "campaign_column": "campaign"})
    ctx.run("polio_ingest", {"path": str(SAMPLE / "documents" / "afghanistan_2016_03_wide.csv"),
                             "region_column": "geocode", "campaign_column": "campaign",
                             "ignore_columns": WIDE_IGNORE})
    ctx.run("polio_mapping", {"path": str(SAMPLE / "mappings.csv")})
    ctx.run("polio_data_entry", {"region": "Kano", "campaign": "Nigeria January 2016",
                                 "indicator": "Number of children missed due to child not available",
                                 "value": 900}, detail="Kano, Nigeria January 2016: 900")
    ctx.run("polio_refresh")
    with warehouse.connect() as conn:
        counts = {
            name: conn.execute(f"select count(*) from {name}").fetchone()[0]  # noqa: S608 (fixed names)
            for name in ("raw_polio.document", "raw_polio.source_datapoint", "polio.datapoint",
                         "polio.agg_datapoint", "polio.datapoint_with_computed",
                         "polio.rejected_value", "polio.missing_mapping")
        }
        missing = conn.execute(
            "select kind, source_string, document_id, rows from polio.missing_mapping "
            "order by kind, source_string, document_id").fetchall()
        national = conn.execute(
            "select value from polio.datapoint_with_computed where region = 'Nigeria' "
            "and indicator = '% missed children due to child not available'").fetchone()
    for name, n in counts.items():
        ctx.detail(f"{name:34s} {n:>7,}")
    for kind, source_string, document_id, rows in missing:
        ctx.detail(f"still to map: {kind:9s} {source_string!r:45s} document {document_id}: {rows} facts")
    if national:
        ctx.say(f"Nigeria, % missed children due to child not available (computed): {national[0]:.4f}")
    ctx.say(f"{counts['polio.datapoint']:,} datapoints; {len(missing)} source strings still to map "
            f"({counts['polio.rejected_value']:,} rejected values)")
