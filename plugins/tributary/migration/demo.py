"""`make demo` for the migration domain: load the bundled World Bank matrices twice (the second
run inserts nothing), then write each report as CSV, a bar chart PNG and one Markdown summary."""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

from tributary import settings, warehouse  # noqa: E402

#: The bundled World Bank files, passed explicitly (the DAG's params have no default).
SAMPLE_CONF = {
    "migration_path": str(settings.SAMPLE_DIR / "migration" / "bilateralmigrationmatrix20130.csv"),
    "remittance_path": str(settings.SAMPLE_DIR / "migration"
                           / "bilateralremittancematrix2016_Nov2017.csv"),
}

#: report → (title, label of the value, label column(s))
REPORTS: dict[str, tuple[str, str]] = {
    "top_migration_flows": ("Largest migrant stocks, origin → destination (2013)", "migrants"),
    "top_remittance_flows": ("Largest remittance flows, sender → receiver (2016)", "USD millions"),
    "top_destinations": ("Countries hosting the most migrants (2013)", "immigrants"),
    "top_origins": ("Countries the most migrants come from (2013)", "emigrants"),
    "top_net_inflows": ("Largest net migration inflows (immigrants − emigrants)", "net migrants"),
    "top_net_outflows": ("Largest net migration outflows (immigrants − emigrants)", "net migrants"),
}


def fetch(conn, report: str) -> tuple[list[str], list[tuple]]:
    cur = conn.execute(f"select * from migration.{report} order by rank")  # names from REPORTS only
    return [d.name for d in cur.description], cur.fetchall()


def bar_label(columns: list[str], row: tuple) -> str:
    """"mexico → united states" for flows, the country for country reports."""
    names = [str(v) for c, v in zip(columns, row, strict=True) if c not in ("rank", "value")]
    return " → ".join(names)


def write_csv(path: Path, columns: list[str], rows: list[tuple]) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)


def write_chart(path: Path, title: str, unit: str, columns: list[str], rows: list[tuple]) -> None:
    labels = [bar_label(columns, r) for r in rows][::-1]  # largest at the top
    values = [float(r[columns.index("value")]) for r in rows][::-1]
    fig, ax = plt.subplots(figsize=(9, 4.8))
    ax.barh(labels, values, color=["#b5485b" if v < 0 else "#3b6ea8" for v in values])
    ax.set_title(title)
    ax.set_xlabel(unit)
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def markdown_table(columns: list[str], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(f"{v:,}" if isinstance(v, int) and c != "rank" else str(v)
                                for c, v in zip(columns, r, strict=True)) + " |" for r in rows]
    return "\n".join(lines)


def run(ctx) -> None:
    outcome = ctx.run("migration_matrix", SAMPLE_CONF)
    ctx.say("  second run on the same files (load only):")
    ctx.run("migration_matrix", {**SAMPLE_CONF, "build_models": False})
    with warehouse.connect() as conn:
        loads = conn.execute(
            "select distinct on (target) target, rows_in, inserted from raw_platform.load "
            "where target in ('raw_migration.migrant_stock', 'raw_migration.remittance') "
            "order by target, started_at desc").fetchall()
        rejects = conn.execute("select source, line_number, column_number, row_label, "
                               "column_label, text, reason from raw_migration.cell_reject "
                               "order by source, line_number, column_number").fetchall()
        summary = ["# Migration and remittance reports", "",
                   "World Bank bilateral migration matrix 2013 and remittance matrix 2016 "
                   "(World Bank Migration and Remittances Data, CC BY 4.0). Aggregates (world, "
                   "other north, other south) and a country's flow to itself are left out.", "",
                   f"DAG run `{outcome.run_id}`; the re-run of the same files loaded:", ""]
        summary += [f"- `{t}`: {rows_in:,} cells offered, {inserted:,} inserted"
                    for t, rows_in, inserted in loads]
        summary += ["", f"Rejected cells ({len(rejects)}, in `raw_migration.cell_reject`):", ""]
        summary += [f"- {src} line {line}, column {col} ({row} → {column}): `{text}` — {reason}"
                    for src, line, col, row, column, text, reason in rejects]
        written: list[Path] = []
        for report, (title, unit) in REPORTS.items():
            columns, rows = fetch(conn, report)
            csv_path = ctx.report(f"migration/{report}.csv")
            png_path = ctx.report(f"migration/{report}.png")
            write_csv(csv_path, columns, rows)
            write_chart(png_path, title, unit, columns, rows)
            written += [csv_path, png_path]
            summary += ["", f"## {title}", "", f"![{report}]({png_path.name})", "",
                        markdown_table(columns, rows)]
    for target, rows_in, inserted in loads:
        ctx.say(f"  re-run: {target}: {rows_in:,} cells, {inserted:,} new rows")
    summary_path = ctx.report("migration/README.md")
    summary_path.write_text("\n".join(summary) + "\n")
    for path in [summary_path, *written]:
        ctx.say(f"  wrote {path}")
