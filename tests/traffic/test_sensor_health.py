"""The sensor_health mart on hand-made observations: responsive, generating, suspect.
(The `traffic_suspect_factor` var is covered by the mart's dbt unit tests, run by the build.)"""

from __future__ import annotations

import datetime as dt

import psycopg

DAY0 = dt.date(2024, 6, 1)


def test_sensor_health_flags_dead_stuck_and_outlying_sensors(fresh_warehouse, dbt):
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
    dbt("build", "--select", "path:models/traffic")
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
