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

from include.standins.socrata_session import CONN_ENV, standin_session

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


def steps() -> int:
    return 2 * len(registry.load().names())  # two rounds of every publication


def _publish_all(ctx, declared: registry.Registry, round_: int) -> None:
    for name in declared.names():
        if name == THROUGH_DAG:
            continue
        with ctx.step("publish (library call)", f"{name}, round {round_}") as step:
            try:
                summary = publications.run(name, key=f"demo/socrata/{name}/{round_}")
            except Exception as exc:  # a mart this demo did not build: say so, go on
                step.mark, step.note = "–", f"not published ({type(exc).__name__})"
                ctx.detail(f"{name}: not published ({type(exc).__name__}: {exc})")
                continue
            step.note = f"{summary['rows_sent']:,} rows sent to {summary['dataset_id']}"


def run(ctx) -> None:
    declared = registry.load()
    datasets, named = _datasets(declared)
    ctx.detail(f"{len(declared.names())} declared publications: {', '.join(declared.names())}")
    with standin_session(datasets) as portal:
        connection = portal.connection()
        connection["extra"] = {**connection["extra"], "datasets": named}
        os.environ[CONN_ENV] = portal.connection_json(extra=connection["extra"])
        ctx.say(f"local SODA server on {portal.url}; {len(named)} datasets named per deployment "
                "(connection extra `datasets`)")
        try:
            publications.run("pg_catalog.pg_authid", key="demo/socrata/refused")
        except registry.UnknownPublication as exc:
            ctx.say(f"refused before any read: {str(exc)[:100]}…")
        for round_ in (1, 2):  # round 2: nothing changed since round 1
            ctx.run("socrata_publish", {"publication": THROUGH_DAG}, detail=f"{THROUGH_DAG}, round {round_}")
            _publish_all(ctx, declared, round_)
        dataset = named.get(THROUGH_DAG) or declared.get(THROUGH_DAG).dataset_id
        rows = sorted(portal.all_rows(dataset), key=lambda r: int(r["rank"]))
        report = ctx.report("socrata/top_migration_flows_on_portal.csv")
        with report.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(declared.get(THROUGH_DAG).columns))
            writer.writeheader()
            writer.writerows(rows)
        ctx.detail(f"{report}: {len(rows)} rows on the portal")
