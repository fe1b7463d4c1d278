"""Small matrix files for the tests, written in the World Bank layout, with figures worked out
by hand in test_reports.py."""

from __future__ import annotations

from pathlib import Path

from tributary import settings

SAMPLE = settings.SAMPLE_DIR / "migration"
REAL_MIGRATION = SAMPLE / "bilateralmigrationmatrix20130.csv"
REAL_REMITTANCE = SAMPLE / "bilateralremittancematrix2016_Nov2017.csv"

# Rows = origin, columns = destination. A BOM, a quoted header cell with a comma and a line break
# ("Beta,\nThe" and the row's "Beta, The" are one country), a thousands separator, a self flow
# (delta → delta) and the world aggregate.
MIGRATION = (
    "\ufeffDestination country (across)   -   Source country (down) ;Alpha;\"Beta,\nThe\";Gamma;Delta;World\r\n"
    "Alpha;0;100;20;5;125\r\n"
    "\"Beta, The\";10;0;300;0;310\r\n"
    "Gamma;40;1,000;0;0;1,040\r\n"
    "Delta;5;0;0;2;7\r\n"
    "World;55;1,100;320;7;1,482\r\n"
)

# Rows = sending, columns = receiving. A blank (alpha → gamma: no row), an unreadable cell
# (alpha → delta "N/A": a reject), decimals, and footnotes after an empty row.
REMITTANCE = (
    "Remittance-receiving country (across) - Remittance-sending country (down) ;Alpha;Beta, The;Gamma;Delta;World\n"
    "Alpha;0;1.5;;N/A;1.5\n"
    "Beta, The;2.25;0;0;0;2.25\n"
    "Gamma;30;0;0;1,200.5;1,230.5\n"
    "Delta;0;0;7;0;7\n"
    "World;32.25;1.5;7;1,200.5;1,241.25\n"
    ";;;;;\n"
    "Notes:;;;;;\n"
    "\"A footnote; with a semicolon and \"\"quotes\"\"\";;;;;\n"
)


def write(directory: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = directory / name
    path.write_bytes(text.encode(encoding))
    return path
