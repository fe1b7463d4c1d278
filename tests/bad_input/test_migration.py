"""Bad-input corpus of the migration domain: matrix files.

Each case goes through `load.load_file` (what the load tasks call) and asserts one documented
outcome: the file fails as a whole with a `MatrixError` (a `BadInput`: no retry) naming it and,
where it can, the line; nothing of it is stored and the attempt is recorded as failed; or its
documented unreadable cells become rejects in ``raw_migration.cell_reject`` while the rest
loads. The input file is always still where it was, unchanged.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import psycopg
import pytest
from tributary import environment, warehouse
from tributary.errors import BadInput
from tributary.migration import load

from tests.conftest import SERVER_URL
from tests.migration import matrices

CORNER = "Destination country (across) - Source country (down) "
HEADER = f"{CORNER};Alpha;Beta;World"
ROWS = ["Alpha;0;100;100", "Beta;10;0;10", "World;10;100;110"]


def matrix(*rows: str, header: str = HEADER, newline: str = "\r\n") -> bytes:
    return newline.join([header, *rows, ""]).encode()


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    error: str | None = None  # regex of the MatrixError; None: the file loads
    rejected: tuple[str, ...] = ()
    cells: int = 9


CASES = [
    Case("empty", b"", error="no header row with country columns"),
    Case("header only", matrix(), error="no data rows after the header"),
    Case("cut off mid-row", matrix(*ROWS)[:-8], error=r"line 4: 3 cells, the header has 4: .*'World;10;1'"),
    Case("cut off before the World row", matrix(*ROWS[:2]), error="World column but no row is World"),
    Case("a row with a cell too many", matrix("Alpha;0;100;100;7", *ROWS[1:]), error="line 2: 5 cells, the header has 4"),
    Case("a row with a cell too few", matrix("Alpha;0;100", *ROWS[1:]), error="line 2: 3 cells, the header has 4"),
    Case("binary (a spreadsheet)", b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 8, error="not a text file"),
    Case("NUL byte", matrix(ROWS[0].replace("100", "1\x000", 1), *ROWS[1:]), error="not a text file"),
    Case("UTF-16", matrix(*ROWS).decode().encode("utf-16"), error="not a text file"),
    Case("byte cp1252 leaves undefined", matrix(*ROWS).replace(b"Alpha;0", b"Alpha\x81;0"), error="not a text file"),
    Case("comma-separated", matrix(*(r.replace(";", ",") for r in ROWS), header=HEADER.replace(";", ",")),
         error="no header row with country columns .a matrix is semicolon-separated."),
    Case("text where a number belongs", matrix("Alpha;0;lots;100", *ROWS[1:]),
         error=r"line 2: column 3 \(beta\): not a number: 'lots'"),
    Case("decimal comma", matrix("Alpha;0;12,34;100", *ROWS[1:]), error="line 2: column 3 .*not a number"),
    Case("number beyond any count", matrix("Alpha;0;99999999999999999999;100", *ROWS[1:]),
         error="larger than any count"),
    Case("duplicate country headers", matrix(*ROWS, header=f"{CORNER};Alpha;alpha;World"),
         error="header columns 2 and 3 are both: 'alpha'"),
    Case("header of 5,000 columns", matrix(*ROWS, header=HEADER + ";" * 4_997),
         error="line 1: the header has 5,001 columns, more than 4,096"),
    Case("cell of 70 KB", matrix("Alpha;0;100;100", "Beta;10;0;10", f"World;10;{'1' * 70_000};110"),
         error="line 4: a cell holds more than 65,536 characters"),
    Case("cell of 3 MB", matrix(f"{'A' * 3_000_000};0;100;100", *ROWS[1:]),
         error="line 2: a cell holds more than 65,536 characters"),
    Case("swapped axes", matrix(*ROWS, header="Source country (across) - Destination country (down);Alpha;Beta;World"),
         error="needs columns = destination"),
    Case("UTF-8 with BOM", b"\xef\xbb\xbf" + matrix(*ROWS)),
    Case("Windows-1252", matrix("Côte d'Ivoire;0;100;100", *ROWS[1:], header=f"{CORNER};Côte d'Ivoire;Beta;World")
         .decode().encode("cp1252")),
    Case("LF line endings", matrix(*ROWS, newline="\n")),
    Case("not available and footnoted cells", matrix("Alpha;0;N/A;100", "Beta;0*;0;10", ROWS[2]),
         rejected=("not available", "a number with a footnote mark"), cells=7),
    Case("a fraction in a whole-number matrix", matrix("Alpha;0;1.5;100", *ROWS[1:]), rejected=("not a whole number",),
         cells=8),
    Case("footnotes after the World row", matrix(*ROWS, ";;;", "Notes:;;;", "Source: a survey")),
]

TABLES = ("country", "migrant_stock", "cell_reject")


@pytest.fixture(scope="module")
def migration_url() -> str:
    name = f"test_wh_migration_bad_{uuid.uuid4().hex[:6]}"
    environment.ensure_database(SERVER_URL, name)
    url = environment.with_database(SERVER_URL, name)
    with warehouse.transaction(url) as conn:
        warehouse.create_raw_tables(conn)
    yield url
    environment.drop_database(SERVER_URL, name)


def stored(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"select count(*) from raw_migration.{t}").fetchone()[0] for t in TABLES}  # noqa: S608


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_matrix(case: Case, migration_url, tmp_path):
    path = matrices.write(tmp_path, f"{re.sub(r'[^a-z0-9]+', '_', case.name.lower())}.csv", "")
    path.write_bytes(case.data)
    before = stored(migration_url)
    try:
        outcome = load.load_file(path, "migration", migration_url)
    except BadInput as exc:
        assert case.error, f"unexpected failure: {exc}"
        assert re.search(case.error, str(exc)), str(exc)
        assert path.name in str(exc) and len(str(exc)) < 600
        assert stored(migration_url) == before  # nothing loaded
        with psycopg.connect(migration_url) as conn:
            status = conn.execute("select status, length(error) from raw_migration.matrix_load where file_name = %s",
                                  [path.name]).fetchall()
        assert len(status) == 1 and status[0][0] == "failed" and status[0][1] < 600
    else:
        assert not case.error, "the file loaded, expected a failure"
        assert (outcome.rows_in, outcome.rejects) == (case.cells, len(case.rejected))
        with psycopg.connect(migration_url) as conn:
            reasons = [r for (r,) in conn.execute("select reason from raw_migration.cell_reject where source = %s "
                                                  "order by line_number, column_number", [path.name])]
        assert reasons == list(case.rejected)
    assert path.read_bytes() == case.data
