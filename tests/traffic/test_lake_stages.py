"""The compare loop end to end on the sample: catalogue, skip, force, backfill, simulate, S3,
and one bad item failing alone. Stages run without Airflow here (the DAG tests cover wiring)."""

from __future__ import annotations

import datetime as dt

import pytest
from tributary.lake import open_lake
from tributary.traffic import pipeline
from tributary.traffic.catalog import object_path
from tributary.traffic.stages import StageFailed, StageOptions

from tests.traffic.helpers import catalog, count, day, land_bluetooth

UPSTREAM = ("ingest", "standardize", "ready")


def run_all(start: dt.date, end: dt.date, options: StageOptions | None = None, lake=None) -> None:
    pipeline.run_days("unit_data", start, end, options, lake=lake)
    for source in ("bluetooth", "wavetronix", "gridsmart"):
        pipeline.run_days(source, start, end, options, stages=UPSTREAM, lake=lake)


def test_first_run_catalogs_everything_and_second_adds_nothing(traffic_env, file_lake, sample):
    placed = land_bluetooth(file_lake, sample, [0])
    run_all(day(0), day(1))
    first = catalog(traffic_env, with_processing=True)
    # Every landed file, vendor day and answering camera reached every repository.
    for name in placed:
        base = name.rsplit("_", 1)[0]
        for repository, ext in (("raw", "txt"), ("rawjson", "json"), ("ready", "json")):
            assert (repository, "bt", base, ext, day(0)) in first
    assert {("raw", "wt", "wavetronix", "csv", day(0)), ("ready", "wt", "wavetronix", "json", day(0))} <= set(first)
    cameras = {k[2] for k in first if k[0] == "raw" and k[1] == "gs" and k[3] == "zip"}
    assert len(cameras) == 9  # ten in the inventory, one offline
    assert {f"{c}_agg15" for c in cameras} == {k[2] for k in first if k[0] == "ready" and k[2].endswith("_agg15")}
    for key, (pointer, _) in first.items():
        assert pointer == object_path(key[0], key[1], key[2], key[3], key[4])
        assert file_lake.exists(pointer), pointer
    objects = file_lake.list()

    run_all(day(0), day(1))
    assert catalog(traffic_env, with_processing=True) == first  # nothing rewritten
    assert file_lake.list() == objects


def test_force_redoes_the_stage(traffic_env, file_lake, sample):
    land_bluetooth(file_lake, sample, [0])
    pipeline.run_days("unit_data", day(0), day(1))
    pipeline.run_days("bluetooth", day(0), day(1), stages=UPSTREAM)
    before = catalog(traffic_env, with_processing=True)
    (report,) = pipeline.run_days("bluetooth", day(0), day(1), stages=("standardize",))
    assert report.done == [] and len(report.skipped) == 3
    (report,) = pipeline.run_days("bluetooth", day(0), day(1), StageOptions(force=True),
                                  stages=("standardize",))
    assert len(report.done) == 3
    after = catalog(traffic_env, with_processing=True)
    assert set(after) == set(before)
    redone = [k for k in after if after[k][1] != before[k][1]]
    assert sorted(k[0] for k in redone) == ["rawjson"] * 3


def bluetooth_files(url: str, on: dt.date) -> list[tuple]:
    return [k for k in catalog(url) if k[1] == "bt" and k[2] != "unit_data" and k[4] == on]


def test_restored_file_is_picked_up_by_its_own_day_only(traffic_env, file_lake, sample):
    land_bluetooth(file_lake, sample, [0, 2])  # day 1's files are missing at first
    pipeline.run_days("unit_data", day(0), day(3))
    for n in range(3):
        pipeline.run_days("bluetooth", day(n), day(n + 1), stages=UPSTREAM)
    assert not bluetooth_files(traffic_env, day(1))

    land_bluetooth(file_lake, sample, [1])  # the host drops them late
    pipeline.run_days("bluetooth", day(2), day(3), stages=UPSTREAM)  # a later day's run
    assert not bluetooth_files(traffic_env, day(1))
    reports = pipeline.run_days("bluetooth", day(1), day(2), stages=UPSTREAM)  # the day's re-run
    assert [len(r.done) for r in reports] == [3, 3, 3]
    assert len(bluetooth_files(traffic_env, day(1))) == 9


def test_simulate_writes_nothing(traffic_env, file_lake, sample, tmp_path):
    land_bluetooth(file_lake, sample, [0])
    landing = file_lake.list()
    copies = tmp_path / "copies"
    options = StageOptions(simulate=True, local_copy=copies)
    pipeline.run_days("unit_data", day(0), day(1), options)
    reports = pipeline.run_days("bluetooth", day(0), day(1), options, stages=("ingest",))
    assert len(reports[0].would_write) == 3
    assert file_lake.list() == landing
    for table in ("lake.catalog", "perfmet.job", "perfmet.obs", "raw_traffic.device"):
        assert count(traffic_env, f"select count(*) from {table}") == 0, table
    # The local copy is the dry run's output.
    assert sorted(p.relative_to(copies).as_posix() for p in copies.rglob("*.*")) == sorted(
        [object_path("raw", s, "unit_data", "json", day(0)) for s in ("bt", "wt", "gs")]
        + reports[0].would_write)


def test_s3_and_file_lakes_give_the_same_catalog(traffic_env, file_lake, s3_lake, sample):
    file_lake = open_lake(file_lake.url)  # s3_lake made S3 current; keep both at hand
    for lake in (file_lake, s3_lake):
        land_bluetooth(lake, sample, [0])
    run_all(day(0), day(1), lake=file_lake)
    on_file = catalog(traffic_env)
    with __import__("psycopg").connect(traffic_env, autocommit=True) as conn:
        conn.execute("truncate lake.catalog, perfmet.obs, raw_traffic.device")
    run_all(day(0), day(1), lake=s3_lake)
    assert catalog(traffic_env) == on_file
    assert [(o.path, o.size) for o in s3_lake.list() if o.path.startswith("raw/")] == [
        (o.path, o.size) for o in file_lake.list() if o.path.startswith("raw/")]


def test_a_corrupt_zip_fails_alone_and_a_rerun_redoes_only_it(traffic_env, file_lake, sample):
    pipeline.run_days("unit_data", day(0), day(1))
    pipeline.run_days("gridsmart", day(0), day(1), stages=("ingest",))
    zips = sorted(o.path for o in file_lake.list("raw/") if o.path.endswith(".zip"))
    victim = zips[2]
    good = file_lake.get_bytes(victim)
    file_lake.put_bytes(victim, good[: len(good) // 2])  # cut off mid-transfer
    with pytest.raises(StageFailed) as failed:
        pipeline.run_days("gridsmart", day(0), day(1), stages=("standardize",))
    message = str(failed.value)
    assert "1 failed" in message and victim in message and "corrupt zip" in message
    assert f"{len(zips) - 1} done" in message

    file_lake.put_bytes(victim, good)
    (report,) = pipeline.run_days("gridsmart", day(0), day(1), stages=("standardize",))
    assert report.done == [victim] and len(report.skipped) == len(zips) - 1


def test_a_truncated_text_file_fails_alone(traffic_env, file_lake, sample):
    placed = land_bluetooth(file_lake, sample, [0])
    victim = f"landing/bluetooth/{placed[0]}"
    data = file_lake.get_bytes(victim)
    file_lake.put_bytes(victim, data[: len(data) // 2 - 7])
    pipeline.run_days("unit_data", day(0), day(1))
    pipeline.run_days("bluetooth", day(0), day(1), stages=("ingest",))
    with pytest.raises(StageFailed, match="truncated: its last line has no line ending"):
        pipeline.run_days("bluetooth", day(0), day(1), stages=("standardize",))
    rawjson = [k for k in catalog(traffic_env) if k[0] == "rawjson"]
    assert len(rawjson) == 2
