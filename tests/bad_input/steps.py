"""What the kill tests run in a child process (``python -m tests.bad_input.steps <what> ...``):
the same calls the DAG tasks make, so a SIGKILL at a `tributary.faults` checkpoint stops them
where a lost worker would."""

from __future__ import annotations

import datetime as dt
import sys

from tributary import warehouse
from tributary.lake import open_lake


def app_day(day: dt.date) -> None:
    """archive → clean → load → release_landing, as the `app_events` tasks do."""
    from tributary.app_events import ingest  # noqa: PLC0415

    lake = open_lake()
    archived = ingest.archive(lake, day)
    summary = ingest.clean(lake, day, archived)
    with warehouse.transaction() as conn:
        ingest.load_day(conn, lake, day, archived, summary)
    with warehouse.connect() as conn:
        ingest.release_landing(conn, lake, day, archived)


def traffic_stage(source: str, stage: str, day: dt.date) -> None:
    from tributary.traffic import pipeline  # noqa: PLC0415
    from tributary.traffic.stages import StageOptions, run_stage  # noqa: PLC0415

    run_stage(pipeline.stage(source, stage), day, day + dt.timedelta(days=1), StageOptions(), open_lake())


def mindtrails_scale(server: str, scale: str) -> None:
    from tributary.mindtrails import pipeline  # noqa: PLC0415

    pipeline.export_item({"server": server, "scale": scale, "deleteable": True})


if __name__ == "__main__":
    what, *args = sys.argv[1:]
    if what == "app_day":
        app_day(dt.date.fromisoformat(args[0]))
    elif what == "traffic_stage":
        traffic_stage(args[0], args[1], dt.date.fromisoformat(args[2]))
    else:
        mindtrails_scale(*args)
