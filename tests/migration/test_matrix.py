"""Matrix parsing edge cases (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tributary.migration import load
from tributary.migration.matrix import (
    MatrixError,
    MatrixFile,
    MatrixStats,
    clean_name,
    parse_axes,
    parse_value,
)

from tests.migration import matrices


def read(path, whole_numbers=False):
    matrix = MatrixFile(path, whole_numbers=whole_numbers)
    rejects, stats = [], MatrixStats()
    cells = list(matrix.cells(rejects.append, stats))
    return matrix, cells, rejects, stats


def countries(matrix: MatrixFile) -> list[str]:
    """The header's names, then those of rows the header does not name (what gets ids)."""
    names = [c for c in matrix.header.columns if c]
    for label, _ in matrix.value_rows(lambda reject: None):
        if label not in names:
            names.append(label)
    return names


@pytest.mark.parametrize(("raw", "clean"), [
    ("Bahamas, The", "bahamas the"),
    ("Korea,\nRep.", "korea rep."),
    ("  Congo, Dem. Rep.\r\n", "congo dem. rep."),
    ("Other\nNorth", "other north"),
    ("WORLD", "world"),
    ("", ""),
])
def test_clean_name(raw, clean):
    assert clean_name(raw) == clean


@pytest.mark.parametrize(("text", "value"), [
    ("0", 0), ("28,411", 28411), ("2,299,676", 2299676), (" 17 ", 17), ("1,200.5", Decimal("1200.5")),
])
def test_parse_value_reads_published_numbers(text, value):
    assert parse_value(text, whole_numbers=False) == value


@pytest.mark.parametrize("text", ["N/A", "0*", "-5", "12,34", "1,2345", "1.2.3", "abc", "1e3"])
def test_parse_value_refuses_anything_else(text):
    with pytest.raises(ValueError, match="not a non-negative number"):
        parse_value(text, whole_numbers=False)


def test_whole_number_matrix_refuses_fractions_but_not_trailing_zeros():
    assert parse_value("12.0", whole_numbers=True) == 12
    with pytest.raises(ValueError, match="whole"):
        parse_value("12.5", whole_numbers=True)


def test_small_migration_matrix(tmp_path):
    path = matrices.write(tmp_path, "m.csv", matrices.MIGRATION)
    matrix, cells, rejects, stats = read(path, whole_numbers=True)
    assert matrix.header.axes.across == "destination country"
    assert matrix.header.axes.down == "source country"
    assert countries(matrix) == ["alpha", "beta the", "gamma", "delta", "world"]
    assert ("gamma", "beta the", 1000) in cells
    assert ("beta the", "gamma", 300) in cells
    assert ("alpha", "alpha", 0) in cells  # a published zero is a row
    assert len(cells) == 25 and rejects == []
    assert (stats.data_rows, stats.footnote_rows, stats.blanks) == (5, 0, 0)


def test_small_remittance_matrix_blanks_rejects_footnotes(tmp_path):
    path = matrices.write(tmp_path, "r.csv", matrices.REMITTANCE)
    matrix, cells, rejects, stats = read(path)
    pairs = {(r, c): v for r, c, v in cells}
    assert ("alpha", "gamma") not in pairs  # blank: no row
    assert ("alpha", "delta") not in pairs  # N/A: a reject, not 0
    assert pairs[("gamma", "delta")] == Decimal("1200.5")
    assert len(cells) == 25 - 2
    assert [(r.line_number, r.column_number, r.row_label, r.column_label, r.text) for r in rejects] == [
        (2, 5, "alpha", "delta", "N/A")]
    assert stats.footnote_rows == 3 and stats.first_footnote_line == 7
    assert stats.blanks == 1


def test_rows_after_the_first_footnote_are_footnotes(tmp_path):
    text = ("x (across) - y (down);A;B\nA;1;2\nNote: see below;;\nB;3;4\n")
    _, cells, rejects, stats = read(matrices.write(tmp_path, "f.csv", text))
    assert cells == [("a", "a", 1), ("a", "b", 2)]
    assert stats.footnote_rows == 2 and rejects == []


def test_header_country_without_values_is_not_a_footnote(tmp_path):
    text = "h;A;B\nA;;\nB;3;4\n"
    _, cells, _, stats = read(matrices.write(tmp_path, "e.csv", text))
    assert cells == [("b", "a", 3), ("b", "b", 4)]
    assert (stats.data_rows, stats.footnote_rows, stats.blanks) == (2, 0, 2)


def test_nameless_and_duplicate_rows_are_rejected(tmp_path):
    text = "h;A;B;\nA;1;2;9\n;5;6;\nB;3;4;\nb;7;8;\n"
    _, cells, rejects, _ = read(matrices.write(tmp_path, "r.csv", text))
    assert cells == [("a", "a", 1), ("a", "b", 2), ("b", "a", 3), ("b", "b", 4)]
    assert [(r.line_number, r.column_number, r.reason.split(" (")[0]) for r in rejects] == [
        (2, 4, "value in a column without a country name"),
        (3, 0, "row has values but no country name"),
        (5, 0, "duplicate row for 'b'"),
    ]


@pytest.mark.parametrize(("text", "line"), [
    ("h;A;B\nA;1;2;9\nB;3;4\n", 2),  # a cell too many
    ("h;A;B\nA;1;2\nB;3\n", 3),  # cut off mid-row
    ("h;Xland;Yland\nXland;1;2\nYland;5", 3),
])
def test_a_row_of_another_width_fails_the_file_with_its_line(tmp_path, text, line):
    with pytest.raises(MatrixError, match=f"r.csv, line {line}: .* cells, the header has 3"):
        countries(MatrixFile(matrices.write(tmp_path, "r.csv", text)))


def test_a_matrix_cut_before_its_world_row_fails(tmp_path):
    cut = matrices.MIGRATION[:matrices.MIGRATION.index("World;55")]
    with pytest.raises(MatrixError, match="World column but no row is World"):
        countries(MatrixFile(matrices.write(tmp_path, "m.csv", cut)))


def test_a_header_alone_is_no_matrix(tmp_path):
    with pytest.raises(MatrixError, match="no data rows after the header"):
        countries(MatrixFile(matrices.write(tmp_path, "h.csv", "h;A;B\n")))


@pytest.mark.parametrize(("text", "reason"), [
    ("N/A", "not available"), ("..", "not available"), ("-", "not available"),
    ("0*", "a number with a footnote mark"), ("-5", "a negative number"),
])
def test_documented_rejects(tmp_path, text, reason):
    _, cells, rejects, _ = read(matrices.write(tmp_path, "j.csv", f"h;A;B\nA;1;{text}\n"))
    assert cells == [("a", "a", 1)] and [r.reason for r in rejects] == [reason]


@pytest.mark.parametrize("text", ["abc", "1e3", "12,34", "1.2.3"])
def test_other_text_where_a_number_belongs_fails_the_file(tmp_path, text):
    with pytest.raises(MatrixError, match="j.csv, line 2: column 3 \\(b\\): not a number"):
        read(matrices.write(tmp_path, "j.csv", f"h;A;B\nA;1;{text}\n"))


def test_row_countries_missing_from_the_header_get_names_too(tmp_path):
    text = "h;A;B\nA;1;2\nC;3;4\n"
    matrix = MatrixFile(matrices.write(tmp_path, "n.csv", text))
    assert countries(matrix) == ["a", "b", "c"]


def test_duplicate_header_names_fail_the_file(tmp_path):
    with pytest.raises(MatrixError, match="both: 'korea rep.'"):
        MatrixFile(matrices.write(tmp_path, "d.csv", "h;Korea, Rep.;Korea Rep.\n"))


def test_header_without_countries_fails(tmp_path):
    with pytest.raises(MatrixError):
        MatrixFile(matrices.write(tmp_path, "empty.csv", ""))
    with pytest.raises(MatrixError):
        MatrixFile(matrices.write(tmp_path, "blank.csv", "h;;\n"))


def test_cp1252_export_is_read(tmp_path):
    path = matrices.write(tmp_path, "c.csv", "h;Côte d'Ivoire\nCôte d'Ivoire;1\n", encoding="cp1252")
    _, cells, _, _ = read(path)
    assert cells == [("côte d'ivoire", "côte d'ivoire", 1)]


def test_axes_are_read_from_the_corner_cell():
    axes = parse_axes("Remittance-receiving country (across)        -      Remittance-sending country (down) ")
    assert (axes.across, axes.down) == ("remittance-receiving country", "remittance-sending country")
    assert parse_axes("Country") is None


def test_a_swapped_matrix_is_refused(tmp_path):
    swapped = matrices.write(tmp_path, "s.csv", "Source country (across) - Destination country (down);A\nA;1\n")
    with pytest.raises(MatrixError, match="needs columns = destination"):
        load.check_orientation(MatrixFile(swapped), load.MIGRATION)
    remittance_as_migration = MatrixFile(matrices.REAL_REMITTANCE)
    with pytest.raises(MatrixError):
        load.check_orientation(remittance_as_migration, load.MIGRATION)
    load.check_orientation(remittance_as_migration, load.REMITTANCE)


def test_real_migration_file():
    matrix, cells, rejects, stats = read(matrices.REAL_MIGRATION, whole_numbers=True)
    names = countries(matrix)
    assert len(names) == len(set(names)) == 217
    assert {"world", "other north", "other south", "bahamas the", "korea rep."} <= set(names)
    assert len(cells) == 217 * 217 and rejects == [] and stats.footnote_rows == 0
    assert ("mexico", "united states", 12950828) in cells


def test_real_remittance_file():
    matrix, cells, rejects, stats = read(matrices.REAL_REMITTANCE)
    assert len(countries(matrix)) == 215
    assert stats.footnote_rows == 7  # an empty row, "Notes:", five notes (one with quotes)
    assert sorted((r.row_label, r.column_label, r.text) for r in rejects) == [
        ("india", "pakistan", "0*"), ("israel", "lebanon", "N/A"),
        ("lebanon", "israel", "N/A"), ("pakistan", "india", "0*")]
    assert len(cells) == 215 * 215 - 4
    assert ("united states", "mexico", 28126) in cells  # rows send, columns receive


def test_a_row_is_read_whole_when_plain_and_cell_by_cell_otherwise(tmp_path):
    """Both ways give Postgres the same texts: separators dropped, blanks empty, a reject empty."""
    text = ("h;A;B;C;D\n"
            "A;1,234;;007;12\n"                        # plain: read as a whole row
            "B;1,234; ;\u00a07 ;N/A\n"                 # blanks with spaces, a padded number, N/A
            "C;9223372036854775807;0;1;2\n"            # 19 digits: checked against a bigint
            "D;1.0;2;3;4\n")                           # a whole number written as a decimal
    matrix = MatrixFile(matrices.write(tmp_path, "w.csv", text), whole_numbers=True)
    rejects, stats = [], MatrixStats()
    rows = list(matrix.value_rows(rejects.append, stats))
    assert rows == [("a", ["1234", "", "007", "12"]), ("b", ["1234", "", "7", ""]),
                    ("c", ["9223372036854775807", "0", "1", "2"]), ("d", ["1", "2", "3", "4"])]
    assert [(r.row_label, r.column_label, r.reason) for r in rejects] == [("b", "d", "not available")]
    assert (stats.values, stats.blanks, stats.rejects) == (13, 2, 1)
    big = text.replace("9223372036854775807", "9223372036854775808")
    with pytest.raises(MatrixError, match="line 4: column 2 \\(a\\): larger than any count"):
        list(MatrixFile(matrices.write(tmp_path, "b.csv", big), whole_numbers=True).value_rows(print))
