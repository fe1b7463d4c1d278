"""Bad input at the HTTP API: uploads (POST /api/v1/uploads/{kind}) and bad query params.

Each case asserts a 4xx with a message that says what is wrong (never a 500), nothing stored
for a refused upload. tests/foundation/test_api_uploads.py already covers unknown kinds, a master
file the DAG does not read, unknown or foreign form fields, a missing matrix kind, a path or a
hidden name, a field given twice, no file, and files over the limit; this corpus adds the rest.
"""

from __future__ import annotations

import pytest

from tests.foundation.test_api_uploads import _upload, _upload_rows, client  # noqa: F401

UPLOADS = [  # what is wrong: (kind, file name, content, status, what the answer says)
    ("an empty file", "polio_document", "doc.csv", b"", 422, "the file is empty"),
    ("an empty matrix", "migration_matrix", "m.csv", b"", 422, "the file is empty"),
    ("a 300-character name", "polio_document", "d" * 296 + ".csv", b"a,b\n", 422, "longer than 200 bytes"),
    ("a name with a backslash", "polio_document", "..\\doc.csv", b"a,b\n", 422, "cannot name a file"),
    ("a name of dots", "polio_document", "..", b"a,b\n", 422, "cannot name a file"),
]


@pytest.mark.parametrize(("what", "kind", "name", "content", "code", "says"), UPLOADS, ids=[u[0] for u in UPLOADS])
def test_refused_upload(what, kind, name, content, code, says, file_lake, client):  # noqa: F811
    before = _upload_rows()
    fields = {"matrix": "migration"} if kind == "migration_matrix" else {}
    response = _upload(client, kind, name, content, **fields)
    assert response.status_code == code, response.text
    assert says in response.json()["detail"] and len(response.json()["detail"]) < 600
    assert _upload_rows() == before and file_lake.list("landing") == []  # nothing stored


PARAMS = [  # what is wrong: (path, params, status, what the answer says)
    ("no indicator", "/api/v1/datapoint", {}, 400, "'indicator__in' is a required parameter"),
    ("limit over the most", "/api/v1/datapoint", {"indicator__in": "x", "limit": 10_001}, 422,
     "less than or equal to 10000"),
    ("limit not a number", "/api/v1/region", {"limit": "ten"}, 422, "valid integer"),
    ("a negative offset", "/api/v1/uploads", {"offset": -5}, 422, "greater than or equal to 0"),
    ("a huge limit", "/api/v1/platform/load_history", {"limit": 10**12}, 422, "less than or equal to 10000"),
    ("a date that does not exist", "/api/v1/datapoint", {"indicator__in": "x", "campaign_start": "2016-02-30"},
     422, "valid date"),
    ("a date that is not a date", "/api/v1/datapoint", {"indicator__in": "x", "campaign_end": "yesterday"},
     422, "valid date"),
    ("both campaign filters", "/api/v1/datapoint",
     {"indicator__in": "x", "campaign__in": "jan", "campaign_start": "2016-01-01"}, 400, "not both"),
    ("a region type without parents", "/api/v1/datapoint", {"indicator__in": "x", "region_type": "district"},
     400, "region_type needs parent_region__in"),
    ("an unknown format", "/api/v1/region", {"format": "xml"}, 422, "'json' or 'csv'"),
    ("an unknown upload kind", "/api/v1/uploads", {"kind": "x" * 10_000}, 422, "kind"),
]


@pytest.mark.parametrize(("what", "path", "params", "code", "says"), PARAMS, ids=[p[0] for p in PARAMS])
def test_bad_params(what, path, params, code, says, client):  # noqa: F811
    response = client.get(path, params=params)
    assert response.status_code == code, response.text
    assert says in response.text and len(response.text) < 2_000, response.text


BODIES = [  # what is wrong with a data-entry body: (json, status, what the answer says)
    ("a value that is text", {"region": "Kano", "campaign": "jan", "indicator": "missed", "value": "abc"}, 422,
     "valid number"),
    ("no region", {"campaign": "jan", "indicator": "missed", "value": 1}, 422, "region"),
    ("unknown names", {"region": "Atlantis", "campaign": "jan", "indicator": "missed", "value": 1}, 400,
     "unknown region 'Atlantis'"),
]


@pytest.mark.parametrize(("what", "body", "code", "says"), BODIES, ids=[b[0] for b in BODIES])
def test_bad_data_entry(what, body, code, says, fresh_warehouse, client):  # noqa: F811
    response = client.post("/api/v1/datapoint", json=body)
    assert response.status_code == code, response.text
    assert says in response.text and len(response.text) < 2_000, response.text


def test_a_body_that_is_not_json(client):  # noqa: F811
    response = client.post("/api/v1/datapoint", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422 and "JSON decode error" in response.text, response.text
