"""The mapping workbench: suggestions on the bundled sample, the mapping API with its history,
auto-apply, and applying (or not) a review's answers."""

from __future__ import annotations

import secrets

import psycopg
import pytest
from airflow.sdk.exceptions import AirflowSkipException
from fastapi.testclient import TestClient
from tributary import settings
from tributary.errors import BadInput
from tributary.polio import mappings, master_data
from tributary.polio.ingest import ingest
from tributary.polio.mapping_review import (
    MAP,
    SKIP,
    SKIP_ALL,
    apply_review,
    auto_apply,
    field_key,
    read_masters,
    refresh_suggestions,
)
from tributary.polio.suggest import Suggester, Unmapped, core

from tests.polio.conftest import query

SAMPLE = settings.SAMPLE_DIR / "polio"
AFG, NGA = frozenset({"Afghanistan"}), frozenset({"Nigeria"})


@pytest.fixture
def sample_db(fresh_warehouse: str) -> str:
    master_data.load_metadata(SAMPLE / "master", url=fresh_warehouse)
    return fresh_warehouse


def suggester(url: str, mapped: dict | None = None) -> Suggester:
    with psycopg.connect(url) as conn:
        return Suggester(read_masters(conn), mapped or {})


def test_normalised_names_drop_case_accents_punctuation_and_suffixes():
    assert core("GOMBE STATE") == core("Gombe (Province)") == "gombe"
    assert core("Dala  L.G.A.") != core("Dala LGA")  # "l g a" is no known suffix word…
    assert core("Dala LGA") == "dala"
    assert core("Nahr-e-Saraj") == "nahr e saraj"
    assert core("Kandahar/Dand") == core("kandahar dand")
    assert core("Mazār-i-Sharīf") == "mazar i sharif"
    assert core("District") == "district"  # a name that is only a suffix word stays


def test_suggestions_rank_the_right_master_first_for_near_miss_spellings(sample_db):
    found = suggester(sample_db, {("region", "KANO"): "Kano"})
    # Spellings of the sample's Afghan document (its Alternative.Spell column) and the unmapped
    # "Gombe State" of the Nigerian one; the geocode of a district; a string mapped in other case.
    cases = [("region", "Khak-e-Safed", AFG, "Khaki Safid", "similar"),
             ("region", "Nahr-e-Saraj", AFG, "Nahrisaraj", "similar"),
             ("region", "Balabuluk", AFG, "Bala Bulook", "similar"),
             ("region", "Nad-e-Ali", AFG, "Nadali/Mirja", "similar"),
             ("region", "Gombe State", NGA, "Gombe (Province)", "name"),
             ("region", "KATSINA", NGA, "Katsina (Province)", "name"),
             ("region", "AF001043012000000000", frozenset(), "Sangin", "geocode"),
             ("region", "Kano ", NGA, "Kano", "mapped"),
             ("indicator", "percent missed due to REFUSAL", frozenset(), "Percent missed due to refusal", "name"),
             ("campaign", "Afghanistan March 2016 - NID", frozenset(), "Afghanistan March 2016 NID", "name")]
    for kind, text, countries, right, reason in cases:
        got = found.suggest(Unmapped(kind, text, countries=countries))
        assert got and (got[0].master, got[0].reason) == (right, reason), (text, got)
        assert len(got) <= 3 and [s.rank for s in got] == list(range(1, len(got) + 1))
        assert [s.score for s in got] == sorted((s.score for s in got), reverse=True)
    geocode = found.suggest(Unmapped("region", "AF001043012000000000"))[0]
    assert geocode.score == 1.0
    assert all(s.score < 0.95 for s in found.suggest(Unmapped("region", "Balabuluk", countries=AFG)))
    # Regions only under the document's country, and only masters of the string's kind.
    for s in found.suggest(Unmapped("region", "Kandahar", countries=NGA)):
        assert s.master not in {"Kandahar", "Kandahar/dand"}
    assert {s.master for s in found.suggest(Unmapped("indicator", "Kano"))} <= {
        name for (name,) in query(sample_db, "select name from raw_polio.indicator")}


def _history(url: str) -> list[tuple]:
    return query(url, "select kind, source_string, old_master, new_master, changed_by, via "
                      "from raw_polio.mapping_change order by change_id")


@pytest.mark.slow
def test_missing_list_api_history_and_auto_apply(sample_db, document, dbt, monkeypatch):
    url = sample_db
    ingest(SAMPLE / "documents" / "nigeria_2016_01_long.csv", url=url)
    ingest(document("afg.csv", [
        ["campaign", "region", "Percent missed due to refusal"],
        ["2016 March NID OPV", "Khak-e-Safed", "0.1"],
        ["2016 March NID OPV", "Sangin", "0.2"],
        ["2016 March NID OPV", "AF001043005000000000", "0.3"],
        ["2016 March NID OPV", "AF001043005000000000", "0.4"],
    ]), url=url)
    known = mappings.read_mapping_file(SAMPLE / "mappings.csv")
    held_out = {"KANO", "YOBE", "AF001043005000000000"}
    mappings.apply_mappings([m for m in known if m.source_string not in held_out], url=url, via="csv")
    mappings.apply_mappings([mappings.Mapping("region", "Sangin", "Sangin")], url=url, by="someone", via="api")
    dbt("run", "--select", "path:models/polio")

    candidates, new = refresh_suggestions(url)
    unmapped = {(c.kind, c.source_string): c for c in candidates}
    assert set(unmapped) == {("region", "KANO"), ("region", "YOBE"), ("region", "Gombe State"),
                             ("region", "Khak-e-Safed"), ("region", "AF001043005000000000")}
    assert new == len(unmapped)
    assert refresh_suggestions(url)[1] == 0  # nothing new the second time: no second review
    top = {k: c.suggestions[0] for k, c in unmapped.items()}
    assert top[("region", "Gombe State")]["master"] == "Gombe (Province)"
    assert top[("region", "Khak-e-Safed")]["master"] == "Khaki Safid"  # under Afghanistan
    assert top[("region", "AF001043005000000000")] == {"rank": 1, "master": "Bust", "score": 1.0,
                                                       "reason": "geocode"}
    assert unmapped[("region", "AF001043005000000000")].facts == 2
    assert query(url, "select count(*) from polio.mapping_suggestion")[0][0] == sum(
        len(c.suggestions) for c in candidates)

    token = secrets.token_urlsafe(24)
    monkeypatch.setenv("TRIBUTARY_API_TOKEN", token)
    from tributary.api.app import create_app

    client = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
    page = client.get("/api/v1/polio/mapping/missing", params={"kind": "region", "limit": 2})
    assert page.status_code == 200, page.text
    rows = page.json()
    assert page.headers["X-More"] == "true" and len(rows) == 2
    assert rows[0]["facts"] >= rows[1]["facts"]
    assert set(rows[0]) == {"kind", "source_string", "facts", "documents", "document_ids", "suggestions"}
    everything = client.get("/api/v1/polio/mapping/missing").json()
    assert {(r["kind"], r["source_string"]) for r in everything} == set(unmapped)
    geocode = next(r for r in everything if r["source_string"] == "AF001043005000000000")
    assert geocode["documents"] == 1 and len(geocode["document_ids"]) == 1
    assert geocode["suggestions"][0]["reason"] == "geocode"
    assert client.get("/api/v1/polio/mapping/missing", params={"kind": "place"}).status_code == 422
    assert client.get("/api/v1/polio/mapping/missing", params={"limit": 10_001}).status_code == 422

    # Auto-apply at 1.0 maps the geocode only (via auto); the name match at 0.95 waits.
    applied = auto_apply(candidates, 1.0, url=url)
    assert [(a["source_string"], a["master"]) for a in applied] == [("AF001043005000000000", "Bust")]
    assert auto_apply(candidates, None, url=url) == []  # off by default

    one = client.put("/api/v1/polio/mapping",
                     json={"kind": "region", "source_string": "Gombe State", "master": "Gombe (Province)"})
    assert one.status_code == 200, one.text
    assert one.json() == {"set": 1, "unchanged": 0, "removed": 0, "changed": 1,
                          "refresh": "run polio_refresh"}  # run alone: no Airflow to emit the Asset
    bulk = client.put("/api/v1/polio/mapping", json=[
        {"kind": "region", "source_string": "KANO", "master": "Kano"},
        {"kind": "region", "source_string": "YOBE", "master": "Yobe"},
        {"kind": "region", "source_string": "Sangin", "master": None},
    ])
    assert bulk.json()["changed"] == 3 and bulk.json()["removed"] == 1
    again = client.put("/api/v1/polio/mapping", json={"kind": "region", "source_string": "KANO", "master": "Kano"})
    assert again.json()["changed"] == 0 and again.json()["refresh"].startswith("not needed")
    unknown = client.put("/api/v1/polio/mapping", json={"kind": "region", "source_string": "x", "master": "Atlantis"})
    assert unknown.status_code == 400 and "Atlantis" in unknown.json()["detail"]
    assert client.put("/api/v1/polio/mapping", json={"kind": "place", "source_string": "x",
                                                     "master": "Kano"}).status_code == 422
    assert client.put("/api/v1/polio/mapping", json=[]).status_code == 422

    assert _history(url)[-6:] == [
        ("region", "Sangin", None, "Sangin", "someone", "api"),
        ("region", "AF001043005000000000", None, "Bust", "auto_map_threshold", "auto"),
        ("region", "Gombe State", None, "Gombe (Province)", "api-token", "api"),
        ("region", "KANO", None, "Kano", "api-token", "api"),
        ("region", "YOBE", None, "Yobe", "api-token", "api"),
        ("region", "Sangin", "Sangin", None, "api-token", "api"),
    ]
    assert query(url, "select count(*) from raw_polio.mapping_change where via = 'csv'")[0][0] == len(known) - 3
    remaining = client.get("/api/v1/polio/mapping/missing").json()  # mapped since: gone at once
    assert [r["source_string"] for r in remaining] == ["Khak-e-Safed"]
    assert {r[0] for r in query(url, "select source_string from polio.mapping_suggestion")} == {"Khak-e-Safed"}


def test_review_answers_map_only_what_was_picked(sample_db):
    url = sample_db
    items = [{"kind": "region", "source_string": "Khak-e-Safed", "facts": 3, "documents": 1,
              "document_ids": [1], "suggestions": [{"rank": 1, "master": "Khaki Safid", "score": 0.8,
                                                    "reason": "similar"}]},
             {"kind": "region", "source_string": "Balabuluk", "facts": 2, "documents": 1,
              "document_ids": [1], "suggestions": [{"rank": 1, "master": "Bala Bulook", "score": 0.8,
                                                    "reason": "similar"}]}]
    prepared = {"threshold": None, "auto_applied": [], "batch": items}
    uma = {"id": "uma", "name": "uma"}
    answers = {field_key(0): "Khaki Safid", field_key(1): SKIP}

    # Unanswered: the timeout applies the defaults (skip everything) with no respondent.
    with pytest.raises(AirflowSkipException, match="timed out"):
        apply_review(prepared, {"chosen_options": [SKIP_ALL], "params_input": answers,
                                "responded_by_user": None}, url=url)
    with pytest.raises(AirflowSkipException, match="skipped by uma"):
        apply_review(prepared, {"chosen_options": [SKIP_ALL], "params_input": answers,
                                "responded_by_user": uma}, url=url)
    with pytest.raises(BadInput, match="was not offered"):
        apply_review(prepared, {"chosen_options": [MAP], "params_input": {field_key(1): "Kano"},
                                "responded_by_user": uma}, url=url)
    assert _history(url) == [] and query(url, "select count(*) from raw_polio.mapping")[0][0] == 0

    summary = apply_review(prepared, {"chosen_options": [MAP], "params_input": answers,
                                      "responded_by_user": uma}, url=url)
    assert summary["mapped"] == [{"kind": "region", "source_string": "Khak-e-Safed", "master": "Khaki Safid"}]
    assert summary["skipped"] == 1 and summary["review"] == "answered by uma"
    assert _history(url) == [("region", "Khak-e-Safed", None, "Khaki Safid", "uma", "ui")]


@pytest.mark.slow
def test_refresh_suggests_and_a_review_brings_the_datapoints(sample_db, document):
    """polio_refresh suggests (and opens a review only for new unmapped strings); the review's
    picks, once refreshed, bring the strings' datapoints into polio.datapoint."""
    from tributary.dag_runner import run_dag

    url = sample_db
    ingest(document("afg.csv", [["campaign", "region", "Percent missed due to refusal"],
                                ["2016 March NID OPV", "Khak-e- Safed", "0.25"],
                                ["2016 March NID OPV", "Balabluk", "0.5"]]), url=url)
    mappings.apply_mappings(mappings.read_mapping_file(SAMPLE / "mappings.csv"), url=url, via="csv")
    first = run_dag("polio_refresh")
    assert first.ok and first.task_states["suggest_mappings"] == "success", first.table()

    candidates, _ = refresh_suggestions(url)
    prepared = {"threshold": None, "auto_applied": [], "batch": [c.as_dict() for c in candidates]}
    picks = {"Khak-e- Safed": "Khaki Safid", "Balabluk": "Bala Bulook"}
    answers = {field_key(n): picks[item["source_string"]] for n, item in enumerate(prepared["batch"])}
    apply_review(prepared, {"chosen_options": [MAP], "params_input": answers,
                            "responded_by_user": {"id": "uma", "name": "uma"}}, url=url)
    second = run_dag("polio_refresh")
    assert second.ok and second.task_states["suggest_mappings"] == "skipped", second.table()
    assert second.task_states["write_reports"] == "success"  # reports even when nothing is new
    assert query(url, "select region, value from polio.datapoint "
                      "where indicator = 'Percent missed due to refusal' order by 1") == [
        ("Bala Bulook", 0.5), ("Khaki Safid", 0.25)]
    assert query(url, "select count(*) from polio.mapping_suggestion")[0][0] == 0
