"""What the MindTrails DAG tasks call (the DAG files only wire these together)."""

from __future__ import annotations

import logging

from tributary.lake import open_lake
from tributary.mindtrails import export, recover, transform
from tributary.mindtrails.servers import Server, ServerConfigError, load_server, servers_to_export

log = logging.getLogger(__name__)

RAW_ASSET_URI = "tributary://raw_mindtrails"


def plan_exports(server: str, scales: str) -> list[dict]:
    """The (server, scale, deleteable) work items for this run."""
    items = export.plan(servers_to_export(server), scales)
    log.info("exporting %d server × scale items: %s", len(items),
             ", ".join(f"{i['server']}/{i['scale']}" for i in items))
    return items


def export_item(item: dict) -> dict:
    server = load_server(item["server"])
    return export.export_scale(server, item["scale"], item["deleteable"], lake=open_lake()).as_dict()


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


def recover_backups(server: str) -> list[str]:
    """Replay the lake backups (all servers, or one); returns the servers found."""
    lake = open_lake()
    name = None if server in ("", ".") else server
    result = recover.recover(lake, name)
    if result.backups == 0:
        log.warning("no backups found under %s", lake.url)
    found = {b.server for b in recover.list_backups(lake, name)}
    return sorted(found)
