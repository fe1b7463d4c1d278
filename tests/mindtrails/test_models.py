"""A mindtrails_refresh run on a real export from the stand-in (one dbt build of the folder: the
models, their data tests and the scoring unit tests, then the report files in the lake): scores,
reports, every scale in the long answers model, and the report files through the API."""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
import statistics
import uuid
from collections import Counter

import psycopg
import pytest
from fastapi.testclient import TestClient
from tributary.api.app import create_app
from tributary.dag_runner import run_dag
from tributary.mindtrails import pipeline, rsa_fields

from tests.mindtrails.conftest import connect_server

OA_ITEMS = ["anxious_freq", "anxious_sev", "avoid", "interfere", "interfere_social"]


@pytest.mark.slow
def test_models_score_and_report_an_export(warehouse_url, file_lake, study_keys, site, monkeypatch):
    name = f"m{uuid.uuid4().hex[:8]}"
    connect_server(monkeypatch, site, name, private_key=study_keys[0])
    for item in pipeline.plan_exports(name, "all"):
        pipeline.export_item(item)
    pipeline.decrypt([name])
    refresh = run_dag("mindtrails_refresh")
    assert refresh.ok, refresh.table()

    oa = {e["id"]: e for e in site.entries("OA")}
    task_log = site.entries("TaskLog")
    participants = site.entries("Participant")
    with psycopg.connect(warehouse_url) as conn:
        def query(sql: str) -> list[tuple]:
            return conn.execute(sql, (name,)).fetchall()

        scores = dict(query("select entry_id, oa_total from mindtrails.oa_score where server = %s"))
        assert scores.keys() == oa.keys()
        for entry_id, entry in oa.items():
            valid = [entry[i] for i in OA_ITEMS if entry[i] is not None and 0 <= entry[i] <= 4]
            expected = statistics.mean(valid) * 5 if valid else None
            assert scores[entry_id] == pytest.approx(expected)

        logged = Counter(t["taskName"] for t in task_log)
        report = {t: (n, d, r) for t, n, d, r in query(
            "select task_name, tasklog_entries, dataset_entries, missing_rate "
            "from mindtrails.scale_report where server = %s")}
        for task, n in logged.items():
            on_site = len(site.entries(task))
            assert report[task][:2] == (n, on_site)
            assert report[task][2] == pytest.approx(1 - on_site / n)
        assert any(r[2] > 0 for r in report.values())  # the study loses a few entries on purpose

        attrition = query("select session_name, participants, percent_retained from mindtrails.attrition "
                          "where server = %s order by session_index")
        reached = Counter(session for _, session in {(t["participantId"], t["sessionName"]) for t in task_log})
        assert [(s, n) for s, n, _ in attrition] == [(s, reached[s]) for s, *_ in attrition]
        assert attrition[0][2] == 100 and attrition[-1][1] < attrition[0][1]  # dropouts

        report_rows = query("select participant_id, tasks_expected, tasks_completed "
                            "from mindtrails.participant_report where server = %s")
        assert {r[0] for r in report_rows} == {p["participantId"] for p in participants}
        assert all(0 <= done <= expected for _, expected, done in report_rows)
        missing = dict(query("select column_name, missing from mindtrails.column_missing "
                             "where server = %s and questionnaire = 'OA'"))
        assert missing["avoid"] == sum(1 for e in oa.values() if e["avoid"] is None)
        wide = query("select count(*), count(oa_total) from mindtrails.participant_session where server = %s")[0]
        assert wide[0] == len({(t["participantId"], t["sessionName"]) for t in task_log}) and wide[1] > 0

        # Every scale of the website reaches the long answers, one row per entry and question.
        key = rsa_fields.load_private_key(study_keys[0], name)
        for scale in site.state()["scales"]:
            entries = site.entries(scale)
            assert entries
            expected = set()
            for e in entries:
                participant = rsa_fields.decrypt(key, e["participantRSA"]) if "participantRSA" in e \
                    else str(e["participantId"])
                session = e.get("session", e.get("sessionName"))
                expected |= {(e["id"], int(participant), session, q, shown(v)) for q, v in e.items()
                             if q not in ("id", "participantId", "session", "sessionName")
                             and not q.endswith("RSA")}
            got = conn.execute("select entry_id, participant_id, session_name, question, answer "
                               "from mindtrails_staging.stg_mindtrails__answer where server = %s "
                               "and scale = %s", (name, scale)).fetchall()
            assert len(got) == len(expected) and set(got) == expected, scale
        marts = dict(query("select scale, count(*) from mindtrails.answer where server = %s group by 1"))
        assert marts.keys() == set(site.state()["scales"])

    # The refresh's last task left the reports of the run's day in the lake.
    day = dt.datetime.now(dt.UTC).date().isoformat()
    assert day in refresh.run_id
    names = {obj.path.rsplit("/", 1)[1] for obj in file_lake.list(f"reports/mindtrails/{day}")}
    assert names == {"scale_report.csv", "column_missing.csv", "participant_report.csv",
                     "participant_session.csv", "attrition.csv", "attrition.png"}
    assert file_lake.get_bytes(f"reports/mindtrails/{day}/attrition.png").startswith(b"\x89PNG")
    rows = list(csv.DictReader(io.StringIO(file_lake.get_bytes(
        f"reports/mindtrails/{day}/attrition.csv").decode())))
    mine = [(r["session_name"], int(r["participants"])) for r in rows if r["server"] == name]
    assert mine == [(s, n) for s, n, _ in attrition]

    # The API lists the day's reports and serves them as stored.
    token = secrets.token_urlsafe(24)
    monkeypatch.setenv("TRIBUTARY_API_TOKEN", token)
    client = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
    listed = client.get("/api/v1/reports", params={"domain": "mindtrails", "day": day}).json()["items"]
    assert {i["name"] for i in listed} == names
    served = client.get(next(i["url"] for i in listed if i["name"] == "attrition.csv"))
    assert served.status_code == 200
    assert served.content == file_lake.get_bytes(f"reports/mindtrails/{day}/attrition.csv")


def shown(value: object) -> str | None:
    """A JSON value as text, as Postgres' ``#>> '{}'`` gives it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
