"""The dbt models on a real export from the stand-in: scores, reports and their tests (dbt build
runs the models, their data tests and the scoring unit tests)."""

from __future__ import annotations

import statistics
import uuid
from collections import Counter

import psycopg
import pytest
from tributary.mindtrails import pipeline

from tests.mindtrails.conftest import connect_server

OA_ITEMS = ["anxious_freq", "anxious_sev", "avoid", "interfere", "interfere_social"]


@pytest.mark.slow
def test_models_score_and_report_an_export(warehouse_url, file_lake, study_keys, site, monkeypatch, dbt):
    name = f"m{uuid.uuid4().hex[:8]}"
    connect_server(monkeypatch, site, name, private_key=study_keys[0])
    for item in pipeline.plan_exports(name, "all"):
        pipeline.export_item(item)
    pipeline.decrypt([name])
    dbt("build", "--select", "path:models/mindtrails")

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
