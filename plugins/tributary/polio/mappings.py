"""Mappings (`polio_mapping`, the mapping workbench): a source string of one kind, as documents
spell it, tied to a master name (`master_data`). A mapping file is read as strictly as a master
file; every change of a string's master is recorded in ``raw_polio.mapping_change``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tributary import warehouse
from tributary.inputs import InputFile
from tributary.polio import changes
from tributary.polio.master_data import KINDS, MASTER_TABLE, MasterDataError, read_csv

log = logging.getLogger(__name__)

#: How a mapping change was made (raw_polio.mapping_change.via): the review form or trigger form
#: in the web UI, the HTTP API, a mapping file, or auto-apply of a suggestion.
VIAS = ("ui", "api", "csv", "auto")


@dataclass(frozen=True)
class Mapping:
    kind: str
    source_string: str
    master: str | None  # None removes the mapping


def read_mapping_file(source: InputFile | Path) -> list[Mapping]:
    """Mappings from a CSV with columns kind, source_string, master (blank master removes).

    ``source`` is resolved by the caller (`tributary.inputs.resolve_input` for a param; a Path is
    a file the calling code chose)."""
    if isinstance(source, Path):
        source = InputFile.trusted(source)
    elif not isinstance(source, InputFile):  # a param's string must pass the trust boundary first
        raise TypeError(f"read_mapping_file takes an InputFile or a Path, not {type(source).__name__}")
    with source.local_path() as path:
        rows = read_csv(path, ["kind", "source_string", "master"])
    return [Mapping(r["kind"].lower(), r["source_string"], r["master"] or None) for _, r in rows]


def apply_mappings(mappings: Iterable[Mapping], *, by: str = "tributary", via: str = "api",
                   url: str | None = None) -> dict[str, int]:
    """Set or remove mappings (one transaction); every named master must exist. Each change of a
    string's master is recorded in ``raw_polio.mapping_change`` with ``by`` (who) and ``via``
    (one of `VIAS`)."""
    if via not in VIAS:
        raise ValueError(f"via {via!r} is not one of {', '.join(VIAS)}")
    mappings = list(mappings)
    problems = [f"kind {m.kind!r} is not one of {', '.join(KINDS)}" for m in mappings
                if m.kind not in KINDS]
    problems += [f"{m.kind} mapping without a source_string" for m in mappings if not m.source_string]
    if problems:
        raise MasterDataError("; ".join(problems[:10]))
    with warehouse.transaction(url) as conn:
        changes.lock_for_write(conn)
        for kind in KINDS:
            masters = {m.master for m in mappings if m.kind == kind and m.master}
            if masters:
                known = {r[0] for r in conn.execute(
                    f"select name from {MASTER_TABLE[kind]} where name = any(%s)", (list(masters),))}
                unknown = sorted(masters - known)
                if unknown:
                    raise MasterDataError(f"unknown {kind}(s): {', '.join(unknown[:10])}; "
                                          "load them with polio_metadata first")
        # The last line for a string wins, as if the mappings were applied one by one.
        final = {(m.kind, m.source_string): m.master for m in mappings}
        old = {(k, s): master for k, s, master in conn.execute(
            "select kind, source_string, master from raw_polio.mapping "
            "where (kind, source_string) in (select * from unnest(%s::text[], %s::text[]))",
            ([k for k, _ in final], [s for _, s in final]))}
        history = [(k, s, old.get((k, s)), master, by, via) for (k, s), master in final.items()
                   if old.get((k, s)) != master]
        warehouse.load(conn, "raw_polio.mapping_change",
                       ["kind", "source_string", "old_master", "new_master", "changed_by", "via"], history)
        to_set = [(k, s, master) for (k, s), master in final.items() if master]
        to_remove = [(k, s) for (k, s), master in final.items() if not master]
        result = warehouse.load(conn, "raw_polio.mapping", ["kind", "source_string", "master"],
                                to_set, mode="upsert", key=["kind", "source_string"])
        removed = 0
        for kind, source_string in to_remove:
            removed += conn.execute(
                "delete from raw_polio.mapping where kind = %s and source_string = %s",
                (kind, source_string)).rowcount
        changes.log_changes(conn, [changes.mapping_change(k, s) for k, s in final])
    counts = {"set": result.inserted + result.updated, "unchanged": result.skipped, "removed": removed,
              "changed": len(history)}
    log.info("mappings: %s", counts)
    return counts
