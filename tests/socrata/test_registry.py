"""The publication registry: the project's declarations, and what a declaration may not read."""

from __future__ import annotations

import copy

import pytest
from tributary.dag_defaults import UnknownParam, check_conf
from tributary.socrata import registry
from tributary.socrata.registry import DeclarationError, UnknownPublication

DOMAINS = {"polio", "migration", "mindtrails", "traffic", "app_events"}


def _manifest(**node_changes) -> dict:
    """A manifest with one mart model and one exposure publishing it."""
    node = {"unique_id": "model.tributary.open_mart", "resource_type": "model", "name": "open_mart",
            "alias": "open_mart", "schema": "polio", "fqn": ["tributary", "polio", "marts", "open_mart"],
            "original_file_path": "models/polio/marts/open_mart.sql", "config": {"materialized": "view"},
            "columns": {"id": {}, "value": {}}}
    node.update(node_changes)
    exposure = {"name": "open_thing", "type": "application", "label": "Open thing",
                "depends_on": {"nodes": [node["unique_id"]]},
                "config": {"meta": {"socrata": {"dataset_id": "abcd-1234", "row_id": "id",
                                                "columns": {"id": "text", "value": "number"}}}}}
    return {"nodes": {node["unique_id"]: node}, "exposures": {"exposure.tributary.open_thing": exposure}}


def _refusal(manifest: dict) -> str:
    found = registry.from_manifest(manifest)
    assert found.names() == []
    with pytest.raises(DeclarationError) as caught:
        found.get("open_thing")
    return str(caught.value)


def test_the_project_declares_a_publication_per_domain_and_none_is_refused():
    declared = registry.load()
    assert declared.refused == {}
    assert {d.domain for d in declared.publications.values()} == DOMAINS
    polio = declared.get("polio_datapoint")
    assert polio.relation == "polio.datapoint_open_data" and polio.row_id == "datapoint_id"
    assert declared.get("traffic_wavetronix").dataset_id == "i626-g7ub"
    for declaration in declared.publications.values():
        schema = declaration.relation.split(".")[0]
        assert not schema.startswith("raw_") and schema not in ("pg_catalog", "information_schema")
        assert declaration.row_id in declaration.columns


def test_a_well_formed_declaration_is_read():
    declaration = registry.from_manifest(_manifest()).get("open_thing")
    assert (declaration.relation, declaration.domain, declaration.mode) == ("polio.open_mart", "polio", "upsert")
    assert declaration.columns == {"id": "text", "value": "number"} and declaration.chunk_size == 10_000


@pytest.mark.parametrize(("changes", "reason"), [
    ({"schema": "raw_polio"}, "not in a mart schema"),
    ({"schema": "pg_catalog", "name": "pg_authid", "alias": "pg_authid"}, "not in a mart schema"),
    ({"schema": "information_schema"}, "not in a mart schema"),
    ({"schema": "polio_staging"}, "not in a mart schema"),
    ({"schema": "polio_intermediate"}, "not in a mart schema"),
    ({"original_file_path": "models/polio/staging/open_mart.sql"}, "not in a marts folder"),
    ({"config": {"materialized": "ephemeral"}}, "ephemeral"),
    ({"resource_type": "seed"}, "not a dbt model"),
])
def test_a_declaration_reading_anything_but_a_mart_is_refused(changes, reason):
    assert reason in _refusal(_manifest(**changes))


def test_a_declaration_on_a_source_is_refused():
    manifest = _manifest()
    manifest["exposures"]["exposure.tributary.open_thing"]["depends_on"]["nodes"] = [
        "source.tributary.raw_traffic.wt_publish"]
    assert "not a dbt model" in _refusal(manifest)


@pytest.mark.parametrize(("meta", "reason"), [
    ({"row_id": "missing"}, "row_id 'missing' is not one of the published columns"),
    ({"columns": {"id": "text", "value": "numbr"}}, "unknown SODA type 'numbr'"),
    ({"columns": {"id": "text", "nope": "number"}}, "'nope' is not a column of"),
    ({"columns": {"id": "text", "Bad Name": "number"}}, "not a Socrata field name"),
    ({"dataset_id": "not-a-4x4"}, "not a 4x4 id"),
    ({"mode": "append"}, "mode must be one of"),
    ({"chunk_size": 0}, "chunk_size must be"),
    ({"schedule": "every day"}, "cron expression"),
    ({"where": "true; drop table polio.datapoint"}, "one SQL condition"),
    ({"sync_deletes": "maybe"}, "open_thing: sync_deletes must be true or false"),
])
def test_bad_settings_are_refused(meta, reason):
    manifest = _manifest()
    socrata = manifest["exposures"]["exposure.tributary.open_thing"]["config"]["meta"]["socrata"]
    socrata.update(meta)
    assert reason in _refusal(manifest)


def test_an_unknown_name_is_refused_with_the_declared_names():
    declared = registry.from_manifest(_manifest())
    with pytest.raises(UnknownPublication, match=r"'pg_catalog.pg_authid' is not a declared publication; "
                                                 r"declared: open_thing"):
        declared.get("pg_catalog.pg_authid")


def test_dataset_ids_are_overridden_per_deployment():
    declaration = registry.from_manifest(_manifest()).get("open_thing")
    assert registry.dataset_id_for(declaration, None, None) == "abcd-1234"
    assert registry.dataset_id_for(declaration, {}, {"open_thing": "conn-0001"}) == "conn-0001"
    assert registry.dataset_id_for(declaration, {"open_thing": "vari-0001"},
                                   {"open_thing": "conn-0001"}) == "vari-0001"
    manifest = _manifest()
    del manifest["exposures"]["exposure.tributary.open_thing"]["config"]["meta"]["socrata"]["dataset_id"]
    assert registry.dataset_id_for(registry.from_manifest(manifest).get("open_thing"), {}, {}) is None
    with pytest.raises(DeclarationError, match="not a 4x4 id"):
        registry.dataset_id_for(declaration, {"open_thing": "../../etc"}, None)


def test_the_old_table_params_are_refused_by_the_dag():
    from tributary.dag_runner import load_dag

    params = load_dag("socrata_publish").params.keys()
    assert sorted(params) == ["full", "publication", "simulate"]
    with pytest.raises(UnknownParam, match=r"unknown param 'row_id' \(known: publication, simulate, full\)"):
        check_conf({"table": "pg_catalog.pg_authid", "row_id": "rolname", "simulate": True}, params)


def test_a_dag_per_publication_waits_on_its_domains_marts():
    from airflow.dag_processing.dagbag import DagBag
    from tributary import settings

    bag = DagBag(dag_folder=str(settings.DAGS_DIR / "socrata_publications.py"))
    assert bag.import_errors == {}
    declared = registry.load()
    assert sorted(bag.dags) == [f"socrata_publish_{name}" for name in declared.names()]
    for name, declaration in declared.publications.items():
        condition = bag.dags[f"socrata_publish_{name}"].timetable.asset_condition
        assert [a.uri for a in condition.objects] == [f"tributary://marts/{declaration.domain}"]


def test_a_copy_of_the_project_manifest_with_a_raw_table_declared_is_refused():
    import json

    from tributary import settings

    manifest = json.loads(settings.DBT_MANIFEST.read_text())
    crafted = copy.deepcopy(manifest)
    exposure = crafted["exposures"]["exposure.tributary.polio_datapoint"]
    exposure["depends_on"]["nodes"] = ["model.tributary.stg_polio__source_datapoint"]
    found = registry.from_manifest(crafted)
    assert "polio_datapoint" in found.refused and "polio_datapoint" not in found.names()
