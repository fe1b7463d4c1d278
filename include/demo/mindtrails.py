"""`make demo` for MindTrails: a study website stand-in on loopback (its key pair and password
generated now, never stored), two exports in delete mode (the second finds nothing new),
recovery from the lake backups, a decode of the static scales, and the refresh, whose last task
writes the report files to the lake (the runner lists them)."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import urllib.request
from pathlib import Path

from tributary import warehouse
from tributary.mindtrails import active_data, rsa_fields
from tributary.mindtrails.backups import ROOT

from include.standins import launch

SERVER = "demo"


def _forget_previous_demo(ctx) -> None:
    """Each demo starts a brand-new website, so the previous demo's rows and backups of the
    ``demo`` server are removed first (that keeps re-running the demo idempotent)."""
    with warehouse.transaction() as conn:
        for table in ("entry", "benchmark", "decoded", "deletion", "study", "active_file"):
            conn.execute(f"delete from raw_mindtrails.{table} where server = %s", (SERVER,))
    lake = ctx.lake
    for prefix in (f"{ROOT}/{SERVER}", f"{active_data.ROOT}/{SERVER}"):
        for obj in lake.list(prefix):
            lake.delete(obj.path)


def steps() -> int:
    return 5


def run(ctx) -> None:
    private, public = rsa_fields.generate_key_pair()
    password = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="mindtrails-demo-") as tmp:
        key_path = Path(tmp) / "public.pem"
        key_path.write_text(public)
        site = launch.start("mindtrails_site", "--public-key", str(key_path), "--user", "exporter",
                             "--participants", "60", env={"MINDTRAILS_SITE_PASSWORD": password})
    env_name = f"AIRFLOW_CONN_MINDTRAILS_{SERVER.upper()}"
    previous = os.environ.get(env_name)
    os.environ[env_name] = json.dumps({
        "conn_type": "http", "host": site.host, "port": site.port, "schema": "http",
        "login": "exporter", "password": password,
        "extra": {"ready": True, "delete_mode": True, "private_key": private},
    })
    try:
        _forget_previous_demo(ctx)
        ctx.say(f"study website stand-in on {site.url} (delete_mode on)")
        ctx.run("mindtrails_export", {"server": SERVER, "scales": "all"}, detail="server demo, all scales")
        ctx.run("mindtrails_export", {"server": SERVER, "scales": "all"}, detail="again: nothing new")
        with urllib.request.urlopen(f"{site.url}/__state") as response:
            state = json.loads(response.read())
        with warehouse.connect() as conn:
            stored, deleted = conn.execute(
                "select (select count(*) from raw_mindtrails.entry where server = %s), "
                "(select count(*) from raw_mindtrails.deletion where server = %s)",
                (SERVER, SERVER)).fetchone()
        ctx.say(f"exported {stored} entries; {deleted} sensitive entries deleted from the website; "
                "the second run found nothing new")
        ctx.detail(f"left on the website: {state['scales']}")
        ctx.run("mindtrails_recover", {"server": SERVER})
        ctx.run("mindtrails_decode", {"server": SERVER, "scales": "static"})
        ctx.run("mindtrails_refresh")
    finally:
        site.stop()
        if previous is None:
            os.environ.pop(env_name, None)
        else:
            os.environ[env_name] = previous
    active = ctx.lake.list(f"{active_data.ROOT}/{SERVER}")
    ctx.say(f"active data: {len(active)} CSVs (one per scale and day) under "
            f"{ctx.lake.url}/{active_data.ROOT}/{SERVER}/")
