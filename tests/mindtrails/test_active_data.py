"""Active-data CSVs (one per server, scale and day in the lake) through mindtrails_export runs:
written after the first export, appended by the next, untouched when a scale has nothing new;
and mindtrails_decode with its server/scale selector, decoding again with a fixed key."""

from __future__ import annotations

import csv
import io
import uuid

import psycopg
import pytest
from tributary.dag_runner import run_dag
from tributary.mindtrails import export, pipeline, rsa_fields

from tests.mindtrails.conftest import connect_server

SCALES = ["DASS21", "Demographics", "OA", "Participant", "TaskLog"]


def shown(value: object) -> str:
    """How the CSV shows a JSON value (independent of the code under test)."""
    if value is None:
        return ""
    if value is True or value is False:
        return str(value).lower()
    return str(value)


def read_csv(lake, key: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(lake.get_bytes(key).decode())))
    return rows[0], rows[1:]


def files(lake, name: str) -> dict[str, bytes]:
    return {obj.path: lake.get_bytes(obj.path) for obj in lake.list(f"active/mindtrails/{name}")}


@pytest.mark.slow
def test_active_data_appended_once_per_export_and_decode_selector(warehouse_url, file_lake, study_keys,
                                                                  site, monkeypatch):
    name = f"d{uuid.uuid4().hex[:8]}"
    wrong_key, _ = rsa_fields.generate_key_pair(1024)
    connect_server(monkeypatch, site, name, private_key=wrong_key)  # RSA fields stay ciphertext
    on_site = {s: site.entries(s) for s in SCALES}

    first = run_dag("mindtrails_export", {"server": name, "scales": "all"})
    assert first.ok, first.table()
    with psycopg.connect(warehouse_url) as conn:
        [(day,)] = conn.execute("select distinct (exported_at at time zone 'UTC')::date "
                                "from raw_mindtrails.entry where server = %s", (name,)).fetchall()
    key = {s: f"active/mindtrails/{name}/{s}/{day.isoformat()}.csv" for s in SCALES}
    assert set(files(file_lake, name)) == set(key.values())
    for scale, entries in on_site.items():
        header, rows = read_csv(file_lake, key[scale])
        assert header == sorted({k for e in entries for k in e})
        assert rows == [[shown(e.get(k)) for k in header] for e in entries]  # ciphertext kept
    before = files(file_lake, name)
    with psycopg.connect(warehouse_url) as conn:
        written = dict(conn.execute("select scale, written_at from raw_mindtrails.active_file "
                                    "where server = %s", (name,)).fetchall())

    # New OA entries arrive: the next export appends them to today's OA file; the other scales
    # find nothing new, and their files are not touched (no row appended twice).
    added = site.more("OA", 3)
    second = run_dag("mindtrails_export", {"server": name, "scales": "all"})
    assert second.ok, second.table()
    after = files(file_lake, name)
    assert {k for k in after if after[k] != before.get(k)} == {key["OA"]}
    header, rows = read_csv(file_lake, key["OA"])
    assert [int(r[header.index("id")]) for r in rows] == [e["id"] for e in on_site["OA"]] + added
    assert after[key["OA"]].startswith(before[key["OA"]])
    with psycopg.connect(warehouse_url) as conn:
        rewritten = {s for s, at in conn.execute("select scale, written_at from raw_mindtrails.active_file "
                                                 "where server = %s", (name,)).fetchall() if at != written[s]}
    assert rewritten == {"OA"}

    # The selector picks among the scales the server exported, as the export's does.
    assert [i["scale"] for i in pipeline.plan_decode(name, ".")] == ["DASS21", "Demographics", "OA"]
    assert [i["scale"] for i in pipeline.plan_decode(name, "static")] == ["Participant", "TaskLog"]
    assert len(pipeline.plan_decode(name, "all")) == 5
    with pytest.raises(export.ExportError, match=f"server '{name}' has no scale 'QOL'.*DASS21"):
        pipeline.plan_decode(name, "QOL")

    # The study key is fixed: decoding OA alone decrypts OA again and rewrites its file only.
    connect_server(monkeypatch, site, name, private_key=study_keys[0])
    decoded = run_dag("mindtrails_decode", {"server": name, "scales": "oa"})
    assert decoded.ok, decoded.table()
    assert [t for t in decoded.task_states if t.startswith("decode_scale[")] == ["decode_scale[0]"]
    final = files(file_lake, name)
    assert {k for k in final if final[k] != after[k]} == {key["OA"]}
    key_pair = rsa_fields.load_private_key(study_keys[0], name)
    header, rows = read_csv(file_lake, key["OA"])
    participants = [rsa_fields.decrypt(key_pair, e["participantRSA"]) for e in on_site["OA"]]
    assert [r[header.index("participantRSA")] for r in rows][: len(participants)] == participants
    with psycopg.connect(warehouse_url) as conn:
        flagged = dict(conn.execute("select scale, bool_and(decrypt_failed) from raw_mindtrails.decoded "
                                    "where server = %s group by 1", (name,)).fetchall())
    assert flagged["OA"] is False and flagged["DASS21"] is True
