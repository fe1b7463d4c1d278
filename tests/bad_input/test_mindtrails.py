"""Bad-input corpus of MindTrails: responses the exporter refuses as a whole, and entries whose
values do not fit the models' columns.

A response that is not a list of entries with unique bigint ids fails the export with an
`EntryError` (a `BadInput`: no retry; `tests/mindtrails/test_faults.py` shows that nothing is
then backed up, loaded or deleted). An entry the exporter stored whose value does not fit a
typed column (the finding: a decrypted participant id that is not a number failed the whole
`mindtrails_refresh`) is left out of the models and listed in `mindtrails.entry_reject` with the
reason; the refresh succeeds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import psycopg
import pytest
from tributary.errors import BadInput
from tributary.mindtrails.export import EntryError, parse_entries

RESPONSES = [
    ("not JSON", b"[{'id': 1}", "is not valid JSON"),
    ("cut off", b'[{"id": 1}, {"id": 2', "is not valid JSON"),
    ("binary", bytes(range(256)), "is not valid JSON"),
    ("an object, not a list", b'{"id": 1}', "expected a JSON list of entries, got dict"),
    ("id as text", b'[{"id": "7"}]', "entry #1 of 1 has no integer id"),
    ("id missing", b'[{"id": 1}, {"date": "x"}]', "entry #2 of 2 has no integer id"),
    ("id beyond bigint", b'[{"id": 9223372036854775808}]', "has no integer id from 0 to 9223372036854775807"),
    ("negative id", b'[{"id": -1}]', "has no integer id"),
    ("id true", b'[{"id": true}]', "has no integer id"),
    ("duplicate ids", b'[{"id": 3}, {"id": 3}]', "entry id 3 appears twice"),
    ("NUL character", b'[{"id": 4, "session": "PRE\\u0000"}]', "entry 4 holds a NUL character"),
    ("huge entry quoted short", json.dumps([{"id": "x" * 100_000}]).encode(), "has no integer id"),
]


@pytest.mark.parametrize(("raw", "reason"), [r[1:] for r in RESPONSES], ids=[r[0] for r in RESPONSES])
def test_response_is_refused_as_a_whole(raw, reason):
    with pytest.raises(EntryError, match=reason) as refused:
        parse_entries(raw, "alpha", "OA")
    assert isinstance(refused.value, BadInput)  # no retries
    assert str(refused.value).startswith("server 'alpha', scale 'OA': ")
    assert len(str(refused.value)) < 600


GOOD_OA = {"participantRSA": "101", "session": "PRE", "date": "2024-03-01T10:00:00Z",
           "timeOnPage": 12.5, "anxious_freq": 1, "anxious_sev": 2, "avoid": 0, "interfere": 3,
           "interfere_social": 555}

#: (scale, entry id, payload changes, the field expected in entry_reject and its reason; None:
#: the entry is kept)
ENTRIES = [
    ("OA", 1, {}, None),
    ("OA", 2, {"participantRSA": "P-17"}, ("participantRSA", 'not a bigint: invalid input syntax for type bigint: "P-17"')),
    ("OA", 3, {"date": "2024-02-30T10:00:00Z"}, ("date", "not a timestamptz: date/time field value out of range")),
    ("OA", 4, {"date": "next tuesday"}, ("date", "not a timestamptz: invalid input syntax")),
    ("OA", 5, {"session": "S" * 70_000}, ("session", "longer than 65536 characters (70000)")),
    ("OA", 6, {"anxious_freq": "three"}, ("anxious_freq", "not a integer: invalid input syntax for type integer")),
    ("OA", 7, {"avoid": {"a": 1}}, ("avoid", "not a integer")),
    ("OA", 8, {"interfere": [1, 2]}, ("interfere", "not a integer")),
    ("OA", 9, {"anxious_sev": 99999999999}, ("anxious_sev", "out of range for type integer")),
    ("OA", 10, {"timeOnPage": True}, ("timeOnPage", "not a numeric")),
    ("DASS21", 11, {"dass_05": "2.5"}, ("dass_05", "not a integer")),
    ("Demographics", 12, {"birthYear": "nineteen"}, ("birthYear", "not a integer")),
    ("TaskLog", 13, {"participantId": None}, ("participantId", "missing, but every entry needs it")),
    ("TaskLog", 14, {"participantId": "abc"}, ("participantId", "not a bigint")),
    ("Participant", 15, {"active": "maybe"}, ("active", "not a boolean")),
]


def payload(scale: str, changes: dict) -> dict:
    if scale == "TaskLog":
        base = {"participantId": 101, "sessionName": "PRE", "taskName": "OA", "dateCompleted": "2024-03-01"}
    elif scale == "Participant":
        base = {"participantId": 101, "currentSession": "PRE", "active": True, "created": "2024-02-01"}
    else:
        base = dict(GOOD_OA, **{f"dass_{i:02d}": 1 for i in range(1, 22)}) if scale == "DASS21" else dict(GOOD_OA)
        if scale == "Demographics":
            base.update(birthYear=1990, gender="Female")
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


@pytest.mark.slow
def test_values_that_do_not_fit_are_rejects_not_a_failed_refresh(warehouse_url, dbt):
    server = f"b{uuid.uuid4().hex[:8]}"
    now = dt.datetime.now(dt.UTC)
    rows = [(server, scale, entry_id, json.dumps(payload(scale, changes)), False, "[]", now)
            for scale, entry_id, changes, _ in ENTRIES]
    # An entry whose participantRSA the key could not decrypt: flagged, kept, not a reject.
    rows.append((server, "OA", 16, json.dumps(dict(GOOD_OA, participantRSA="bm90IGNpcGhlcg==")), True,
                 '["participantRSA"]', now))
    with psycopg.connect(warehouse_url) as conn, conn.cursor().copy(
            "copy raw_mindtrails.decoded from stdin") as copy:
        for row in rows:
            copy.write_row(row)

    dbt("build", "--select", "path:models/mindtrails")  # raises when the refresh fails

    with psycopg.connect(warehouse_url) as conn:
        rejects = {(scale, entry_id): (field, reason) for scale, entry_id, field, reason in conn.execute(
            "select scale, entry_id, field, reason from mindtrails.entry_reject where server = %s",
            (server,))}
        staged = {r[0] for r in conn.execute(
            "select entry_id from mindtrails_staging.stg_mindtrails__oa where server = %s "
            "union all select entry_id from mindtrails_staging.stg_mindtrails__dass21 where server = %s "
            "union all select entry_id from mindtrails_staging.stg_mindtrails__demographics where server = %s "
            "union all select task_log_id from mindtrails_staging.stg_mindtrails__task_log where server = %s "
            "union all select participant_row_id from mindtrails_staging.stg_mindtrails__participant "
            "where server = %s", (server,) * 5)}
        flagged = conn.execute("select o.participant_id, o.decrypt_failed from mindtrails.oa_score s "
                               "join mindtrails_staging.stg_mindtrails__oa o using (server, entry_id) "
                               "where server = %s and entry_id = 16", (server,)).fetchone()
        value = conn.execute("select length(value) from mindtrails.entry_reject where server = %s "
                             "and entry_id = 5", (server,)).fetchone()[0]
    for scale, entry_id, _, expected in ENTRIES:
        if expected is None:
            assert (scale, entry_id) not in rejects and entry_id in staged
        else:
            field, reason = rejects[(scale, entry_id)]
            assert field == expected[0] and re.search(re.escape(expected[1]), reason), (entry_id, reason)
            assert entry_id not in staged  # left out of the models
    assert len(rejects) == len(ENTRIES) - 1
    assert 16 in staged and flagged == (None, True)  # decrypt failures are flagged, not rejected
    assert value == 200  # the value is quoted, cut to 200 characters
