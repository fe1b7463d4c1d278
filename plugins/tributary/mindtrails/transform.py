"""The transform step: decrypt the ``*RSA`` fields of exported entries into
``raw_mindtrails.decoded``. A field that fails keeps its ciphertext and the row is flagged;
flagged rows are tried again on every run (e.g. after the key in the connection is fixed).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from tributary import warehouse
from tributary.mindtrails import rsa_fields
from tributary.mindtrails.servers import Server

log = logging.getLogger(__name__)

BATCH = 5_000
COLUMNS = ["server", "scale", "id", "payload", "decrypt_failed", "failed_fields", "decoded_at"]

#: Entries to decrypt, after (scale, id), in key order: not decoded yet or flagged (or every one
#: with ``redo``), of the given scales (null: all).
PENDING = """
select e.scale, e.id, e.payload
from raw_mindtrails.entry e
left join raw_mindtrails.decoded d using (server, scale, id)
where e.server = %(server)s and (%(redo)s or d.id is null or d.decrypt_failed)
  and (%(scales)s::text[] is null or e.scale = any(%(scales)s::text[]))
  and (e.scale, e.id) > (%(scale)s, %(id)s)
order by e.scale, e.id
limit %(batch)s
"""


@dataclass
class DecodeResult:
    server: str
    decoded: int = 0
    failed: int = 0


def decode_server(server: Server, url: str | None = None, *, scales: list[str] | None = None,
                  redo: bool = False) -> DecodeResult:
    """Decrypt every entry of ``server`` (of ``scales`` only, when given) not decoded yet or
    flagged before, batch by batch; ``redo`` decrypts the decoded ones again too (the key in
    the connection may have changed)."""
    result = DecodeResult(server.name)
    key = rsa_fields.load_private_key(server.private_key, server.name) if server.private_key else None
    if key is None:
        log.warning("server %s has no private_key: RSA fields stay encrypted", server.name)
    last = ("", -1)
    while True:
        with warehouse.transaction(url) as conn:
            batch = conn.execute(PENDING, {"server": server.name, "redo": redo, "scales": scales,
                                           "scale": last[0], "id": last[1], "batch": BATCH}).fetchall()
            if not batch:
                break
            now = dt.datetime.now(dt.UTC)
            rows = []
            for scale, entry_id, payload in batch:
                decoded = rsa_fields.decrypt_entry(key, payload)
                result.decoded += 1
                result.failed += decoded.failed
                rows.append((server.name, scale, entry_id, decoded.payload, decoded.failed,
                             decoded.failed_fields, now))
            warehouse.load(conn, "raw_mindtrails.decoded", COLUMNS, rows, mode="upsert",
                           key=["server", "scale", "id"])
        last = (batch[-1][0], batch[-1][1])
    if result.failed:
        log.warning("server %s: %d of %d entries have fields that could not be decrypted "
                    "(kept as ciphertext, flagged decrypt_failed)", server.name, result.failed, result.decoded)
    else:
        log.info("server %s: %d entries decrypted", server.name, result.decoded)
    return result
