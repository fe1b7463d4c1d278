"""Running a declared publication: from its name to rows on the portal, or to CSV files.

The only way rows leave for a portal. The name is looked up in the registry before anything is
read (an undeclared name is refused with the declared ones); the rows come from the declared mart,
only the declared columns, under the declared condition; the dataset is the deployment's
(`registry.dataset_id_for`). Where the deployment has no portal connection or no dataset for the
publication, the run says so and is skipped (`NotConfigured`), so a refresh does not fail for a
portal nobody set up.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from airflow.sdk.exceptions import AirflowSkipException

from tributary.errors import BadInput
from tributary.socrata import registry as registry_module
from tributary.socrata.registry import Declaration, Registry

log = logging.getLogger(__name__)

DEFAULT_CONN_ID = "socrata_default"


class NotConfigured(AirflowSkipException):
    """This deployment does not publish this publication (no connection, or no dataset id)."""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def source_query(declaration: Declaration) -> str:
    """The SELECT of a publication: its declared columns of its mart, under its condition.
    Built only from the checked declaration (names are Socrata field names, the relation a
    mart of the manifest), never from run parameters."""
    schema, name = declaration.relation.split(".", 1)
    columns = ", ".join(_quoted(c) for c in declaration.columns)
    query = f"select {columns} from {_quoted(schema)}.{_quoted(name)}"
    return query + (f" where {declaration.where}" if declaration.where else "")


def dataset_ids_variable() -> dict[str, Any]:
    """The Airflow Variable ``socrata_dataset_ids`` (JSON ``{publication: dataset_id}``), or {}."""
    from airflow.sdk import Variable  # noqa: PLC0415

    value = Variable.get(registry_module.DATASET_IDS_VARIABLE, default=None)
    if not value:
        return {}
    try:
        ids = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        ids = None
    if not isinstance(ids, Mapping):
        raise BadInput(f"Variable {registry_module.DATASET_IDS_VARIABLE} must be a JSON object "
                       "{publication: dataset_id}")
    return dict(ids)


def _portal(conn_id: str):
    """The hook of connection ``conn_id``, or None when the deployment has no such connection."""
    from airflow.exceptions import AirflowNotFoundException as CoreNotFound  # noqa: PLC0415
    from airflow.sdk.exceptions import AirflowNotFoundException  # noqa: PLC0415

    from tributary.socrata.hook import SocrataHook  # noqa: PLC0415

    hook = SocrataHook(conn_id)
    try:
        hook.connection  # noqa: B018  (resolves it now: absent means "not configured")
    except (AirflowNotFoundException, CoreNotFound):
        return None
    return hook


def publication(declaration: Declaration, *, key: str, portal: str, dataset_id: str,
                simulate: bool, full: bool):
    """The publisher's `Publication` for a declaration (the fields this publisher knows)."""
    from tributary.socrata.ledger import Publication  # noqa: PLC0415

    known = {f.name for f in dataclasses.fields(Publication)}
    wanted = {"name": declaration.name, "columns": declaration.columns, "mode": declaration.mode,
              "full": full}
    if declaration.mode != "upsert" and "mode" not in known:
        raise BadInput(f"{declaration.name}: this publisher cannot publish mode {declaration.mode!r}")
    return Publication(
        key=key, portal=portal, dataset_id=dataset_id, source_label=declaration.relation,
        row_id=declaration.row_id, chunk_size=declaration.chunk_size, simulate=simulate,
        sync_deletes=declaration.sync_deletes, **{k: v for k, v in wanted.items() if k in known})


def run(name: str, *, key: str, simulate: bool = False, full: bool = False,
        conn_id: str = DEFAULT_CONN_ID, registry: Registry | None = None,
        simulate_path: str | None = None, warehouse_url: str | None = None,
        emit: Callable[[str], None] = log.info) -> dict[str, Any]:
    """Publish the declared publication ``name``; returns the ``publish.run`` row as a dict.

    ``key`` names the publication across retries (a retry resumes it). ``simulate`` writes CSV
    files (to ``simulate_path`` or the lake) and needs no portal; so does a connection whose
    extra says ``"simulate": true``. Raises `UnknownPublication` / `DeclarationError` before any
    read, and `NotConfigured` (a skip) when the deployment does not publish it.
    """
    from tributary.socrata.publisher import destination, send  # noqa: PLC0415
    from tributary.socrata.source import Source  # noqa: PLC0415

    declaration = (registry or registry_module.load()).get(name)
    hook = _portal(conn_id)
    if hook is None and not simulate:
        raise NotConfigured(f"{name}: no portal connection {conn_id!r} in this deployment; "
                            "skipped (add the connection to publish, or run with simulate)")
    portal, simulate = destination(hook, simulate)
    connection_ids = (hook.extra.get("datasets") if hook else None) or {}
    if not isinstance(connection_ids, Mapping):
        raise BadInput(f"connection {conn_id!r}: extra 'datasets' must map publication -> dataset id")
    dataset_id = registry_module.dataset_id_for(declaration, dataset_ids_variable(), connection_ids)
    if dataset_id is None:
        if not simulate:
            raise NotConfigured(
                f"{name}: no dataset id for this deployment; skipped (declare dataset_id, or set it "
                f"in Variable {registry_module.DATASET_IDS_VARIABLE} or the connection extra "
                "'datasets')")
        dataset_id = f"unassigned-{name}"  # a dry run only names its folder after it
    pub = publication(declaration, key=key, portal=portal, dataset_id=dataset_id,
                      simulate=simulate, full=full)
    emit(f"publication {name}: {declaration.relation} -> {portal} dataset {dataset_id}"
         f"{' (simulate: CSV files, nothing sent)' if simulate else ''}")
    return send(pub, Source(query=source_query(declaration)), hook, simulate_path=simulate_path,
                warehouse_url=warehouse_url, emit=emit)


def run_in_task(name: str, *, simulate: bool, full: bool, context: Mapping[str, Any]) -> dict[str, Any]:
    """`run` for an Airflow task: the publication key is the task instance's, so a retry resumes."""
    from tributary.socrata.publisher import publication_key  # noqa: PLC0415

    try:
        summary = run(name, key=publication_key(context, name), simulate=simulate, full=full,
                      emit=log.info)
    except NotConfigured as exc:
        log.warning("%s", exc)
        raise
    log.info("publication %s run %s %s: %s rows sent, %s deleted%s", name, summary["run_id"],
             summary["status"], summary["rows_sent"], summary["deletes_sent"],
             f"; CSV files in {summary['output_path']}" if summary.get("simulate") else "")
    return summary
