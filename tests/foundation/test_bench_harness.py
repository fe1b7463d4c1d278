"""How `make bench` (bench/harness.py) reports several runs of one benchmark (unit tests: none is run)."""

from bench.harness import Figure, Result, combine, machine


def _run(rate: str, ratio: str, rss_ratio: str) -> Result:
    return Result("t", "make bench ONLY=t", [Figure("rows/s", rate, "100", ratio),
                                             Figure("note", "x"),
                                             Figure("rss", "50", "40", rss_ratio)])


def test_several_runs_show_the_median_run_and_the_spread_of_each_ratio():
    runs = [_run("90", "0.90", "1.25"), _run("70", "0.70", "1.20"), _run("80", "0.80", "1.30×")]
    combined = combine(runs)
    assert [f.ours for f in combined.figures] == ["80", "x", "50"]  # the median run's figures
    assert combined.figures[0].ratio == "0.80 (median 0.8; 0.7–0.9 over 3 runs)"
    assert combined.figures[1].ratio == ""  # no ratio, nothing invented
    assert combined.figures[2].ratio == "1.30× (median 1.25; 1.2–1.3 over 3 runs)"
    assert "Runs: 3" in combined.notes


def test_one_run_is_reported_as_it_is():
    run = _run("90", "0.90", "1.25")
    assert combine([run]) is run


def test_the_machine_line_names_cores_memory_and_load():
    line = machine()
    assert " cores, " in line and "GiB" in line and "load average" in line
