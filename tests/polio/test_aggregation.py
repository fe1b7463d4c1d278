"""Aggregation up the region tree and calculated indicators (rhizome's test_agg cases), through
the real dbt models. Values are written through data entry; each case has its own campaign."""

from __future__ import annotations

import pytest
from tributary.polio import data_entry, master_data

from tests.polio.conftest import query, write_csv

pytestmark = pytest.mark.slow

CAMPAIGNS = ["sum", "stored", "pct", "bool", "calc", "ratio-agg", "zero", "multi"]
INDICATORS = [
    ("coverage pct", "pct"), ("deaths total", "int"), ("deaths conflict", "int"),
    ("deaths malaria", "int"), ("deaths hunger", "int"), ("conflict children", "int"),
    ("conflict adults", "int"), ("conflict militants", "int"), ("malaria no net", "int"),
    ("malaria no medicine", "int"), ("pct hunger", "pct"), ("refusals before", "int"),
    ("refusals after", "int"), ("refusal conversion", "pct"), ("seen", "int"),
    ("pct missed 2", "pct"),
]
CALCS = [
    ("deaths total", "deaths conflict", "PART_TO_BE_SUMMED"),
    ("deaths total", "deaths malaria", "PART_TO_BE_SUMMED"),
    ("deaths total", "deaths hunger", "PART_TO_BE_SUMMED"),
    ("deaths conflict", "conflict children", "PART_TO_BE_SUMMED"),
    ("deaths conflict", "conflict adults", "PART_TO_BE_SUMMED"),
    ("deaths conflict", "conflict militants", "PART_TO_BE_SUMMED"),
    ("deaths malaria", "malaria no net", "PART_TO_BE_SUMMED"),
    ("deaths malaria", "malaria no medicine", "PART_TO_BE_SUMMED"),
    ("pct hunger", "deaths hunger", "NUMERATOR"),
    ("pct hunger", "deaths total", "DENOMINATOR"),
    ("refusal conversion", "refusals before", "WHOLE_OF_DIFFERENCE"),
    ("refusal conversion", "refusals after", "PART_OF_DIFFERENCE"),
    ("pct missed 2", "missed", "NUMERATOR"),
    ("pct missed 2", "seen", "DENOMINATOR"),
    ("pct missed 2", "vaccinated", "PART_OF_DIFFERENCE"),
    ("pct missed 2", "seen", "WHOLE_OF_DIFFERENCE"),
]


def entries(campaign: str, values: dict[tuple[str, str], float]) -> list[data_entry.Entry]:
    return [data_entry.Entry(region, campaign, indicator, v) for (region, indicator), v in values.items()]


def value(url: str, table: str, region: str, campaign: str, indicator: str):
    rows = query(url, f"select value from polio.{table} where region = %s and campaign = %s "
                      "and indicator = %s", (region, campaign, indicator))
    assert len(rows) <= 1
    return rows[0][0] if rows else "absent"


def test_aggregation_and_calculation(polio_db, tmp_path, dbt):
    url = polio_db
    folder = tmp_path / "more"
    folder.mkdir()
    write_csv(folder / "campaigns.csv", [["name", "start_date", "end_date"],
                                         *[[c, "2016-02-01", "2016-02-02"] for c in CAMPAIGNS]])
    write_csv(folder / "indicators.csv", [["name", "data_format"], *INDICATORS])
    write_csv(folder / "calculated_indicators.csv", [["indicator", "component", "calculation"], *CALCS])
    master_data.load_metadata(folder, url=url)

    batch = []
    # int sums the descendants
    batch += entries("sum", {("Dala", "missed"): 10, ("Kano Municipal", "missed"): 20,
                             ("Lagos", "missed"): 5})
    # a stored value wins over the aggregate, and is not counted twice above it
    batch += entries("stored", {("Dala", "missed"): 10, ("Kano Municipal", "missed"): 20,
                                ("Kano", "missed"): 909090, ("Lagos", "missed"): 5})
    # pct is not aggregated
    batch += entries("pct", {("Dala", "coverage pct"): 0.2, ("Kano Municipal", "coverage pct"): 0.6})
    # bool takes the mean
    batch += entries("bool", {("Dala", "is accessible"): 1, ("Kano Municipal", "is accessible"): 0,
                              ("Lagos", "is accessible"): 1})
    # sums (missing parts skipped, two levels, a stored part wins over its own parts) and a
    # ratio whose denominator is a computed sum; difference
    batch += entries("calc", {
        ("Dala", "deaths malaria"): 33, ("Dala", "deaths hunger"): 44,
        ("Dala", "conflict children"): 44, ("Dala", "conflict adults"): 55,
        ("Dala", "conflict militants"): 66, ("Dala", "malaria no net"): 77,
        ("Dala", "malaria no medicine"): 88,
        ("Lagos", "malaria no net"): 101, ("Lagos", "deaths hunger"): 102,
        ("Lagos", "refusals before"): 303, ("Lagos", "refusals after"): 808,
    })
    # ratios of aggregated components give national rates
    batch += entries("ratio-agg", {("Dala", "missed"): 32, ("Dala", "targeted"): 100,
                                   ("Lagos", "missed"): 48, ("Lagos", "targeted"): 200})
    batch += entries("zero", {("Lagos", "missed"): 5, ("Lagos", "targeted"): 0,
                              ("Dala", "missed"): 1, ("Dala", "targeted"): 4,
                              ("Dala", "pct missed"): 0.5})
    # ratio preferred, difference as the fallback
    batch += entries("multi", {("Lagos", "missed"): 45, ("Lagos", "seen"): 100,
                               ("Dala", "vaccinated"): 55, ("Dala", "seen"): 100})
    data_entry.enter_values(batch, url=url)
    dbt("build", "--select", "path:models/polio")

    agg = lambda *k: value(url, "agg_datapoint", *k)  # noqa: E731
    calc = lambda *k: value(url, "datapoint_with_computed", *k)  # noqa: E731
    assert agg("Kano", "sum", "missed") == 30
    assert agg("Nigeria", "sum", "missed") == 35
    assert agg("World", "sum", "missed") == 35
    assert agg("Dala", "sum", "missed") == 10
    assert query(url, "select is_agg from polio.agg_datapoint where region = 'Kano' "
                      "and campaign = 'sum'") == [(True,)]

    assert agg("Kano", "stored", "missed") == 909090
    assert agg("Nigeria", "stored", "missed") == 909095
    assert agg("World", "stored", "missed") == 909095

    assert agg("Kano", "pct", "coverage pct") == "absent"
    assert agg("Nigeria", "pct", "coverage pct") == "absent"

    assert agg("Kano", "bool", "is accessible") == pytest.approx(0.5)
    assert agg("Nigeria", "bool", "is accessible") == pytest.approx(2 / 3)

    conflict = 44 + 55 + 66
    assert calc("Dala", "calc", "deaths conflict") == conflict
    assert calc("Dala", "calc", "deaths malaria") == 33, "a stored part wins over its own parts"
    total = conflict + 33 + 44
    assert calc("Dala", "calc", "deaths total") == total
    assert calc("Dala", "calc", "pct hunger") == pytest.approx(44 / total)
    assert calc("Lagos", "calc", "deaths total") == 101 + 102, "missing parts are skipped"
    assert calc("Lagos", "calc", "refusal conversion") == pytest.approx((303 - 808) / 303)
    assert query(url, "select is_calc from polio.datapoint_with_computed where region = 'Dala' "
                      "and campaign = 'calc' and indicator = 'deaths total'") == [(True,)]
    assert calc("Dala", "calc", "deaths hunger") == 44  # raw values pass through
    # computed on aggregated values too
    assert calc("Kano", "calc", "deaths total") == total
    assert calc("World", "calc", "deaths total") == total + 203

    assert calc("Dala", "ratio-agg", "pct missed") == pytest.approx(0.32)
    assert calc("Lagos", "ratio-agg", "pct missed") == pytest.approx(0.24)
    assert calc("Nigeria", "ratio-agg", "pct missed") == pytest.approx(80 / 300)
    assert agg("Nigeria", "ratio-agg", "pct missed") == "absent", "pct itself does not aggregate"

    assert calc("Lagos", "zero", "pct missed") is None, "zero denominator gives null"
    assert calc("Dala", "zero", "pct missed") == 0.5, "a stored value of the calculated indicator wins"

    assert calc("Lagos", "multi", "pct missed 2") == pytest.approx(0.45)
    assert calc("Dala", "multi", "pct missed 2") == pytest.approx(0.45)

    # An incremental refresh after a change in one campaign equals a full rebuild.
    data_entry.enter_values([data_entry.Entry("Lagos", "sum", "missed", 7),
                             data_entry.Entry("Dala", "stored", "missed", None)], url=url)
    dbt("run", "--select", "path:models/polio")
    assert agg("Nigeria", "sum", "missed") == 37
    assert agg("Nigeria", "stored", "missed") == 909095
    assert agg("Dala", "stored", "missed") == "absent"
    snapshot = query(url, "select * from polio.datapoint_with_computed order by 1, 2, 3")
    dbt("run", "--select", "path:models/polio", "--full-refresh")
    assert query(url, "select * from polio.datapoint_with_computed order by 1, 2, 3") == snapshot
