"""Sample data: a small family-plan customer base (dimension CSVs) and days of app events.

Deterministic for a seed. Events carry realistic `event_properties`: nested objects, values with
``:`` ``,`` quotes and the odd ``|``, numbers, booleans and nulls, so the cleaning is exercised
the way a real export would. The demo, tests and benchmarks import it; from the command line::

    .venv/bin/python include/sample/app_events/generate.py --out include/sample/app_events --days 0
    .venv/bin/python include/sample/app_events/generate.py --out /tmp/app --days 3 --events 5000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import io
import json
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

from tributary.app_events.layout import COLUMNS, DELIMITER

GROUPINGS = ["ANDROID", "IOS", "BASIC", "TABLET"]
CHANNELS = ["RETAIL", "ONLINE", "TELESALES", "INDIRECT"]
SEGMENTS = ["FAMILY", "CONSUMER", "SMALL BUSINESS"]
PLANS = ["UNLIMITED FAMILY", "SHARED 10GB", "SHARED 4GB", "PREPAID"]
LIMIT_TYPES = ["USG", "TXT", "MIN", "DATA"]
EVENT_TYPES = {  # event type → weight
    "app_open": 30, "location_check": 20, "content_filter_blocked": 12, "geofence_alert": 8,
    "screen_time_limit_set": 6, "usage_limit_reached": 5, "contact_added": 4, "settings_changed": 5,
    "chat_message_sent": 10,
}
_OS = {"ANDROID": ("android", "Samsung", "Galaxy S21"), "IOS": ("ios", "Apple", "iPhone 13"),
       "BASIC": ("android", "Kyocera", "DuraXV"), "TABLET": ("ios", "Apple", "iPad Air")}


def _mdn(rng: random.Random) -> str:
    # Some numbers start with 0: ids must stay strings end to end.
    return f"{rng.randint(0, 9)}{rng.randint(10**8, 10**9 - 1)}"


def dimension_rows(seed: int = 9, accounts: int = 20, lines: int = 60) -> dict[str, list[list[str]]]:
    """Header + rows of the three dimension files."""
    rng = random.Random(seed)
    accts = [f"{rng.randint(10**8, 10**9 - 1)}-0000{i % 10}" for i in range(accounts)]
    account_rows = [["CUST_ACCT", "SEGMENT_NAME", "SVC_PLAN"]]
    account_rows += [[a, rng.choice(SEGMENTS), rng.choice(PLANS)] for a in accts]
    line_rows = [["MTN", "DEVICE_GROUPING", "SALES_CHANNEL", "SVC_ACT_DT"]]
    limit_rows = [["MTN", "CUST_ACCT", "LIMITING_DT", "LIMIT_TYPE"]]
    for _ in range(lines):
        mtn, acct = _mdn(rng), rng.choice(accts)
        activated = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randint(0, 1800))
        line_rows.append([mtn, rng.choice(GROUPINGS), rng.choice(CHANNELS), activated.isoformat()])
        for limit in rng.sample(LIMIT_TYPES, k=rng.choice([0, 1, 1, 2])):
            limit_rows.append([mtn, acct, (activated + dt.timedelta(days=rng.randint(1, 400))).isoformat(), limit])
    return {"AccountDimension.csv": account_rows, "LineDimension.csv": line_rows,
            "LimitFact.csv": limit_rows}


def csv_text(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write_dimensions(folder: Path, seed: int = 9) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in dimension_rows(seed).items():
        (folder / name).write_text(csv_text(rows))
        paths.append(folder / name)
    return paths


def _properties(rng: random.Random, event_type: str, grouping: str) -> dict:
    props: dict = {"screen": rng.choice(["Home", "Map", "Family: Overview", "Settings, Privacy"])}
    if event_type == "location_check":
        props["location"] = {"lat": round(rng.uniform(25, 48), 5), "lng": round(rng.uniform(-122, -71), 5),
                             "accuracy_m": rng.choice([5, 10, 50])}
        props["label"] = rng.choice(['School "North"', "Grandma's house", "Soccer: field 2", "Home"])
    elif event_type == "content_filter_blocked":
        props["url"] = rng.choice(["https://example.com:8443/a,b?x=1", "http://games.example.org/play"])
        props["category"] = rng.choice(["gaming", "social", "adult"])
    elif event_type in ("screen_time_limit_set", "usage_limit_reached"):
        props["limit"] = {"type": rng.choice(["USG", "TXT", "MIN"]), "minutes": rng.choice([30, 60, 120]),
                          "window": {"start": "21:00", "end": "07:00"}}
    elif event_type == "chat_message_sent":
        props["text_length"] = rng.randint(1, 300)
        props["preview"] = rng.choice(['ok, see you at 5:30', 'he said "no"', "pick | drop", "¿dónde estás?"])
    elif event_type == "settings_changed":
        props["setting"] = rng.choice(["notifications", "dark_mode"])
        props["enabled"] = rng.random() < 0.5
        props["previous"] = None
    props["device_grouping_hint"] = grouping
    props["tags"] = rng.sample(["beta", "family", "kids"], k=rng.randint(0, 2))
    return props


def _stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


def event_lines(day: dt.date, count: int, mdns: Sequence[str], groupings: dict[str, str] | None = None,
                seed: int = 0) -> Iterator[str]:
    """``count`` export lines (without newline) for ``day``; ~2 % from lines not in the dimension
    and ~1 % without an mdn, as in real exports."""
    rng = random.Random(f"{seed}:{day.isoformat()}")
    groupings = groupings or {}
    types, weights = list(EVENT_TYPES), list(EVENT_TYPES.values())
    start = dt.datetime.combine(day, dt.time())
    strangers = [_mdn(rng) for _ in range(5)]
    for n in range(count):
        roll = rng.random()
        mdn = "" if roll < 0.01 else rng.choice(strangers) if roll < 0.03 else rng.choice(mdns)
        grouping = groupings.get(mdn, rng.choice(GROUPINGS))
        os_name, brand, model = _OS[grouping]
        event_type = rng.choices(types, weights)[0]
        when = start + dt.timedelta(seconds=rng.uniform(0, 86_399))
        client = when - dt.timedelta(seconds=rng.uniform(0, 5))
        upload = when + dt.timedelta(seconds=rng.uniform(1, 90))
        props = _properties(rng, event_type, grouping)
        values = {
            "mdn": mdn, "app": "fam-locator", "amplitude_id": str(rng.randint(10**10, 10**11)),
            "device_id": f"{rng.getrandbits(64):016x}", "user_id": mdn and f"u{mdn}",
            "event_time": _stamp(when), "client_event_time": _stamp(client),
            "client_upload_time": _stamp(upload), "server_upload_time": _stamp(upload + dt.timedelta(milliseconds=40)),
            "event_id": str(n + 1), "session_id": str(int(when.timestamp() * 1000) - rng.randint(0, 600_000)),
            "event_type": event_type, "amplitude_event_type": "", "version_name": rng.choice(["5.2.0", "5.3.1"]),
            "os_name": os_name, "os_version": rng.choice(["12", "13", "16.4"]), "device_brand": brand,
            "device_manufacturer": brand, "device_model": model, "device_carrier": "Carrier",
            "country": "United States", "language": "English",
            "location_lat": f"{rng.uniform(25, 48):.4f}", "location_lng": f"{rng.uniform(-122, -71):.4f}",
            "ip_address": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            "event_properties": json.dumps(props, ensure_ascii=False),
            "user_properties": json.dumps({"plan": rng.choice(PLANS), "role": rng.choice(["parent", "child"])}),
            "region": "Texas", "city": "Austin", "dma": "Austin, TX", "device_family": brand,
            "device_type": model, "platform": os_name.capitalize(), "uuid": f"{rng.getrandbits(128):032x}",
            "paying": "", "start_version": "5.0.0", "user_creation_time": "2019-03-01 10:00:00.000000",
            "library": "amplitude-android/2.23.2", "idfa": "", "adid": "",
        }
        yield DELIMITER.join(values[c] for c in COLUMNS)


def write_export(path: Path, day: dt.date, count: int, mdns: Sequence[str], *,
                 groupings: dict[str, str] | None = None, seed: int = 0,
                 extra_lines: Sequence[tuple[int, str]] = ()) -> Path:
    """Write the gzip export for ``day`` (header + ``count`` events), streamed line by line.
    ``extra_lines`` inserts raw lines at data positions (for bad-input tests)."""
    extras = dict(extra_lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=5, newline="\n") as fh:
        fh.write(DELIMITER.join(COLUMNS) + "\n")
        for i, line in enumerate(event_lines(day, count, mdns, groupings, seed)):
            if i in extras:
                fh.write(extras[i] + "\n")
            fh.write(line + "\n")
    return path


def lines_of(folder: Path) -> dict[str, str]:
    """mdn → device grouping from a LineDimension.csv."""
    with (folder / "LineDimension.csv").open(newline="") as fh:
        return {row["MTN"]: row["DEVICE_GROUPING"] for row in csv.DictReader(fh)}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the files")
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2024, 5, 20))
    parser.add_argument("--events", type=int, default=1000, help="events per day")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args(argv)
    write_dimensions(args.out, args.seed)
    groupings = lines_of(args.out)
    for i in range(args.days):
        day = args.start + dt.timedelta(days=i)
        path = write_export(args.out / f"amplitude_{day}.txt.gz", day, args.events, list(groupings),
                            groupings=groupings, seed=args.seed)
        print(path)


if __name__ == "__main__":
    main()
