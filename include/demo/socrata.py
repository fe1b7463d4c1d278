"""`make demo` for Socrata (after the other domains built their marts): every declared publication
to the local SODA server, a second run that finds nothing changed, and a refused undeclared table.

The stand-in holds every declared dataset; publications declared without a dataset id get a demo
one through the connection extra ``datasets`` (how a deployment names its own datasets). One
publication goes through the ``socrata_publish`` DAG, the others through the same library call
their ``socrata_publish_<name>`` DAGs make.
"""

from __future__ import annotations

import csv
import os

from tributary.socrata import publications, registry

from include.standins.socrata_session import CONN_ENV
from include.standins.socrata_session import session as standin_session

THROUGH_DAG = "migration_top_flows"


def _datasets(declared: registry.Registry) -> tuple[dict[str, dict], dict[str, str]]:
    """The stand-in's datasets, and demo ids for the publications that declare none."""
    datasets, named = {}, {}
    for number, declaration in enumerate(declared.publications.values(), 1):
        dataset_id = declaration.dataset_id or f"demo-{number:04d}"
        if declaration.dataset_id is None:
            named[declaration.name] = dataset_id
        datasets[dataset_id] = {"row_identifier": declaration.row_id,
                                "columns": dict(declaration.columns)}
    return datasets, named


def _publish_all(ctx, declared: registry.Registry, round_: int) -> None:
    for name in declared.names():
        if name == THROUGH_DAG:
            continue
        try:
            summary = publications.run(name, key=f"demo/socrata/{name}/{round_}")
        except Exception as exc:  # a mart this demo did not build: say so, go on
            ctx.say(f"    {name}: not published ({type(exc).__name__}: {str(exc)[:120]})")
            continue
        ctx.say(f"    {name}: {summary['rows_sent']:,} rows sent to {summary['dataset_id']}")


def run(ctx) -> None:
    declared = registry.load()
    datasets, named = _datasets(declared)
    ctx.say(f"  {len(declared.names())} declared publications: {', '.join(declared.names())}")
    with standin_session(datasets) as portal:
        connection = portal.connection()
        connection["extra"] = {**connection["extra"], "datasets": named}
        os.environ[CONN_ENV] = portal.connection_json(extra=connection["extra"])
        ctx.say(f"  local SODA server on {portal.url}; datasets named per deployment: {named}")
        try:
            publications.run("pg_catalog.pg_authid", key="demo/socrata/refused")
        except registry.UnknownPublication as exc:
            ctx.say(f"  refused before any read: {str(exc)[:140]}…")
        for round_ in (1, 2):
            ctx.say(f"  round {round_}{' (nothing changed since round 1)' if round_ == 2 else ''}:")
            ctx.run("socrata_publish", {"publication": THROUGH_DAG})
            _publish_all(ctx, declared, round_)
        dataset = named.get(THROUGH_DAG) or declared.get(THROUGH_DAG).dataset_id
        rows = sorted(portal.all_rows(dataset), key=lambda r: int(r["rank"]))
        report = ctx.report("socrata/top_migration_flows_on_portal.csv")
        with report.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(declared.get(THROUGH_DAG).columns))
            writer.writeheader()
            writer.writerows(rows)
        ctx.say(f"  report: {report} ({len(rows)} rows on the portal)")
