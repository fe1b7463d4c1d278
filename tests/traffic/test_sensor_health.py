"""The traffic marts on hand-made observations: sensor_health (responsive, generating, suspect),
sensor_uptime_daily, and the health reports traffic_refresh writes to the lake after them.
(The `traffic_suspect_factor` var is covered by the mart's dbt unit tests.)"""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from tributary.dag_runner import day_to_logical_date, load_dag
from tributary.reports import list_reports

pytestmark = pytest.mark.slow

DAY0 = dt.date(2024, 6, 1)


def test_refresh_flags_dead_stuck_and_outlying_sensors_and_writes_the_reports(fresh_warehouse,
                                                                              file_lake, dbt):
    days = [DAY0 + dt.timedelta(days=i) for i in range(9)]
    obs = []
    for i, day in enumerate(days):
        obs.append((day, "wt", "volume", "steady", 1000 + 10 * i))
        obs.append((day, "wt", "volume", "stuck", 0))
        # the spiky sensor jumps to 5x its usual count on the last day
        obs.append((day, "wt", "volume", "spiky", 5000 if i == 8 else 900))
    with psycopg.connect(fresh_warehouse) as conn:
        conn.cursor().executemany(
            "insert into perfmet.obs (collection_date, data_source, data_type, sensor_name, value)"
            " values (%s, %s, %s, %s, %s)", obs)
        conn.cursor().executemany(
            "insert into raw_traffic.device (collection_date, data_source, device_id, device_type,"
            " device_name) values (%s, 'wt', %s, 'WAVETRONIX', %s)",
            [(DAY0, name, name) for name in ("steady", "stuck", "spiky", "dead")])
    # What traffic_refresh's dbt task group builds, in one dbt process (cosmos runs one per
    # model, several times slower); then the refresh's report task, as Airflow runs it.
    dbt("build", "--select", "path:models/traffic")
    refresh = load_dag("traffic_refresh")
    run_day = DAY0 + dt.timedelta(days=9)
    reporting = refresh.partial_subset("health_reports", include_upstream=False)
    run = reporting.test(logical_date=day_to_logical_date(refresh, run_day))
    assert str(run.state) == "success"
    with psycopg.connect(fresh_warehouse) as conn:
        rows = {(r[0], r[1]): r[2:] for r in conn.execute(
            "select sensor_name, collection_date, responsive, generating, suspect, reason,"
            " moving_avg_7d from traffic.sensor_health")}
    last = days[-1]
    assert len(rows) == 4 * 9
    assert rows[("steady", last)][:4] == (True, True, False, None)
    assert float(rows[("steady", last)][4]) == 1040.0  # mean of the 7 days before (1010 … 1070)
    assert rows[("stuck", last)][:4] == (True, False, True, "all zeros")
    assert rows[("dead", last)][:4] == (False, False, False, "no data")
    assert rows[("spiky", last)][:4] == (True, True, True, "far above 7-day average")
    assert rows[("spiky", days[7])][2] is False

    with psycopg.connect(fresh_warehouse) as conn:
        uptime = conn.execute(
            "select collection_date, sensors_listed, responsive, generating, suspect"
            " from traffic.sensor_uptime_daily where data_source = 'wt'"
            " order by collection_date").fetchall()
    assert len(uptime) == 9
    assert uptime[-1] == (last, 4, 3, 2, 2)  # dead not responsive; stuck not generating; stuck, spiky suspect
    assert uptime[7][1:] == (4, 3, 2, 1)  # the day before the spike: only the stuck one

    # The health reports, in the lake under the run's logical date.
    reports = {r.name: r for r in list_reports("traffic", lake=file_lake)}
    assert set(reports) == {"sensor_health_wt.png", "sensor_uptime_daily.csv"}
    assert {str(r.day) for r in reports.values()} == {run_day.isoformat()}
    png = file_lake.get_bytes(reports["sensor_health_wt.png"].key)
    assert png.startswith(b"\x89PNG") and len(png) > 5_000
    lines = file_lake.get_bytes(reports["sensor_uptime_daily.csv"].key).decode().splitlines()
    assert lines[0] == "data_source,collection_date,sensors_listed,responsive,generating,suspect"
    assert lines[-1] == f"wt,{last},4,3,2,2"
