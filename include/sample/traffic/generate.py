"""Sample traffic sensor data: what the city's three sensor systems would hand the lake.

    python include/sample/traffic/generate.py OUT_DIR [--start 2024-06-01] [--days 7]

Writes, for ~10 sensors per source over ``days`` days:
- ``devices.json``: the device inventory (what the inventory stand-in serves);
- ``bluetooth/Austin_bt_MM-DD-YYYY.txt``, ``Austin_btmatch_…``, ``Austin_bt_summary_15_…``:
  headerless AWAM files (IAF, ITMF, TMSR) with a few garbage lines each;
- ``wavetronix/detector_counts.csv``: the vendor database's rows (15-minute detector counts)
  with its column names, a few garbage values included;
- ``gridsmart/<device_ip>/site.json`` and ``gridsmart/<device_ip>/counts/YYYY-MM-DD.zip``: the
  camera's site file and zipped per-zone count files (what the device API serves).
Every source has a dead sensor (in the inventory, no data); Wavetronix and GRIDSMART also have
a sensor stuck at zero. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import io
import json
import random
import uuid
import zipfile
from pathlib import Path

STREETS = [("LAMAR", "6TH"), ("LAMAR", "MLK"), ("BURNET", "RICHCREEK"), ("GUADALUPE", "24TH"),
           ("CONGRESS", "5TH"), ("51ST", "MANOR"), ("ANDERSON MILL", "BETHANY"), ("MANCHACA", "REDD"),
           ("LOOP 360", "LAKEWOOD"), ("RIVERSIDE", "PLEASANT VALLEY")]
APPROACHES = ["Northbound", "Southbound", "Eastbound", "Westbound"]
N_SENSORS = 10
DEAD, STUCK = 7, 8  # sensor indexes with no data / only zeros
WT_COLUMNS = ["detID", "intID", "curDateTime", "intName", "detName", "volume", "occupancy",
              "speed", "status", "uploadSuccess", "detCountComparison", "dailyCumulative"]


def _awam_time(moment: dt.datetime) -> str:
    """AWAM's ``M/D/YYYY H:MM:SS AM`` (no zero padding on month, day and hour)."""
    hour = moment.hour % 12 or 12
    return (f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment:%M:%S} "
            f"{'AM' if moment.hour < 12 else 'PM'}")


def _name(i: int) -> str:
    a, b = STREETS[i]
    return f"{a}_{b}".lower().replace(" ", "_")


def devices() -> list[dict]:
    found = []
    for kind, offset, prefix in (("BLUETOOTH", 0, 16), ("WAVETRONIX", 100, 17), ("GRIDSMART", 200, 18)):
        for i in range(N_SENSORS):
            primary, cross = STREETS[i]
            found.append({
                "device_type": kind,
                "atd_device_id": offset + i + 1,
                "device_name": _name(i) if kind != "WAVETRONIX" else f"{primary}{cross}",
                "device_status": "TURNED_ON",
                "device_ip": f"172.{prefix}.{i + 10}.{20 + i}",
                "ip_comm_status": "ONLINE" if i != DEAD else "OFFLINE",
                "atd_location_id": f"LOC16-{offset + i:06d}",
                "coa_intersection_id": 5150000 + i,
                "kits_id": (i + 1) if kind == "WAVETRONIX" else None,
                "lat": f"{30.25 + i * 0.011:.7f}",
                "lon": f"{-97.74 - i * 0.007:.7f}",
                "primary_st": f" {primary} BLVD",
                "cross_st": f" {cross} ST",
            })
    return found


def _volume_shape(minute_of_day: int) -> float:
    """A two-peak weekday profile: quiet at night, peaks at 8:00 and 17:30."""
    hour = minute_of_day / 60
    return 0.08 + 0.9 * max(0.0, 1 - abs(hour - 8) / 3) + max(0.0, 1 - abs(hour - 17.5) / 3)


def bluetooth(out: Path, day: dt.date, rng: random.Random) -> None:
    readers = [_name(i) for i in range(N_SENSORS) if i != DEAD]
    ips = {_name(i): f"172.16.{i + 10}.{20 + i}" for i in range(N_SENSORS)}
    midnight = dt.datetime.combine(day, dt.time())
    iaf, itmf = [], []
    for _ in range(600):
        addr = base64.b64encode(rng.randbytes(5).hex(":").upper().encode()).decode()
        start = midnight + dt.timedelta(seconds=rng.randrange(0, 86_000))
        origin, dest = rng.sample(readers, 2)
        travel = rng.randrange(30, 900)
        end = start + dt.timedelta(seconds=travel)
        for reader, moment in ((origin, start), (dest, end)):
            if moment.date() == day:
                field = moment - dt.timedelta(seconds=rng.randrange(0, 5))
                iaf.append((moment, f"{_awam_time(moment)},{ips[reader]},{_awam_time(field)},{reader},{addr}"))
        if end.date() == day:
            speed = max(1, int(1.2 * 3600 / travel))
            itmf.append((end, f"{addr},{origin},{dest},{_awam_time(start)},{_awam_time(end)},{travel},"
                              f"{speed},{'valid' if speed > 5 else 'invalid'},125"))
    tmsr = []
    for minute in range(0, 1440, 15):
        moment = midnight + dt.timedelta(minutes=minute)
        for i in range(0, N_SENSORS - 1):
            if DEAD in (i, i + 1):
                continue
            a, b = STREETS[i]
            c, d = STREETS[i + 1]
            samples = rng.randrange(0, 12)
            avg_tt = rng.randrange(40, 300) if samples else -1
            tmsr.append(f"{_name(i)},{_name(i + 1)},{a},{b},Northbound,{c},{d},Southbound,"
                        f"{0.4 + i / 10:.3f},{_awam_time(moment)[:-6]} {_awam_time(moment)[-2:]},"
                        f"{avg_tt},{int(2400 / avg_tt) if samples else -1},15,{samples},"
                        f"{rng.uniform(1, 6) if samples else -1:.2f}")
    garbage = ["#### AWAM host restarted ####", "not,enough,fields",
               "13/45/2024 99:99:99 XM,172.16.0.1,13/45/2024 99:99:99 XM,ghost_reader,QUJD"]
    stamp = f"{day:%m-%d-%Y}"
    folder = out / "bluetooth"
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in ((f"Austin_bt_{stamp}.txt", [line for _, line in sorted(iaf)]),
                       (f"Austin_btmatch_{stamp}.txt", [line for _, line in sorted(itmf)]),
                       (f"Austin_bt_summary_15_{stamp}.txt", tmsr)):
        rows = list(rows)
        for g in garbage:
            rows.insert(rng.randrange(len(rows) + 1), g)
        (folder / name).write_text("\r\n".join(rows) + "\r\n")


def wavetronix_rows(day: dt.date, rng: random.Random) -> list[dict]:
    rows = []
    midnight = dt.datetime.combine(day, dt.time())
    for i in range(N_SENSORS):
        if i == DEAD:
            continue
        primary, cross = STREETS[i]
        for lane, det in enumerate(("NB_in", "SB_in")):
            det_id = 100 + i * 10 + lane
            for minute in range(0, 1440, 15):
                moment = midnight + dt.timedelta(minutes=minute, seconds=rng.choice([0, 0, 1]))
                volume = 0 if i == STUCK else int(rng.gauss(60, 8) * _volume_shape(minute))
                volume = max(volume, 0)
                rows.append({
                    "detID": det_id, "intID": i + 1, "curDateTime": moment.isoformat(sep=" "),
                    "intName": f"{primary}{cross}", "detName": det, "volume": str(volume),
                    "occupancy": str(min(100, volume // 3)),
                    "speed": str(0 if i == STUCK else rng.randrange(25, 45)), "status": "0",
                    "uploadSuccess": "1", "detCountComparison": "0", "dailyCumulative": "0",
                })
    # A garbage row the vendor's export really does produce now and then.
    bad = dict(rows[rng.randrange(len(rows))])
    bad.update(detID=999, volume="n/a", speed="")
    rows.append(bad)
    return rows


def gridsmart_site(i: int, zones: dict[str, str], today: dt.date) -> dict:
    primary, cross = STREETS[i]
    return {
        "site": {
            "CameraDevices": [{"Fisheye": {"CameraMasks": {"ZoneMasks": [
                {"Vehicle": {"ApproachType": approach, "TurnType": "Straight",
                             "NumberOfLanes": 2, "IncludeInData": True, "Id": guid.replace("-", "")}}
                for guid, approach in zones.items()]},
                "Name": f"{primary.title()} & {cross.title()}"}}],
            "Id": uuid.UUID(int=i + 1000).hex,
            "Location": {"City": "Austin", "State": "TX", "Street1": primary.title(),
                         "Street2": cross.title(), "Latitude": 30.25 + i * 0.011,
                         "Longitude": -97.74 - i * 0.007},
        },
        "datetime": {"DateTime": f"{today.month}/{today.day}/{today.year} 2:32:13 AM",
                     "TimeZoneId": "(UTC-06:00) Central Time (US & Canada)",
                     "HostTimeUTC": f"{today:%m/%d/%Y} 08:30:38 AM" if i == 3 else f"{today:%m/%d/%Y} 07:32:13 AM"},
        "hardware_info": {"BoxSerialNumber": f"GS2-{3800 + i}", "HardwareVersion": "GS2"},
    }


def gridsmart(out: Path, days: list[dt.date], rng: random.Random) -> None:
    for i in range(N_SENSORS):
        if i == DEAD:
            continue
        ip = f"172.18.{i + 10}.{20 + i}"
        zones = {str(uuid.UUID(int=(i + 1) * 100 + z)): APPROACHES[z] for z in range(4)}
        folder = out / "gridsmart" / ip
        (folder / "counts").mkdir(parents=True, exist_ok=True)
        # Device 3 ignores daylight saving time (offset -360 in summer) and its clock runs 95 s
        # ahead: both quirks of the real cameras the standardize stage corrects.
        utc_offset = -360 if i == 3 else -300
        (folder / "site.json").write_text(json.dumps(gridsmart_site(i, zones, days[-1]), indent=1))
        for day in days:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for guid in zones:
                    lines = []
                    if i != STUCK:
                        for _ in range(rng.randrange(120, 180)):
                            minute = rng.randrange(0, 1440)
                            if rng.random() > _volume_shape(minute) / 1.1:
                                continue
                            seconds = minute * 60 + rng.uniform(0, 59.9)
                            if i == 3:  # the device's clock: an hour behind, then 95 s fast
                                seconds += -3600 + 95
                                if seconds < 0:
                                    continue
                            length = rng.choice([12, 14, 15, 16, 18, 22, 40])
                            lines.append(f"8,23,{seconds:.1f},{utc_offset},{rng.choice('SSSSLRU')},"
                                         f"{length},{rng.randrange(18, 45)},G,{rng.uniform(0.2, 6):.1f},"
                                         f"{rng.randrange(0, 3)},{rng.uniform(0, 90):.2f},0.0,40,38")
                        lines.sort(key=lambda line: float(line.split(",")[2]))
                    archive.writestr(f"{guid}.csv", "\r\n".join(lines))
            (folder / "counts" / f"{day.isoformat()}.zip").write_bytes(buffer.getvalue())


def generate(out: Path, start: dt.date = dt.date(2024, 6, 1), days: int = 7, seed: int = 6) -> Path:
    """Write the sample under ``out`` and return it."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "devices.json").write_text(json.dumps(devices(), indent=1))
    day_list = [start + dt.timedelta(days=d) for d in range(days)]
    wt_rows = []
    for day in day_list:
        bluetooth(out, day, rng)
        wt_rows += wavetronix_rows(day, rng)
    (out / "wavetronix").mkdir(exist_ok=True)
    with (out / "wavetronix" / "detector_counts.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, WT_COLUMNS)
        writer.writeheader()
        writer.writerows(wt_rows)
    gridsmart(out, day_list, rng)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate the traffic sample data.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2024, 6, 1))
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    print(generate(args.out, args.start, args.days, args.seed))


if __name__ == "__main__":
    main()
