"""Uploads through the HTTP API run alone (TRIBUTARY_API_TOKEN): files land in file and S3 lakes
at their content's key, loads started with that key show in the listing, and everything an upload
may get wrong is refused with nothing stored."""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient
from tributary import settings, warehouse
from tributary.api.app import create_app

SAMPLE = settings.SAMPLE_DIR
DOCUMENT = SAMPLE / "polio" / "documents" / "nigeria_2016_01_long.csv"


@pytest.fixture
def client(monkeypatch) -> TestClient:
    token = secrets.token_urlsafe(24)
    monkeypatch.setenv("TRIBUTARY_API_TOKEN", token)
    return TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})


def _upload(client: TestClient, kind: str, name: str, content: bytes, **fields):
    return client.post(f"/api/v1/uploads/{kind}", files={"file": (name, content, "text/csv")},
                       data=fields)


def _uploads(client: TestClient, **params) -> list[dict]:
    response = client.get("/api/v1/uploads", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def _upload_rows() -> int:
    with warehouse.connect() as conn:
        return conn.execute("select count(*) from raw_platform.upload").fetchone()[0]


@pytest.mark.slow
def test_a_document_upload_lands_in_the_lake_and_its_load_is_listed(fresh_warehouse, file_lake, client):
    from tributary.dag_runner import run_dag

    content = DOCUMENT.read_bytes()
    response = _upload(client, "polio_document", DOCUMENT.name, content, region_column="Region",
                       campaign_column="Campaign")
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["key"] == f"landing/polio_document/{body['sha256'][:16]}/{DOCUMENT.name}"
    assert (body["dag_id"], body["dag_run_id"]) == ("polio_ingest", None)  # run alone: nothing started
    assert body["conf"] == {"path": body["key"], "region_column": "Region", "campaign_column": "Campaign"}
    assert file_lake.get_bytes(body["key"]) == content
    [listed] = _uploads(client)
    assert (listed["status"], listed["uploaded_by"], listed["size"]) == ("stored", "api-token", len(content))

    outcome = run_dag("polio_ingest", body["conf"])  # what a trigger with the key does
    assert outcome.ok, outcome.table()
    [listed] = _uploads(client, kind="polio_document")
    assert listed["status"] == "loaded" and listed["error"] is None
    assert listed["facts"] > 0 and listed["rejected_rows"] == 0
    assert _uploads(client, kind="polio_mapping") == []
    # The same bytes under another name are the document already loaded: listed as such at once.
    again = _upload(client, "polio_document", "copy.csv", content, region_column="Region",
                    campaign_column="Campaign").json()
    assert again["key"] != body["key"]
    copy, first = _uploads(client, kind="polio_document")
    assert copy["key"] == again["key"] and (copy["status"], copy["facts"]) == ("loaded", listed["facts"])


def test_uploads_land_in_an_s3_lake(fresh_warehouse, s3_lake, client):
    from tributary.inputs import resolve_input
    from tributary.migration.load import load_file

    mappings = (SAMPLE / "polio" / "mappings.csv").read_bytes()
    mapping = _upload(client, "polio_mapping", "mappings.csv", mappings)
    assert mapping.status_code == 202, mapping.text
    assert s3_lake.get_bytes(mapping.json()["key"]) == mappings
    assert mapping.json()["conf"] == {"path": mapping.json()["key"]}

    master = _upload(client, "polio_master", "regions.csv", (SAMPLE / "polio" / "master" / "regions.csv").read_bytes())
    assert master.status_code == 202, master.text
    folder = master.json()["conf"]["path"]
    assert master.json()["key"] == f"{folder}/regions.csv" and folder.startswith("landing/polio_master/")
    assert [o.path for o in s3_lake.list(folder)] == [master.json()["key"]]

    matrix_file = SAMPLE / "migration" / "bilateralremittancematrix2016_Nov2017.csv"
    matrix = _upload(client, "migration_matrix", matrix_file.name, matrix_file.read_bytes(), matrix="remittance")
    assert matrix.status_code == 202, matrix.text
    key = matrix.json()["key"]
    assert matrix.json()["conf"] == {"remittance_path": key}
    load_file(resolve_input(key, param="remittance_path"), "remittance")  # what the DAG's task does
    listed = {u["kind"]: u for u in _uploads(client)}
    assert listed["migration_matrix"]["status"] == "loaded" and listed["migration_matrix"]["inserted"] > 0
    assert listed["polio_mapping"]["status"] == listed["polio_master"]["status"] == "stored"
    assert [u["kind"] for u in _uploads(client)] == ["migration_matrix", "polio_master", "polio_mapping"]


def test_refused_uploads_store_nothing(file_lake, client, monkeypatch):
    before = _upload_rows()
    unknown = _upload(client, "salaries", "x.csv", b"a,b\n")
    assert unknown.status_code == 404
    assert "polio_document, polio_master, polio_mapping, migration_matrix" in unknown.json()["detail"]

    refusals = {  # what is wrong: (kind, file name, form fields, what the answer says)
        "a master file the DAG does not read": ("polio_master", "region.csv", {}, "reads files named regions.csv"),
        "an unknown form field": ("polio_document", "doc.csv", {"region_colum": "Region"},
                                  "unknown form field 'region_colum'"),
        "a field of another kind": ("polio_mapping", "m.csv", {"matrix": "migration"}, "(it takes: file)"),
        "a matrix without its kind": ("migration_matrix", "m.csv", {}, "needs the form field 'matrix'"),
        "a matrix of no kind": ("migration_matrix", "m.csv", {"matrix": "salaries"},
                                "matrix must be one of migration, remittance"),
        "a file name with a path": ("polio_document", "../../etc/doc.csv", {}, "cannot name a file"),
        "a hidden file": ("polio_mapping", ".m.csv", {}, "starts with '.'"),
    }
    for what, (kind, name, fields, reason) in refusals.items():
        response = _upload(client, kind, name, b"kind,source_string,master\n", **fields)
        assert response.status_code == 422, (what, response.text)
        assert reason in response.json()["detail"], (what, response.text)
    twice = client.post("/api/v1/uploads/polio_document", files={"file": ("d.csv", b"x")},
                        data={"region_column": ["a", "b"]})
    assert twice.status_code == 422 and "2 times" in twice.text
    assert client.post("/api/v1/uploads/polio_document", data={"region_column": "a"}).status_code == 422

    monkeypatch.setenv("TRIBUTARY_UPLOAD_MAX_MB", "1")
    for size in (2**20 + 1, 3 * 2**20):  # counted while copied / refused by its Content-Length
        response = _upload(client, "polio_mapping", "big.csv", b"x" * size)
        assert response.status_code == 413, response.text
        assert "1 MB" in response.json()["detail"]
    assert _upload(client, "polio_mapping", "small.csv", b"x" * 2**20).status_code == 202  # the limit itself
    assert [o.path for o in file_lake.list("landing")] == [
        f"landing/polio_mapping/{_sha(b'x' * 2**20)[:16]}/small.csv"]
    assert _upload_rows() == before + 1


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_upload_listing_is_paged(fresh_warehouse, file_lake, client):
    for n in range(3):
        assert _upload(client, "polio_mapping", f"m{n}.csv", f"kind,source_string,master\n{n}".encode()).status_code == 202
    first = client.get("/api/v1/uploads", params={"limit": 2})
    assert [u["file_name"] for u in first.json()["items"]] == ["m2.csv", "m1.csv"]
    assert first.json()["more"] is True and first.headers["X-More"] == "true"
    assert 'rel="next"' in first.headers["Link"]
    rest = client.get("/api/v1/uploads", params={"limit": 2, "offset": 2})
    assert [u["file_name"] for u in rest.json()["items"]] == ["m0.csv"] and rest.json()["more"] is False
    csv_page = client.get("/api/v1/uploads", params={"format": "csv", "limit": 2})
    assert csv_page.headers["X-More"] == "true"
    lines = csv_page.text.splitlines()
    assert lines[0].startswith("upload_id,kind,key,file_name") and len(lines) == 3
    assert client.get("/api/v1/uploads", params={"limit": 10_001}).status_code == 422
    assert client.get("/api/v1/uploads", params={"kind": "salaries"}).status_code == 422
