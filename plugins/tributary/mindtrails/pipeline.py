"""What the MindTrails DAG tasks call (the DAG files only wire these together)."""

from __future__ import annotations

import logging

from tributary import warehouse
from tributary.lake import open_lake
from tributary.mindtrails import active_data, export, recover, transform
from tributary.mindtrails.alerts import DEFAULT as DEFAULT_ALERTS
from tributary.mindtrails.alerts import AlertSettings
from tributary.mindtrails.servers import Server, ServerConfigError, load_server, servers_to_export
from tributary.mindtrails.site_client import ScaleInfo

log = logging.getLogger(__name__)


def plan_exports(server: str, scales: str, alerts: AlertSettings = DEFAULT_ALERTS) -> list[dict]:
    """The (server, scale, deleteable) work items for this run."""
    items = export.plan(servers_to_export(server), scales, alerts=alerts)
    log.info("exporting %d server × scale items: %s", len(items),
             ", ".join(f"{i['server']}/{i['scale']}" for i in items))
    return items


def export_item(item: dict, alerts: AlertSettings = DEFAULT_ALERTS) -> dict:
    server = load_server(item["server"])
    return export.export_scale(server, item["scale"], item["deleteable"], lake=open_lake(),
                               alerts=alerts).as_dict()


def _server_for_decoding(name: str) -> Server:
    try:
        return load_server(name)
    except ServerConfigError:
        log.warning("no connection for server %s: its RSA fields stay encrypted", name)
        return Server(name=name, base_url="", login="", password="")


def decrypt(servers: list[str]) -> dict[str, dict]:
    """Decrypt what the named servers sent; returns per server how many rows, how many flagged."""
    report = {}
    for name in sorted(set(servers)):
        result = transform.decode_server(_server_for_decoding(name))
        report[name] = {"decoded": result.decoded, "decrypt_failed": result.failed}
    return report


def write_active_data(servers: list[str], alerts: AlertSettings = DEFAULT_ALERTS) -> list[str]:
    """Bring the active-data CSVs of the named servers up to date; returns the keys written."""
    lake = open_lake()
    return [f.key for name in sorted(set(servers))
            for f in active_data.write_active_data(name, lake, alerts=alerts)]


def plan_decode(server: str, scales: str) -> list[dict]:
    """The (server, scale) items `mindtrails_decode` works on: servers as for the export (``.``
    every ready one, or a name), scales among those the server has exported (its benchmarks),
    chosen with the export's selector (``.`` deleteable, ``all``, ``static``, or a name)."""
    items = []
    for site in servers_to_export(server):
        with warehouse.connect() as conn:
            known = [ScaleInfo(name, 0, deleteable) for name, deleteable in conn.execute(
                "select scale, deleteable from raw_mindtrails.benchmark where server = %s "
                "order by scale", (site.name,)).fetchall()]
        items += [{"server": site.name, "scale": s.name}
                  for s in export.select_scales(known, scales, site.name)]
    log.info("decoding %d server × scale items: %s", len(items),
             ", ".join(f"{i['server']}/{i['scale']}" for i in items))
    return items


def decode_item(item: dict, alerts: AlertSettings = DEFAULT_ALERTS) -> dict:
    """Decrypt one scale of one server again with the key in its connection and rewrite every
    day's active-data CSV of it."""
    server = load_server(item["server"])
    result = transform.decode_server(server, scales=[item["scale"]], redo=True)
    files = active_data.write_active_data(server.name, open_lake(), scales=[item["scale"]],
                                          force=True, alerts=alerts)
    return {"server": server.name, "scale": item["scale"], "decoded": result.decoded,
            "decrypt_failed": result.failed, "files": [f.key for f in files]}


def recover_backups(server: str) -> list[str]:
    """Replay the lake backups (all servers, or one); returns the servers found."""
    lake = open_lake()
    name = None if server in ("", ".") else server
    result = recover.recover(lake, name)
    if result.backups == 0:
        log.warning("no backups found under %s", lake.url)
    found = {b.server for b in recover.list_backups(lake, name)}
    return sorted(found)
