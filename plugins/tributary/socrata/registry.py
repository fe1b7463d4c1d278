"""The publication registry: the only things that may leave the warehouse for an open-data portal.

A publication is declared once, next to the mart it publishes, as a dbt exposure of type
``application`` whose ``config.meta.socrata`` (or ``meta.socrata``) says::

    dataset_id: abcd-1234        # or null: each deployment names it (see `dataset_id_for`)
    row_id: datapoint_id         # a declared column (optional with mode replace)
    columns: {datapoint_id: text, value: number, ...}   # published columns -> SODA types
    where: "value is not null"   # optional SQL condition on the mart's rows
    chunk_size: 10000            # rows per request (default 10,000)
    sync_deletes: false          # delete portal rows gone from the mart
    schedule: null               # a cron expression, besides "when the mart is rebuilt"
    mode: upsert                 # or replace (a whole new version of the dataset)

and ``depends_on: [ref('<mart>')]``. The registry reads the exposures from the dbt manifest
cosmos renders from (`settings.DBT_MANIFEST`), and refuses a declaration that reads anything but
one dbt model of a domain's ``marts`` folder in a mart schema (never ``raw_*``, staging,
intermediate, ``publish``, ``pg_catalog`` or ``information_schema``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from tributary import settings
from tributary.errors import BadInput, quote_input
from tributary.flags import flag

#: Column types of a Socrata dataset, as its API names them (`dataTypeName` / SoQL types).
SODA_TYPES = frozenset({
    "text", "number", "double", "money", "percent", "checkbox", "calendar_date",
    "floating_timestamp", "fixed_timestamp", "date", "point", "location", "line", "polygon",
    "multipoint", "multiline", "multipolygon", "url", "email", "phone", "json",
})
MODES = ("upsert", "replace")
DEFAULT_CHUNK_SIZE = 10_000
MAX_CHUNK_SIZE = 50_000

#: The Airflow Variable (JSON ``{publication: dataset_id}``) that overrides declared dataset ids.
DATASET_IDS_VARIABLE = "socrata_dataset_ids"

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_FIELD = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")  # a Socrata field name
_DATASET_ID = re.compile(r"^[a-z0-9]{4}-[a-z0-9]{4}$")
_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "publish")
_NOT_MART_SCHEMA = re.compile(r"^(raw_|pg_)|_(staging|intermediate)$")


class DeclarationError(BadInput):
    """A declared publication is wrong (what it reads, its columns, its settings)."""


class UnknownPublication(BadInput):
    """A name that is not a declared publication."""


@dataclass(frozen=True)
class Declaration:
    """One declared publication, checked."""

    name: str
    model: str  # the dbt node it reads, e.g. model.tributary.datapoint_open_data
    relation: str  # schema.name in the warehouse
    domain: str  # the dbt folder of the mart (polio, traffic, app_events, ...)
    columns: dict[str, str]
    row_id: str | None
    dataset_id: str | None = None
    where: str | None = None
    chunk_size: int = DEFAULT_CHUNK_SIZE
    sync_deletes: bool = False
    schedule: str | None = None
    mode: str = "upsert"
    label: str = ""


@dataclass(frozen=True)
class Registry:
    """The declared publications, and the declarations refused with the reason."""

    publications: dict[str, Declaration]
    refused: dict[str, str] = field(default_factory=dict)

    def names(self) -> list[str]:
        return sorted(self.publications)

    def get(self, name: str) -> Declaration:
        """The publication ``name``; `UnknownPublication` (listing the declared names) or
        `DeclarationError` (why it was refused) otherwise."""
        if name in self.publications:
            return self.publications[name]
        if name in self.refused:
            raise DeclarationError(f"publication {name!r} is declared but refused: {self.refused[name]}")
        raise UnknownPublication(f"{quote_input(name)!r} is not a declared publication; declared: "
                                 f"{', '.join(self.names()) or 'none'} (dbt exposures with meta.socrata)")

    def in_domain(self, domain: str) -> list[Declaration]:
        return [d for _, d in sorted(self.publications.items()) if d.domain == domain]


def socrata_meta(exposure: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``socrata`` block of an exposure's meta (config.meta wins), or None."""
    for meta in ((exposure.get("config") or {}).get("meta"), exposure.get("meta")):
        if meta and meta.get("socrata") is not None:
            return meta["socrata"]
    return None


def from_manifest(manifest: Mapping[str, Any]) -> Registry:
    """Every exposure with ``meta.socrata`` in a parsed dbt manifest, checked."""
    publications: dict[str, Declaration] = {}
    refused: dict[str, str] = {}
    nodes = manifest.get("nodes", {})
    for exposure in manifest.get("exposures", {}).values():
        meta = socrata_meta(exposure)
        if meta is None:
            continue
        try:
            declaration = declare(exposure, meta, nodes)
        except DeclarationError as exc:
            refused[exposure["name"]] = str(exc)
        else:
            publications[declaration.name] = declaration
    return Registry(publications, refused)


def load(path: Path | None = None) -> Registry:
    """The registry of the dbt manifest at ``path`` (default `settings.DBT_MANIFEST`, built by
    ``make manifest``); parsed once per manifest version."""
    path = Path(path or settings.DBT_MANIFEST)
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise DeclarationError(f"no dbt manifest at {path}: run `make manifest`") from None
    return _load(str(path), stamp)


@lru_cache(maxsize=4)
def _load(path: str, stamp: int) -> Registry:
    return from_manifest(json.loads(Path(path).read_text()))


def declare(exposure: Mapping[str, Any], meta: Mapping[str, Any],
            nodes: Mapping[str, Mapping[str, Any]]) -> Declaration:
    """One exposure's declaration, or `DeclarationError` saying what is wrong with it."""
    name = exposure["name"]
    if not _NAME.match(name):
        raise DeclarationError(f"publication name {name!r} must be lowercase letters, digits, _")
    if exposure.get("type") != "application":
        raise DeclarationError(f"{name}: a publication is an exposure of type application")
    node = _mart(name, exposure, nodes)
    columns = _columns(name, meta.get("columns"), node)
    mode = meta.get("mode") or "upsert"
    if mode not in MODES:
        raise DeclarationError(f"{name}: mode must be one of {', '.join(MODES)}, not {mode!r}")
    row_id = meta.get("row_id")
    if row_id is None and mode == "upsert":
        raise DeclarationError(f"{name}: an upsert publication needs a row_id")
    if row_id is not None and row_id not in columns:
        raise DeclarationError(f"{name}: row_id {row_id!r} is not one of the published columns "
                               f"({', '.join(columns)})")
    dataset_id = meta.get("dataset_id")
    if dataset_id is not None and not _DATASET_ID.match(str(dataset_id)):
        raise DeclarationError(f"{name}: dataset_id {dataset_id!r} is not a 4x4 id like abcd-1234")
    return Declaration(
        name=name, model=node["unique_id"], relation=f"{node['schema']}.{_relation_name(node)}",
        domain=node["fqn"][1], columns=columns, row_id=row_id, dataset_id=dataset_id,
        where=_where(name, meta.get("where")), chunk_size=_chunk_size(name, meta.get("chunk_size")),
        sync_deletes=flag(meta.get("sync_deletes"), what=f"{name}: sync_deletes",
                          error=DeclarationError),
        schedule=_schedule(name, meta.get("schedule")), mode=mode,
        label=exposure.get("label") or name)


def _mart(name: str, exposure: Mapping[str, Any],
          nodes: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any]:
    """The one mart model the publication reads; refuses anything else."""
    depends = list((exposure.get("depends_on") or {}).get("nodes") or [])
    if len(depends) != 1:
        raise DeclarationError(f"{name}: a publication depends on exactly one mart (ref('<mart>')), "
                               f"not {depends or 'nothing'}")
    node = nodes.get(depends[0])
    if node is None or node.get("resource_type") != "model":
        raise DeclarationError(f"{name}: {depends[0]} is not a dbt model; only marts are published")
    schema = str(node.get("schema", "")).lower()
    if schema in _SYSTEM_SCHEMAS or _NOT_MART_SCHEMA.search(schema):
        raise DeclarationError(f"{name}: {schema}.{_relation_name(node)} is not in a mart schema; "
                               "raw, staging, intermediate and system schemas are never published")
    parts = Path(node.get("original_file_path", "")).parts
    if len(parts) < 4 or parts[0] != "models" or parts[2] != "marts":
        raise DeclarationError(f"{name}: {node['unique_id']} is not in a marts folder "
                               f"(models/<domain>/marts/), it is {'/'.join(parts)}")
    if (node.get("config") or {}).get("materialized") == "ephemeral":
        raise DeclarationError(f"{name}: {node['unique_id']} is ephemeral: there is nothing to read")
    return node


def _relation_name(node: Mapping[str, Any]) -> str:
    return node.get("alias") or node["name"]


def _columns(name: str, columns: Any, node: Mapping[str, Any]) -> dict[str, str]:
    if not isinstance(columns, Mapping) or not columns:
        raise DeclarationError(f"{name}: columns must map each published column to its SODA type")
    documented = set(node.get("columns") or {})
    for column, soda_type in columns.items():
        if not _FIELD.match(str(column)):
            raise DeclarationError(f"{name}: column {column!r} is not a Socrata field name "
                                   "(lowercase letters, digits, _)")
        if soda_type not in SODA_TYPES:
            raise DeclarationError(f"{name}: column {column!r} has unknown SODA type {soda_type!r} "
                                   f"(known: {', '.join(sorted(SODA_TYPES))})")
        # A documented mart says which columns it has: a typo is caught when dbt parses.
        if documented and column not in documented:
            raise DeclarationError(f"{name}: column {column!r} is not a column of "
                                   f"{node['unique_id']} (documented: {', '.join(sorted(documented))})")
    return {str(c): str(t) for c, t in columns.items()}


def _where(name: str, where: Any) -> str | None:
    if where is None or where == "":
        return None
    if not isinstance(where, str) or ";" in where:
        raise DeclarationError(f"{name}: where must be one SQL condition, not {quote_input(where)!r}")
    return where


def _chunk_size(name: str, value: Any) -> int:
    if value is None:
        return DEFAULT_CHUNK_SIZE
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CHUNK_SIZE:
        raise DeclarationError(f"{name}: chunk_size must be 1 to {MAX_CHUNK_SIZE:,}, not {value!r}")
    return value


def _schedule(name: str, value: Any) -> str | None:
    if value is None:
        return None
    from croniter import croniter  # noqa: PLC0415  (Airflow's own cron parser)

    if not isinstance(value, str) or not croniter.is_valid(value):
        raise DeclarationError(f"{name}: schedule must be a cron expression or null, not {value!r}")
    return value


def dataset_id_for(declaration: Declaration, variable: Mapping[str, Any] | None,
                   connection_datasets: Mapping[str, Any] | None) -> str | None:
    """The dataset a deployment publishes ``declaration`` to: the Airflow Variable
    ``socrata_dataset_ids`` first, then the connection extra's ``datasets``, then the declared
    id; None when none names one. An override that is not a 4x4 id is refused."""
    for source, ids in ((f"Variable {DATASET_IDS_VARIABLE}", variable),
                        ("the connection extra's datasets", connection_datasets)):
        value = (ids or {}).get(declaration.name)
        if value:
            if not _DATASET_ID.match(str(value)):
                raise DeclarationError(f"{declaration.name}: {source} names dataset "
                                       f"{quote_input(value)!r}, not a 4x4 id like abcd-1234")
            return str(value)
    return declaration.dataset_id


def portal_datasets(registry: Registry, domain: str | None = None) -> dict[str, dict[str, Any]]:
    """``{dataset_id: {"row_identifier", "columns"}}`` of the declared datasets (of one domain):
    what a local stand-in portal needs to hold before these publications run."""
    return {d.dataset_id: {"row_identifier": d.row_id, "columns": dict(d.columns)}
            for d in registry.publications.values()
            if d.dataset_id and (domain is None or d.domain == domain)}
