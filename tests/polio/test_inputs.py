"""Where polio inputs may come from: a lake key (file or S3 lake) or a path under the input roots;
anything else is refused before a byte is read. And a document is its bytes and how it was read."""

from __future__ import annotations

from pathlib import Path

import pytest
from tributary.dag_runner import run_dag
from tributary.inputs import resolve_input, resolve_input_folder
from tributary.polio import mappings, master_data
from tributary.polio.ingest import ingest

from tests.polio.conftest import query, write_csv

SECRET = "salary,ssn\nalice,078-05-1120\n"


@pytest.fixture
def roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An input root holding a good document and a link to a file outside it."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.csv").write_text(SECRET)
    (root / "link.csv").symlink_to(outside / "secret.csv")
    write_csv(root / "good.csv", [["campaign", "region", "indicator", "value"], ["jan", "Kano", "missed", "1"]])
    monkeypatch.setenv("TRIBUTARY_INPUT_ROOTS", str(root))
    return root


@pytest.mark.parametrize(("conf", "message"), [
    ({"path": "/etc/passwd"}, "path outside the allowed input roots: /etc/passwd"),
    ({"path": "{root}/link.csv"}, "path outside the allowed input roots: {root}/link.csv"),
    ({"path": "{root}/../outside/secret.csv"}, "path outside the allowed input roots: {root}/../outside"),
    ({"path": "~/secret.csv"}, "path outside the allowed input roots: ~/secret.csv"),
    ({"path": "{root}/good.csv", "pathh": "{root}/good.csv"}, "unknown param 'pathh' (known: path,"),
], ids=["etc-passwd", "symlink-out-of-root", "dot-dot", "tilde", "unknown-param"])
def test_a_path_outside_the_roots_or_an_unknown_param_fails_the_run_with_nothing_read(
        fresh_warehouse, roots, capfd, conf, message):
    outcome = run_dag("polio_ingest", {k: v.format(root=roots) for k, v in conf.items()})
    assert not outcome.ok
    output = "".join(capfd.readouterr())
    assert message.format(root=roots) in output
    assert "078-05-1120" not in output and "salary" not in output
    # ingest records every file it opens (a failed one too): no row, nothing was read
    assert query(fresh_warehouse, "select count(*) from raw_polio.document") == [(0,)]
    assert query(fresh_warehouse, "select count(*) from raw_polio.source_datapoint") == [(0,)]


def test_lake_keys_on_an_s3_lake_and_a_document_is_its_bytes_and_its_reading(fresh_warehouse, s3_lake,
                                                                                  tmp_path):
    url = fresh_warehouse
    folder = tmp_path / "master"
    folder.mkdir()
    write_csv(folder / "regions.csv", [["name", "parent", "region_type"], ["Nigeria", "", "country"],
                                       ["Kano", "Nigeria", "province"], ["Dala", "Kano", "district"]])
    write_csv(folder / "indicators.csv", [["name", "data_format"], ["missed", "int"]])
    for name in ("regions.csv", "indicators.csv"):
        s3_lake.put_file(f"landing/polio_master/2016/{name}", folder / name)
    s3_lake.put_file("landing/polio_master/2016/old/regions.csv", folder / "indicators.csv")  # not read
    loaded = master_data.load_metadata(resolve_input_folder("landing/polio_master/2016"), url=url)
    assert loaded.inserted == {"regions.csv": 3, "indicators.csv": 1}

    s3_lake.put_bytes("landing/polio_mapping/2016.csv", b"kind,source_string,master\nregion,DALA,Dala\n")
    assert mappings.read_mapping_file(resolve_input("landing/polio_mapping/2016.csv")) == [
        mappings.Mapping("region", "DALA", "Dala")]

    # one file, two ways to read it: by district or by province
    key = "landing/polio/nga_2016_01.csv"
    s3_lake.put_file(key, write_csv(tmp_path / "nga.csv", [
        ["campaign", "province", "district", "missed"],
        ["jan", "KANO", "DALA", "5"], ["jan", "KANO", "UNGOGO", "7"]]))
    by_district = {"path": "./" + key, "region_column": "district", "ignore_columns": ["province"]}
    assert run_dag("polio_ingest", by_district).ok
    assert run_dag("polio_ingest", {"path": key, "region_column": "province",
                                    "ignore_columns": ["district"]}).ok
    # the same bytes read the same way (ignore_columns in any order) add nothing
    again = ingest(resolve_input(key), region_column="district", ignore_columns=["province"], url=url)
    assert again.status == "duplicate"

    documents = query(url, "select document_id, source, status, reading from raw_polio.document "
                           "order by document_id")
    assert [(source, status) for _, source, status, _ in documents] == [(key, "loaded"), (key, "loaded")]
    assert documents[0][3] == {"region_column": "district", "campaign_column": "campaign",
                               "ignore_columns": ["province"]}
    assert documents[1][3]["region_column"] == "province" and again.document_id == documents[0][0]
    facts = query(url, "select document_id, region_string from raw_polio.source_datapoint "
                       "order by document_id, row_number")
    assert facts == [(documents[0][0], "DALA"), (documents[0][0], "UNGOGO"),
                     (documents[1][0], "KANO"), (documents[1][0], "KANO")]


def test_reading_params_are_normalised_before_they_are_compared(polio_db, document):
    url = polio_db
    path = document("wide.csv", [["campaign", "region", "Note", "Code", "missed"],
                                 ["jan", "Kano", "x", "1", "5"]])
    first = ingest(path, url=url, ignore_columns=["Note", "Code"])
    same = ingest(path, url=url, region_column=None, campaign_column="", ignore_columns=["Code", "Note", "Code"])
    assert (first.status, same.status, same.document_id) == ("loaded", "duplicate", first.document_id)
    assert query(url, "select reading from raw_polio.document") == [
        ({"region_column": "region", "campaign_column": "campaign", "ignore_columns": ["Code", "Note"]},)]
    assert ingest(path, url=url, ignore_columns=["Note"]).status == "loaded"  # Code is an indicator now
    assert query(url, "select count(*) from raw_polio.document") == [(2,)]


def test_a_master_upload_takes_exactly_the_files_polio_metadata_reads():
    """The upload kind restates the names (the platform does not import a domain): they must agree."""
    from tributary.uploads import kinds

    assert tuple(master_data.MASTER_FILES) == kinds.MASTER_FILES
