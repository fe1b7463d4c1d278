"""The report files `migration_refresh` leaves in the lake after the marts are built, under
``reports/migration/<YYYY-MM-DD>/`` (the run's day): for each of the six top-10 marts
``<mart>.csv`` (rank, the countries as the source wrote them, value) and ``<mart>.png`` (a bar
chart), and ``README.md``: the latest load of each matrix, the rejected cells, and a table and
the chart of every report. Re-running a day rewrites them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from tributary import reports, warehouse

DOMAIN = "migration"


def _flow(origin: str, destination: str) -> str:
    return (f"select rank, {origin}_name as {origin}, {destination}_name as {destination}, value "
            "from migration.{mart} order by rank")


_COUNTRY = "select rank, country_name as country, value from migration.{mart} order by rank"

#: mart -> (title, unit of the value, query with the countries as the source wrote them)
REPORTS: dict[str, tuple[str, str, str]] = {
    "top_migration_flows": ("Largest migrant stocks, origin → destination", "migrants",
                            _flow("origin", "destination")),
    "top_remittance_flows": ("Largest remittance flows, sender → receiver", "USD millions",
                             _flow("sender", "receiver")),
    "top_destinations": ("Countries hosting the most migrants", "immigrants", _COUNTRY),
    "top_origins": ("Countries the most migrants come from", "emigrants", _COUNTRY),
    "top_net_inflows": ("Largest net migration inflows (immigrants − emigrants)", "net migrants",
                        _COUNTRY),
    "top_net_outflows": ("Largest net migration outflows (immigrants − emigrants)", "net migrants",
                         _COUNTRY),
}

LATEST_LOADS = """
select distinct on (matrix) matrix, file_name, checksum, cells_in, inserted, updated,
       rejected_cells, loaded_at
from raw_migration.matrix_load where status = 'loaded'
order by matrix, loaded_at desc, load_id desc
"""
REJECTS = """
select source, line_number, column_number, row_label, column_label, text, reason
from raw_migration.cell_reject order by source, line_number, column_number
"""


def bar_label(columns: list[str], row: tuple) -> str:
    """"Mexico → United States" for flows, the country for country reports."""
    return " → ".join(str(v) for c, v in zip(columns, row, strict=True) if c not in ("rank", "value"))


def draw_chart(path: Path, title: str, unit: str, columns: list[str], rows: list[tuple]) -> None:
    """A horizontal bar chart of one report, largest at the top (negative values in red)."""
    import matplotlib  # noqa: PLC0415  (only the report task needs it)

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt  # noqa: PLC0415
    import matplotlib.ticker  # noqa: PLC0415

    labels = [bar_label(columns, r) for r in rows][::-1]
    values = [float(r[columns.index("value")]) for r in rows][::-1]
    fig, ax = plt.subplots(figsize=(9, 4.8))
    ax.barh(labels, values, color=["#b5485b" if v < 0 else "#3b6ea8" for v in values])
    ax.set_title(title)
    ax.set_xlabel(unit)
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _cell(column: str, value) -> str:
    if column != "rank" and isinstance(value, int | Decimal):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


def markdown_table(columns: list[str], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(c, v) for c, v in zip(columns, r, strict=True)) + " |" for r in rows]
    return "\n".join(lines)


def summary_head(loads: list[tuple], rejects: list[tuple]) -> list[str]:
    lines = ["# Migration and remittance reports", "",
             "World Bank bilateral migration and remittance matrices (World Bank Migration and "
             "Remittances Data, CC BY 4.0). Countries as the source wrote them. Aggregates (world, "
             "other north, other south) and a country's flow to itself are left out.", "",
             "Latest load of each matrix (`raw_migration.matrix_load`; the file and the cells it "
             "became are archived in the lake under `migration/archive/<matrix>/<sha256[:16]>/`):", ""]
    lines += [f"- {matrix}: `{name}` (sha256 {checksum[:16]}…), {cells:,} cells read, {inserted:,} "
              f"inserted, {updated or 0:,} updated, {rejected} rejected, loaded {at:%Y-%m-%d %H:%M} UTC"
              for matrix, name, checksum, cells, inserted, updated, rejected, at in loads]
    lines += ["", f"Rejected cells ({len(rejects)}, in `raw_migration.cell_reject`):", ""]
    lines += [f"- {src} line {line}, column {col} ({row} → {column}): `{text}` — {reason}"
              for src, line, col, row, column, text, reason in rejects]
    return lines


def write_reports(day: dt.date, url: str | None = None, lake=None) -> dict[str, int | None]:
    """Write every migration report of ``day``; returns lake key -> rows (None for charts and
    the summary)."""
    written: dict[str, int | None] = {}
    with warehouse.connect(url) as conn:
        summary = summary_head(conn.execute(LATEST_LOADS).fetchall(), conn.execute(REJECTS).fetchall())
        for mart, (title, unit, query) in REPORTS.items():
            sql = query.format(mart=mart)  # names from REPORTS only
            key, rows = reports.write_query_report(conn, DOMAIN, day, f"{mart}.csv", sql, lake=lake)
            written[key] = rows
            cur = conn.execute(sql)
            columns, data = [d.name for d in cur.description], cur.fetchall()
            chart = reports.chart_report(DOMAIN, day, f"{mart}.png",
                                         lambda path, t=title, u=unit, c=columns, d=data:
                                         draw_chart(path, t, u, c, d), lake=lake)
            written[chart] = None
            summary += ["", f"## {title}", "", f"![{mart}]({mart}.png)", "", markdown_table(columns, data)]
    key = reports.write_report(DOMAIN, day, "README.md", ("\n".join(summary) + "\n").encode(), lake=lake)
    written[key] = None
    return written
